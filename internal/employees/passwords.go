package employees

import (
	"context"
	"errors"
	"github.com/mapactive/authd/internal/lockout"
	"github.com/mapactive/authd/internal/mailrequest"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the employee password routes.
const (
	msgPasswordChanged  = "Password changed successfully"
	msgOldIncorrect     = "Old password is incorrect"
	msgNewMismatch      = "New passwords do not match."
	msgNewSameAsOld     = "New password must be different from old password."
	msgForgotSent       = "If an account with that email exists, you will receive password reset instructions."
	msgInvalidEmail     = "Invalid email address."
	msgResetDone        = "Password reset successfully. Please log in with your new password."
	msgResetMismatch    = "Passwords do not match."
	msgResetTokenBad    = "Invalid or expired reset token."
	resetPagePath       = "/reset-password/?token="
	passwordFieldMaxLen = 1024
)

var passwordRule = httpx.StringRule{Required: true, Max: passwordFieldMaxLen}

// ChangePassword serves POST /api/v1/hdts/employees/api/profile/change-password/.
// Every family of the employee is revoked. A caller signed in by cookie
// gets a new pair in the same response, so its browser stays signed in.
func (h *Handlers) ChangePassword(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	oldPassword, _ := f.String("old_password", passwordRule)
	newPassword, _ := f.String("new_password", passwordRule)
	confirm, _ := f.String("confirm_password", passwordRule)
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}

	ok, err := h.svc.verifyOwnPassword(r.Context(), p.Employee, oldPassword)
	if err != nil {
		httpx.Fail(w, r, err)
		return
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": msgOldIncorrect})
		return
	}

	var refusal []string
	switch {
	case newPassword != confirm:
		refusal = []string{msgNewMismatch}
	case newPassword == oldPassword:
		refusal = []string{msgNewSameAsOld}
	default:
		refusal = h.svc.policy.Check(r.Context(), newPassword, usernameOf(p.Employee), p.Employee.Email)
	}
	if len(refusal) > 0 {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": refusal})
		return
	}

	var meta *tokens.FamilyMeta
	if p.ViaCookie {
		info := requestinfo.From(r.Context())
		meta = &tokens.FamilyMeta{RememberMe: true, IP: info.IP, UserAgent: info.UserAgent}
	}
	pair, err := h.svc.ChangePassword(r.Context(), p.Employee.ID, newPassword, meta)
	if err != nil {
		httpx.Fail(w, r, err)
		return
	}
	if pair != nil {
		h.cookies.SetPair(w, pair)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msgPasswordChanged})
}

func usernameOf(e *model.Employee) string {
	if e.Username == nil {
		return ""
	}
	return *e.Username
}

// ChangePassword sets a new password that already passed the policy,
// revokes every family, voids pending reset links and codes, and queues the
// "password changed" e-mail. With meta set it starts a new family for the
// caller and returns its pair.
func (s *Service) ChangePassword(ctx context.Context, id int64, password string, meta *tokens.FamilyMeta) (*tokens.Pair, error) {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	var pair *tokens.Pair
	err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		e, err := s.setPassword(ctx, tx, id, hash, false)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, s.now(), audit.Event{Name: "password.changed"}.Actor(subjectType, id).Subject(subjectType, id)); err != nil {
			return err
		}
		if meta != nil {
			pair, err = s.tokens.StartFamily(ctx, tx, Subject(e), *meta)
		}
		return err
	})
	return pair, err
}

// setPassword stores a new hash in tx with everything a new password
// implies: families revoked and token epoch raised, reset links and unused
// codes voided, the "password changed" e-mail, and, with clearLock, the
// failure lock and counter cleared.
func (s *Service) setPassword(ctx context.Context, tx bun.Tx, id int64, hash string, clearLock bool) (*model.Employee, error) {
	now := s.now()
	q := tx.NewUpdate().Model((*model.Employee)(nil)).Set("password = ?", hash).Set("password_nfc = ?", true).
		Set("updated_at = ?", now).Where("id = ?", id)
	if clearLock {
		q = lockout.ClearFailureLock(q)
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, err
	}
	if err := s.revokeAll(ctx, tx, id, tokens.ReasonPasswordChanged, ""); err != nil {
		return nil, err
	}
	if err := onetime.VoidAll(ctx, tx, now, subjectType, id); err != nil {
		return nil, err
	}
	if err := s.mfa.VoidCodes(ctx, tx, tokens.Employee, id); err != nil {
		return nil, err
	}
	e, err := ByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	vars := map[string]any{"full_name": displayName(e), "timestamp": now}
	return e, s.email(ctx, tx, string(mail.HDTSPasswordChanged), e.Email, vars)
}

// ForgotPassword serves POST /api/v1/hdts/employees/api/password/forgot/.
// The response is the same whether or not the address belongs to an
// employee.
func (h *Handlers) ForgotPassword(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	email, _ := f.LookupEmail("email", true)
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": msgInvalidEmail})
		return
	}
	var err error
	if h.svc.requests != nil {
		err = h.svc.requests.Enqueue(r.Context(), mailrequest.EmployeePasswordReset, email)
	} else {
		err = h.svc.RequestReset(r.Context(), email, requestinfo.From(r.Context()).IP)
	}
	if err != nil {
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"success": true, "message": msgForgotSent})
}

// RequestReset e-mails a reset link to the employee with email, unless no
// employee has it, the employee was rejected, or the mail limits refuse. It
// is the mail_request job of a forgot-password request, and runs inside the
// request only when no job queue is installed.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	if s.throttle != nil {
		decision, err := s.throttle.Mail(ctx, s.db, email, throttle.MailReset, ip)
		if err != nil {
			return err
		}
		if !decision.Allowed {
			return nil
		}
	}
	e, err := ByEmail(ctx, s.db, email)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil || e.Status == model.StatusRejected {
		return err
	}
	lifetime := s.cfg.Tokens.EmployeeResetTokenLifetime
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		token, err := onetime.Issue(ctx, tx, now, subjectType, e.ID, onetime.Reset, lifetime)
		if err != nil {
			return err
		}
		vars := map[string]any{"reset_link": s.cfg.PublicURL + resetPagePath + token, "expiry_hours": int(lifetime / time.Hour)}
		if err := s.email(ctx, tx, string(mail.HDTSPasswordReset), e.Email, vars); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: "password.reset_requested"}.Subject(subjectType, e.ID))
	})
}

// ResetPassword serves POST /api/v1/hdts/employees/api/password/reset/.
func (h *Handlers) ResetPassword(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	token, _ := f.String("token", httpx.StringRule{Required: true, Trim: true, Max: 256})
	password, _ := f.String("new_password", passwordRule)
	confirm, _ := f.String("confirm_password", passwordRule)
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if password != confirm {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"confirm_password": {msgResetMismatch}})
		return
	}
	if err := h.svc.ResetPassword(r.Context(), token, password); err != nil {
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"success": true, "message": msgResetDone})
}

var errResetToken = httpx.BadRequest(httpx.FieldErrors{"token": {msgResetTokenBad}})

// ResetPassword sets a new password with a reset link: the link is used,
// other links and unused codes are voided, every family is revoked and a
// failure lock is lifted. Refusals are 400 *httpx.Problem values.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	row, err := onetime.Lookup(ctx, s.db, s.now(), token, onetime.Reset)
	if errors.Is(err, onetime.ErrInvalid) || (err == nil && row.SubjectType != subjectType) {
		return errResetToken
	}
	if err != nil {
		return err
	}
	e, err := ByID(ctx, s.db, row.SubjectID)
	if errors.Is(err, storage.ErrNotFound) {
		return errResetToken
	}
	if err != nil {
		return err
	}
	if messages := s.policy.Check(ctx, password, usernameOf(e), e.Email); len(messages) > 0 {
		return httpx.BadRequest(httpx.FieldErrors{"new_password": messages})
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		redeemed, err := onetime.Redeem(ctx, tx, s.now(), token, onetime.Reset)
		if errors.Is(err, onetime.ErrInvalid) || (err == nil && (redeemed.SubjectType != subjectType || redeemed.SubjectID != e.ID)) {
			return errResetToken
		}
		if err != nil {
			return err
		}
		if _, err := s.setPassword(ctx, tx, e.ID, hash, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Name: "password.reset"}.Subject(subjectType, e.ID))
	})
}
