package portal

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
)

// failedEvent is the audit event of a rejected portal sign-in.
const failedEvent = "portal.login.failed"

// Credentials are the inputs of a portal sign-in.
type Credentials struct {
	Email, Password, OTPCode, CaptchaToken string
}

// SignIn runs the portal sign-in: the password checks every staff sign-in
// path shares (throttle, CAPTCHA, lockout, counters), then, after a correct
// password only, the superuser check, the lock check and the second
// factor. On success it stores a session and returns its id for SetCookie.
// Refusals are *httpx.Problem values with the portal's bodies.
func (h *Handlers) SignIn(ctx context.Context, c Credentials) (*model.User, string, error) {
	info := requestinfo.From(ctx)
	creds := accounts.Credentials{Email: c.Email, Password: c.Password, OTPCode: c.OTPCode, InlineOTP: true,
		CaptchaToken: c.CaptchaToken, RememberMe: false, IP: info.IP, UserAgent: info.UserAgent}
	ctx = accounts.WithFailureEvent(ctx, failedEvent)

	checked, err := h.Accounts.CheckPassword(ctx, creds)
	if err != nil {
		return nil, "", signInProblem(err)
	}

	u := checked.User
	if !u.IsSuperuser {
		h.recordFailure(ctx, u, c.Email, "not_superuser")
		return nil, "", fail(http.StatusForbidden, MsgNotSuperuser)
	}
	if h.Accounts.IsLocked(u) {
		h.recordFailure(ctx, u, c.Email, "locked")
		return nil, "", fail(http.StatusForbidden, MsgLocked)
	}

	var id string
	err = h.Accounts.FinishSignIn(ctx, checked, creds, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, err = h.sessions.Start(ctx, tx, u); err != nil {
			return err
		}
		event := audit.Event{Name: "portal.login.succeeded"}.Subject("staff", u.ID).WithIdentifier(c.Email)
		return audit.Record(ctx, tx, h.Now(), event)
	})

	var second *accounts.SecondFactorError
	if errors.As(err, &second) {
		message := MsgOTPInvalid
		if second.Required {
			message = MsgOTPRequired
		}
		return nil, "", &httpx.Problem{Status: http.StatusUnauthorized, Body: map[string]any{"error": message, "otp_required": true}}
	}
	if err != nil {
		return nil, "", err
	}
	return u, id, nil
}

// signInProblem maps a refusal of the shared password step.
func signInProblem(err error) error {
	var (
		throttled      *accounts.ThrottledError
		guardThrottled *throttle.ThrottledError
		captcha        *accounts.CaptchaError
		guardCaptcha   *throttle.CaptchaError
	)
	switch {
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return fail(http.StatusUnauthorized, MsgInvalidLogin)
	case errors.As(err, &throttled):
		return httpx.Throttled(throttled.RetryAfter)
	case errors.As(err, &guardThrottled):
		return httpx.Throttled(guardThrottled.RetryAfter)
	case errors.As(err, &captcha):
		return captchaProblem(captcha.Message)
	case errors.As(err, &guardCaptcha):
		return captchaProblem(guardCaptcha.Message)
	case errors.Is(err, passwords.ErrBusy):
		return httpx.ErrBusy
	}
	return err
}

func captchaProblem(message string) *httpx.Problem {
	return &httpx.Problem{Status: http.StatusBadRequest, Body: map[string]any{"error": message, "captcha_required": true}}
}

// recordFailure writes portal.login.failed for a refusal after a correct
// password.
func (h *Handlers) recordFailure(ctx context.Context, u *model.User, email, reason string) {
	event := audit.Event{Name: failedEvent, Outcome: audit.Failure, Details: map[string]any{"reason": reason}}.
		Subject("staff", u.ID).WithIdentifier(email)
	if err := audit.Record(ctx, h.DB, h.Now(), event); err != nil {
		h.Logger.ErrorContext(ctx, "record a rejected portal sign-in", "error", err, "reason", reason, "user_id", u.ID)
	}
}

// Login serves POST /superadmin/api/login/.
func (h *Handlers) Login(w http.ResponseWriter, r *http.Request) {
	in, problem := decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	f := httpx.NewFields(in)
	// No length limits: an overlong e-mail or password is a failed sign-in
	// like any other, and the body limit bounds both.
	optional := httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true}
	email, _ := f.String("email", optional)
	password, _ := f.String("password", httpx.StringRule{AllowBlank: true, AllowNull: true})
	otp, _ := f.String("otp_code", optional)
	captcha, _ := f.String("captcha_token", optional)
	if captcha == "" {
		captcha, _ = f.String("g_recaptcha_response", optional)
	}
	if email == "" || password == "" || !f.Errors.Empty() {
		httpx.WriteProblem(w, badRequest(MsgLoginFieldsRequired))
		return
	}

	u, id, err := h.SignIn(r.Context(), Credentials{Email: email, Password: password, OTPCode: otp, CaptchaToken: captcha})
	if err != nil {
		writeError(w, r, err)
		return
	}

	h.sessions.SetCookie(w, id)
	if h.CSRF != nil {
		h.CSRF.Token(w, r)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Login successful", "user": map[string]any{
		"id": u.ID, "email": u.Email, "username": u.Username, "first_name": u.FirstName, "last_name": u.LastName,
		"is_superuser": u.IsSuperuser,
	}})
}

// Logout serves POST /superadmin/api/logout/.
func (h *Handlers) Logout(w http.ResponseWriter, r *http.Request) {
	if err := h.sessions.End(r.Context(), w, r); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	u, _ := caller(r)
	if u != nil {
		if err := audit.Record(r.Context(), h.DB, h.Now(), audit.Event{Name: "logout", Details: map[string]any{"via": "portal"}}.Subject("staff", u.ID)); err != nil {
			h.Logger.ErrorContext(r.Context(), "record a portal logout", "error", err, "user_id", u.ID)
		}
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"message": "Logged out successfully"})
}

// Session serves GET /superadmin/api/session/. It authenticates itself
// because its refusals have their own bodies: 401 without a session, 403
// when the session's user is no longer a superuser (the session is ended).
func (h *Handlers) Session(w http.ResponseWriter, r *http.Request) {
	u, err := h.sessions.Lookup(r.Context(), r)
	switch {
	case errors.Is(err, ErrNoSession):
		httpx.JSON(w, http.StatusUnauthorized, map[string]any{"authenticated": false, "error": "Not authenticated"})
		return
	case errors.Is(err, ErrNotSuperuser):
		h.sessions.clearCookie(w)
		httpx.JSON(w, http.StatusForbidden, map[string]any{"authenticated": false, "error": "Not a superuser"})
		return
	case err != nil:
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"authenticated": true, "user": map[string]any{
		"id": u.ID, "email": u.Email, "username": u.Username, "first_name": u.FirstName, "last_name": u.LastName,
		"is_superuser": u.IsSuperuser, "is_staff": u.IsStaff,
	}})
}
