package rbac

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// The methods below are the only place rbac records sync messages and
// domain events. Roles carry their System and assignments their User,
// System and Role, because the payloads name them.

// TODO: record through outbox.RoleSaved once the outbox provides it.
func (s *Service) roleSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Role) error {
	return nil
}

// TODO: record through outbox.RoleDeleted once the outbox provides it.
func (s *Service) roleDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, r *model.Role) error {
	return nil
}

// TODO: record through outbox.AssignmentSaved once the outbox provides it.
func (s *Service) assignmentSaved(ctx context.Context, tx bun.Tx, actor *outbox.Actor, before, after *model.Assignment) error {
	return nil
}

// TODO: record through outbox.AssignmentDeleted once the outbox provides it.
func (s *Service) assignmentDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, a *model.Assignment) error {
	return nil
}

// TODO: record through outbox.SystemDeleted once the outbox provides it.
func (s *Service) systemDeleted(ctx context.Context, tx bun.Tx, actor *outbox.Actor, sys *model.System) error {
	return nil
}
