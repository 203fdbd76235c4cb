package portal

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// CookiePath is the Path of the session cookie: the browser sends it only
// to the portal.
const CookiePath = "/superadmin/"

// session is a row of admin_sessions.
type session struct {
	bun.BaseModel `bun:"table:admin_sessions"`

	IDSHA256   string    `bun:"id_sha256,pk"`
	UserID     int64     `bun:"user_id"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	IP         *string   `bun:"ip"`
	UserAgent  *string   `bun:"user_agent"`
}

// CSRF checks the double-submitted token of unsafe requests: the
// csrftoken cookie repeated in the X-CSRFToken header. *csrf.Protector
// implements it.
type CSRF interface {
	// Token returns the request's token, setting the csrftoken cookie when
	// the request has no valid one.
	Token(w http.ResponseWriter, r *http.Request) string
	// CheckValue returns an error unless submitted equals the request's
	// valid csrftoken cookie.
	CheckValue(r *http.Request, submitted string) error
}

// CSRFHeader is the header that repeats the csrftoken cookie.
const CSRFHeader = "X-CSRFToken"

// Sessions stores and checks portal sessions.
type Sessions struct {
	db     *storage.DB
	now    func() time.Time
	logger *slog.Logger
	idle   time.Duration
	max    time.Duration
	secure bool
	csrf   CSRF
}

// Errors of session lookup.
var (
	// ErrNoSession is a missing, unknown, idle or expired session.
	ErrNoSession = errors.New("no portal session")
	// ErrNotSuperuser is a session whose user is no longer an active,
	// unlocked superuser. The lookup has ended it.
	ErrNotSuperuser = errors.New("portal session user is not a superuser")
)

// maxCookieLength bounds the cookie values worth hashing. Real ids are 43
// characters.
const maxCookieLength = 128

// Start stores a new session for u in tx and returns its id, which the
// caller sets with SetCookie once tx commits.
func (s *Sessions) Start(ctx context.Context, tx bun.IDB, u *model.User) (string, error) {
	id := secrets.Token(32)
	now := s.now().UTC()
	info := requestinfo.From(ctx)
	row := &session{IDSHA256: secrets.SHA256Hex(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.max), IP: limited(info.IP, 45), UserAgent: limited(info.UserAgent, 256)}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", err
	}
	return id, nil
}

// SetCookie sets the session cookie: a browser session cookie, sent only
// to the portal's paths and never to other sites.
func (s *Sessions) SetCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: httpx.AdminCookie, Value: id, Path: CookiePath, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

// Lookup returns the superuser of the request's session and records the
// request as activity. It returns ErrNoSession without a live session and
// ErrNotSuperuser (after deleting the user's sessions) when the user lost
// the right to the portal.
func (s *Sessions) Lookup(ctx context.Context, r *http.Request) (*model.User, error) {
	cookie, err := r.Cookie(httpx.AdminCookie)
	if err != nil || cookie.Value == "" || len(cookie.Value) > maxCookieLength {
		return nil, ErrNoSession
	}

	digest := secrets.SHA256Hex(cookie.Value)
	row := &session{}
	err = s.db.NewSelect().Model(row).Where("id_sha256 = ?", digest).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}

	now := s.now().UTC()
	if !now.Before(row.ExpiresAt) || !now.Before(row.LastSeenAt.Add(s.idle)) {
		if _, err := s.db.NewDelete().Model((*session)(nil)).Where("id_sha256 = ?", digest).Exec(ctx); err != nil {
			return nil, err
		}
		return nil, ErrNoSession
	}

	u := &model.User{}
	err = s.db.NewSelect().Model(u).Where("id = ?", row.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	if !mayUsePortal(u) {
		if err := EndAll(ctx, s.db, u.ID); err != nil {
			return nil, err
		}
		return nil, ErrNotSuperuser
	}

	_, err = s.db.NewUpdate().Model((*session)(nil)).Set("last_seen_at = ?", now).Where("id_sha256 = ?", digest).Exec(ctx)
	return u, err
}

// mayUsePortal reports whether u may hold a portal session: an active
// superuser without an admin lock. A failure lock does not end sessions,
// so someone guessing a superuser's password cannot sign them out.
func mayUsePortal(u *model.User) bool {
	adminLocked := u.IsLocked && u.LockReason != nil && *u.LockReason == model.LockAdmin
	return u.IsActive && u.IsSuperuser && !adminLocked
}

// End deletes the request's session, if any, and expires its cookie.
func (s *Sessions) End(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if cookie, err := r.Cookie(httpx.AdminCookie); err == nil && cookie.Value != "" && len(cookie.Value) <= maxCookieLength {
		_, err := s.db.NewDelete().Model((*session)(nil)).Where("id_sha256 = ?", secrets.SHA256Hex(cookie.Value)).Exec(ctx)
		if err != nil {
			return err
		}
	}
	s.clearCookie(w)
	return nil
}

func (s *Sessions) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: httpx.AdminCookie, Value: "", Path: CookiePath, MaxAge: -1, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

// EndAll deletes every portal session of a user, as demotion,
// deactivation and an admin lock require.
func EndAll(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewDelete().Model((*session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// Superuser returns the superuser of the request's portal session, or nil
// without a valid session, for the portal's HTML pages.
func (s *Sessions) Superuser(w http.ResponseWriter, r *http.Request) (*model.User, error) {
	u, err := s.Lookup(r.Context(), r)
	if errors.Is(err, ErrNoSession) || errors.Is(err, ErrNotSuperuser) {
		return nil, nil
	}
	return u, err
}

// Problems of the portal tier.
var (
	// ProblemCSRFToken rejects an unsafe request whose X-CSRFToken header
	// does not repeat its csrftoken cookie.
	ProblemCSRFToken = &httpx.Problem{Status: http.StatusForbidden, Body: httpx.Detail("CSRF check failed: token missing or incorrect.", "csrf_failed")}
)

// Authenticate resolves the principal of a portal route: the session's
// superuser, then, for unsafe methods, the CSRF header. It returns 401
// with the standard body without a session.
func (s *Sessions) Authenticate(r *http.Request) (*httpx.Principal, *httpx.Problem) {
	u, err := s.Lookup(r.Context(), r)
	switch {
	case errors.Is(err, ErrNoSession), errors.Is(err, ErrNotSuperuser):
		return nil, httpx.ErrNotAuthenticated
	case err != nil:
		return nil, s.serverProblem(r.Context(), "look up a portal session", err)
	}
	if unsafeMethod(r.Method) && (s.csrf == nil || s.csrf.CheckValue(r, r.Header.Get(CSRFHeader)) != nil) {
		return nil, ProblemCSRFToken
	}
	return &httpx.Principal{Type: tokens.Staff, User: u}, nil
}

func unsafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

func (s *Sessions) serverProblem(ctx context.Context, action string, err error) *httpx.Problem {
	id := requestinfo.From(ctx).RequestID
	s.logger.ErrorContext(ctx, action, "error", err, "request_id", id)
	return &httpx.Problem{Status: http.StatusInternalServerError,
		Body: map[string]any{"detail": "Internal server error.", "code": "server_error", "request_id": id}}
}

// limited returns s cut to at most n bytes without splitting a UTF-8
// sequence, or nil for an empty string.
func limited(s string, n int) *string {
	if s == "" {
		return nil
	}
	if len(s) > n {
		for n > 0 && s[n]&0xC0 == 0x80 {
			n--
		}
		s = s[:n]
	}
	return &s
}
