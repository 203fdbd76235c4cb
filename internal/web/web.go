package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/portal"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Authenticator resolves the access token of a request the way the JSON API
// does (access_token cookie first, then Authorization: Bearer). The HTTP
// server implements it.
type Authenticator interface {
	Authenticate(r *http.Request) (*httpx.Principal, *httpx.Problem)
}

// FormTokens is the CSRF protection of HTML forms: a token in the csrftoken
// cookie that every unsafe form request repeats in the csrfmiddlewaretoken
// field or the X-CSRFToken header. The csrf package's Protector implements
// it.
type FormTokens interface {
	// Token returns the form token of the request, setting the csrftoken
	// cookie when the request has no valid one.
	Token(w http.ResponseWriter, r *http.Request) string
	// CheckValue verifies a submitted token against the csrftoken cookie.
	CheckValue(r *http.Request, submitted string) error
}

// CaptchaStatus reports whether a sign-in from an address or for an e-mail
// must pass a CAPTCHA first. The throttle package's Guard implements it.
type CaptchaStatus interface {
	CaptchaRequired(ctx context.Context, email, ip string) (bool, error)
}

// Deps are the services the pages use. The optional ones (nil allowed) come
// from packages that may not be wired. A page whose service is missing still
// renders, and its form fallback fails with an error toast or the 500 page.
type Deps struct {
	Config      *config.Config
	DB          *storage.DB
	Logger      *slog.Logger
	Now         func() time.Time
	Tokens      *tokens.Service
	Cookies     httpx.Cookies
	Accounts    *accounts.Service
	Media       *media.Store
	LoadSubject tokens.SubjectLoader // loads the account of a refresh token, staff or employee
	FormTokens  FormTokens
	// SessionsAPI is the path of the "my sessions" API (list, revoke one,
	// log out everywhere); empty hides the sessions panel.
	SessionsAPI string

	// VerifyOTP is the JSON handler of POST /api/v1/users/login/verify-otp/.
	// The sign-in form's second step runs it in-process, so the form and
	// the API apply the same second-factor rules.
	VerifyOTP http.HandlerFunc   // optional
	MFA       *mfa.Service       // optional: the /staff/request-otp/ form sends no code without it
	Captcha   CaptchaStatus      // optional
	Employees *employees.Service // optional: the registration form needs it
	Portal    *portal.Handlers   // optional: the portal pages need it
}

// Pages serves every HTML page and the static assets.
type Pages struct {
	Deps
	auth      Authenticator
	templates *templateSet
	static    *staticFiles
}

// New parses the embedded templates and indexes the static files. It fails
// only when an embedded file is broken; TestEveryPageTemplateParses parses
// every page.
func New(d Deps) (*Pages, error) {
	static, err := loadStatic()
	if err != nil {
		return nil, err
	}
	templates, err := loadTemplates(static)
	if err != nil {
		return nil, err
	}
	return &Pages{Deps: d, templates: templates, static: static}, nil
}

// SetAuthenticator installs the token resolver of the HTTP server, which is
// built after the pages.
func (p *Pages) SetAuthenticator(a Authenticator) { p.auth = a }

// MustNew is New for the composition root: the templates and assets are
// embedded, so an error is a build defect (the package tests parse them).
func MustNew(d Deps) *Pages {
	p, err := New(d)
	if err != nil {
		panic("web: embedded templates or assets are broken: " + err.Error())
	}
	return p
}
