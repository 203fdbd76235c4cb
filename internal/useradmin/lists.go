package useradmin

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
)

// Handlers serves the user administration routes.
type Handlers struct {
	svc *Service
}

// NewHandlers returns the handlers of svc.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// ListUsers serves GET /api/v1/users/list/, /api/v1/users/agents/ and
// /api/v1/users/management/: {"users_count", "users": [UserProfile]}
// ordered by id. The users a caller gets:
//
//   - superuser: every user;
//   - is_staff: users with an assignment in a system it administers,
//     narrowed by ?system= or else the selected_system cookie when that
//     names a system it administers;
//   - other staff: every active user;
//   - employee: active users with an active assignment in hdts.
//
// ?system=<slug> narrows every set to users with an assignment there.
func (h *Handlers) ListUsers(w http.ResponseWriter, r *http.Request) {
	users, err := h.svc.listUsers(r.Context(), httpx.PrincipalFrom(r.Context()), r)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profiles, err := accounts.Profiles(r.Context(), h.svc.db, h.svc.media, users)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"users_count": len(profiles), "users": profiles})
}

func (s *Service) listUsers(ctx context.Context, p *httpx.Principal, r *http.Request) ([]model.User, error) {
	users := []model.User{}
	q := s.db.NewSelect().Model(&users).OrderExpr("id")
	slug := r.URL.Query().Get("system")
	switch {
	case p.IsSuperuser():
	case p.IsEmployee():
		q = q.Where("is_active = ?", true).Where(`id IN (SELECT a.user_id FROM user_system_roles AS a
			JOIN systems AS s ON s.id = a.system_id WHERE s.slug = 'hdts' AND a.is_active = ?)`, true)
	case p.User.IsStaff:
		scope := rbac.ScopeOf(p)
		ids, err := s.narrowScope(ctx, scope, slug, r)
		if err != nil || len(ids) == 0 {
			return users, err
		}
		q = q.Where("id IN (SELECT user_id FROM user_system_roles WHERE system_id IN (?))", bun.In(ids))
		slug = "" // already applied
	default:
		q = q.Where("is_active = ?", true)
	}
	if slug != "" {
		q = q.Where(`id IN (SELECT a.user_id FROM user_system_roles AS a
			JOIN systems AS s ON s.id = a.system_id WHERE s.slug = ?)`, slug)
	}
	return users, q.Scan(ctx)
}

// narrowScope returns the system ids an is_staff caller's list covers: the
// ?system= slug when it is in scope (else none), or the selected_system
// cookie when it is in scope, or the whole scope.
func (s *Service) narrowScope(ctx context.Context, scope rbac.Scope, slug string, r *http.Request) ([]int64, error) {
	if slug != "" {
		sys, err := rbac.SystemBySlug(ctx, s.db, slug)
		if err != nil || !scope.Has(sys.ID) {
			return nil, nil
		}
		return []int64{sys.ID}, nil
	}
	if c, err := r.Cookie(httpx.SelectedSystem); err == nil && c.Value != "" {
		if sys, err := rbac.SystemBySlug(ctx, s.db, c.Value); err == nil && scope.Has(sys.ID) {
			return []int64{sys.ID}, nil
		}
	}
	return scope.SystemIDs, nil
}
