package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/tokens"
)

// tier is the access level a route requires, as named in the API
// specification's Auth column.
type tier int

const (
	public     tier = iota // no credentials needed
	staff                  // a staff access token
	employee               // an employee access token
	anyAccount             // a staff or employee access token
	anyAdmin               // a superuser or a system admin of at least one system
	superuser              // a superuser
	hdtsAdmin              // a superuser or a system admin of hdts
	hdtsStaff              // a superuser or a staff user with an active hdts assignment
	keyOnly                // an X-API-Key with the route's scope
	ttsAdmin               // a superuser or a system admin of tts
	portalTier             // the superadmin portal session (portal.go)
)

// access describes who may call a route. A scope on a token tier means the
// route also accepts an API key with that scope ("token or key").
// legacyOpen routes respond without credentials when AUTHD_INTERNAL_AUTH is
// legacy_open, for callers that cannot send a key yet.
type access struct {
	tier       tier
	scope      string
	legacyOpen bool
}

// Subjects loads the accounts behind access tokens. The accounts and
// employees packages provide it.
type Subjects interface {
	// StaffPrincipal loads an active staff user and its active grants.
	StaffPrincipal(ctx context.Context, id int64) (*model.User, []httpx.Grant, error)
	// EmployeePrincipal loads an approved employee.
	EmployeePrincipal(ctx context.Context, id int64) (*model.Employee, error)
}

// KeyVerifier checks X-API-Key headers.
type KeyVerifier interface {
	// Verify returns the key's description, or an error for an unknown,
	// expired or revoked key.
	Verify(ctx context.Context, raw, ip string) (*httpx.APIKey, error)
}

// authenticate finds the request's access token (the access_token cookie
// first, then Authorization: Bearer) and loads its account. When neither
// yields a valid token it returns the problem of the token that was present,
// cookie first, or not_authenticated when there was none.
func (s *Server) authenticate(r *http.Request) (*httpx.Principal, *httpx.Problem) {
	var first *httpx.Problem
	if c, err := r.Cookie(httpx.AccessCookie); err == nil && c.Value != "" {
		p, problem := s.principalFromToken(r.Context(), c.Value)
		if problem == nil {
			p.ViaCookie = true
			return p, nil
		}
		first = problem
	}
	if raw, ok := bearerToken(r); ok {
		p, problem := s.principalFromToken(r.Context(), raw)
		if problem == nil {
			return p, nil
		}
		if first == nil {
			first = problem
		}
	}
	if first == nil {
		first = httpx.ErrNotAuthenticated
	}
	return nil, first
}

// Authenticate resolves the access token of a request like the token
// tiers do; the HTML pages use it for their own access control.
func (s *Server) Authenticate(r *http.Request) (*httpx.Principal, *httpx.Problem) {
	return s.authenticate(r)
}

func bearerToken(r *http.Request) (string, bool) {
	header := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// principalFromToken verifies an access token and loads its account, which
// must still exist, be allowed to sign in and not have revoked the token.
func (s *Server) principalFromToken(ctx context.Context, raw string) (*httpx.Principal, *httpx.Problem) {
	claims, err := s.tokens.Signer().ParseAccess(raw)
	switch {
	case errors.Is(err, tokens.ErrExpired):
		return nil, httpx.ErrTokenExpired
	case err != nil:
		return nil, httpx.ErrTokenNotValid
	}
	p := &httpx.Principal{Type: claims.UserType, Claims: claims, RawToken: raw}
	switch claims.UserType {
	case tokens.Staff:
		user, grants, err := s.subjects.StaffPrincipal(ctx, claims.SubjectID())
		if err != nil {
			return nil, s.subjectProblem(ctx, err)
		}
		p.User, p.Grants = user, grants
		err = s.tokens.CheckRevoked(ctx, s.db, claims, user.TokensValidAfter)
		if err != nil {
			return nil, s.subjectProblem(ctx, err)
		}
	case tokens.Employee:
		emp, err := s.subjects.EmployeePrincipal(ctx, claims.SubjectID())
		if err != nil {
			return nil, s.subjectProblem(ctx, err)
		}
		p.Employee = emp
		if err := s.tokens.CheckRevoked(ctx, s.db, claims, emp.TokensValidAfter); err != nil {
			return nil, s.subjectProblem(ctx, err)
		}
	default:
		return nil, httpx.ErrTokenNotValid
	}
	return p, nil
}

// subjectProblem maps a failure to load or accept a token's account. A
// deleted, deactivated or locked account revoked its tokens.
func (s *Server) subjectProblem(ctx context.Context, err error) *httpx.Problem {
	switch {
	case errors.Is(err, tokens.ErrRevoked), errors.Is(err, tokens.ErrSubjectNotFound), errors.Is(err, tokens.ErrSubjectInactive):
		return httpx.ErrTokenRevoked
	}
	id := requestinfo.From(ctx).RequestID
	s.logger.ErrorContext(ctx, "load the account of an access token", "error", err, "request_id", id)
	return &httpx.Problem{Status: http.StatusInternalServerError,
		Body: map[string]any{"detail": "Internal server error.", "code": "server_error", "request_id": id}}
}

// authorize resolves the principal a route requires and checks its level.
// Routes that accept an API key evaluate the key first when one is sent.
func (s *Server) authorize(r *http.Request, a access) (*httpx.Principal, *httpx.Problem) {
	if a.tier == public {
		return nil, nil
	}
	if a.tier == portalTier {
		return s.authorizePortal(r)
	}
	if a.scope != "" {
		if raw := r.Header.Get("X-API-Key"); raw != "" {
			return s.authorizeKey(r, raw, a.scope)
		}
		if a.tier == keyOnly {
			if a.legacyOpen && s.cfg.Tokens.InternalAuth == "legacy_open" {
				s.recordOpenAccess(r)
				return nil, nil
			}
			return nil, problemAPIKeyRequired
		}
	}
	p, problem := s.authenticate(r)
	if problem != nil {
		if a.scope != "" && problem == httpx.ErrNotAuthenticated {
			if a.legacyOpen && s.cfg.Tokens.InternalAuth == "legacy_open" {
				s.recordOpenAccess(r)
				return nil, nil
			}
			return nil, problemAPIKeyRequired
		}
		return nil, problem
	}
	switch a.tier {
	case staff:
		if !p.IsStaff() {
			return nil, httpx.ErrWrongUserType
		}
	case employee:
		if !p.IsEmployee() {
			return nil, httpx.ErrWrongUserType
		}
	case anyAccount:
	case anyAdmin, superuser, hdtsAdmin, hdtsStaff, ttsAdmin:
		if !p.IsStaff() {
			return nil, httpx.ErrWrongUserType
		}
		if !allowedTier(p, a.tier) {
			return nil, httpx.ErrPermissionDenied
		}
	}
	return p, nil
}

func allowedTier(p *httpx.Principal, t tier) bool {
	switch t {
	case anyAdmin:
		return p.IsAnyAdmin()
	case superuser:
		return p.IsSuperuser()
	case hdtsAdmin:
		return p.IsSuperuser() || p.IsSystemAdmin("hdts")
	case hdtsStaff:
		return p.IsSuperuser() || p.HasSystem("hdts")
	case ttsAdmin:
		return p.IsSuperuser() || p.IsSystemAdmin("tts")
	}
	return true
}

var (
	problemAPIKeyRequired = &httpx.Problem{Status: http.StatusUnauthorized, Body: httpx.Detail("API key required.", "api_key_required")}
	problemAPIKeyInvalid  = &httpx.Problem{Status: http.StatusUnauthorized, Body: httpx.Detail("Invalid API key.", "api_key_invalid")}
	problemAPIKeyScope    = &httpx.Problem{Status: http.StatusForbidden, Body: httpx.Detail("API key lacks the required scope.", "insufficient_scope")}
)

func (s *Server) authorizeKey(r *http.Request, raw, scope string) (*httpx.Principal, *httpx.Problem) {
	if s.keys == nil {
		return nil, problemAPIKeyInvalid
	}
	key, err := s.keys.Verify(r.Context(), raw, requestinfo.From(r.Context()).IP)
	if err != nil {
		var problem *httpx.Problem
		if errors.As(err, &problem) {
			return nil, problem
		}
		return nil, problemAPIKeyInvalid
	}
	if !key.HasScope(scope) {
		return nil, problemAPIKeyScope
	}
	return &httpx.Principal{Key: key}, nil
}
