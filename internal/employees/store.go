package employees

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// The hdts system and role that employee tokens and profiles name.
const (
	SystemSlug   = "hdts"
	EmployeeRole = "Employee"
)

// subjectType is the subject_type of employee rows in the shared tables
// (refresh families, codes, one-time tokens, audit events).
const subjectType = string(tokens.Employee)

// ByID returns an employee, or storage.ErrNotFound.
func ByID(ctx context.Context, db bun.IDB, id int64) (*model.Employee, error) {
	return scanOne(ctx, db, "id = ?", id)
}

// ByEmail returns the employee with an e-mail address, compared
// case-insensitively, or storage.ErrNotFound.
func ByEmail(ctx context.Context, db bun.IDB, email string) (*model.Employee, error) {
	return scanOne(ctx, db, "email_normalized = ?", model.NormalizeEmail(email))
}

// ByCompanyID returns the employee with a company id, or
// storage.ErrNotFound.
func ByCompanyID(ctx context.Context, db bun.IDB, companyID string) (*model.Employee, error) {
	return scanOne(ctx, db, "company_id = ?", companyID)
}

func scanOne(ctx context.Context, db bun.IDB, where string, arg any) (*model.Employee, error) {
	e := &model.Employee{}
	err := db.NewSelect().Model(e).Where(where, arg).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// AdminLocked reports an admin lock, which has no end time and revokes
// every token until an admin lifts it.
func AdminLocked(e *model.Employee) bool {
	return e.IsLocked && e.LockReason != nil && *e.LockReason == model.LockAdmin
}

// Subject builds the token subject of an employee: username falls back to
// the e-mail local part, full_name joins first, middle and last name, and
// the only role is hdts/Employee.
func Subject(e *model.Employee) *tokens.Subject {
	username := e.TokenUsername()
	return &tokens.Subject{Type: tokens.Employee, ID: e.ID, Email: e.Email, Username: &username,
		FullName: e.TokenFullName(), Roles: []tokens.Role{{System: SystemSlug, Role: EmployeeRole}}}
}

// activeByID loads an employee that may hold tokens: it exists, is
// Approved and is not admin-locked.
func activeByID(ctx context.Context, db bun.IDB, id int64) (*model.Employee, error) {
	e, err := ByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, tokens.ErrSubjectNotFound
	}
	if err != nil {
		return nil, err
	}
	if e.Status != model.StatusApproved || AdminLocked(e) {
		return nil, tokens.ErrSubjectInactive
	}
	return e, nil
}

// LoadSubject loads the claims of an Approved, not admin-locked employee
// for a refresh (the sessions.Employees directory).
func (s *Service) LoadSubject(ctx context.Context, tx bun.IDB, id int64) (*tokens.Subject, error) {
	e, err := activeByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return Subject(e), nil
}

// loadSubject is the tokens.SubjectLoader of the employee refresh route:
// any other account type is not found.
func (s *Service) loadSubject(ctx context.Context, tx bun.IDB, t tokens.SubjectType, id int64) (*tokens.Subject, error) {
	if t != tokens.Employee {
		return nil, tokens.ErrSubjectNotFound
	}
	return s.LoadSubject(ctx, tx, id)
}

// Principal loads the employee behind an access token: it must exist, be
// Approved and not be admin-locked.
func Principal(ctx context.Context, db bun.IDB, id int64) (*model.Employee, error) {
	return activeByID(ctx, db, id)
}

// TokensValidAfter returns the revocation epoch of an employee that may
// hold tokens, or tokens.ErrSubjectNotFound.
func (s *Service) TokensValidAfter(ctx context.Context, db bun.IDB, id int64) (*time.Time, error) {
	e, err := activeByID(ctx, db, id)
	if errors.Is(err, tokens.ErrSubjectInactive) {
		return nil, tokens.ErrSubjectNotFound
	}
	if err != nil {
		return nil, err
	}
	return e.TokensValidAfter, nil
}

// ByCompanyID returns the employee with a company id (the
// sessions.Employees directory).
func (s *Service) ByCompanyID(ctx context.Context, db bun.IDB, companyID string) (*model.Employee, error) {
	return ByCompanyID(ctx, db, companyID)
}

// raiseTokenEpoch sets tokens_valid_after to now, so every access token the
// employee holds stops working inside authd.
func raiseTokenEpoch(ctx context.Context, tx bun.IDB, id int64, now time.Time) error {
	_, err := tx.NewUpdate().Model((*model.Employee)(nil)).Set("tokens_valid_after = ?", now.UTC()).Where("id = ?", id).Exec(ctx)
	return err
}

// revokeAll revokes every refresh family of an employee except keepFamily
// and raises its token epoch, as password changes, resets, rejection and
// deletion require.
func (s *Service) revokeAll(ctx context.Context, tx bun.IDB, id int64, reason, keepFamily string) error {
	if _, err := s.tokens.RevokeSubject(ctx, tx, tokens.Employee, id, reason, keepFamily); err != nil {
		return err
	}
	if keepFamily != "" {
		return nil
	}
	return raiseTokenEpoch(ctx, tx, id, s.now())
}
