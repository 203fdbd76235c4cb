package employees

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Service implements the employee account operations. Its store methods
// also make it the sessions.Employees directory of the shared token routes.
type Service struct {
	cfg      *config.Config
	db       *storage.DB
	now      func() time.Time
	logger   *slog.Logger
	hasher   *passwords.Hasher
	policy   *passwords.Policy
	tokens   *tokens.Service
	media    *media.Store
	outbox   *outbox.Outbox
	guard    accounts.Guard
	mfa      *mfa.Service
	throttle *throttle.Service
	requests MailRequests
}

// MailRequests queues the account-dependent half of a public request as a
// background job, so the HTTP response takes the same work whether or not
// the address belongs to an employee.
type MailRequests interface {
	Enqueue(ctx context.Context, purpose, email string) error
}

// SetMailRequests installs the job queue of forgot-password and code
// requests. Without one they are resolved inside the request.
func (s *Service) SetMailRequests(q MailRequests) { s.requests = q }

// Deps are the dependencies of a Service. Guard and Throttle may be nil:
// no sign-in protection, no registration or e-mail limits.
type Deps struct {
	Config   *config.Config
	DB       *storage.DB
	Now      func() time.Time
	Logger   *slog.Logger
	Hasher   *passwords.Hasher
	Policy   *passwords.Policy
	Tokens   *tokens.Service
	Media    *media.Store
	Outbox   *outbox.Outbox
	Guard    accounts.Guard
	MFA      *mfa.Service
	Throttle *throttle.Service
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	s := &Service{cfg: d.Config, db: d.DB, now: d.Now, logger: d.Logger, hasher: d.Hasher, policy: d.Policy,
		tokens: d.Tokens, media: d.Media, outbox: d.Outbox, guard: d.Guard, mfa: d.MFA, throttle: d.Throttle}
	if s.guard == nil {
		s.guard = noGuard{}
	}
	return s
}

// SetGuard installs the sign-in brute-force protection (per-IP throttle
// and CAPTCHA escalation), which staff and employee sign-ins share.
func (s *Service) SetGuard(g accounts.Guard) { s.guard = g }

// SetThrottle installs the registration and e-mail limits.
func (s *Service) SetThrottle(t *throttle.Service) { s.throttle = t }

// DB returns the database the service works on.
func (s *Service) DB() *storage.DB { return s.db }

// noGuard is the Guard of a service without throttling.
type noGuard struct{}

func (noGuard) Check(context.Context, string, string, string) error   { return nil }
func (noGuard) Failed(context.Context, bun.IDB, string, string) error { return nil }
func (noGuard) Succeeded(context.Context, bun.IDB, string) error      { return nil }
func (noGuard) Blocked(context.Context, string) error                 { return nil }
func (noGuard) CodeFailed(context.Context, bun.IDB, string) error     { return nil }
