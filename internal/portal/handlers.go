package portal

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
	"github.com/mapactive/authd/internal/useradmin"
)

// Inviter e-mails the set-password link of an account created without a
// password; *invitations.Service implements it. Nil sys and role invite to
// the site itself.
type Inviter interface {
	SendInvitation(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, sys *model.System, role *model.Role) error
}

// Deps are the dependencies of the portal. Invitations and CSRF may be
// nil: accounts are then created without an invitation e-mail, and every
// unsafe request except login is rejected with 403.
type Deps struct {
	Config      *config.Config
	DB          *storage.DB
	Now         func() time.Time
	Logger      *slog.Logger
	Accounts    *accounts.Service
	Hasher      *passwords.Hasher
	Policy      *passwords.Policy
	Tokens      *tokens.Service
	Outbox      *outbox.Outbox
	UserAdmin   *useradmin.Service
	Invitations Inviter
	CSRF        CSRF
	// Jobs serves the jobs routes of the portal.
	Jobs *jobs.Handlers
}

// Handlers serves the portal's JSON routes.
type Handlers struct {
	Deps
	sessions *Sessions
	users    *Users
	// importLimit overrides importTimeLimit when positive (nanoseconds).
	importLimit atomic.Int64
}

// NewHandlers returns the portal's handlers and session store.
func NewHandlers(d Deps) *Handlers {
	h := &Handlers{Deps: d}
	h.sessions = &Sessions{db: d.DB, now: d.Now, logger: d.Logger, idle: d.Config.AdminSessionIdle,
		max: d.Config.AdminSessionMax, secure: d.Config.CookieSecure, csrf: d.CSRF}
	h.users = &Users{db: d.DB, now: d.Now, logger: d.Logger, tokens: d.Tokens, outbox: d.Outbox, admin: d.UserAdmin}
	return h
}

// Sessions returns the session store, for the portal tier of the route
// table and the portal's HTML pages.
func (h *Handlers) Sessions() *Sessions { return h.sessions }

// Users returns the account changes the portal applies.
func (h *Handlers) Users() *Users { return h.users }

// SetCSRF installs the CSRF token check once the package providing it is
// built.
func (h *Handlers) SetCSRF(c CSRF) {
	h.CSRF = c
	h.sessions.csrf = c
}

// SetInvitations installs the invitation sender.
func (h *Handlers) SetInvitations(i Inviter) { h.Invitations = i }

// JobHandlers returns the handlers of the portal's jobs routes, those of
// the jobs package.
func (h *Handlers) JobHandlers() *jobs.Handlers {
	if h == nil {
		return nil
	}
	return h.Jobs
}

// caller returns the superuser of the request and its outbox actor.
func caller(r *http.Request) (*model.User, *outbox.Actor) {
	p := httpx.PrincipalFrom(r.Context())
	if p == nil || p.User == nil {
		return nil, nil
	}
	return p.User, &outbox.Actor{Type: "staff", ID: p.User.ID}
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
