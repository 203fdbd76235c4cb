package employees

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the employee two-factor routes. The authenticator-app and
// recovery-code routes use the messages of the staff routes.
const (
	msgPasswordIncorrect = "Password is incorrect"
	msg2FAEnabled        = "2FA enabled successfully"
	msg2FADisabled       = "2FA disabled successfully"
	msgInvalidPassword   = "Invalid password"
	msgTOTPEnabled       = "Authenticator app enabled successfully"
	msgTOTPRemoved       = "Authenticator app removed"
	msgEnableFirst       = "Enable two-factor authentication first."
)

// MFASubject returns the second-factor subject of an employee.
func MFASubject(e *model.Employee) mfa.Subject {
	return mfa.Subject{Type: tokens.Employee, ID: e.ID, Email: e.Email, Name: displayName(e)}
}

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

// passwordCheck reads the password field (and the other fields the route
// needs) and checks the password. wrong is the 400 body of a wrong
// password. It writes the response and returns nil when the request must
// stop.
func (h *Handlers) passwordCheck(w http.ResponseWriter, r *http.Request, wrong any, more ...string) *httpx.Fields {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return nil
	}
	f := httpx.NewFields(in)
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: passwordFieldMaxLen})
	for _, name := range more {
		f.String(name, httpx.StringRule{Required: true, Trim: true, Max: 64})
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return nil
	}
	ok, err := h.svc.verifyOwnPassword(r.Context(), p.Employee, password)
	if err != nil {
		failBusyOr(w, r, err)
		return nil
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, wrong)
		return nil
	}
	return f
}

// callerFamily returns the refresh family of the caller's access token, or
// "" when it has none (a token made before the switch to authd).
func (h *Handlers) callerFamily(r *http.Request) string {
	p := httpx.PrincipalFrom(r.Context())
	family, err := h.svc.tokens.FamilyOfAccess(r.Context(), h.svc.db, p.Claims.JTI)
	if err != nil {
		return ""
	}
	return family
}

// Enable2FA serves POST /api/v1/hdts/employees/api/2fa/enable/: e-mail
// codes on, after the password, with the notice e-mail.
func (h *Handlers) Enable2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if h.passwordCheck(w, r, map[string]any{"detail": msgPasswordIncorrect}) == nil {
		return
	}
	if err := h.svc.mfa.EnableEmail(r.Context(), MFASubject(p.Employee), ""); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msg2FAEnabled})
}

// Disable2FA serves POST /api/v1/hdts/employees/api/2fa/disable/: every
// factor off after the password. Every other session is signed out.
func (h *Handlers) Disable2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if h.passwordCheck(w, r, map[string]any{"detail": msgPasswordIncorrect}) == nil {
		return
	}
	keep := h.callerFamily(r)
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		return h.svc.mfa.DisableAll(ctx, tx, MFASubject(p.Employee), keep)
	})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msg2FADisabled})
}

// Status2FA serves GET /api/v1/hdts/employees/api/2fa/status/.
func (h *Handlers) Status2FA(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	f, err := h.svc.mfa.Status(r.Context(), h.svc.db, tokens.Employee, p.Employee.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"otp_enabled":              f.Enabled(),
		"methods":                  map[string]bool{"email": f.Email, "totp": f.TOTP},
		"recovery_codes_remaining": f.RecoveryRemaining,
	})
}

// SetupTOTP serves POST /api/v1/hdts/employees/api/2fa/totp/setup/: a new
// pending authenticator secret, after the password.
func (h *Handlers) SetupTOTP(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if h.passwordCheck(w, r, httpx.FieldErrors{"password": {msgInvalidPassword}}) == nil {
		return
	}
	enrollment, err := h.svc.mfa.SetupTOTP(r.Context(), MFASubject(p.Employee))
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"secret": enrollment.Secret, "otpauth_uri": enrollment.URI,
		"qr_png": enrollment.QRPNG, "expires_in": enrollment.ExpiresIn})
}

// ConfirmTOTP serves POST /api/v1/hdts/employees/api/2fa/totp/confirm/.
func (h *Handlers) ConfirmTOTP(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	code, _ := f.String("otp_code", httpx.StringRule{Required: true, Trim: true, Max: 64})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}

	codes, err := h.svc.mfa.ConfirmTOTP(r.Context(), MFASubject(p.Employee), code)
	switch {
	case errors.Is(err, mfa.ErrNoSetup):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": mfa.ErrNoSetup.Error()})
		return
	case errors.Is(err, mfa.ErrCodeInvalid), errors.Is(err, mfa.ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"otp_code": {mfa.ErrCodeInvalid.Error()}})
		return
	case err != nil:
		failBusyOr(w, r, err)
		return
	}

	body := map[string]any{"message": msgTOTPEnabled}
	if codes != nil {
		body["recovery_codes"] = codes
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, body)
}

// RemoveTOTP serves DELETE /api/v1/hdts/employees/api/2fa/totp/ with the
// password and a code of any enabled factor.
func (h *Handlers) RemoveTOTP(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	f := h.passwordCheck(w, r, httpx.FieldErrors{"non_field_errors": {msgInvalidPassword}}, "otp_code")
	if f == nil {
		return
	}
	code, _ := f.String("otp_code", httpx.StringRule{Required: true, Trim: true, Max: 64})
	err := h.svc.mfa.RemoveTOTP(r.Context(), MFASubject(p.Employee), code, h.callerFamily(r))
	switch {
	case errors.Is(err, mfa.ErrNotEnabled):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {mfa.ErrNotEnabled.Error()}})
		return
	case errors.Is(err, mfa.ErrCodeInvalid), errors.Is(err, mfa.ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {mfa.ErrCodeInvalid.Error()}})
		return
	case err != nil:
		failBusyOr(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": msgTOTPRemoved})
}

// RecoveryCodes serves POST /api/v1/hdts/employees/api/2fa/recovery-codes/:
// a new batch replaces the old one, after the password.
func (h *Handlers) RecoveryCodes(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if h.passwordCheck(w, r, httpx.FieldErrors{"password": {msgInvalidPassword}}) == nil {
		return
	}
	codes, err := h.svc.mfa.RegenerateRecoveryCodes(r.Context(), MFASubject(p.Employee), h.callerFamily(r))
	switch {
	case errors.Is(err, mfa.ErrNotEnabled):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": msgEnableFirst})
		return
	case err != nil:
		failBusyOr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

// failBusyOr writes 503 while password hashing is saturated and 429 for a
// throttle limit, else a 500.
func failBusyOr(w http.ResponseWriter, r *http.Request, err error) {
	var limit *throttle.LimitError
	switch {
	case errors.Is(err, passwords.ErrBusy):
		httpx.WriteProblem(w, httpx.ErrBusy)
	case errors.As(err, &limit):
		httpx.WriteProblem(w, httpx.Throttled(limit.RetryAfter))
	default:
		httpx.Fail(w, r, err)
	}
}
