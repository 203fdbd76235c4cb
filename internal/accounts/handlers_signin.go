package accounts

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/requestinfo"
)

// Handlers serves the staff account routes.
type Handlers struct {
	svc     *Service
	cookies httpx.Cookies
}

// NewHandlers returns the HTTP handlers of svc.
func NewHandlers(svc *Service, cookies httpx.Cookies) *Handlers {
	return &Handlers{svc: svc, cookies: cookies}
}

// Service returns the service behind the handlers.
func (h *Handlers) Service() *Service { return h.svc }

// Cookies returns the cookie settings the handlers use.
func (h *Handlers) Cookies() httpx.Cookies { return h.cookies }

// readCredentials reads the fields every staff sign-in route shares.
func readCredentials(r *http.Request, in *httpx.Input) (Credentials, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	email, _ := f.LookupEmail("email", true)
	password, _ := f.String("password", httpx.StringRule{Required: true, Max: 1024})
	captcha, _ := f.String("g_recaptcha_response", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	if captcha == "" {
		captcha, _ = f.String("captcha_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	}
	otp, _ := f.String("otp_code", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	remember := true
	if v, ok := f.Bool("remember_me"); ok {
		remember = v
	}
	info := requestinfo.From(r.Context())
	return Credentials{Email: email, Password: password, OTPCode: otp, CaptchaToken: captcha, RememberMe: remember,
		IP: info.IP, UserAgent: info.UserAgent}, f.Errors
}

// LoginAPI serves POST /api/v1/users/login/api/, the sign-in the staff page
// and the BMS frontend use.
func (h *Handlers) LoginAPI(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil && problem.Status == http.StatusBadRequest {
		// The page and the BMS frontend read errors.non_field_errors, so a
		// body that cannot be read gets the route's own failure shape.
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"success": false, "otp_required": false,
			"errors": httpx.FieldErrors{"non_field_errors": {problemMessage(problem)}}})
		return
	}
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	creds, fieldErrors := readCredentials(r, in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"success": false, "otp_required": false, "errors": fieldErrors})
		return
	}
	result, err := h.svc.SignIn(r.Context(), creds)
	if err != nil {
		h.writeLoginAPIError(w, r, err)
		return
	}
	if result.Challenge != nil {
		httpx.JSON(w, http.StatusOK, map[string]any{
			"success": false, "otp_required": true, "message": ChallengeMessage(result.Challenge),
			"temporary_token": result.Challenge.Token, "otp_methods": result.Challenge.Methods,
			"user": map[string]any{"id": result.User.ID, "email": result.User.Email, "first_name": result.User.FirstName},
		})
		return
	}
	h.WriteSignedIn(w, r, result, true)
}

// problemMessage returns the one message of a 400 problem body: its detail,
// or its first non-field error.
func problemMessage(p *httpx.Problem) string {
	switch body := p.Body.(type) {
	case map[string]any:
		if detail, ok := body["detail"].(string); ok {
			return detail
		}
		if list, ok := body["non_field_errors"].([]string); ok && len(list) > 0 {
			return list[0]
		}
	case httpx.FieldErrors:
		return body.First()
	}
	return "Malformed request body."
}

// WriteSignedIn sets the cookies of a new pair and writes the success body
// of login/api (withFlags) or of the /token/ family.
func (h *Handlers) WriteSignedIn(w http.ResponseWriter, r *http.Request, result *SignInResult, withFlags bool) {
	user, active, err := LoginUserOf(r.Context(), h.svc.db, result.User)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	h.cookies.SetPair(w, result.Pair)
	w.Header().Set("Cache-Control", "no-store")
	body := map[string]any{
		"message":  "Authentication successful",
		"user":     user,
		"redirect": RedirectOf(h.svc.cfg, active),
	}
	if withFlags {
		body["success"], body["otp_required"] = true, false
		body["access_token"], body["refresh_token"] = result.Pair.Access, result.Pair.Refresh
	} else {
		body["access"], body["refresh"] = result.Pair.Access, result.Pair.Refresh
	}
	httpx.JSON(w, http.StatusOK, body)
}

func (h *Handlers) writeLoginAPIError(w http.ResponseWriter, r *http.Request, err error) {
	var throttled *ThrottledError
	var captcha *CaptchaError
	switch {
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrLocked), errors.Is(err, ErrPending), errors.Is(err, ErrRejected):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"success": false, "otp_required": false,
			"errors": httpx.FieldErrors{"non_field_errors": {err.Error()}}})
	case errors.As(err, &throttled):
		p := httpx.Throttled(throttled.RetryAfter)
		body := map[string]any{"success": false, "otp_required": false,
			"errors": httpx.FieldErrors{"non_field_errors": {throttled.Error()}}, "retry_after": p.Body.(map[string]any)["retry_after"]}
		httpx.WriteProblem(w, &httpx.Problem{Status: p.Status, Header: p.Header, Body: body})
	case errors.As(err, &captcha):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"success": false, "otp_required": false, "captcha_required": true,
			"errors": httpx.FieldErrors{"g_recaptcha_response": {captcha.Message}}})
	case errors.Is(err, passwords.ErrBusy):
		httpx.WriteProblem(w, httpx.ErrBusy)
	default:
		httpx.ServerError(w, r, err)
	}
}

// TokenObtain serves POST /token/, /api/v1/token/obtain/ and
// /api/v1/users/login/: sign-in with the second factor in the same request.
func (h *Handlers) TokenObtain(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	creds, fieldErrors := readCredentials(r, in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	creds.InlineOTP = true
	result, err := h.svc.SignIn(r.Context(), creds)
	if err != nil {
		h.writeTokenObtainError(w, r, err)
		return
	}
	h.WriteSignedIn(w, r, result, false)
}

func (h *Handlers) writeTokenObtainError(w http.ResponseWriter, r *http.Request, err error) {
	var throttled *ThrottledError
	var captcha *CaptchaError
	var second *SecondFactorError
	switch {
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrLocked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {err.Error()}})
	case errors.Is(err, ErrPending), errors.Is(err, ErrRejected):
		httpx.JSON(w, http.StatusForbidden, map[string]any{"detail": err.Error()})
	case errors.As(err, &second):
		body := map[string]any{"non_field_errors": []string{second.Message}, "otp_required": true}
		if second.Required {
			body["otp_methods"] = second.Methods
		}
		httpx.JSON(w, http.StatusBadRequest, body)
	case errors.As(err, &throttled):
		httpx.WriteProblem(w, httpx.Throttled(throttled.RetryAfter))
	case errors.As(err, &captcha):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"non_field_errors": []string{captcha.Message}, "captcha_required": true})
	case errors.Is(err, passwords.ErrBusy):
		httpx.WriteProblem(w, httpx.ErrBusy)
	default:
		httpx.ServerError(w, r, err)
	}
}
