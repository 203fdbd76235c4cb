package httpx

import (
	"context"
	"slices"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/tokens"
)

// Grant is one active role assignment of the calling staff user.
type Grant struct {
	AssignmentID int64
	SystemID     int64
	SystemSlug   string
	SystemName   string
	RoleID       int64
	RoleName     string
}

// APIKey describes the service key a request authenticated with.
type APIKey struct {
	ID     int64
	Name   string
	Scopes []string
}

// HasScope reports whether the key grants scope.
func (k *APIKey) HasScope(scope string) bool {
	return slices.Contains(k.Scopes, "*") || slices.Contains(k.Scopes, scope)
}

// Principal is who a request acts for: a staff user or an employee signed
// in with an access token, or a service with an API key.
type Principal struct {
	Type      tokens.SubjectType // staff or employee; empty for a key
	Claims    *tokens.Claims
	RawToken  string
	ViaCookie bool // the access token came from the access_token cookie

	User     *model.User     // staff
	Employee *model.Employee // employee
	Grants   []Grant         // staff: active assignments, ordered by id

	Key *APIKey
}

// IsStaff reports whether the principal is a staff user.
func (p *Principal) IsStaff() bool { return p != nil && p.Type == tokens.Staff && p.User != nil }

// IsEmployee reports whether the principal is an employee.
func (p *Principal) IsEmployee() bool {
	return p != nil && p.Type == tokens.Employee && p.Employee != nil
}

// IsSuperuser reports whether the principal is a staff superuser.
func (p *Principal) IsSuperuser() bool { return p.IsStaff() && p.User.IsSuperuser }

// AdminSystemIDs returns the ids of the systems the caller administers: the
// systems of its active Admin assignments. A superuser's scope is every
// system, which callers check with IsSuperuser instead.
func (p *Principal) AdminSystemIDs() []int64 {
	var ids []int64
	for _, g := range p.Grants {
		if g.RoleName == model.AdminRole && !slices.Contains(ids, g.SystemID) {
			ids = append(ids, g.SystemID)
		}
	}
	return ids
}

// IsSystemAdmin reports whether the caller administers the system with slug.
func (p *Principal) IsSystemAdmin(slug string) bool {
	for _, g := range p.Grants {
		if g.RoleName == model.AdminRole && g.SystemSlug == slug {
			return true
		}
	}
	return false
}

// IsAnyAdmin reports whether the caller is a superuser or administers at
// least one system.
func (p *Principal) IsAnyAdmin() bool {
	return p.IsSuperuser() || (p.IsStaff() && len(p.AdminSystemIDs()) > 0)
}

// HasSystem reports whether the caller has an active assignment in slug.
func (p *Principal) HasSystem(slug string) bool {
	for _, g := range p.Grants {
		if g.SystemSlug == slug {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of the request, or nil when the route
// is public and the caller sent no valid credentials.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
