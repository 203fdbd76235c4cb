// Package httpapi assembles authd's HTTP server: the middleware every
// request passes, the table of every route with its access tier (routes.go),
// and the responses to unknown paths and methods.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/captcha"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/integration"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/portal"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/securityapi"
	"github.com/mapactive/authd/internal/sessions"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
	"github.com/mapactive/authd/internal/useradmin"
	"github.com/mapactive/authd/internal/web"
)

// Deps are the services and handlers the server routes to.
type Deps struct {
	Config   *config.Config
	DB       *storage.DB
	Logger   *slog.Logger
	Now      func() time.Time
	Tokens   *tokens.Service
	Subjects Subjects
	Keys     KeyVerifier // nil: API keys are rejected
	Media    *media.Store
	OpenAPI  []byte // the OpenAPI document in YAML

	// OpenAccess records the calls legacy open mode lets through; nil
	// records every call.
	OpenAccess OpenAccessRecorder

	Accounts *accounts.Handlers
	Sessions *sessions.Handlers
	APIKeys  *apikeys.Handlers
	Portal   *portal.Handlers
	Jobs     *jobs.Handlers // the delivery jobs routes of superusers

	RBAC        *rbac.Handlers
	Invitations *invitations.Handlers
	UserAdmin   *useradmin.Handlers
	Integration *integration.Handlers

	Employees *employees.Handlers // the /api/v1/hdts/ routes

	Pages *web.Pages // the HTML pages and static assets

	Security    *accounts.SecurityHandlers // staff 2FA and password routes
	Captcha     *captcha.Handlers          // the CAPTCHA routes
	SecurityAPI *securityapi.Handlers      // sessions and audit routes
}

// Server is authd's HTTP handler.
type Server struct {
	Deps
	cfg      *config.Config
	db       *storage.DB
	logger   *slog.Logger
	tokens   *tokens.Service
	subjects Subjects
	keys     KeyVerifier
	mux      *http.ServeMux
	patterns []string // every registered JSON API pattern, for the OpenAPI coverage test
}

// New builds the server and registers every route.
func New(d Deps) *Server {
	s := &Server{Deps: d, cfg: d.Config, db: d.DB, logger: d.Logger, tokens: d.Tokens, subjects: d.Subjects, keys: d.Keys,
		mux: http.NewServeMux()}
	for _, rt := range s.routes() {
		s.register(rt)
	}
	return s
}

// route is one entry of the route table.
type route struct {
	pattern     string // "METHOD /path/", written with the trailing slash
	access      access
	setsCookies bool // the route signs in or refreshes, so the CSRF origin check applies even without cookies
	page        bool // an HTML page or redirect, not part of the JSON API contract
	// html is the page served instead of handler when the request does not
	// ask for JSON (Accept), for paths that are both a page and a JSON route.
	// The page applies its own access rule.
	html    http.HandlerFunc
	handler http.HandlerFunc
}

// Handler returns the whole middleware chain around the routes.
func (s *Server) Handler() http.Handler {
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = s.cors(h)
	h = s.checkURL(h)
	h = s.checkHost(h)
	h = s.securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.withRequestInfo(h)
	return h
}

// Patterns returns the "METHOD /path/" pattern of every JSON API route,
// written as in the route table (pages are left out).
func (s *Server) Patterns() []string { return s.patterns }

// register adds a route under its path with and without the trailing slash:
// both are served directly, with no redirect.
func (s *Server) register(rt route) {
	method, path, _ := strings.Cut(rt.pattern, " ")
	if !rt.page {
		s.patterns = append(s.patterns, rt.pattern)
	}
	h := s.guard(rt)
	switch {
	case strings.HasSuffix(path, "...}") || strings.HasSuffix(path, "...}/"):
		s.mux.Handle(method+" "+path, h)
	case path == "/":
		s.mux.Handle(method+" /{$}", h)
	case strings.HasSuffix(path, "/"):
		s.mux.Handle(method+" "+path+"{$}", h)
		s.mux.Handle(method+" "+strings.TrimSuffix(path, "/"), h)
	default:
		s.mux.Handle(method+" "+path, h)
	}
}

// guard applies the CSRF origin check and the access tier of a route.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !numericParamsValid(rt.pattern, r.URL.Path) {
			if allow := s.otherMethods(r); allow != "" {
				httpx.WriteProblem(w, httpx.MethodNotAllowed(r.Method, allow))
				return
			}
		}
		if rt.html != nil && !acceptsJSON(r) {
			rt.html(w, r)
			return
		}
		if !rt.page {
			// API answers carry tokens or personal data, including their error
			// bodies; a handler of public content (pictures) replaces this.
			w.Header().Set("Cache-Control", "no-store")
		}
		if problem := s.checkOrigin(r, rt.setsCookies); problem != nil {
			if rt.page && s.Pages != nil {
				s.Pages.CSRFFailed(w, r)
				return
			}
			httpx.WriteProblem(w, problem)
			return
		}
		p, problem := s.authorize(r, rt.access)
		if problem != nil {
			httpx.WriteProblem(w, problem)
			return
		}
		if p != nil {
			r = r.WithContext(httpx.WithPrincipal(r.Context(), p))
		}
		rt.handler(w, r)
	})
}

// acceptsJSON reports whether the Accept header asks for JSON.
func acceptsJSON(r *http.Request) bool {
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "application/json") || strings.Contains(accept, "+json")
}

// dispatch routes a request and returns the API's JSON bodies for unknown
// paths and methods instead of the mux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		// The mux's ServeHTTP, not h, sets the request's path values.
		s.mux.ServeHTTP(w, r)
		return
	}
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		httpx.WriteProblem(w, httpx.MethodNotAllowed(r.Method, probe.header.Get("Allow")))
		return
	}
	s.notFound(w, r)
}

// numericParams are the path parameters that usually hold database ids.
var numericParams = map[string]bool{"{id}": true, "{user_id}": true}

// numericParamsValid reports whether every numeric parameter of pattern is
// an integer in path.
func numericParamsValid(pattern, path string) bool {
	_, template, _ := strings.Cut(pattern, " ")
	templateParts := strings.Split(strings.Trim(template, "/"), "/")
	pathParts := strings.Split(strings.Trim(path, "/"), "/")
	for i, part := range templateParts {
		if !numericParams[part] || i >= len(pathParts) {
			continue
		}
		if _, err := strconv.ParseInt(pathParts[i], 10, 64); err != nil {
			return false
		}
	}
	return true
}

// otherMethods returns the Allow list of a request that reached an {id}
// route with a non-numeric segment, when other methods serve that path as a
// literal route (GET /api/v1/users/logout/ must be 405, not a user lookup).
// It returns "" when no other route serves the path, and the {id} handler
// then responds with its own not-found body.
func (s *Server) otherMethods(r *http.Request) string {
	var allowed []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if method == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := s.mux.Handler(probe); pattern != "" && numericParamsValid(pattern, r.URL.Path) {
			allowed = append(allowed, method)
		}
	}
	if slices.Contains(allowed, http.MethodGet) {
		allowed = append(allowed, http.MethodHead)
	}
	return strings.Join(allowed, ", ")
}

// headerProbe records the status and headers the mux would send, without sending them.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }

// notFound responds to an unknown path: JSON under /api/, a page elsewhere.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api" || isPortalAPI(r.URL.Path) {
		httpx.WriteProblem(w, httpx.ErrNotFound)
		return
	}
	if s.Pages != nil {
		s.Pages.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page Not Found</title></head>" +
		"<body><h1>Page Not Found</h1><p><a href=\"/staff/login/\">Go to sign in</a></p></body></html>"))
}

// recordOpenAccess writes the audit event of an unauthenticated call to an
// internal route in legacy open mode.
func (s *Server) recordOpenAccess(r *http.Request) {
	if s.OpenAccess != nil {
		s.OpenAccess.RecordOpenAccess(r.Context(), routeOf(r))
		return
	}
	event := audit.Event{Name: "internal.open_access", Details: map[string]any{"path": r.URL.Path}}
	if err := audit.Record(r.Context(), s.db, s.Now(), event); err != nil {
		s.logger.Error("record open internal access", "error", err, "request_id", requestinfo.From(r.Context()).RequestID)
	}
}

// Ready reports whether the database answers and is fully migrated.
func (s *Server) Ready(ctx context.Context) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	applied, latest, err := s.db.SchemaStatus(ctx)
	if err != nil {
		return false, "database unreachable"
	}
	if applied < latest {
		return false, "database not migrated"
	}
	return true, ""
}
