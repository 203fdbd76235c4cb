package employees

import (
	"errors"
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Handlers serves the /api/v1/hdts/ routes.
type Handlers struct {
	svc     *Service
	cookies httpx.Cookies
}

// NewHandlers returns the HTTP handlers of svc.
func NewHandlers(svc *Service, cookies httpx.Cookies) *Handlers {
	return &Handlers{svc: svc, cookies: cookies}
}

// Service returns the service behind the handlers, for the pages that
// register and approve employees.
func (h *Handlers) Service() *Service { return h.svc }

// Login messages of the second-factor step.
const (
	msgOTPSent  = "OTP sent to your email. Please verify to complete login."
	msgOTPApp   = "Enter the code from your authenticator app to complete login."
	msgNoOTPJob = "Failed to send OTP. Please try again."
)

// loginFailure writes the {"success": false, "errors": ...} body of the
// login route.
func loginFailure(w http.ResponseWriter, status int, errs any, extra map[string]any) {
	body := map[string]any{"success": false, "errors": errs}
	for k, v := range extra {
		body[k] = v
	}
	httpx.JSON(w, status, body)
}

// Login serves POST /api/v1/hdts/employees/api/login/.
func (h *Handlers) Login(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	email, _ := f.LookupEmail("email", true)
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	captcha, _ := f.String("g_recaptcha_response", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	if captcha == "" {
		captcha, _ = f.String("captcha_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	}
	remember := true
	if v, ok := f.Bool("remember_me"); ok {
		remember = v
	}
	if !f.Errors.Empty() {
		loginFailure(w, http.StatusBadRequest, f.Errors, nil)
		return
	}

	info := requestinfo.From(r.Context())
	result, err := h.svc.SignIn(r.Context(), Credentials{Email: email, Password: password, CaptchaToken: captcha,
		RememberMe: remember, IP: info.IP, UserAgent: info.UserAgent})
	if err != nil {
		h.writeLoginError(w, r, err)
		return
	}

	if result.Challenge != nil {
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]any{
			"requires_otp": true, "email": result.Employee.Email, "message": challengeMessage(result.Challenge),
			"temporary_token": result.Challenge.Token, "otp_methods": result.Challenge.Methods,
		})
		return
	}
	h.writeSignedIn(w, r, result.Employee, result.Pair, map[string]any{"success": true})
}

func (h *Handlers) writeLoginError(w http.ResponseWriter, r *http.Request, err error) {
	if retryAfter, ok := throttledFor(err); ok {
		p := httpx.Throttled(retryAfter)
		body := map[string]any{"success": false, "errors": httpx.FieldErrors{"non_field_errors": {throttle.MsgLoginThrottled}},
			"retry_after": p.Body.(map[string]any)["retry_after"]}
		httpx.WriteProblem(w, &httpx.Problem{Status: p.Status, Header: p.Header, Body: body})
		return
	}
	if message, ok := captchaMessage(err); ok {
		loginFailure(w, http.StatusBadRequest, httpx.FieldErrors{"g_recaptcha_response": {message}},
			map[string]any{"captcha_required": true})
		return
	}
	switch {
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrLocked), errors.Is(err, ErrPending), errors.Is(err, ErrRejected):
		loginFailure(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {err.Error()}}, nil)
	case errors.Is(err, passwords.ErrBusy):
		httpx.WriteProblem(w, httpx.ErrBusy)
	case errors.Is(err, ErrCodeNotQueued):
		h.svc.logger.ErrorContext(r.Context(), "queue the sign-in code of an employee", "error", err)
		loginFailure(w, http.StatusInternalServerError, map[string]any{"detail": msgNoOTPJob}, nil)
	default:
		httpx.ServerError(w, r, err)
	}
}

// throttledFor returns the wait of a sign-in refused by the per-address
// block. The guard reports it as a throttle or accounts error type.
func throttledFor(err error) (time.Duration, bool) {
	var fromGuard *throttle.ThrottledError
	if errors.As(err, &fromGuard) {
		return fromGuard.RetryAfter, true
	}
	var fromAccounts *accounts.ThrottledError
	if errors.As(err, &fromAccounts) {
		return fromAccounts.RetryAfter, true
	}
	return 0, false
}

// captchaMessage returns the message of a sign-in refused for a missing or
// wrong CAPTCHA.
func captchaMessage(err error) (string, bool) {
	var fromGuard *throttle.CaptchaError
	if errors.As(err, &fromGuard) {
		return fromGuard.Message, true
	}
	var fromAccounts *accounts.CaptchaError
	if errors.As(err, &fromAccounts) {
		return fromAccounts.Message, true
	}
	return "", false
}

// writeSignedIn sets the cookies of a new pair and writes the access and
// refresh tokens with the EmployeeProfile, plus extra keys.
func (h *Handlers) writeSignedIn(w http.ResponseWriter, r *http.Request, e *model.Employee, pair *tokens.Pair, extra map[string]any) {
	profile, err := ProfileOf(r.Context(), h.svc.db, h.svc.media, e)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	h.cookies.SetPair(w, pair)
	w.Header().Set("Cache-Control", "no-store")
	body := map[string]any{"access": pair.Access, "refresh": pair.Refresh, "employee": profile}
	for k, v := range extra {
		body[k] = v
	}
	httpx.JSON(w, http.StatusOK, body)
}

// Refresh serves POST /api/v1/hdts/employees/api/token/refresh/: the
// employee refresh_token cookie is rotated and both cookies are set.
func (h *Handlers) Refresh(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(httpx.RefreshCookie)
	if err != nil || c.Value == "" {
		httpx.JSON(w, http.StatusUnauthorized, map[string]any{"detail": "Refresh token not found"})
		return
	}
	pair, _, err := h.svc.tokens.Refresh(r.Context(), h.svc.db, c.Value, tokens.Employee, h.svc.loadSubject)
	switch {
	case err == nil:
	case errors.Is(err, tokens.ErrReused), errors.Is(err, tokens.ErrSubjectInactive), errors.Is(err, tokens.ErrSubjectNotFound):
		h.cookies.ClearAuth(w)
		httpx.JSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid refresh token"})
		return
	case errors.Is(err, tokens.ErrInvalid), errors.Is(err, tokens.ErrExpired), errors.Is(err, tokens.ErrRevoked), errors.Is(err, tokens.ErrWrongType):
		httpx.JSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid refresh token"})
		return
	default:
		httpx.ServerError(w, r, err)
		return
	}
	h.cookies.SetPair(w, pair)
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"access": pair.Access})
}
