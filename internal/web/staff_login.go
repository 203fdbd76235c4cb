package web

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
)

// welcomePath is the system selection page, where every staff sign-in
// leads unless next names another target.
const welcomePath = "/api/v1/users/welcome/"

// loginPage is the state of the staff sign-in page.
type loginPage struct {
	Mode           string // login, otp or forgot
	Next           string // a next target that passed safeNext
	Email          string
	RememberMe     bool
	TemporaryToken string // the challenge of a form sign-in waiting for its second factor
	OTPMessage     string
	// EmailCodes is set when the challenge accepts e-mail codes, so the
	// OTP mode offers to resend one.
	EmailCodes bool
}

// StaffLogin serves GET /staff/login/ and /api/v1/users/login/ui/.
func (p *Pages) StaffLogin(w http.ResponseWriter, r *http.Request) {
	who, r, err := p.optionalPrincipal(w, r)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	if who.IsStaff() {
		p.redirect(w, r, welcomePath)
		return
	}
	q := r.URL.Query()
	data := &loginPage{Mode: "login", Next: p.safeNext(q.Get("next"))}
	if q.Get("mode") == "forgot" {
		data.Mode = "forgot"
	}
	v := p.loginView(r, data, "")
	if q.Get("logout") == "1" {
		v.toast("info", "You have been signed out.")
	}
	p.render(w, r, http.StatusOK, "staff_login", v)
}

func (p *Pages) loginView(r *http.Request, data *loginPage, email string) *view {
	v := p.newView("Sign In - MAP Active", "js/captcha.js", "js/staff_login.js")
	v.BodyClass = "centered"
	v.Data = data
	v.Config.Page["next"] = data.Next
	v.Config.Page["skip_single_system"] = p.Config.LoginSkipSingleSystem
	if p.Captcha != nil {
		required, err := p.Captcha.CaptchaRequired(r.Context(), email, requestinfo.From(r.Context()).IP)
		if err != nil {
			p.Logger.WarnContext(r.Context(), "CAPTCHA status unavailable", "error", err, "request_id", requestID(r))
		}
		v.Config.Captcha.Required = required
	}
	return v
}

// StaffLoginSubmit serves POST /staff/login/ and /api/v1/users/login/ui/,
// the sign-in form for browsers without scripts. The password step either
// signs in or re-renders the page in OTP mode with the challenge in a hidden
// field. The password itself is never kept between the two steps.
func (p *Pages) StaffLoginSubmit(w http.ResponseWriter, r *http.Request) {
	in, ok := p.readForm(w, r)
	if !ok {
		return
	}
	f := httpx.NewFields(in)
	next, _ := f.String("next", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 2048})
	remember, _ := f.Bool("remember_me")
	data := &loginPage{Mode: "login", Next: p.safeNext(next), RememberMe: remember}

	challenge, _ := f.String("temporary_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	if challenge != "" {
		p.staffOTPSubmit(w, r, f, data, challenge)
		return
	}
	email, _ := f.String("email", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 254})
	password, _ := f.String("password", httpx.StringRule{AllowBlank: true, AllowNull: true, Max: 1024})
	captcha, _ := f.String("g_recaptcha_response", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	if captcha == "" {
		captcha, _ = f.String("captcha_token", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 4096})
	}
	data.Email = email

	if !f.Errors.Empty() {
		p.loginFailed(w, r, data, http.StatusBadRequest, "The sign-in form is invalid: "+f.Errors.First())
		return
	}
	if email == "" || password == "" {
		p.loginFailed(w, r, data, http.StatusBadRequest, "Please enter your email and password.")
		return
	}
	if !httpx.ValidLookupEmail(email) {
		p.loginFailed(w, r, data, http.StatusBadRequest, "Enter a valid email address.")
		return
	}

	// A code sent together with the password is checked in the same step,
	// as on the /token/ routes.
	code, _ := f.String("otp_code", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	info := requestinfo.From(r.Context())
	result, err := p.Accounts.SignIn(r.Context(), accounts.Credentials{Email: email, Password: password, CaptchaToken: captcha,
		OTPCode: code, InlineOTP: code != "", RememberMe: remember, IP: info.IP, UserAgent: info.UserAgent})
	if err != nil {
		p.signInFailed(w, r, data, err)
		return
	}

	if result.Challenge != nil {
		data.Mode, data.TemporaryToken = "otp", result.Challenge.Token
		data.EmailCodes = slices.Contains(result.Challenge.Methods, mfa.MethodEmail)
		switch result.Challenge.Delivery {
		case mfa.CodeSent, mfa.EarlierCodeValid:
			data.OTPMessage = "We sent a 6-digit code to your email. Enter it to complete sign-in."
		case mfa.NoCodeAvailable:
			data.OTPMessage = accounts.MsgNoCodeSent
		default:
			data.OTPMessage = "Enter the code from your authenticator app to complete sign-in."
		}
		v := p.loginView(r, data, "")
		v.toast("info", data.OTPMessage)
		p.render(w, r, http.StatusOK, "staff_login", v)
		return
	}
	p.finishStaffSignIn(w, r, result, data.Next)
}

// staffOTPSubmit completes a form sign-in with the second factor.
func (p *Pages) staffOTPSubmit(w http.ResponseWriter, r *http.Request, f *httpx.Fields, data *loginPage, challenge string) {
	data.Mode, data.TemporaryToken = "otp", challenge
	if p.MFA != nil {
		// The page is rendered again on a wrong code. The signed token
		// lists the challenge's methods, so a bad token only hides the link.
		if ref, err := p.MFA.ParseChallenge(challenge); err == nil {
			data.EmailCodes = slices.Contains(ref.Methods, mfa.MethodEmail)
		}
	}
	code, _ := f.String("otp_code", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if code == "" {
		p.loginFailed(w, r, data, http.StatusBadRequest, "Please enter the code.")
		return
	}
	if p.VerifyOTP == nil {
		p.loginFailed(w, r, data, http.StatusServiceUnavailable, "Two-factor sign-in is not available right now.")
		return
	}

	outcome, err := p.verifyOTPInProcess(w, r, challenge, code, data.RememberMe)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	if outcome.userID == 0 {
		if outcome.expired {
			data.Mode, data.TemporaryToken = "login", ""
		}
		p.loginFailed(w, r, data, outcome.status, outcome.message)
		return
	}

	u, err := accounts.UserByID(r.Context(), p.DB, outcome.userID)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	target, err := p.staffLanding(r.Context(), u, data.Next)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	p.redirect(w, r, target)
}

// finishStaffSignIn sets the cookies of a completed sign-in and sends the
// browser on per the post-sign-in rules.
func (p *Pages) finishStaffSignIn(w http.ResponseWriter, r *http.Request, result *accounts.SignInResult, next string) {
	target, err := p.staffLanding(r.Context(), result.User, next)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	p.Cookies.SetPair(w, result.Pair)
	p.redirect(w, r, target)
}

// staffLanding returns where a staff user goes after signing in. That is
// next when it passes safeNext, else the only system's URL when
// AUTHD_LOGIN_SKIP_SINGLE_SYSTEM is on and the user has exactly one active
// system, else system selection.
func (p *Pages) staffLanding(ctx context.Context, u *model.User, next string) (string, error) {
	if target := p.safeNext(next); target != "" {
		return target, nil
	}
	if p.Config.LoginSkipSingleSystem {
		systems, err := p.activeSystems(ctx, u.ID)
		if err != nil {
			return "", err
		}
		if len(systems) == 1 {
			return p.Config.SystemURL(systems[0].Slug), nil
		}
	}
	return welcomePath, nil
}

// signInFailed re-renders the sign-in form with the refusal of a password
// step.
func (p *Pages) signInFailed(w http.ResponseWriter, r *http.Request, data *loginPage, err error) {
	var second *accounts.SecondFactorError
	switch {
	case errors.As(err, &second):
		p.loginFailed(w, r, data, http.StatusBadRequest, second.Message)
	case errors.Is(err, accounts.ErrInvalidCredentials), errors.Is(err, accounts.ErrLocked),
		errors.Is(err, accounts.ErrPending), errors.Is(err, accounts.ErrRejected):
		p.loginFailed(w, r, data, http.StatusBadRequest, err.Error())
	case isThrottled(err):
		p.loginFailed(w, r, data, http.StatusTooManyRequests, err.Error())
	case isCaptchaRefusal(err):
		v := p.loginView(r, data, data.Email)
		v.Config.Captcha.Required = true
		v.toast("warning", "Please complete the CAPTCHA to continue.")
		v.toast("error", err.Error())
		p.render(w, r, http.StatusBadRequest, "staff_login", v)
	case errors.Is(err, passwords.ErrBusy):
		p.loginFailed(w, r, data, http.StatusServiceUnavailable, "Server busy. Please try again.")
	default:
		p.ServerError(w, r, err)
	}
}

func (p *Pages) loginFailed(w http.ResponseWriter, r *http.Request, data *loginPage, status int, message string) {
	v := p.loginView(r, data, data.Email)
	v.toast("error", message)
	p.render(w, r, status, "staff_login", v)
}

// StaffRequestOTP serves POST /staff/request-otp/ and
// /api/v1/users/login/request-otp/: it sends a sign-in code when the account
// exists and uses e-mail codes, and gives every submission the same response.
func (p *Pages) StaffRequestOTP(w http.ResponseWriter, r *http.Request) {
	in, ok := p.readForm(w, r)
	if !ok {
		return
	}
	f := httpx.NewFields(in)
	email, _ := f.String("email", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 254})
	if httpx.ValidLookupEmail(email) {
		if err := p.requestSignInOTP(r.Context(), email); err != nil {
			p.Logger.ErrorContext(r.Context(), "request a sign-in code from the form", "error", err, "request_id", requestID(r))
		}
	}
	p.setFlash(w, "otp-requested")
	p.redirect(w, r, "/staff/login/")
}

// readForm decodes a form post and checks its CSRF token. On failure it has
// already written the response: the 403 page for a bad token, else the page
// of the decoding error (400, 413 or 415).
func (p *Pages) readForm(w http.ResponseWriter, r *http.Request) (*httpx.Input, bool) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		p.renderError(w, r, &errorPage{Status: problem.Status, Heading: "Invalid Request",
			Message: "The form could not be read: " + problemMessage(problem, "malformed form data") + ".",
			LinkURL: "/staff/login/", LinkText: "Go back"})
		return nil, false
	}
	f := httpx.NewFields(in)
	token := r.Header.Get("X-CSRFToken")
	if token == "" {
		token, _ = f.String("csrfmiddlewaretoken", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 256})
	}
	if p.FormTokens == nil || p.FormTokens.CheckValue(r, token) != nil {
		p.CSRFFailed(w, r)
		return nil, false
	}
	return in, true
}

// isThrottled reports a sign-in refused by the per-IP block. The accounts
// and throttle packages each have an error type for it.
func isThrottled(err error) bool {
	var a *accounts.ThrottledError
	var t *throttle.ThrottledError
	return errors.As(err, &a) || errors.As(err, &t)
}

// isCaptchaRefusal reports a sign-in that needed a CAPTCHA it did not pass.
func isCaptchaRefusal(err error) bool {
	var a *accounts.CaptchaError
	var t *throttle.CaptchaError
	return errors.As(err, &a) || errors.As(err, &t)
}

// problemMessage returns the first human-readable message of an API
// problem body, or fallback.
func problemMessage(p *httpx.Problem, fallback string) string {
	body, ok := p.Body.(map[string]any)
	if !ok {
		if fe, ok := p.Body.(httpx.FieldErrors); ok && !fe.Empty() {
			return fe.First()
		}
		return fallback
	}
	for _, key := range []string{"detail", "error"} {
		if s, ok := body[key].(string); ok && s != "" {
			return s
		}
	}
	if errs, ok := body["errors"].(httpx.FieldErrors); ok && !errs.Empty() {
		return errs.First()
	}
	for _, v := range body {
		if list, ok := v.([]string); ok && len(list) > 0 {
			return list[0]
		}
	}
	return fallback
}

// problemField returns one key of a problem's JSON body.
func problemField(p *httpx.Problem, key string) any {
	if body, ok := p.Body.(map[string]any); ok {
		return body[key]
	}
	return nil
}
