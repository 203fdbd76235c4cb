package web

import (
	"net/http"

	"github.com/mapactive/authd/internal/model"
)

// PortalSessions is the superadmin portal's own sign-in, separate from
// staff tokens.
type PortalSessions interface {
	// Superuser returns the superuser of the request's portal session, or
	// nil when there is no valid session.
	Superuser(w http.ResponseWriter, r *http.Request) (*model.User, error)
}
