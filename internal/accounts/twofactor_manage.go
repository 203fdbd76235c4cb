package accounts

import (
	"errors"
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
)

// disableGrantWindow is how long verify-disable-otp lets the profile turn
// two-factor authentication off.
const disableGrantWindow = 5 * time.Minute

// readPasswordAndCode reads {"password", "otp_code"} of the routes that
// change factors; codeRequired makes otp_code mandatory.
func readPasswordAndCode(w http.ResponseWriter, r *http.Request, codeRequired bool) (password, code string, ok bool) {
	f, ok := decodeFields(w, r)
	if !ok {
		return "", "", false
	}
	password, _ = f.String("password", httpx.StringRule{Required: true, Max: 1024})
	code, _ = f.String("otp_code", httpx.StringRule{Required: codeRequired, AllowBlank: !codeRequired, AllowNull: !codeRequired, Trim: true, Max: 32})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return "", "", false
	}
	return password, code, true
}

// verifyOwnPassword checks the caller's password and writes errorBody
// when it is wrong.
func (sh *SecurityHandlers) verifyOwnPassword(w http.ResponseWriter, r *http.Request, u *model.User, password string, errorBody any) bool {
	ok, err := sh.svc.checkPassword(r.Context(), u, password)
	if err != nil {
		failBusyOr(w, r, err)
		return false
	}
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, errorBody)
		return false
	}
	return true
}

// writeFactorError writes the errors of disable, verify-disable-otp and
// DELETE totp as non-field errors.
func writeFactorError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, mfa.ErrNotEnabled):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {mfa.ErrNotEnabled.Error()}})
	case errors.Is(err, mfa.ErrCodeInvalid):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgCodeInvalid}})
	case errors.Is(err, mfa.ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {ErrLocked.Error()}})
	default:
		failBusyOr(w, r, err)
	}
}

// Enable serves POST /api/v1/users/2fa/enable/: turns e-mail codes on.
func (sh *SecurityHandlers) Enable(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	password, code, ok := readPasswordAndCode(w, r, false)
	if !ok || !sh.verifyOwnPassword(w, r, u, password, httpx.FieldErrors{"password": {MsgInvalidPassword}}) {
		return
	}
	err := sh.mfa.EnableEmail(r.Context(), StaffSubject(u), code)
	switch {
	case errors.Is(err, mfa.ErrCodeInvalid), errors.Is(err, mfa.ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"otp_code": {MsgCodeInvalid}})
		return
	case err != nil:
		failBusyOr(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "2FA enabled successfully"})
}

// Disable serves POST /api/v1/users/2fa/disable/: every factor off, other
// sessions revoked.
func (sh *SecurityHandlers) Disable(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	password, code, ok := readPasswordAndCode(w, r, true)
	if !ok || !sh.verifyOwnPassword(w, r, p.User, password, httpx.FieldErrors{"non_field_errors": {MsgInvalidPassword}}) {
		return
	}
	if err := sh.mfa.Disable(r.Context(), StaffSubject(p.User), code, sh.svc.callerFamily(r.Context(), p)); err != nil {
		writeFactorError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "2FA disabled successfully"})
}

// VerifyDisable serves POST /api/v1/users/verify-disable-otp/: consumes a
// code and opens the window in which the profile may set otp_enabled false.
func (sh *SecurityHandlers) VerifyDisable(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	password, code, ok := readPasswordAndCode(w, r, true)
	if !ok || !sh.verifyOwnPassword(w, r, u, password, httpx.FieldErrors{"non_field_errors": {MsgInvalidPassword}}) {
		return
	}
	if _, err := sh.mfa.VerifyCode(r.Context(), StaffSubject(u), code); err != nil {
		writeFactorError(w, r, err)
		return
	}
	until := sh.svc.now().Add(disableGrantWindow)
	_, err := sh.svc.db.NewUpdate().Model((*model.User)(nil)).Set("otp_disable_grant_until = ?", until.UTC()).Where("id = ?", u.ID).Exec(r.Context())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Credentials verified successfully", "verified": true})
}

// SetupTOTP serves POST /api/v1/users/2fa/totp/setup/.
func (sh *SecurityHandlers) SetupTOTP(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if !sh.verifyOwnPassword(w, r, u, password, httpx.FieldErrors{"password": {MsgInvalidPassword}}) {
		return
	}
	enrollment, err := sh.mfa.SetupTOTP(r.Context(), StaffSubject(u))
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"secret": enrollment.Secret, "otpauth_uri": enrollment.URI,
		"qr_png": enrollment.QRPNG, "expires_in": enrollment.ExpiresIn})
}

// ConfirmTOTP serves POST /api/v1/users/2fa/totp/confirm/.
func (sh *SecurityHandlers) ConfirmTOTP(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	code, _ := f.String("otp_code", httpx.StringRule{Required: true, Trim: true, Max: 32})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	codes, err := sh.mfa.ConfirmTOTP(r.Context(), StaffSubject(u), code)
	switch {
	case errors.Is(err, mfa.ErrNoSetup):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": mfa.ErrNoSetup.Error()})
		return
	case errors.Is(err, mfa.ErrCodeInvalid), errors.Is(err, mfa.ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"otp_code": {MsgCodeInvalid}})
		return
	case err != nil:
		failBusyOr(w, r, err)
		return
	}
	body := map[string]any{"message": "Authenticator app enabled successfully"}
	if codes != nil {
		body["recovery_codes"] = codes
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, body)
}

// RemoveTOTP serves DELETE /api/v1/users/2fa/totp/.
func (sh *SecurityHandlers) RemoveTOTP(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	password, code, ok := readPasswordAndCode(w, r, true)
	if !ok || !sh.verifyOwnPassword(w, r, p.User, password, httpx.FieldErrors{"non_field_errors": {MsgInvalidPassword}}) {
		return
	}
	if err := sh.mfa.RemoveTOTP(r.Context(), StaffSubject(p.User), code, sh.svc.callerFamily(r.Context(), p)); err != nil {
		writeFactorError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Authenticator app removed"})
}

// RecoveryCodes serves POST /api/v1/users/2fa/recovery-codes/: a new batch
// that voids the earlier codes.
func (sh *SecurityHandlers) RecoveryCodes(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if !sh.verifyOwnPassword(w, r, p.User, password, httpx.FieldErrors{"password": {MsgInvalidPassword}}) {
		return
	}
	codes, err := sh.mfa.RegenerateRecoveryCodes(r.Context(), StaffSubject(p.User), sh.svc.callerFamily(r.Context(), p))
	if errors.Is(err, mfa.ErrNotEnabled) {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"detail": MsgEnableFirst})
		return
	}
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}
