package accounts

import (
	"context"
	"errors"
	"github.com/mapactive/authd/internal/lockout"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the password routes.
const (
	MsgForgotSent          = "If an account with that email exists, a password reset link has been sent."
	MsgResetDone           = "Password has been reset successfully. You can now log in with your new password."
	MsgResetTokenInvalid   = "Invalid or expired reset token"
	MsgResetMismatch       = "Passwords do not match"
	MsgCurrentWrong        = "Current password is incorrect."
	MsgConfirmMismatch     = "Passwords do not match."
	MsgPasswordChanged     = "Password changed successfully."
	MsgPasswordResetByUser = "Password reset successful."
	MsgPasswordVerified    = "Password verified."
	MsgPasswordIncorrect   = "Incorrect password."
)

// Forgot serves POST /api/v1/users/password/forgot/ and its BMS alias
// password/request-reset/. The response never depends on the account: the
// lookup, limits and e-mail happen in ResetRequests.
func (sh *SecurityHandlers) Forgot(w http.ResponseWriter, r *http.Request) {
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	email, _ := f.LookupEmail("email", true)
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if err := sh.resets.RequestReset(r.Context(), email); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": MsgForgotSent})
}

// Reset serves POST /api/v1/users/password/reset/ and its BMS alias
// password/reset/confirm/. It accepts reset links and invitation links.
func (sh *SecurityHandlers) Reset(w http.ResponseWriter, r *http.Request) {
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	token, _ := f.String("token", httpx.StringRule{Required: true, Trim: true, Max: 256})
	password, hasPassword := readAliased(f, "password", "new_password")
	confirm, hasConfirm := readAliased(f, "password_confirm", "confirm_password", "new_password_confirm")
	if !hasPassword && !f.Errors.Has("password") {
		f.Errors.Add("password", httpx.MsgRequired)
	}
	if !hasConfirm && !f.Errors.Has("password_confirm") {
		f.Errors.Add("password_confirm", httpx.MsgRequired)
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if password != confirm {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgResetMismatch}})
		return
	}
	err := sh.svc.ResetPassword(r.Context(), token, password)
	var problem *httpx.Problem
	switch {
	case errors.Is(err, onetime.ErrInvalid):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgResetTokenInvalid}})
	case errors.As(err, &problem):
		httpx.WriteProblem(w, problem)
	case err != nil:
		failBusyOr(w, r, err)
	default:
		httpx.JSON(w, http.StatusOK, map[string]any{"success": true, "message": MsgResetDone})
	}
}

// readAliased reads the first present field of names as a password.
func readAliased(f *httpx.Fields, names ...string) (string, bool) {
	for _, name := range names {
		if f.In.Has(name) {
			return f.String(name, httpx.StringRule{Required: true, Max: 1024})
		}
	}
	return "", false
}

// ResetPassword sets a new password through a reset or invitation token.
// The token is redeemed in the same transaction as the change, so a link
// works once even when two requests race. Policy failures come back as a
// 400 *httpx.Problem under non_field_errors.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	row, err := onetime.Lookup(ctx, s.db, s.now(), token, onetime.Reset, onetime.Invite)
	if err != nil || row.SubjectType != string(tokens.Staff) {
		return onetime.ErrInvalid
	}
	u, err := UserByID(ctx, s.db, row.SubjectID)
	if err != nil || (row.Purpose == onetime.Reset && !u.IsActive) {
		return onetime.ErrInvalid
	}
	if messages := s.policy.Check(ctx, password, deref(u.Username), u.Email); len(messages) > 0 {
		return httpx.BadRequest(httpx.FieldErrors{"non_field_errors": messages})
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		redeemed, err := onetime.Redeem(ctx, tx, s.now(), token, onetime.Reset, onetime.Invite)
		if err != nil {
			return err
		}
		if err := s.replacePassword(ctx, tx, u, hash, ""); err != nil {
			return err
		}
		event := audit.Event{Name: "password.reset", Details: map[string]any{"purpose": redeemed.Purpose}}.Subject("staff", u.ID)
		return audit.Record(ctx, tx, s.now(), event)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// replacePassword stores a new hash and applies what every password change
// requires: every family revoked except keepFamily (empty: all),
// tokens_valid_after raised, unused codes and links voided, the password
// counter and a failure lock cleared.
func (s *Service) replacePassword(ctx context.Context, tx bun.Tx, u *model.User, hash, keepFamily string) error {
	now := s.now().UTC()
	q := tx.NewUpdate().Model((*model.User)(nil)).
		Set("password = ?", hash).Set("password_nfc = ?", true).Set("updated_at = ?", now).
		Set("tokens_valid_after = ?", now).Where("id = ?", u.ID)
	_, err := lockout.ClearFailureLock(q).Exec(ctx)
	if err != nil {
		return err
	}
	revoked, err := s.tokens.RevokeSubject(ctx, tx, tokens.Staff, u.ID, tokens.ReasonPasswordChanged, keepFamily)
	if err != nil {
		return err
	}
	if revoked > 0 {
		event := audit.Event{Name: "family.revoked", Details: map[string]any{"reason": tokens.ReasonPasswordChanged, "families": revoked}}.Subject("staff", u.ID)
		if err := audit.Record(ctx, tx, now, event); err != nil {
			return err
		}
	}
	if err := onetime.VoidAll(ctx, tx, now, string(tokens.Staff), u.ID); err != nil {
		return err
	}
	_, err = tx.NewUpdate().Table("otp_codes").Set("used_at = ?", now).
		Where("subject_type = 'staff'").Where("subject_id = ?", u.ID).Where("used_at IS NULL").Exec(ctx)
	return err
}

// ResetRequests runs the part of a forgot-password request that depends on
// the account.
type ResetRequests interface {
	// RequestReset handles a forgot-password request for email from the
	// request's client address (in ctx). It must not reveal whether an
	// account exists.
	RequestReset(ctx context.Context, email string) error
}

// inlineResets resolves a forgot-password request inside the HTTP request
// by calling ProcessResetRequest. It is the default until SetResetRequests
// installs the mail_request queue, which the application always does.
// Inline, an existing account makes the request do more work (a token and
// an e-mail row) than an unknown one, which a client could time.
type inlineResets struct{ sh *SecurityHandlers }

func (i inlineResets) RequestReset(ctx context.Context, email string) error {
	return i.sh.ProcessResetRequest(ctx, email, requestinfo.From(ctx).IP)
}
