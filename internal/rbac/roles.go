package rbac

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// Messages of the role routes.
const (
	MsgRoleUnique        = "The fields system, name must make a unique set."
	MsgRoleSystemChanged = "The system of a role cannot be changed."
)

// Problems of the role rules shared by several routes.
var (
	ErrDefaultRoleChange = forbidden("Cannot modify system default roles")
	ErrAdminRoleDelete   = forbidden("Cannot delete system Admin role")
	ErrDefaultRoleDelete = forbidden("Cannot delete system default roles")
)

func forbidden(message string) *httpx.Problem {
	return &httpx.Problem{Status: http.StatusForbidden, Body: map[string]any{"error": message}}
}

// RoleInput is a validated role create or update. A nil field is left
// unchanged (or takes its default on create).
type RoleInput struct {
	SystemID       int64 // 0 when absent
	Name           *string
	Description    *string
	DescriptionSet bool // description was sent, possibly null
	IsCustom       *bool
}

// ReadRoleInput reads system, name, description and is_custom. partial is
// true for updates, where every field is optional.
func ReadRoleInput(in *httpx.Input, partial bool) (RoleInput, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	var out RoleInput
	out.SystemID, _ = readPK(f, in, "system", !partial)
	if name, ok := readName(f, "name", 150, !partial); ok {
		out.Name = &name
	}
	out.Description, out.DescriptionSet = readDescription(f, in)
	if custom, ok := f.Bool("is_custom"); ok {
		out.IsCustom = &custom
	}
	return out, f.Errors
}

// CheckRoleChange returns the problem that forbids a caller to change a
// role with in, or nil. The Admin role cannot be renamed by anyone, and
// only superusers change built-in roles.
func CheckRoleChange(superuser bool, role *model.Role, in RoleInput) *httpx.Problem {
	if IsAdminRole(role) && in.Name != nil && *in.Name != role.Name {
		return ErrDefaultRoleChange
	}
	if !superuser && !role.IsCustom {
		return ErrDefaultRoleChange
	}
	return nil
}

// CheckRoleDelete returns the problem that forbids a caller to delete a
// role, or nil.
func CheckRoleDelete(superuser bool, role *model.Role) *httpx.Problem {
	if IsAdminRole(role) {
		return ErrAdminRoleDelete
	}
	if !superuser && !role.IsCustom {
		return ErrDefaultRoleDelete
	}
	return nil
}

// CreateRole inserts a role in sys. A duplicate name in the system is a
// 400 with the unique-set message.
func (s *Service) CreateRole(ctx context.Context, tx bun.Tx, actor *outbox.Actor, sys *model.System, name string, description *string, isCustom bool) (*model.Role, error) {
	taken, err := tx.NewSelect().Model((*model.Role)(nil)).Where("system_id = ?", sys.ID).Where("name = ?", name).Exists(ctx)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, errRoleUnique
	}
	role := &model.Role{SystemID: sys.ID, Name: name, Description: description, IsCustom: isCustom, CreatedAt: s.now(), System: sys}
	if _, err := tx.NewInsert().Model(role).Exec(ctx); err != nil {
		return nil, roleConstraintError(err)
	}
	if err := s.roleSaved(ctx, tx, actor, nil, role); err != nil {
		return nil, err
	}
	return role, s.record(ctx, tx, actor, "role.created", "role", role.ID, map[string]any{"system": sys.Slug, "name": name, "is_custom": isCustom})
}

// UpdateRole changes the name, description or is_custom of a role. The
// caller has checked CheckRoleChange. A different system is a field error.
func (s *Service) UpdateRole(ctx context.Context, tx bun.Tx, actor *outbox.Actor, role *model.Role, in RoleInput) (*model.Role, error) {
	if in.SystemID != 0 && in.SystemID != role.SystemID {
		return nil, httpx.BadRequest(httpx.FieldErrors{"system": {MsgRoleSystemChanged}})
	}
	updated := *role
	var changed []string
	if in.Name != nil && *in.Name != role.Name {
		taken, err := tx.NewSelect().Model((*model.Role)(nil)).Where("system_id = ?", role.SystemID).Where("name = ?", *in.Name).Where("id <> ?", role.ID).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if taken {
			return nil, errRoleUnique
		}
		updated.Name = *in.Name
		changed = append(changed, "name")
	}
	if in.DescriptionSet && !sameText(in.Description, role.Description) {
		updated.Description = in.Description
		changed = append(changed, "description")
	}
	if in.IsCustom != nil && *in.IsCustom != role.IsCustom {
		updated.IsCustom = *in.IsCustom
		changed = append(changed, "is_custom")
	}
	if len(changed) == 0 {
		return &updated, nil
	}
	if _, err := tx.NewUpdate().Model(&updated).Column("name", "description", "is_custom").WherePK().Exec(ctx); err != nil {
		return nil, roleConstraintError(err)
	}
	if err := s.roleSaved(ctx, tx, actor, role, &updated); err != nil {
		return nil, err
	}
	return &updated, s.record(ctx, tx, actor, "role.updated", "role", role.ID, map[string]any{"changed": changed})
}

// DeleteRole deletes a role and the assignments that use it, recording the
// deletion of every assignment before the role's. The caller has checked
// CheckRoleDelete.
func (s *Service) DeleteRole(ctx context.Context, tx bun.Tx, actor *outbox.Actor, role *model.Role) error {
	assignments, err := ListAssignments(ctx, tx, AssignmentFilter{Scope: Scope{All: true}, RoleID: role.ID})
	if err != nil {
		return err
	}
	for i := range assignments {
		if err := s.assignmentDeleted(ctx, tx, actor, &assignments[i]); err != nil {
			return err
		}
	}
	if err := s.roleDeleted(ctx, tx, actor, role); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*model.Role)(nil)).Where("id = ?", role.ID).Exec(ctx); err != nil {
		return err
	}
	return s.record(ctx, tx, actor, "role.deleted", "role", role.ID, map[string]any{
		"system": role.System.Slug, "name": role.Name, "assignments_deleted": len(assignments),
	})
}

var errRoleUnique = httpx.BadRequest(map[string]any{"non_field_errors": []string{MsgRoleUnique}})

func roleConstraintError(err error) error {
	if storage.IsUnique(err, "roles", "name") {
		return errRoleUnique
	}
	return err
}

func sameText(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
