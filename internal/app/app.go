// Package app builds authd from its configuration: it opens and migrates the
// database and wires every service and handler together. The command line
// and the HTTP tests both start authd through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/mapactive/authd/api"
	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/captcha"
	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/csrf"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/httpapi"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/integration"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/mailrequest"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/portal"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/securityapi"
	"github.com/mapactive/authd/internal/sessions"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
	"github.com/mapactive/authd/internal/useradmin"
	"github.com/mapactive/authd/internal/web"
)

// Options adjust how an App is built; the zero value is production use.
type Options struct {
	Now     func() time.Time // the clock; defaults to the system clock
	Logger  *slog.Logger     // defaults to a logger built from the configuration
	DB      *storage.DB      // an already open database; Open is used when nil
	Migrate bool             // apply migrations before building services
}

// App is a fully wired authd.
type App struct {
	Config  *config.Config
	Logger  *slog.Logger
	DB      *storage.DB
	Now     func() time.Time
	Keyring *secrets.Keyring
	Hasher  *passwords.Hasher
	Policy  *passwords.Policy
	Tokens  *tokens.Service
	Media   *media.Store
	Outbox  *outbox.Outbox
	Jobs    *jobs.System // background jobs: e-mail, sync messages, events, purges
	// MailRequests runs the mail_request jobs: forgot-password and code
	// requests whose response must not depend on the account.
	MailRequests *mailrequest.Router
	Mail         mail.Sender
	Cookies      httpx.Cookies
	Accounts     *accounts.Service
	Throttle     *throttle.Service
	Captcha      *captcha.Service
	Sessions     *sessions.Handlers
	Employees    *employees.Service
	MFA          *mfa.Service
	APIKeys      *apikeys.Service
	RBAC         *rbac.Service
	Invites      *invitations.Service
	Portal       *portal.Handlers
	Pages        *web.Pages
	Server       *httpapi.Server
	ownsDB       bool
	closeFunc    []func()
}

// New builds an App.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	a := &App{Config: cfg, Now: opts.Now, Logger: opts.Logger, DB: opts.DB}
	if a.Now == nil {
		a.Now = clock.Real
	}
	if a.Logger == nil {
		a.Logger = NewLogger(cfg)
	}
	if a.DB == nil {
		db, err := storage.Open(ctx, cfg.Database)
		if err != nil {
			return nil, err
		}
		a.DB, a.ownsDB = db, true
	}
	if opts.Migrate {
		if err := a.DB.Migrate(ctx, a.Now()); err != nil {
			a.Close()
			return nil, err
		}
	}
	installedAt, err := a.DB.InstalledAt(ctx)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("the database is not migrated (run authd migrate): %w", err)
	}
	a.MailRequests = mailrequest.NewRouter(a.Logger)
	if err := a.buildJobs(ctx); err != nil {
		a.Close()
		return nil, err
	}
	a.build(installedAt)
	a.registerPurges()
	return a, nil
}

func (a *App) build(installedAt time.Time) {
	cfg := a.Config
	a.Keyring = secrets.NewKeyring(cfg.Keys.SecretKey, cfg.Keys.SecretKeyFallbacks)
	a.Hasher = passwords.NewHasher(passwords.Params{
		MemoryKiB: cfg.Passwords.Argon2MemoryKiB, Iterations: cfg.Passwords.Argon2Iterations, Parallelism: cfg.Passwords.Argon2Parallelism,
	}, 2*runtime.NumCPU(), 10*time.Second)
	a.Policy = &passwords.Policy{
		MinLength: cfg.Passwords.MinLength, MaxLength: cfg.Passwords.MaxLength, BreachCheck: cfg.Passwords.BreachCheck,
		BreachURL: cfg.Passwords.BreachURL, BreachTimeout: cfg.Passwords.BreachTimeout, Logger: a.Logger,
	}
	signer := tokens.NewSigner(cfg.Keys.JWTSigningKey, a.Keyring, cfg.Tokens.Leeway, a.Now)
	a.Tokens = tokens.NewService(signer, tokens.Lifetimes{
		Access: cfg.Tokens.AccessLifetime, Refresh: cfg.Tokens.RefreshLifetime,
		Absolute: cfg.Tokens.RefreshAbsoluteLifetime, Grace: cfg.Tokens.RefreshGrace,
	}, installedAt, a.Now)
	a.Media = &media.Store{Dir: cfg.MediaDir, PublicURL: cfg.PublicURL}
	a.Cookies = httpx.Cookies{Domain: cfg.CookieDomain, Secure: cfg.CookieSecure, AccessHTTPOnly: cfg.AccessCookieHTTPOnly, Now: a.Now}
	a.Accounts = accounts.NewService(accounts.Deps{
		Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Hasher: a.Hasher, Policy: a.Policy,
		Tokens: a.Tokens, Media: a.Media, Outbox: a.Outbox,
	})
	a.Sessions = sessions.NewHandlers(cfg, a.DB, a.Tokens, a.Cookies, a.Media, nil, a.Now, a.Logger)
	a.Throttle = throttle.NewService(throttle.NewLimits(cfg), a.Now)
	a.Captcha = captcha.NewService(cfg.Captcha, a.DB, a.Keyring, a.Now, a.Logger)
	signInGuard := a.Throttle.NewGuard(a.DB, a.Captcha.Verifier())
	a.Accounts.SetGuard(signInGuard)
	a.MFA = mfa.NewService(mfa.Deps{Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Keyring: a.Keyring,
		Hasher: a.Hasher, Tokens: a.Tokens, Outbox: a.Outbox, Throttle: a.Throttle})
	a.Employees = employees.NewService(employees.Deps{
		Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Hasher: a.Hasher, Policy: a.Policy,
		Tokens: a.Tokens, Media: a.Media, Outbox: a.Outbox, Guard: signInGuard, Throttle: a.Throttle, MFA: a.MFA,
	})
	a.Sessions.SetEmployees(a.Employees)
	a.Accounts.SetSecondFactor(accounts.NewSecondFactor(a.MFA))
	a.APIKeys = apikeys.NewService(apikeys.Deps{DB: a.DB, Now: a.Now, Logger: a.Logger, Limiter: a.Throttle})
	a.RBAC = rbac.NewService(rbac.Deps{DB: a.DB, Now: a.Now, Logger: a.Logger, Outbox: a.Outbox})
	a.Invites = invitations.NewService(invitations.Deps{Config: cfg, Now: a.Now, Accounts: a.Accounts, RBAC: a.RBAC, Outbox: a.Outbox})
	a.Portal = portal.NewHandlers(portal.Deps{Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Accounts: a.Accounts,
		Hasher: a.Hasher, Policy: a.Policy, Tokens: a.Tokens, Outbox: a.Outbox, Invitations: a.Invites,
		CSRF: csrf.New(a.Keyring, cfg.CSRFCookieSecure), Jobs: jobs.NewHandlers(a.Jobs),
		UserAdmin: useradmin.NewService(useradmin.Deps{Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Accounts: a.Accounts,
			RBAC: a.RBAC, Invitations: a.Invites, Tokens: a.Tokens, Media: a.Media, Outbox: a.Outbox})})
	accountHandlers := accounts.NewHandlers(a.Accounts, a.Cookies)
	securityHandlers := accounts.NewSecurityHandlers(accountHandlers, a.MFA, a.Throttle)
	a.MailRequests.Handle(mailrequest.StaffPasswordReset, securityHandlers.ProcessResetRequest)
	securityHandlers.SetResetRequests(mailrequest.Requester{Queue: mailrequest.NewQueue(a.DB, a.Jobs.Client), Purpose: mailrequest.StaffPasswordReset})
	a.MailRequests.Handle(mailrequest.EmployeePasswordReset, a.Employees.RequestReset)
	a.MailRequests.Handle(mailrequest.EmployeeOTP, a.Employees.ProcessOTPRequest)
	a.Employees.SetMailRequests(mailrequest.NewQueue(a.DB, a.Jobs.Client))
	a.Pages = web.MustNew(web.Deps{Config: cfg, DB: a.DB, Logger: a.Logger, Now: a.Now, Tokens: a.Tokens,
		Cookies: a.Cookies, Accounts: a.Accounts, Media: a.Media, LoadSubject: a.Sessions.LoadSubject,
		FormTokens: csrf.New(a.Keyring, cfg.CSRFCookieSecure), SessionsAPI: "/api/v1/sessions/",
		VerifyOTP: securityHandlers.VerifyOTP, MFA: a.MFA, Captcha: signInGuard, Employees: a.Employees, Portal: a.Portal})
	userAdmin := useradmin.NewHandlers(useradmin.NewService(useradmin.Deps{
		Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Accounts: a.Accounts, RBAC: a.RBAC, Invitations: a.Invites,
		Tokens: a.Tokens, Media: a.Media, Outbox: a.Outbox,
	}))
	integrationHandlers := integration.NewHandlers(integration.Deps{Config: cfg, DB: a.DB, Now: a.Now, Logger: a.Logger, Media: a.Media, RBAC: a.RBAC})
	a.Server = httpapi.New(httpapi.Deps{
		Config: cfg, DB: a.DB, Logger: a.Logger, Now: a.Now, Tokens: a.Tokens,
		Subjects: subjects{db: a.DB}, Keys: a.APIKeys, OpenAccess: a.APIKeys, Media: a.Media, OpenAPI: api.OpenAPI,
		Accounts: accountHandlers, Sessions: a.Sessions,
		Security:    securityHandlers,
		Captcha:     captcha.NewHandlers(a.Captcha, a.DB, a.Throttle, signInGuard),
		SecurityAPI: securityapi.NewHandlers(a.DB, a.Tokens, a.Cookies, a.Now, a.Logger),
		APIKeys:     apikeys.NewHandlers(a.APIKeys),
		Portal:      a.Portal,
		Jobs:        jobs.NewHandlers(a.Jobs),
		RBAC:        rbac.NewHandlers(a.RBAC), Invitations: invitations.NewHandlers(a.Invites, a.DB),
		UserAdmin: userAdmin, Integration: integrationHandlers,
		Employees: employees.NewHandlers(a.Employees, a.Cookies),
		Pages:     a.Pages,
	})
	a.Pages.SetAuthenticator(a.Server)
}

// Handler returns the HTTP handler of the whole service.
func (a *App) Handler() http.Handler { return a.Server.Handler() }

// Close releases what New opened.
func (a *App) Close() {
	for i := len(a.closeFunc) - 1; i >= 0; i-- {
		a.closeFunc[i]()
	}
	if a.ownsDB && a.DB != nil {
		a.DB.Close()
	}
}

// subjects loads the accounts behind access tokens for the HTTP layer.
type subjects struct {
	db *storage.DB
}

func (s subjects) StaffPrincipal(ctx context.Context, id int64) (*model.User, []httpx.Grant, error) {
	return accounts.Principal(ctx, s.db, id)
}

// EmployeePrincipal loads an Approved employee that is not admin-locked.
func (s subjects) EmployeePrincipal(ctx context.Context, id int64) (*model.Employee, error) {
	return employees.Principal(ctx, s.db, id)
}
