package rbac

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// MsgAssignmentUnique is the 400 message of a duplicate assignment.
const MsgAssignmentUnique = "The fields user, system, role must make a unique set."

// ErrDuplicateAssignment reports that the user already has the role in the
// system. Each route turns it into its own body.
var ErrDuplicateAssignment = errors.New("the user already has this role in this system")

// ErrAdminAssignmentRemoval forbids a non-superuser to delete, deactivate
// or demote an Admin assignment.
var ErrAdminAssignmentRemoval = forbidden("Cannot remove Admin role assignments")

// DefaultSettings returns the settings of a new assignment when none are
// given.
func DefaultSettings() map[string]any { return map[string]any{"is_deployed": true} }

// RoleMismatch returns the 400 problem of a role that belongs to another
// system than the assignment's.
func RoleMismatch(role *model.Role, sys *model.System) *httpx.Problem {
	other := ""
	if role.System != nil {
		other = role.System.Name
	}
	return httpx.BadRequest(httpx.FieldErrors{"role": {fmt.Sprintf(
		"The selected role '%s' does not belong to the system '%s'. This role belongs to '%s' system.", role.Name, sys.Name, other)}})
}

// CheckAssignmentChange returns the problem that forbids a caller to give
// an assignment the role newRole and the flag active, or nil. Only
// superusers remove Admin rights: a non-superuser may not move an Admin
// assignment to another role or deactivate it.
func CheckAssignmentChange(superuser bool, a *model.Assignment, newRole *model.Role, active bool) *httpx.Problem {
	if superuser || !IsAdminRole(a.Role) || !a.IsActive {
		return nil
	}
	if newRole.ID != a.RoleID || !active {
		return ErrAdminAssignmentRemoval
	}
	return nil
}

// CheckAssignmentDelete returns the problem that forbids a caller to delete
// an assignment, or nil.
func CheckAssignmentDelete(superuser bool, a *model.Assignment) *httpx.Problem {
	if !superuser && IsAdminRole(a.Role) {
		return ErrAdminAssignmentRemoval
	}
	return nil
}

// Assign gives a user a role in a system. It returns a 400 problem when
// the role belongs to another system and ErrDuplicateAssignment when the
// user already has the role there. settings nil means DefaultSettings.
func (s *Service) Assign(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, sys *model.System, role *model.Role, active bool, settings map[string]any) (*model.Assignment, error) {
	if role.SystemID != sys.ID {
		return nil, RoleMismatch(role, sys)
	}
	taken, err := tx.NewSelect().Model((*model.Assignment)(nil)).
		Where("user_id = ?", u.ID).Where("system_id = ?", sys.ID).Where("role_id = ?", role.ID).Exists(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, ErrDuplicateAssignment
	}
	if settings == nil {
		settings = DefaultSettings()
	}
	a := &model.Assignment{UserID: u.ID, SystemID: sys.ID, RoleID: role.ID, AssignedAt: s.now(), IsActive: active, Settings: settings,
		User: u, System: sys, Role: role}
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, assignmentConstraintError(err)
	}
	if err := s.assignmentSaved(ctx, tx, actor, nil, a); err != nil {
		return nil, err
	}
	return a, s.record(ctx, tx, actor, "assignment.created", "assignment", a.ID, map[string]any{
		"user_id": u.ID, "system": sys.Slug, "role": role.Name, "is_active": active,
	})
}

// AssignmentChange is a validated change of an assignment. Nil fields are
// left unchanged.
type AssignmentChange struct {
	User     *model.User
	System   *model.System
	Role     *model.Role
	IsActive *bool
	Settings map[string]any // nil: unchanged
}

// UpdateAssignment applies a change. The caller has checked scope and
// CheckAssignmentChange. A role of another system is a 400 problem and a
// resulting duplicate is ErrDuplicateAssignment.
func (s *Service) UpdateAssignment(ctx context.Context, tx bun.Tx, actor *outbox.Actor, a *model.Assignment, c AssignmentChange) (*model.Assignment, error) {
	updated := *a
	var changed []string
	if c.User != nil && c.User.ID != a.UserID {
		updated.UserID, updated.User = c.User.ID, c.User
		changed = append(changed, "user")
	}
	if c.System != nil && c.System.ID != a.SystemID {
		updated.SystemID, updated.System = c.System.ID, c.System
		changed = append(changed, "system")
	}
	if c.Role != nil && c.Role.ID != a.RoleID {
		updated.RoleID, updated.Role = c.Role.ID, c.Role
		changed = append(changed, "role")
	}
	if updated.Role.SystemID != updated.SystemID {
		return nil, RoleMismatch(updated.Role, updated.System)
	}

	if c.IsActive != nil && *c.IsActive != a.IsActive {
		updated.IsActive = *c.IsActive
		changed = append(changed, "is_active")
	}
	if c.Settings != nil && !settingsEqual(c.Settings, a.Settings) {
		updated.Settings = c.Settings
		changed = append(changed, "settings")
	}
	if len(changed) == 0 {
		return &updated, nil
	}

	if updated.UserID != a.UserID || updated.SystemID != a.SystemID || updated.RoleID != a.RoleID {
		taken, err := tx.NewSelect().Model((*model.Assignment)(nil)).Where("user_id = ?", updated.UserID).
			Where("system_id = ?", updated.SystemID).Where("role_id = ?", updated.RoleID).Where("id <> ?", a.ID).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if taken {
			return nil, ErrDuplicateAssignment
		}
	}
	_, err := tx.NewUpdate().Model(&updated).Column("user_id", "system_id", "role_id", "is_active", "settings").WherePK().Exec(ctx)
	if err != nil {
		return nil, assignmentConstraintError(err)
	}
	if err := s.assignmentSaved(ctx, tx, actor, a, &updated); err != nil {
		return nil, err
	}
	return &updated, s.record(ctx, tx, actor, "assignment.updated", "assignment", a.ID, map[string]any{"changed": changed})
}

// DeleteAssignment deletes one assignment. The caller has checked scope and
// CheckAssignmentDelete.
func (s *Service) DeleteAssignment(ctx context.Context, tx bun.Tx, actor *outbox.Actor, a *model.Assignment) error {
	if err := s.assignmentDeleted(ctx, tx, actor, a); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*model.Assignment)(nil)).Where("id = ?", a.ID).Exec(ctx); err != nil {
		return err
	}
	return s.record(ctx, tx, actor, "assignment.deleted", "assignment", a.ID, map[string]any{
		"user_id": a.UserID, "system": a.System.Slug, "role": a.Role.Name,
	})
}

// DeleteUserAssignments deletes every assignment of a user, recording each
// deletion, as the first step of deleting the user.
func (s *Service) DeleteUserAssignments(ctx context.Context, tx bun.Tx, actor *outbox.Actor, userID int64) error {
	assignments, err := ListAssignments(ctx, tx, AssignmentFilter{Scope: Scope{All: true}, UserID: userID})
	if err != nil {
		return err
	}
	for i := range assignments {
		if err := s.assignmentDeleted(ctx, tx, actor, &assignments[i]); err != nil {
			return err
		}
	}
	_, err = tx.NewDelete().Model((*model.Assignment)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// ReplaceSettings sets the settings of several assignments, recording each
// change.
func (s *Service) ReplaceSettings(ctx context.Context, tx bun.Tx, actor *outbox.Actor, list []model.Assignment, settings map[string]any) error {
	for i := range list {
		if _, err := s.UpdateAssignment(ctx, tx, actor, &list[i], AssignmentChange{Settings: maps.Clone(settings)}); err != nil {
			return err
		}
	}
	return nil
}

func assignmentConstraintError(err error) error {
	ce, ok := storage.AsConstraint(err)
	switch {
	case !ok:
		return err
	case ce.Kind == storage.Unique:
		return ErrDuplicateAssignment
	case ce.Kind == storage.ForeignKey:
		return httpx.Conflict("The user, system or role was deleted meanwhile.")
	}
	return err
}

// settingsEqual compares two settings objects by their JSON form.
func settingsEqual(a, b map[string]any) bool {
	left, errLeft := json.Marshal(a)
	right, errRight := json.Marshal(b)
	return errLeft == nil && errRight == nil && bytes.Equal(left, right)
}
