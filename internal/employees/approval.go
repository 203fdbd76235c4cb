package employees

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Decision refusals.
var (
	// ErrNotPending refuses a decision on an account that was already
	// approved or rejected.
	ErrNotPending = errors.New("User is no longer pending")
	// ErrNotFound reports an unknown account, or a staff user without an
	// hdts assignment.
	ErrNotFound = errors.New("User not found")
)

// Decide approves (approve true) or rejects a Pending employee on behalf of
// an HDTS admin. It records who decided and when, e-mails the decision, and
// writes the sync message, event and audit record. A rejection also revokes
// every family of the employee. Refusals are ErrNotFound and ErrNotPending.
func (s *Service) Decide(ctx context.Context, id int64, approve bool, admin *model.User) (*model.Employee, error) {
	status, event, template := decisionOf(approve)
	var after *model.Employee
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		now := s.now()
		// The status condition makes two concurrent decisions apply once.
		res, err := tx.NewUpdate().Model((*model.Employee)(nil)).
			Set("status = ?", status).Set("status_by_id = ?", admin.ID).Set("status_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", id).Where("status = ?", model.StatusPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotPending
		}
		if !approve {
			if err := s.revokeAll(ctx, tx, id, tokens.ReasonRejected, ""); err != nil {
				return err
			}
		}
		if after, err = ByID(ctx, tx, id); err != nil {
			return err
		}
		actor := &outbox.Actor{Type: string(tokens.Staff), ID: admin.ID}
		if err := s.statusChanged(ctx, tx, actor, before, after); err != nil {
			return err
		}
		if err := s.email(ctx, tx, string(template), after.Email, s.decisionVars(displayName(after))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: event}.Actor(string(tokens.Staff), admin.ID).Subject(subjectType, id))
	})
	return after, err
}

// DecideStaff approves or rejects a Pending staff user that has an hdts
// assignment, with the same e-mails as for employees.
func (s *Service) DecideStaff(ctx context.Context, id int64, approve bool, admin *model.User) (*model.User, error) {
	status, _, template := decisionOf(approve)
	var after *model.User
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := accounts.UserByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		inHDTS, err := hasHDTSAssignment(ctx, tx, id)
		if err != nil {
			return err
		}
		if !inHDTS {
			return ErrNotFound
		}
		now := s.now()
		res, err := tx.NewUpdate().Model((*model.User)(nil)).
			Set("status = ?", status).Set("status_by_id = ?", admin.ID).Set("status_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", id).Where("status = ?", model.StatusPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotPending
		}
		if after, err = accounts.UserByID(ctx, tx, id); err != nil {
			return err
		}
		actor := &outbox.Actor{Type: string(tokens.Staff), ID: admin.ID}
		if err := s.outbox.UserSaved(ctx, tx, actor, before, after); err != nil {
			return err
		}
		if err := s.email(ctx, tx, string(template), after.Email, s.decisionVars(after.DisplayName())); err != nil {
			return err
		}
		event := audit.Event{Name: "user.status_changed", Details: map[string]any{"status": status}}
		return audit.Record(ctx, tx, now, event.Actor(string(tokens.Staff), admin.ID).Subject(string(tokens.Staff), id))
	})
	return after, err
}

func decisionOf(approve bool) (status, event string, template mail.Template) {
	if approve {
		return model.StatusApproved, "employee.approved", mail.HDTSApproved
	}
	return model.StatusRejected, "employee.rejected", mail.HDTSRejected
}

func (s *Service) decisionVars(fullName string) map[string]any {
	return map[string]any{"full_name": fullName, "support_email": s.cfg.SupportEmail}
}

// hasHDTSAssignment reports whether a staff user has any assignment, active
// or not, in the hdts system.
func hasHDTSAssignment(ctx context.Context, db bun.IDB, userID int64) (bool, error) {
	return db.NewSelect().TableExpr("user_system_roles AS a").Join("JOIN systems AS s ON s.id = a.system_id").
		Where("a.user_id = ?", userID).Where("s.slug = ?", SystemSlug).Exists(ctx)
}

// hdtsStaffUser returns a staff user with an hdts assignment, or
// ErrNotFound.
func hdtsStaffUser(ctx context.Context, db bun.IDB, id int64) (*model.User, error) {
	u, err := accounts.UserByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	inHDTS, err := hasHDTSAssignment(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !inHDTS {
		return nil, ErrNotFound
	}
	return u, nil
}

// Delete removes an employee with its codes, factors, links and sessions,
// and records the delete sync message, event and audit record. The picture
// file is removed after the commit.
func (s *Service) Delete(ctx context.Context, id int64, actor *outbox.Actor) (*model.Employee, error) {
	var e *model.Employee
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		e, err = ByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := s.tokens.RevokeSubject(ctx, tx, tokens.Employee, id, tokens.ReasonDeleted, ""); err != nil {
			return err
		}
		for _, table := range []string{"otp_codes", "totp_credentials", "recovery_codes", "login_challenges", "password_tokens"} {
			if _, err := tx.NewDelete().Table(table).Where("subject_type = ?", subjectType).Where("subject_id = ?", id).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*model.Employee)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := s.deleted(ctx, tx, actor, e); err != nil {
			return err
		}
		event := audit.Event{Name: "employee.deleted", Details: map[string]any{"email": e.Email}}.Subject(subjectType, id)
		if actor != nil {
			event = event.Actor(actor.Type, actor.ID)
		}
		return audit.Record(ctx, tx, s.now(), event)
	})
	if err != nil {
		return nil, err
	}
	if e.ProfilePicture != nil {
		s.media.Delete(*e.ProfilePicture)
	}
	return e, nil
}
