package useradmin

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

var (
	errUserNotFound   = rbac.Error(http.StatusNotFound, "User not found or access denied")
	errModifyDenied   = rbac.Error(http.StatusForbidden, "Access denied to modify this user")
	errAdminsOfAdmins = rbac.Error(http.StatusForbidden, "Admins cannot edit other admins' profiles")
)

// visibleUser loads the user with id when the caller may see it: itself,
// anyone for a superuser or an API key, else users with an assignment in
// the caller's admin scope. Others get the route's 404.
func visibleUser(ctx context.Context, db bun.IDB, p *httpx.Principal, id int64) (*model.User, error) {
	u, err := accounts.UserByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if p.Key != nil || p.IsSuperuser() || (p.IsStaff() && p.User.ID == id) {
		return u, nil
	}
	inScope, err := rbac.HasAssignmentIn(ctx, db, id, rbac.ScopeOf(p))
	if err != nil {
		return nil, err
	}
	if !inScope {
		return nil, errUserNotFound
	}
	return u, nil
}

// GetUser serves GET /api/v1/users/<id>/ and
// /api/v1/users/management/<id>/.
func (h *Handlers) GetUser(w http.ResponseWriter, r *http.Request) {
	id, ok := rbac.PathID(w, r, "id")
	if !ok {
		return
	}
	u, err := visibleUser(r.Context(), h.svc.db, httpx.PrincipalFrom(r.Context()), id)
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	h.writeProfile(w, r, http.StatusOK, u)
}

func (h *Handlers) writeProfile(w http.ResponseWriter, r *http.Request, status int, u *model.User) {
	profile, err := accounts.Profile(r.Context(), h.svc.db, h.svc.media, u)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, status, profile)
}

// UpdateUser serves PUT and PATCH /api/v1/users/<id>/ and
// /api/v1/users/management/<id>/, both as partial updates. On the caller's
// own account the profile rules apply; otherwise the admin fields.
func (h *Handlers) UpdateUser(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := rbac.PathID(w, r, "id")
	if !ok {
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	if p.User.ID == id {
		u, err := h.svc.accounts.UpdateOwnProfile(r.Context(), p.User, in)
		if err != nil {
			rbac.Fail(w, r, err)
			return
		}
		h.writeProfile(w, r, http.StatusOK, u)
		return
	}

	target, err := visibleUser(r.Context(), h.svc.db, p, id)
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	if problem, err := h.svc.checkEditable(r.Context(), p, target); err != nil || problem != nil {
		if err == nil {
			err = problem
		}
		rbac.Fail(w, r, err)
		return
	}
	u, err := h.svc.UpdateAsAdmin(r.Context(), p, target, in)
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	h.writeProfile(w, r, http.StatusOK, u)
}

// checkEditable returns the problem that forbids a system admin to change
// target: superusers, and users with an Admin assignment in a system the
// caller administers, are off limits. Superusers may change anyone.
func (s *Service) checkEditable(ctx context.Context, p *httpx.Principal, target *model.User) (*httpx.Problem, error) {
	if p.IsSuperuser() {
		return nil, nil
	}
	if target.IsSuperuser {
		return errModifyDenied, nil
	}
	scope := rbac.ScopeOf(p)
	adminElsewhere, err := s.db.NewSelect().TableExpr("user_system_roles AS a").Join("JOIN roles AS r ON r.id = a.role_id").
		Where("a.user_id = ?", target.ID).Where("r.name = ?", model.AdminRole).Where("a.system_id IN (?)", bun.In(scope.SystemIDs)).Exists(ctx)
	if err != nil {
		return nil, err
	}
	if adminElsewhere {
		return errAdminsOfAdmins, nil
	}
	return nil, nil
}

// DeleteUser serves DELETE /api/v1/users/<id>/ and
// /api/v1/users/management/<id>/ (superusers).
func (h *Handlers) DeleteUser(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !p.IsSuperuser() {
		httpx.WriteProblem(w, rbac.Error(http.StatusForbidden, "Only superusers can delete users"))
		return
	}
	id, ok := rbac.PathID(w, r, "id")
	if !ok {
		return
	}
	var picture string
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := accounts.UserByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return errUserNotFound
		}
		if err != nil {
			return err
		}
		if u.IsSuperuser {
			return rbac.Error(http.StatusForbidden, "Cannot delete other superusers")
		}
		picture, err = h.svc.DeleteUser(ctx, tx, rbac.ActorOf(p), u)
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	h.svc.RemovePicture(picture)
	w.WriteHeader(http.StatusNoContent)
}
