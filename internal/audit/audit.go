// Package audit records security-relevant events in the audit_events table,
// in the same transaction as the change they describe.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/requestinfo"
)

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
)

// Event is one audit record. IP, UserAgent and RequestID are taken from the
// request context when left empty. Details must never hold passwords,
// tokens, codes, keys or hashes.
type Event struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID          int64          `bun:"id,pk,autoincrement" json:"id"`
	OccurredAt  time.Time      `bun:"occurred_at" json:"occurred_at"`
	Name        string         `bun:"event" json:"event"`
	Outcome     string         `bun:"outcome" json:"outcome"`
	ActorType   *string        `bun:"actor_type" json:"actor_type"`
	ActorID     *int64         `bun:"actor_id" json:"actor_id"`
	SubjectType *string        `bun:"subject_type" json:"subject_type"`
	SubjectID   *int64         `bun:"subject_id" json:"subject_id"`
	Identifier  *string        `bun:"identifier" json:"identifier"`
	IP          *string        `bun:"ip" json:"ip"`
	UserAgent   *string        `bun:"user_agent" json:"user_agent"`
	RequestID   *string        `bun:"request_id" json:"request_id"`
	Details     map[string]any `bun:"details,type:jsonb,notnull" json:"details"`
}

// Actor returns an event with the actor set.
func (e Event) Actor(kind string, id int64) Event {
	e.ActorType, e.ActorID = &kind, &id
	return e
}

// Subject returns an event with the subject set.
func (e Event) Subject(kind string, id int64) Event {
	e.SubjectType, e.SubjectID = &kind, &id
	return e
}

// WithIdentifier returns an event with the submitted identifier (an e-mail
// address, at most 254 characters) set.
func (e Event) WithIdentifier(identifier string) Event {
	if len(identifier) > 254 {
		identifier = identifier[:254]
	}
	e.Identifier = &identifier
	return e
}

// Record inserts the event through db, which is normally the transaction of
// the change it describes.
func Record(ctx context.Context, db bun.IDB, now time.Time, e Event) error {
	if e.Outcome == "" {
		e.Outcome = Success
	}
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.OccurredAt = now.UTC()
	info := requestinfo.From(ctx)
	if e.IP == nil && info.IP != "" {
		e.IP = &info.IP
	}
	if e.UserAgent == nil && info.UserAgent != "" {
		ua := truncate(info.UserAgent, 256)
		e.UserAgent = &ua
	}
	if e.RequestID == nil && info.RequestID != "" {
		e.RequestID = &info.RequestID
	}
	if _, err := db.NewInsert().Model(&e).Exec(ctx); err != nil {
		return fmt.Errorf("record audit event %s: %w", e.Name, err)
	}
	return nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
