package rbac

import (
	"context"
	"net/http"
	"regexp"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
)

// Messages of the system routes.
const (
	MsgSystemNameTaken = "system with this name already exists."
	MsgSystemSlugTaken = "system with this slug already exists."
	MsgSlugFormat      = `Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.`
	// AdminRoleDescription is the description of the Admin role created
	// with every system.
	AdminRoleDescription = "System administrator with full access"
)

var slugPattern = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// SystemInput is a validated system create or update. A nil field is left
// unchanged.
type SystemInput struct {
	Name *string
	Slug *string
}

// ReadSystemInput reads name and slug. partial is true for PATCH, where
// both fields are optional.
func ReadSystemInput(in *httpx.Input, partial bool) (SystemInput, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	var out SystemInput
	if name, ok := readName(f, "name", 255, !partial); ok {
		out.Name = &name
	}
	if slug, ok := f.String("slug", httpx.StringRule{Required: !partial, Trim: true, Max: 255}); ok {
		if slugPattern.MatchString(slug) {
			out.Slug = &slug
		} else {
			f.Errors.Add("slug", MsgSlugFormat)
		}
	}
	return out, f.Errors
}

// CreateSystem inserts a system together with its Admin role.
func (s *Service) CreateSystem(ctx context.Context, tx bun.Tx, actor *outbox.Actor, in SystemInput) (*model.System, error) {
	if err := s.checkSystemUnique(ctx, tx, 0, in); err != nil {
		return nil, err
	}
	now := s.now()
	sys := &model.System{Name: *in.Name, Slug: *in.Slug, CreatedAt: now}
	if _, err := tx.NewInsert().Model(sys).Exec(ctx); err != nil {
		return nil, systemConstraintError(err)
	}
	description := AdminRoleDescription
	admin := &model.Role{SystemID: sys.ID, Name: model.AdminRole, Description: &description, CreatedAt: now, System: sys}
	if _, err := tx.NewInsert().Model(admin).Exec(ctx); err != nil {
		return nil, err
	}
	if err := s.roleSaved(ctx, tx, actor, nil, admin); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tx, actor, "system.created", "system", sys.ID, map[string]any{"name": sys.Name, "slug": sys.Slug}); err != nil {
		return nil, err
	}
	return sys, s.record(ctx, tx, actor, "role.created", "role", admin.ID, map[string]any{"system": sys.Slug, "name": admin.Name})
}

// UpdateSystem changes the name or slug of a system.
func (s *Service) UpdateSystem(ctx context.Context, tx bun.Tx, actor *outbox.Actor, sys *model.System, in SystemInput) (*model.System, error) {
	if err := s.checkSystemUnique(ctx, tx, sys.ID, in); err != nil {
		return nil, err
	}
	updated := *sys
	var changed []string
	if in.Name != nil && *in.Name != sys.Name {
		updated.Name = *in.Name
		changed = append(changed, "name")
	}
	if in.Slug != nil && *in.Slug != sys.Slug {
		updated.Slug = *in.Slug
		changed = append(changed, "slug")
	}
	if len(changed) == 0 {
		return &updated, nil
	}
	if _, err := tx.NewUpdate().Model(&updated).Column("name", "slug").WherePK().Exec(ctx); err != nil {
		return nil, systemConstraintError(err)
	}
	return &updated, s.record(ctx, tx, actor, "system.updated", "system", sys.ID, map[string]any{"changed": changed})
}

// DeleteSystem deletes a system with its roles and assignments, recording
// the deletion of every assignment, then of every role, then of the system.
func (s *Service) DeleteSystem(ctx context.Context, tx bun.Tx, actor *outbox.Actor, sys *model.System) error {
	assignments, err := ListAssignments(ctx, tx, AssignmentFilter{Scope: Scope{All: true}, SystemID: sys.ID})
	if err != nil {
		return err
	}
	for i := range assignments {
		if err := s.assignmentDeleted(ctx, tx, actor, &assignments[i]); err != nil {
			return err
		}
	}
	roles, err := RolesOfSystem(ctx, tx, sys.ID)
	if err != nil {
		return err
	}
	for i := range roles {
		roles[i].System = sys
		if err := s.roleDeleted(ctx, tx, actor, &roles[i]); err != nil {
			return err
		}
	}
	if err := s.systemDeleted(ctx, tx, actor, sys); err != nil {
		return err
	}
	// The foreign keys cascade to the roles and assignments.
	if _, err := tx.NewDelete().Model(sys).WherePK().Exec(ctx); err != nil {
		return err
	}
	return s.record(ctx, tx, actor, "system.deleted", "system", sys.ID, map[string]any{
		"name": sys.Name, "slug": sys.Slug, "roles_deleted": len(roles), "assignments_deleted": len(assignments),
	})
}

// checkSystemUnique reports a name or slug another system uses as field
// errors.
func (s *Service) checkSystemUnique(ctx context.Context, tx bun.Tx, id int64, in SystemInput) error {
	errs := httpx.FieldErrors{}
	if in.Name != nil {
		taken, err := tx.NewSelect().Model((*model.System)(nil)).Where("name = ?", *in.Name).Where("id <> ?", id).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("name", MsgSystemNameTaken)
		}
	}
	if in.Slug != nil {
		taken, err := tx.NewSelect().Model((*model.System)(nil)).Where("slug = ?", *in.Slug).Where("id <> ?", id).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			errs.Add("slug", MsgSystemSlugTaken)
		}
	}
	if !errs.Empty() {
		return httpx.BadRequest(errs)
	}
	return nil
}

// systemConstraintError turns a uniqueness violation of a concurrent
// request into the field error the checks give.
func systemConstraintError(err error) error {
	ce, ok := storage.AsConstraint(err)
	if !ok || ce.Kind != storage.Unique {
		return err
	}
	switch {
	case ce.On("systems", "name"):
		return httpx.BadRequest(httpx.FieldErrors{"name": {MsgSystemNameTaken}})
	case ce.On("systems", "slug"):
		return httpx.BadRequest(httpx.FieldErrors{"slug": {MsgSystemSlugTaken}})
	}
	return &httpx.Problem{Status: http.StatusConflict, Body: map[string]any{"error": "A system with this name or slug already exists.", "code": "conflict"}}
}
