package employees

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/tokens"
)

// ErrCodeNotQueued reports that the e-mail carrying a sign-in code could
// not be queued; the login route answers 500 with its own body.
var ErrCodeNotQueued = errors.New("the sign-in code e-mail could not be queued")

// SecondFactor is two-factor authentication as employee sign-in uses it.
type SecondFactor interface {
	// Methods returns the enabled second-factor methods of an account,
	// empty when none is enabled.
	Methods(ctx context.Context, db bun.IDB, subjectType tokens.SubjectType, id int64) ([]string, error)
	// Begin creates a sign-in challenge in tx and e-mails a code when
	// e-mail is among methods.
	Begin(ctx context.Context, tx bun.Tx, e *model.Employee, methods []string, meta tokens.FamilyMeta) (*accounts.Challenge, error)
}

// Messages of the employee two-factor routes.
const (
	msgPasswordIncorrect = "Password is incorrect"
	msg2FAEnabled        = "2FA enabled successfully"
	msg2FADisabled       = "2FA disabled successfully"
)

// verifyOwnPassword checks the password of a signed-in employee. A wrong
// password counts as a password failure of the account.
func (s *Service) verifyOwnPassword(ctx context.Context, e *model.Employee, password string) (bool, error) {
	current, err := ByID(ctx, s.db, e.ID)
	if err != nil {
		return false, err
	}
	ok, _, err := s.checkPassword(ctx, current, password)
	if err != nil || ok {
		return ok, err
	}
	return false, s.passwordFailed(ctx, current, current.Email)
}

// readPassword reads the password field of a two-factor route and checks
// it, writing the route's 400 body when it is missing or wrong.
func (h *Handlers) readPassword(w http.ResponseWriter, r *http.Request, e *model.Employee) bool {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return false
	}
	f := httpx.NewFields(in)
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return false
	}
	ok, err := h.svc.verifyOwnPassword(r.Context(), e, password)
	if err != nil {
		httpx.Fail(w, r, err)
		return false
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": msgPasswordIncorrect})
		return false
	}
	return true
}

// Enable2FA serves POST /api/v1/hdts/employees/api/2fa/enable/: e-mail
// codes on, after the password.
func (h *Handlers) Enable2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !h.readPassword(w, r, p.Employee) {
		return
	}
	if err := h.svc.SetEmailOTP(r.Context(), p.Employee.ID, true, ""); err != nil {
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msg2FAEnabled})
}

// Disable2FA serves POST /api/v1/hdts/employees/api/2fa/disable/: every
// factor off, after the password. Other sessions are signed out.
func (h *Handlers) Disable2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !h.readPassword(w, r, p.Employee) {
		return
	}
	keep, err := h.svc.tokens.FamilyOfAccess(r.Context(), h.svc.db, p.Claims.JTI)
	if err != nil {
		keep = "" // an access token without a family row keeps nothing
	}
	if err := h.svc.SetEmailOTP(r.Context(), p.Employee.ID, false, keep); err != nil {
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msg2FADisabled})
}

// SetEmailOTP turns e-mail codes on, or turns every second factor off
// (e-mail codes, the authenticator app, recovery codes and unused codes)
// and revokes every family but keepFamily. A change sends the notice
// e-mail and writes its audit event.
func (s *Service) SetEmailOTP(ctx context.Context, id int64, on bool, keepFamily string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, id)
		if err != nil {
			return err
		}
		wasOn, err := secondFactorOn(ctx, tx, before)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.NewUpdate().Model((*model.Employee)(nil)).Set("otp_enabled = ?", on).Set("updated_at = ?", now).
			Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if !on {
			if err := s.disableAllFactors(ctx, tx, id); err != nil {
				return err
			}
			if _, err := s.tokens.RevokeSubject(ctx, tx, tokens.Employee, id, tokens.ReasonFactorChanged, keepFamily); err != nil {
				return err
			}
		}
		after, err := ByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.saved(ctx, tx, &outbox.Actor{Type: subjectType, ID: id}, before, after); err != nil {
			return err
		}
		if wasOn == on {
			return nil
		}
		template, event := mail.HDTS2FAEnabled, "2fa.enabled"
		if !on {
			template, event = mail.HDTS2FADisabled, "2fa.disabled"
		}
		if err := s.email(ctx, tx, string(template), after.Email, map[string]any{"full_name": displayName(after)}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: event}.Actor(subjectType, id).Subject(subjectType, id))
	})
}

// disableAllFactors removes the authenticator app and recovery codes of an
// employee and voids its unused e-mail codes.
func (s *Service) disableAllFactors(ctx context.Context, tx bun.IDB, id int64) error {
	for _, table := range []string{"totp_credentials", "recovery_codes"} {
		if _, err := tx.NewDelete().Table(table).Where("subject_type = ?", subjectType).Where("subject_id = ?", id).Exec(ctx); err != nil {
			return err
		}
	}
	return s.voidCodes(ctx, tx, id)
}

// voidCodes makes every unused e-mail code of an employee unusable.
func (s *Service) voidCodes(ctx context.Context, tx bun.IDB, id int64) error {
	_, err := tx.NewUpdate().Table("otp_codes").Set("used_at = ?", s.now().UTC()).
		Where("subject_type = ?", subjectType).Where("subject_id = ?", id).Where("used_at IS NULL").Exec(ctx)
	return err
}

// Status2FA serves GET /api/v1/hdts/employees/api/2fa/status/.
func (h *Handlers) Status2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	ctx := r.Context()
	totp, err := h.svc.db.NewSelect().Table("totp_credentials").
		Where("subject_type = ?", subjectType).Where("subject_id = ?", p.Employee.ID).Where("confirmed_at IS NOT NULL").Exists(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	remaining, err := h.svc.db.NewSelect().Table("recovery_codes").
		Where("subject_type = ?", subjectType).Where("subject_id = ?", p.Employee.ID).Where("used_at IS NULL").Count(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	emailOn := p.Employee.OTPEnabled
	httpx.JSON(w, http.StatusOK, map[string]any{
		"otp_enabled":              emailOn || totp,
		"methods":                  map[string]bool{"email": emailOn, "totp": totp},
		"recovery_codes_remaining": remaining,
	})
}
