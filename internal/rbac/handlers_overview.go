package rbac

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

// systemInScope loads the system with a slug when the caller administers
// it, or returns the route's 404.
func systemInScope(ctx context.Context, db bun.IDB, scope Scope, slug string) (*model.System, error) {
	sys, err := SystemBySlug(ctx, db, slug)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.Has(sys.ID)) {
		return nil, errSystemNotFound
	}
	return sys, err
}

// SystemRoles serves GET
// /api/v1/system-roles/user-system-roles/system/<slug>/roles/ and its
// alias: the roles of one administered system.
func (h *Handlers) SystemRoles(w http.ResponseWriter, r *http.Request) {
	sys, err := systemInScope(r.Context(), h.svc.db, ScopeOf(httpx.PrincipalFrom(r.Context())), r.PathValue("slug"))
	if err != nil {
		Fail(w, r, err)
		return
	}
	roles, err := RolesOfSystem(r.Context(), h.svc.db, sys.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"system": RefOf(sys), "roles_count": len(roles), "roles": Summaries(roles)})
}

// systemUser is one entry of SystemUsers.
type systemUser struct {
	ID         int64  `json:"id"`
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Role       string `json:"role"`
	SystemID   int64  `json:"system_id"`
	SystemName string `json:"system_name"`
	SystemSlug string `json:"system_slug"`
	AssignedAt string `json:"assigned_at"`
}

// SystemUsers serves GET /api/v1/system-roles/systems/<slug>/users/: one
// entry per active assignment of an active user in an administered system.
func (h *Handlers) SystemUsers(w http.ResponseWriter, r *http.Request) {
	scope := ScopeOf(httpx.PrincipalFrom(r.Context()))
	sys, err := systemInScope(r.Context(), h.svc.db, scope, r.PathValue("slug"))
	if err != nil {
		Fail(w, r, err)
		return
	}
	list, err := ListAssignments(r.Context(), h.svc.db, AssignmentFilter{Scope: scope, SystemID: sys.ID, ActiveOnly: true})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	users := make([]systemUser, len(list))
	for i, a := range list {
		users[i] = systemUser{ID: a.UserID, Email: a.User.Email, FirstName: a.User.FirstName, LastName: a.User.LastName,
			Role: a.Role.Name, SystemID: sys.ID, SystemName: sys.Name, SystemSlug: sys.Slug, AssignedAt: httpx.Timestamp(a.AssignedAt)}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"system": RefOf(sys), "users_count": len(users), "users": users})
}

// EditSettings serves POST
// /api/v1/system-roles/user-system-roles/edit-settings/: it replaces the
// settings of every assignment of a user in one system.
func (h *Handlers) EditSettings(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	scope := ScopeOf(p)
	in, ok := decode(w, r)
	if !ok {
		return
	}

	f := httpx.NewFields(in)
	rawUser, hasUser := in.Raw("user_id")
	if !hasUser || rawUser == nil || rawUser == "" {
		httpx.WriteProblem(w, Error(http.StatusBadRequest, "user_id is required"))
		return
	}
	userID, ok := httpx.AsInt(rawUser)
	if !ok || userID <= 0 {
		httpx.WriteProblem(w, Error(http.StatusBadRequest, "user_id must be an integer"))
		return
	}

	if raw, present := in.Raw("settings"); !present || raw == nil {
		httpx.WriteProblem(w, Error(http.StatusBadRequest, "settings is required"))
		return
	}
	settings, ok := f.Object("settings")
	if !ok {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	slug, _ := f.String("system", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 255})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}

	var body map[string]any
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		sys, err := h.settingsSystem(ctx, tx, scope, slug)
		if err != nil {
			return err
		}
		list, err := ListAssignments(ctx, tx, AssignmentFilter{Scope: scope, SystemID: sys.ID, UserID: userID})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errAssignmentNotFound
		}
		if err := h.svc.ReplaceSettings(ctx, tx, ActorOf(p), list, settings); err != nil {
			return err
		}
		first := list[0]
		body = map[string]any{"id": first.ID, "user_id": first.UserID, "system": first.System.Slug, "role": first.Role.Name, "settings": settings}
		return nil
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, body)
}

// settingsSystem picks the system of an edit-settings request: the slug
// sent, which the caller must administer, or else the caller's only
// administered system.
func (h *Handlers) settingsSystem(ctx context.Context, tx bun.IDB, scope Scope, slug string) (*model.System, error) {
	denied := Error(http.StatusForbidden, "Access denied. You can only edit users in your system")
	if slug != "" {
		sys, err := SystemBySlug(ctx, tx, slug)
		if errors.Is(err, storage.ErrNotFound) && scope.All {
			return nil, errAssignmentNotFound
		}
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.Has(sys.ID)) {
			return nil, denied
		}
		return sys, err
	}
	if scope.All || len(scope.SystemIDs) != 1 {
		return nil, Error(http.StatusBadRequest, "Specify the system: you administer more than one system.")
	}
	return SystemByID(ctx, tx, scope.SystemIDs[0])
}
