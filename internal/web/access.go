package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/tokens"
)

// pageHandler serves a page for an authenticated principal.
type pageHandler func(w http.ResponseWriter, r *http.Request, who *httpx.Principal)

// right is a permission that a staff page requires beyond a staff token.
type right int

const (
	anyStaff  right = iota
	anyAdmin        // a superuser or the admin of at least one system
	ttsAdmin        // a superuser or an admin of tts
	hdtsAdmin       // a superuser or an admin of hdts; refused with the 403 page
	superuser       // a superuser
)

// errNoPrincipal reports a page request without a usable token, after the
// transparent refresh failed or was not possible.
var errNoPrincipal = errors.New("no valid access token")

// resolve returns the principal of a page request. When the access token is
// missing, expired or revoked and the request carries a refresh_token
// cookie, the refresh rotation runs first. The new cookies are set and the
// returned request carries the new access token, so the page is served
// without a detour through the sign-in page. A refresh that fails clears
// the cookies.
func (p *Pages) resolve(w http.ResponseWriter, r *http.Request) (*httpx.Principal, *http.Request, error) {
	if p.auth == nil {
		return nil, r, errors.New("web: no authenticator installed")
	}
	who, problem := p.auth.Authenticate(r)
	if problem == nil {
		return who, r, nil
	}
	if problem.Status >= 500 {
		return nil, r, problem
	}

	refresh, err := r.Cookie(httpx.RefreshCookie)
	if err != nil || refresh.Value == "" {
		return nil, r, errNoPrincipal
	}
	pair, _, err := p.Tokens.Refresh(r.Context(), p.DB, refresh.Value, "", p.LoadSubject)
	if err != nil {
		if !isTokenRefusal(err) {
			return nil, r, err
		}
		p.Cookies.ClearAuth(w)
		return nil, r, errNoPrincipal
	}
	p.Cookies.SetPair(w, pair)

	refreshed := withAccessToken(r, pair.Access)
	who, problem = p.auth.Authenticate(refreshed)
	if problem != nil {
		if problem.Status >= 500 {
			return nil, r, problem
		}
		return nil, r, errNoPrincipal
	}
	return who, refreshed, nil
}

// isTokenRefusal reports whether a refresh failed because of the token or
// its account, as opposed to a database failure.
func isTokenRefusal(err error) bool {
	return errors.Is(err, tokens.ErrInvalid) || errors.Is(err, tokens.ErrExpired) || errors.Is(err, tokens.ErrWrongType) ||
		errors.Is(err, tokens.ErrRevoked) || errors.Is(err, tokens.ErrSubjectInactive) || errors.Is(err, tokens.ErrSubjectNotFound)
}

// withAccessToken returns a copy of r whose access_token and refresh_token
// cookies are replaced by the new access token.
func withAccessToken(r *http.Request, access string) *http.Request {
	out := r.Clone(r.Context())
	out.Header.Del("Cookie")
	for _, c := range r.Cookies() {
		if c.Name != httpx.AccessCookie && c.Name != httpx.RefreshCookie {
			out.AddCookie(c)
		}
	}
	out.AddCookie(&http.Cookie{Name: httpx.AccessCookie, Value: access})
	return out
}

// staffPage guards a staff page. Without a token the browser goes to the
// staff sign-in with next, with an employee token to the employee profile,
// and without the right to the staff profile with an error toast. The HDTS
// pending page renders the 403 page instead.
func (p *Pages) staffPage(need right, h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, r, err := p.resolve(w, r)
		switch {
		case errors.Is(err, errNoPrincipal):
			p.redirect(w, r, "/staff/login/?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		case err != nil:
			p.ServerError(w, r, err)
			return
		case who.IsEmployee():
			p.redirect(w, r, "/profile-settings/")
			return
		case !who.IsStaff():
			p.redirect(w, r, "/staff/login/?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		}
		if !hasRight(who, need) {
			if need == hdtsAdmin {
				p.Forbidden(w, r, "You need to be an administrator of the help desk system to manage pending registrations.")
				return
			}
			p.setFlash(w, "admin-only")
			p.redirect(w, r, "/staff/settings/profile/")
			return
		}
		h(w, r.WithContext(httpx.WithPrincipal(r.Context(), who)), who)
	}
}

func hasRight(who *httpx.Principal, need right) bool {
	switch need {
	case anyAdmin:
		return who.IsAnyAdmin()
	case ttsAdmin:
		return who.IsSuperuser() || who.IsSystemAdmin("tts")
	case hdtsAdmin:
		return who.IsSuperuser() || who.IsSystemAdmin("hdts")
	case superuser:
		return who.IsSuperuser()
	}
	return true
}

// employeePage guards an employee page: no token sends the browser to the
// employee sign-in with next, a staff token to the staff profile.
func (p *Pages) employeePage(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, r, err := p.resolve(w, r)
		switch {
		case errors.Is(err, errNoPrincipal):
			p.redirect(w, r, "/login/?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		case err != nil:
			p.ServerError(w, r, err)
			return
		case who.IsStaff():
			p.redirect(w, r, "/staff/settings/profile/")
			return
		case !who.IsEmployee():
			p.redirect(w, r, "/login/?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		}
		h(w, r.WithContext(httpx.WithPrincipal(r.Context(), who)), who)
	}
}

// optionalPrincipal resolves the principal of a public page, refreshing
// like a protected page, and returns nil when there is none.
func (p *Pages) optionalPrincipal(w http.ResponseWriter, r *http.Request) (*httpx.Principal, *http.Request, error) {
	who, r, err := p.resolve(w, r)
	if errors.Is(err, errNoPrincipal) {
		return nil, r, nil
	}
	return who, r, err
}

// redirect writes a 302 to target.
func (p *Pages) redirect(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// safeNext returns next when it may be followed after a sign-in: a path on
// authd, or an absolute http(s) URL whose origin is in the CORS allow-list
// or is authd's public origin. Anything else returns "".
func (p *Pages) safeNext(next string) string {
	if next == "" || len(next) > 2048 || strings.ContainsAny(next, "\\") ||
		strings.ContainsFunc(next, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil {
		return ""
	}
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && u.Scheme == "" && u.Host == "" {
		return next
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if origin == originOf(p.Config.PublicURL) {
		return next
	}
	for _, allowed := range p.Config.CORSAllowedOrigins {
		if strings.EqualFold(origin, allowed) {
			return next
		}
	}
	return ""
}

// originOf returns scheme://host[:port] of an absolute URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// requestID returns the id the request is logged under.
func requestID(r *http.Request) string { return requestinfo.From(r.Context()).RequestID }
