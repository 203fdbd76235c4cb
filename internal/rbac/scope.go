package rbac

import (
	"slices"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// Scope is the set of systems a caller administers.
type Scope struct {
	All       bool    // a superuser: every system
	SystemIDs []int64 // the systems of the caller's active Admin assignments
}

// ScopeOf returns the admin scope of a request principal. Employees and API
// keys administer nothing.
func ScopeOf(p *httpx.Principal) Scope {
	if p.IsSuperuser() {
		return Scope{All: true}
	}
	if !p.IsStaff() {
		return Scope{}
	}
	return Scope{SystemIDs: p.AdminSystemIDs()}
}

// Has reports whether the scope contains a system.
func (s Scope) Has(systemID int64) bool {
	return s.All || slices.Contains(s.SystemIDs, systemID)
}

// Empty reports whether the scope contains no system.
func (s Scope) Empty() bool { return !s.All && len(s.SystemIDs) == 0 }

// ActorOf returns who a request acts for, for events and audit records: a
// staff user, an employee or an API key. It returns nil for an anonymous
// request.
func ActorOf(p *httpx.Principal) *outbox.Actor {
	switch {
	case p == nil:
		return nil
	case p.Key != nil:
		return &outbox.Actor{Type: "api_key", ID: p.Key.ID}
	case p.IsStaff():
		return &outbox.Actor{Type: "staff", ID: p.User.ID}
	case p.IsEmployee():
		return &outbox.Actor{Type: "employee", ID: p.Employee.ID}
	}
	return nil
}

// IsAdminRole reports whether a role is the role that makes its holders
// system administrators.
func IsAdminRole(r *model.Role) bool { return r.Name == model.AdminRole }
