package accounts

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Messages of the two-factor routes.
const (
	MsgInvalidPassword  = "Invalid password"
	MsgInvalidCreds     = "Invalid credentials"
	MsgCodeInvalid      = "Invalid or expired OTP code"
	MsgChallengeInvalid = "Invalid or expired token."
	MsgChallengeType    = "Invalid token type."
	MsgChallengeCode    = "Invalid or expired OTP code."
	MsgEnableFirst      = "Enable two-factor authentication first."
	MsgOTPSent          = "OTP sent to your email address"
	MsgNoEmailCodes     = "E-mail codes are not enabled for this account. Use your authenticator app or a recovery code."
	MsgMailUnavailable  = "Failed to send email. Please try again later."
)

// verifyOTPFailure writes a 400 of login/verify-otp/.
func verifyOTPFailure(w http.ResponseWriter, message string, expired bool) {
	body := map[string]any{"success": false, "error": message, "errors": httpx.FieldErrors{"non_field_errors": {message}}}
	if expired {
		body["otp_expired"] = true
	}
	httpx.JSON(w, http.StatusBadRequest, body)
}

// verifyOTPThrottled writes the 429 of login/verify-otp/ for an address that
// the per-IP throttle blocks. The body is the login/api/ throttled body plus
// the "error" key that every failure of this route carries.
func verifyOTPThrottled(w http.ResponseWriter, throttled *ThrottledError) {
	p := httpx.Throttled(throttled.RetryAfter)
	message := throttled.Error()
	body := map[string]any{"success": false, "otp_required": false, "error": message,
		"errors": httpx.FieldErrors{"non_field_errors": {message}}, "retry_after": p.Body.(map[string]any)["retry_after"]}
	httpx.WriteProblem(w, &httpx.Problem{Status: p.Status, Header: p.Header, Body: body})
}

// VerifyOTP serves POST /api/v1/users/login/verify-otp/, the second step of
// a sign-in that returned a challenge. A blocked address gets 429 before
// the challenge is looked up, and every rejected attempt counts against the
// address like a wrong password.
func (sh *SecurityHandlers) VerifyOTP(w http.ResponseWriter, r *http.Request) {
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	token, _ := f.String("temporary_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
	var email string
	if token == "" && f.In.Has("email") {
		email, _ = f.LookupEmail("email", true)
	}
	code, _ := f.String("otp_code", httpx.StringRule{Required: true, Trim: true, Max: 32})
	remember, rememberGiven := f.Bool("remember_me")
	if token == "" && email == "" && !f.Errors.Has("email") {
		f.Errors.Add("temporary_token", httpx.MsgRequired)
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"success": false, "error": f.Errors.First(), "errors": f.Errors})
		return
	}
	ctx := r.Context()
	info := requestinfo.From(ctx)
	if err := sh.svc.guard.Blocked(ctx, info.IP); err != nil {
		var throttled *ThrottledError
		if errors.As(err, &throttled) {
			verifyOTPThrottled(w, throttled)
			return
		}
		httpx.ServerError(w, r, err)
		return
	}
	reject := func(message string, expired bool) {
		sh.svc.codeFailed(ctx, info.IP)
		verifyOTPFailure(w, message, expired)
	}

	ref, err := sh.findChallenge(ctx, token, email)
	switch {
	case errors.Is(err, mfa.ErrWrongTokenType):
		reject(MsgChallengeType, false)
		return
	case errors.Is(err, mfa.ErrChallenge), errors.Is(err, storage.ErrNotFound):
		reject(MsgChallengeInvalid, true)
		return
	case err != nil:
		httpx.ServerError(w, r, err)
		return
	}
	u, err := UserByID(ctx, sh.svc.db, ref.SubjectID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.IsActive) {
		reject(MsgChallengeInvalid, true)
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	var pair *tokens.Pair
	var refusal *mfa.Refusal
	err = sh.svc.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		result, err := sh.mfa.VerifyChallenge(ctx, tx, StaffSubject(u), ref.ID, code)
		if errors.As(err, &refusal) {
			return nil // commit the counted failure
		}
		if err != nil {
			return err
		}
		meta := tokens.FamilyMeta{RememberMe: result.RememberMe, IP: info.IP, UserAgent: info.UserAgent}
		if rememberGiven {
			meta.RememberMe = remember
		}
		pair, err = sh.svc.CompleteSignIn(ctx, tx, u, meta, u.Email)
		return err
	})
	if err != nil {
		failBusyOr(w, r, err)
		return
	}
	if refusal != nil {
		switch refusal.Kind {
		case mfa.ChallengeInvalid:
			reject(MsgChallengeInvalid, true)
		case mfa.AccountLocked:
			reject(ErrLocked.Error(), false)
		default:
			reject(MsgChallengeCode, false)
		}
		return
	}
	sh.h.WriteSignedIn(w, r, &SignInResult{User: u, Pair: pair}, true)
}

// findChallenge resolves the challenge of a verify-otp request: from the
// temporary_token, or the newest pending challenge of the e-mail's account.
func (sh *SecurityHandlers) findChallenge(ctx context.Context, token, email string) (*mfa.ChallengeRef, error) {
	if token != "" {
		ref, err := sh.mfa.ParseChallenge(token)
		if err != nil {
			return nil, err
		}
		if ref.SubjectType != tokens.Staff {
			return nil, mfa.ErrChallenge
		}
		return ref, nil
	}
	u, err := UserByEmail(ctx, sh.svc.db, email)
	if err != nil {
		return nil, err
	}
	return sh.mfa.LatestChallenge(ctx, sh.svc.db, tokens.Staff, u.ID)
}

// otpSent writes the success body of the request-otp routes.
func otpSent(w http.ResponseWriter) {
	httpx.JSON(w, http.StatusOK, map[string]any{"message": MsgOTPSent, "expires_in_minutes": int(mfa.CodeLifetime.Minutes())})
}

// sendCode e-mails a code in its own transaction. A failure to queue the
// e-mail is the 500 the spec defines for these routes.
func (sh *SecurityHandlers) sendCode(w http.ResponseWriter, r *http.Request, u *model.User, purpose, challengeID string) {
	err := sh.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		_, err := sh.mfa.SendCode(ctx, tx, StaffSubject(u), purpose, challengeID, false)
		return err
	})
	if err != nil {
		var limit *throttle.LimitError
		if errors.As(err, &limit) {
			httpx.WriteProblem(w, httpx.Throttled(limit.RetryAfter))
			return
		}
		sh.svc.logger.ErrorContext(r.Context(), "queue an OTP e-mail", "user_id", u.ID, "error", err)
		httpx.JSON(w, http.StatusInternalServerError, map[string]any{"error": MsgMailUnavailable})
		return
	}
	otpSent(w)
}

// RequestOTP serves POST /api/v1/users/2fa/request-otp/: a code for an
// e-mail and password, or a new sign-in code for a temporary_token.
func (sh *SecurityHandlers) RequestOTP(w http.ResponseWriter, r *http.Request) {
	f, ok := decodeFields(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	token, _ := f.String("temporary_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 8192})
	if token != "" {
		sh.resendSignInCode(w, r, token)
		return
	}
	email, _ := f.LookupEmail("email", true)
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	u, err := sh.passwordStep(ctx, email, password)
	if err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgInvalidCreds}})
			return
		}
		failBusyOr(w, r, err)
		return
	}
	factors, err := sh.mfa.Status(ctx, sh.svc.db, tokens.Staff, u.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	if !factors.Enabled() {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {mfa.ErrNotEnabled.Error()}})
		return
	}
	// While e-mail codes are off, neither sign-in nor the management routes
	// accept one, so a code sent now would only mislead.
	if !factors.Email {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgNoEmailCodes}})
		return
	}
	sh.sendCode(w, r, u, mfa.PurposeRequest, "")
}

// resendSignInCode e-mails a new code for the sign-in challenge of token.
// A challenge that can no longer be completed gets "Invalid or expired
// token.", and one that accepts no e-mail code (an authenticator-app
// account without e-mail codes) gets MsgNoEmailCodes instead of a code
// that verify-otp would reject.
func (sh *SecurityHandlers) resendSignInCode(w http.ResponseWriter, r *http.Request, token string) {
	ctx := r.Context()
	invalid := func() {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgChallengeInvalid}})
	}
	ref, err := sh.mfa.ParseChallenge(token)
	if err != nil || ref.SubjectType != tokens.Staff {
		invalid()
		return
	}

	u, err := UserByID(ctx, sh.svc.db, ref.SubjectID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.IsActive) {
		invalid()
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	methods, err := sh.mfa.PendingMethods(ctx, sh.svc.db, ref)
	if errors.Is(err, mfa.ErrChallenge) {
		invalid()
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	if !slices.Contains(methods, mfa.MethodEmail) {
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {MsgNoEmailCodes}})
		return
	}
	sh.sendCode(w, r, u, mfa.PurposeLogin, ref.ID)
}

// passwordStep checks an e-mail and password the way sign-in does: the
// per-IP block first, a dummy hash for unknown e-mails, and every failure
// counted. Inactive accounts get ErrInvalidCredentials.
func (sh *SecurityHandlers) passwordStep(ctx context.Context, email, password string) (*model.User, error) {
	ip := requestinfo.From(ctx).IP
	if err := sh.throttle.Blocked(ctx, sh.svc.db, sh.throttle.Limits().LoginIP, ip); err != nil {
		return nil, err
	}
	u, err := UserByEmail(ctx, sh.svc.db, email)
	if errors.Is(err, storage.ErrNotFound) {
		if err := sh.svc.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		sh.svc.guard.Failed(ctx, sh.svc.db, email, ip)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := sh.svc.checkPassword(ctx, u, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		sh.svc.guard.Failed(ctx, sh.svc.db, email, ip)
		return nil, ErrInvalidCredentials
	}
	if !u.IsActive || sh.svc.isLocked(u) {
		return nil, ErrInvalidCredentials
	}
	return u, nil
}

// RequestOTPAuthenticated serves POST
// /api/v1/users/2fa/request-otp-authenticated/.
func (sh *SecurityHandlers) RequestOTPAuthenticated(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	factors, err := sh.mfa.Status(r.Context(), sh.svc.db, tokens.Staff, u.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	if !factors.Enabled() {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": mfa.ErrNotEnabled.Error()})
		return
	}
	if !factors.Email {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": MsgNoEmailCodes})
		return
	}
	sh.sendCode(w, r, u, mfa.PurposeRequest, "")
}

// Status serves GET /api/v1/users/2fa/status/.
func (sh *SecurityHandlers) Status(w http.ResponseWriter, r *http.Request) {
	u := httpx.PrincipalFrom(r.Context()).User
	factors, err := sh.mfa.Status(r.Context(), sh.svc.db, tokens.Staff, u.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{
		"otp_enabled":              factors.Enabled(),
		"methods":                  map[string]bool{"email": factors.Email, "totp": factors.TOTP},
		"recovery_codes_remaining": factors.RecoveryRemaining,
	})
}
