package httpapi

import (
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
)

// portalAccess is the tier of the superadmin portal's JSON routes.
var portalAccess = access{tier: portalTier}

// authorizePortal resolves the superuser of a portal session, and unsafe
// methods must also carry the X-CSRFToken header. Without a portal the
// routes are closed.
func (s *Server) authorizePortal(r *http.Request) (*httpx.Principal, *httpx.Problem) {
	if s.Portal == nil {
		return nil, httpx.ErrNotAuthenticated
	}
	return s.Portal.Sessions().Authenticate(r)
}

// isPortalAPI reports whether a path belongs to the portal's JSON API, whose
// unknown paths get the JSON 404 body like /api/.
func isPortalAPI(path string) bool {
	return len(path) >= len("/superadmin/api/") && path[:len("/superadmin/api/")] == "/superadmin/api/"
}
