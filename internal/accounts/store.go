package accounts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// UserByID returns a staff user, or storage.ErrNotFound.
func UserByID(ctx context.Context, db bun.IDB, id int64) (*model.User, error) {
	u := &model.User{}
	err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return u, err
}

// UserByEmail returns the staff user with an e-mail address, compared
// case-insensitively, or storage.ErrNotFound.
func UserByEmail(ctx context.Context, db bun.IDB, email string) (*model.User, error) {
	u := &model.User{}
	err := db.NewSelect().Model(u).Where("email_normalized = ?", model.NormalizeEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return u, err
}

// RoleEntry is one assignment of a user with its system and role names.
type RoleEntry struct {
	ID           int64      `bun:"id"`
	SystemID     int64      `bun:"system_id"`
	SystemName   string     `bun:"system_name"`
	SystemSlug   string     `bun:"system_slug"`
	RoleID       int64      `bun:"role_id"`
	RoleName     string     `bun:"role_name"`
	AssignedAt   time.Time  `bun:"assigned_at"`
	LastLoggedOn *time.Time `bun:"last_logged_on"`
	IsActive     bool       `bun:"is_active"`
}

// Assignments returns every assignment of a user, ordered by assignment id.
// activeOnly keeps the active ones.
func Assignments(ctx context.Context, db bun.IDB, userID int64, activeOnly bool) ([]RoleEntry, error) {
	var out []RoleEntry
	q := db.NewSelect().TableExpr("user_system_roles AS a").
		ColumnExpr("a.id, a.system_id, s.name AS system_name, s.slug AS system_slug, a.role_id, r.name AS role_name, a.assigned_at, a.last_logged_on, a.is_active").
		Join("JOIN systems AS s ON s.id = a.system_id").
		Join("JOIN roles AS r ON r.id = a.role_id").
		Where("a.user_id = ?", userID).
		OrderExpr("a.id")
	if activeOnly {
		q = q.Where("a.is_active = ?", true)
	}
	err := q.Scan(ctx, &out)
	return out, err
}

// Grants converts active role entries to the grants of a principal.
func Grants(entries []RoleEntry) []httpx.Grant {
	grants := make([]httpx.Grant, 0, len(entries))
	for _, e := range entries {
		if !e.IsActive {
			continue
		}
		grants = append(grants, httpx.Grant{AssignmentID: e.ID, SystemID: e.SystemID, SystemSlug: e.SystemSlug,
			SystemName: e.SystemName, RoleID: e.RoleID, RoleName: e.RoleName})
	}
	return grants
}

// Subject builds the token subject of a user from its current rows: the
// roles claim lists active assignments ordered by assignment id.
func Subject(ctx context.Context, db bun.IDB, u *model.User) (*tokens.Subject, error) {
	entries, err := Assignments(ctx, db, u.ID, true)
	if err != nil {
		return nil, err
	}
	roles := make([]tokens.Role, 0, len(entries))
	for _, e := range entries {
		roles = append(roles, tokens.Role{System: e.SystemSlug, Role: e.RoleName})
	}
	return &tokens.Subject{Type: tokens.Staff, ID: u.ID, Email: u.Email, Username: u.Username, FullName: u.FullName(), Roles: roles}, nil
}

// LoadSubject is the tokens.SubjectLoader for staff users: the user must
// exist and be active.
func LoadSubject(ctx context.Context, tx bun.IDB, id int64) (*tokens.Subject, error) {
	u, err := UserByID(ctx, tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, tokens.ErrSubjectNotFound
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive {
		return nil, tokens.ErrSubjectInactive
	}
	return Subject(ctx, tx, u)
}

// Principal loads an active staff user and its grants for request
// authentication.
func Principal(ctx context.Context, db bun.IDB, id int64) (*model.User, []httpx.Grant, error) {
	u, err := UserByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, tokens.ErrSubjectNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if !u.IsActive {
		return nil, nil, tokens.ErrSubjectInactive
	}
	entries, err := Assignments(ctx, db, u.ID, true)
	if err != nil {
		return nil, nil, err
	}
	return u, Grants(entries), nil
}

// RaiseTokenEpoch sets tokens_valid_after to now, so every access token the
// user holds stops working inside authd.
func RaiseTokenEpoch(ctx context.Context, tx bun.IDB, userID int64, now time.Time) error {
	_, err := tx.NewUpdate().Model((*model.User)(nil)).Set("tokens_valid_after = ?", now.UTC()).Where("id = ?", userID).Exec(ctx)
	return err
}
