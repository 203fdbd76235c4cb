// Package accounts owns staff accounts: sign-in with lockout, registration,
// the profile, and the JSON bodies that describe a staff user.
package accounts

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Service implements the staff account operations.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	now    func() time.Time
	logger *slog.Logger
	hasher *passwords.Hasher
	policy *passwords.Policy
	tokens *tokens.Service
	media  *media.Store
	outbox *outbox.Outbox
	guard  Guard
	mfa    SecondFactor
}

// Deps are the dependencies of a Service. Guard and SecondFactor may be nil
// (no throttling, no second factor).
type Deps struct {
	Config       *config.Config
	DB           *storage.DB
	Now          func() time.Time
	Logger       *slog.Logger
	Hasher       *passwords.Hasher
	Policy       *passwords.Policy
	Tokens       *tokens.Service
	Media        *media.Store
	Outbox       *outbox.Outbox
	Guard        Guard
	SecondFactor SecondFactor
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	s := &Service{cfg: d.Config, db: d.DB, now: d.Now, logger: d.Logger, hasher: d.Hasher, policy: d.Policy,
		tokens: d.Tokens, media: d.Media, outbox: d.Outbox, guard: d.Guard, mfa: d.SecondFactor}
	if s.guard == nil {
		s.guard = noGuard{}
	}
	return s
}

// SetSecondFactor installs the two-factor implementation, which itself
// depends on this service.
func (s *Service) SetSecondFactor(mfa SecondFactor) { s.mfa = mfa }

// SetGuard installs the brute-force protection.
func (s *Service) SetGuard(g Guard) { s.guard = g }

// noGuard is the Guard of a service without throttling.
type noGuard struct{}

func (noGuard) Check(context.Context, string, string, string) error   { return nil }
func (noGuard) Failed(context.Context, bun.IDB, string, string) error { return nil }
func (noGuard) Succeeded(context.Context, bun.IDB, string) error      { return nil }
func (noGuard) Blocked(context.Context, string) error                 { return nil }
func (noGuard) CodeFailed(context.Context, bun.IDB, string) error     { return nil }
