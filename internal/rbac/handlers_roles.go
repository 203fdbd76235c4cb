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

var errRoleNotFound = Error(http.StatusNotFound, "Role not found or access denied")

// ListRoles serves GET /api/v1/roles/: the roles of the systems in the
// caller's scope, optionally of one system slug (?system__slug= or
// ?system=), ordered by id.
func (h *Handlers) ListRoles(w http.ResponseWriter, r *http.Request) {
	scope := ScopeOf(httpx.PrincipalFrom(r.Context()))
	roles := []model.Role{}
	q := h.svc.db.NewSelect().Model(&roles).Relation("System").OrderExpr(`"role".id`)
	if !scope.All {
		q = q.Where(`"role".system_id IN (?)`, bun.In(append(scope.SystemIDs, 0)))
	}
	query := r.URL.Query()
	slug := query.Get("system__slug")
	if slug == "" {
		slug = query.Get("system")
	}
	if slug != "" {
		q = q.Where(`"system".slug = ?`, slug)
	}
	if err := q.Scan(r.Context()); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make([]RoleJSON, len(roles))
	for i := range roles {
		out[i] = RoleOf(&roles[i])
	}
	httpx.JSON(w, http.StatusOK, out)
}

// CreateRole serves POST /api/v1/roles/. Roles created by non-superusers
// are always custom.
func (h *Handlers) CreateRole(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	scope := ScopeOf(p)
	in, ok := decode(w, r)
	if !ok {
		return
	}
	input, fieldErrors := ReadRoleInput(in, false)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	var role *model.Role
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		sys, err := SystemByID(ctx, tx, input.SystemID)
		if errors.Is(err, storage.ErrNotFound) {
			return httpx.BadRequest(httpx.FieldErrors{"system": {MsgInvalidPK(input.SystemID)}})
		}
		if err != nil {
			return err
		}
		if !scope.Has(sys.ID) {
			return Error(http.StatusForbidden, "Access denied to create roles for this system")
		}
		custom := true
		if scope.All && input.IsCustom != nil {
			custom = *input.IsCustom
		}
		role, err = h.svc.CreateRole(ctx, tx, ActorOf(p), sys, *input.Name, input.Description, custom)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, RoleOf(role))
}

// roleInScope loads a role the caller may see, or returns the route's 404.
func roleInScope(ctx context.Context, db bun.IDB, scope Scope, id int64) (*model.Role, error) {
	role, err := RoleByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.Has(role.SystemID)) {
		return nil, errRoleNotFound
	}
	return role, err
}

// GetRole serves GET /api/v1/roles/<id>/.
func (h *Handlers) GetRole(w http.ResponseWriter, r *http.Request) {
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	role, err := roleInScope(r.Context(), h.svc.db, ScopeOf(httpx.PrincipalFrom(r.Context())), id)
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, RoleOf(role))
}

// UpdateRole serves PUT and PATCH /api/v1/roles/<id>/, both as partial
// updates.
func (h *Handlers) UpdateRole(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	in, ok := decode(w, r)
	if !ok {
		return
	}
	var role *model.Role
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		current, err := roleInScope(ctx, tx, ScopeOf(p), id)
		if err != nil {
			return err
		}
		input, fieldErrors := ReadRoleInput(in, true)
		if !fieldErrors.Empty() {
			return httpx.BadRequest(fieldErrors)
		}
		if problem := CheckRoleChange(p.IsSuperuser(), current, input); problem != nil {
			return problem
		}
		if !p.IsSuperuser() {
			input.IsCustom = nil
		}
		role, err = h.svc.UpdateRole(ctx, tx, ActorOf(p), current, input)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, RoleOf(role))
}

// DeleteRole serves DELETE /api/v1/roles/<id>/.
func (h *Handlers) DeleteRole(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		role, err := roleInScope(ctx, tx, ScopeOf(p), id)
		if err != nil {
			return err
		}
		if problem := CheckRoleDelete(p.IsSuperuser(), role); problem != nil {
			return problem
		}
		return h.svc.DeleteRole(ctx, tx, ActorOf(p), role)
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
