package rbac

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

// SystemByID returns a system, or storage.ErrNotFound.
func SystemByID(ctx context.Context, db bun.IDB, id int64) (*model.System, error) {
	sys := &model.System{}
	err := db.NewSelect().Model(sys).Where("id = ?", id).Scan(ctx)
	return sys, storage.NotFound(err)
}

// SystemBySlug returns the system with exactly that slug, or
// storage.ErrNotFound.
func SystemBySlug(ctx context.Context, db bun.IDB, slug string) (*model.System, error) {
	sys := &model.System{}
	err := db.NewSelect().Model(sys).Where("slug = ?", slug).Scan(ctx)
	return sys, storage.NotFound(err)
}

// SystemBySlugFold returns the system whose slug equals slug under Unicode
// case folding, or storage.ErrNotFound. Slugs are few, so they are compared
// in Go, where folding is not limited to ASCII as in SQLite.
func SystemBySlugFold(ctx context.Context, db bun.IDB, slug string) (*model.System, error) {
	var systems []model.System
	if err := db.NewSelect().Model(&systems).OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	for i := range systems {
		if systems[i].Slug == slug {
			return &systems[i], nil
		}
	}
	for i := range systems {
		if strings.EqualFold(systems[i].Slug, slug) {
			return &systems[i], nil
		}
	}
	return nil, storage.ErrNotFound
}

// RoleByID returns a role with its system, or storage.ErrNotFound.
func RoleByID(ctx context.Context, db bun.IDB, id int64) (*model.Role, error) {
	role := &model.Role{}
	err := db.NewSelect().Model(role).Relation("System").Where(`"role".id = ?`, id).Scan(ctx)
	return role, storage.NotFound(err)
}

// RolesOfSystem returns the roles of a system ordered by id.
func RolesOfSystem(ctx context.Context, db bun.IDB, systemID int64) ([]model.Role, error) {
	roles := []model.Role{}
	err := db.NewSelect().Model(&roles).Where("system_id = ?", systemID).OrderExpr("id").Scan(ctx)
	return roles, err
}

// AssignmentByID returns an assignment with its user, system and role, or
// storage.ErrNotFound.
func AssignmentByID(ctx context.Context, db bun.IDB, id int64) (*model.Assignment, error) {
	a := &model.Assignment{}
	err := db.NewSelect().Model(a).Relation("User").Relation("System").Relation("Role").
		Where(`"assignment".id = ?`, id).Scan(ctx)
	return a, storage.NotFound(err)
}

// AssignmentFilter narrows ListAssignments. Zero fields do not filter.
type AssignmentFilter struct {
	Scope      Scope
	SystemSlug string
	SystemID   int64
	UserID     int64
	RoleID     int64
	ActiveOnly bool // active assignments of active users
}

// ListAssignments returns assignments with their user, system and role,
// ordered by assignment id.
func ListAssignments(ctx context.Context, db bun.IDB, f AssignmentFilter) ([]model.Assignment, error) {
	out := []model.Assignment{}
	if f.Scope.Empty() {
		return out, nil
	}
	q := db.NewSelect().Model(&out).Relation("User").Relation("System").Relation("Role").OrderExpr(`"assignment".id`)
	if !f.Scope.All {
		q = q.Where(`"assignment".system_id IN (?)`, bun.In(f.Scope.SystemIDs))
	}
	if f.SystemSlug != "" {
		q = q.Where(`"system".slug = ?`, f.SystemSlug)
	}
	if f.SystemID != 0 {
		q = q.Where(`"assignment".system_id = ?`, f.SystemID)
	}
	if f.UserID != 0 {
		q = q.Where(`"assignment".user_id = ?`, f.UserID)
	}
	if f.RoleID != 0 {
		q = q.Where(`"assignment".role_id = ?`, f.RoleID)
	}
	if f.ActiveOnly {
		q = q.Where(`"assignment".is_active = ?`, true).Where(`"user".is_active = ?`, true)
	}
	return out, q.Scan(ctx)
}

// HasAssignmentIn reports whether a user has any assignment, active or not,
// in one of the systems of scope.
func HasAssignmentIn(ctx context.Context, db bun.IDB, userID int64, scope Scope) (bool, error) {
	if scope.Empty() {
		return false, nil
	}
	q := db.NewSelect().Model((*model.Assignment)(nil)).Where("user_id = ?", userID)
	if !scope.All {
		q = q.Where("system_id IN (?)", bun.In(scope.SystemIDs))
	}
	return q.Exists(ctx)
}
