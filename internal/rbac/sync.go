package rbac

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// The methods below are the only place rbac records sync messages and
// domain events. Roles carry their System and assignments their User,
// System and Role when loaded; the outbox reads missing ones in tx.

func (s *Service) roleSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Role) error {
	return s.outbox.RoleSaved(ctx, tx, actor, before, after)
}

func (s *Service) roleDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, r *model.Role) error {
	return s.outbox.RoleDeleted(ctx, tx, actor, r)
}

func (s *Service) assignmentSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Assignment) error {
	return s.outbox.AssignmentSaved(ctx, tx, actor, before, after)
}

func (s *Service) assignmentDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, a *model.Assignment) error {
	return s.outbox.AssignmentDeleted(ctx, tx, actor, a)
}

func (s *Service) systemDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, sys *model.System) error {
	return s.outbox.SystemDeleted(ctx, tx, actor, sys)
}
