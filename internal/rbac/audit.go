package rbac

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/outbox"
)

// record writes an audit event about one system, role or assignment
// (subjectType "system", "role" or "assignment").
func (s *Service) record(ctx context.Context, tx bun.Tx, actor *outbox.Actor, name, subjectType string, subjectID int64, details map[string]any) error {
	event := audit.Event{Name: name, Details: details}.Subject(subjectType, subjectID)
	if actor != nil {
		event = event.Actor(actor.Type, actor.ID)
	}
	return audit.Record(ctx, tx, s.now(), event)
}
