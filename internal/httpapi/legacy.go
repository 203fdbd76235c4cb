package httpapi

import (
	"context"
	"net/http"
	"strings"
)

// OpenAccessRecorder writes the audit event of a call without credentials
// that legacy open mode let through, at most once per route and client
// address per minute. *apikeys.Service implements it.
type OpenAccessRecorder interface {
	RecordOpenAccess(ctx context.Context, route string)
}

// routeOf returns the route table pattern a request matched, such as
// "GET /api/v1/users/internal/{id}/", the same for both forms of the
// path.
func routeOf(r *http.Request) string {
	pattern := strings.TrimSuffix(r.Pattern, "{$}")
	if pattern == "" {
		return r.Method + " " + r.URL.Path
	}
	if !strings.HasSuffix(pattern, "/") {
		pattern += "/"
	}
	return pattern
}

// LegacyOpenRoutes returns the patterns of the routes served without
// credentials when AUTHD_INTERNAL_AUTH is legacy_open, or nil in the
// default mode.
func (s *Server) LegacyOpenRoutes() []string {
	if s.cfg.Tokens.InternalAuth != "legacy_open" {
		return nil
	}
	var out []string
	for _, rt := range s.routes() {
		if rt.access.legacyOpen {
			out = append(out, rt.pattern)
		}
	}
	return out
}
