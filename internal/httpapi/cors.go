package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
)

const (
	corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders = "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, x-api-key"
)

// cors responds to preflight requests before authentication and adds the CORS
// headers for allowed origins. Origins are compared exactly; any other origin
// gets no CORS headers at all. HTML pages and the superadmin portal never
// send CORS headers.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !corsApplies(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		allowed := origin != "" && slices.Contains(s.cfg.CORSAllowedOrigins, origin)
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				w.Header().Set("Access-Control-Allow-Methods", corsAllowMethods)
				w.Header().Set("Access-Control-Allow-Headers", corsAllowHeaders)
				w.Header().Set("Access-Control-Max-Age", "86400")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsApplies reports whether a path is part of the JSON API, the only part
// of authd that serves cross-origin calls.
func corsApplies(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/api" || path == "/token/" || path == "/token" ||
		path == "/logout/" || path == "/logout" || path == "/health/" || path == "/health/ready/"
}

// originTrusted reports whether an origin may send cookie-authenticated
// unsafe requests: a CSRF trusted origin, a CORS origin or authd's own.
func (s *Server) originTrusted(origin string, r *http.Request) bool {
	if origin == "" || origin == "null" {
		return false
	}
	if slices.Contains(s.cfg.CSRFTrustedOrigins, origin) {
		return true
	}
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	return strings.EqualFold(origin, scheme+"://"+r.Host)
}

// checkOrigin is the CSRF defence of the JSON API: an unsafe request that a
// browser would send with authd's cookies must come from a trusted origin.
// Requests with neither Origin nor Referer come from non-browser clients
// and pass; Bearer and API key calls without auth cookies are not checked.
func (s *Server) checkOrigin(r *http.Request, setsCookies bool) *httpx.Problem {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	if !setsCookies && !hasAuthCookie(r) {
		return nil
	}
	if origin, present := r.Header["Origin"]; present {
		if s.originTrusted(strings.TrimSpace(origin[0]), r) {
			return nil
		}
		return httpx.ErrCSRF
	}
	if referer := r.Header.Get("Referer"); referer != "" {
		if u, err := url.Parse(referer); err == nil && s.originTrusted(config.OriginOf(u.String()), r) {
			return nil
		}
		return httpx.ErrCSRF
	}
	return nil
}

func hasAuthCookie(r *http.Request) bool {
	for _, name := range []string{httpx.AccessCookie, httpx.RefreshCookie, httpx.AdminCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return true
		}
	}
	return false
}
