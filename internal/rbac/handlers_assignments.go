package rbac

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

var (
	errAssignmentNotFound = Error(http.StatusNotFound, "User system role not found or access denied")
	errAssignmentUnique   = httpx.BadRequest(map[string]any{"non_field_errors": []string{MsgAssignmentUnique}})
)

// assignmentFields are the fields of an assignment create or update.
type assignmentFields struct {
	userID, systemID, roleID int64
	isActive                 *bool
	settings                 map[string]any
}

func readAssignmentFields(in *httpx.Input, partial bool) (assignmentFields, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	var out assignmentFields
	out.userID, _ = readPK(f, in, "user", !partial)
	out.systemID, _ = readPK(f, in, "system", !partial)
	out.roleID, _ = readPK(f, in, "role", !partial)
	if active, ok := f.Bool("is_active"); ok {
		out.isActive = &active
	}
	out.settings, _ = f.Object("settings")
	return out, f.Errors
}

// loadedRefs are the user, system and role an assignment body names.
type loadedRefs struct {
	user   *model.User
	system *model.System
	role   *model.Role
}

// loadRefs loads the objects whose ids are set, reporting unknown ids as
// field errors.
func loadRefs(ctx context.Context, tx bun.IDB, fields assignmentFields) (loadedRefs, error) {
	var refs loadedRefs
	errs := httpx.FieldErrors{}
	var err error
	if fields.userID != 0 {
		if refs.user, err = accounts.UserByID(ctx, tx, fields.userID); errors.Is(err, storage.ErrNotFound) {
			errs.Add("user", MsgInvalidPK(fields.userID))
		} else if err != nil {
			return refs, err
		}
	}
	if fields.systemID != 0 {
		if refs.system, err = SystemByID(ctx, tx, fields.systemID); errors.Is(err, storage.ErrNotFound) {
			errs.Add("system", MsgInvalidPK(fields.systemID))
		} else if err != nil {
			return refs, err
		}
	}
	if fields.roleID != 0 {
		if refs.role, err = RoleByID(ctx, tx, fields.roleID); errors.Is(err, storage.ErrNotFound) {
			errs.Add("role", MsgInvalidPK(fields.roleID))
		} else if err != nil {
			return refs, err
		}
	}
	if !errs.Empty() {
		return refs, httpx.BadRequest(errs)
	}
	return refs, nil
}

// ListAssignments serves GET /api/v1/system-roles/user-system-roles/ with
// the optional filters ?system=<slug> and ?user=<id>.
func (h *Handlers) ListAssignments(w http.ResponseWriter, r *http.Request) {
	filter := AssignmentFilter{Scope: ScopeOf(httpx.PrincipalFrom(r.Context())), SystemSlug: r.URL.Query().Get("system")}
	if raw := r.URL.Query().Get("user"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			httpx.JSON(w, http.StatusOK, []AssignmentJSON{})
			return
		}
		filter.UserID = id
	}
	list, err := ListAssignments(r.Context(), h.svc.db, filter)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make([]AssignmentJSON, len(list))
	for i := range list {
		out[i] = AssignmentOf(&list[i])
	}
	httpx.JSON(w, http.StatusOK, out)
}

// CreateAssignment serves POST /api/v1/system-roles/user-system-roles/.
func (h *Handlers) CreateAssignment(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, ok := decode(w, r)
	if !ok {
		return
	}
	fields, fieldErrors := readAssignmentFields(in, false)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	var body AssignmentWriteJSON
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		refs, err := loadRefs(ctx, tx, fields)
		if err != nil {
			return err
		}
		if !ScopeOf(p).Has(refs.system.ID) {
			return Error(http.StatusForbidden, "Access denied to this system")
		}
		active := fields.isActive == nil || *fields.isActive
		a, err := h.svc.Assign(ctx, tx, ActorOf(p), refs.user, refs.system, refs.role, active, fields.settings)
		if errors.Is(err, ErrDuplicateAssignment) {
			return errAssignmentUnique
		}
		if err != nil {
			return err
		}
		body, err = h.writeBody(ctx, tx, a)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, body)
}

func (h *Handlers) writeBody(ctx context.Context, tx bun.IDB, a *model.Assignment) (AssignmentWriteJSON, error) {
	roles, err := RolesOfSystem(ctx, tx, a.SystemID)
	if err != nil {
		return AssignmentWriteJSON{}, err
	}
	return AssignmentWriteOf(a, roles), nil
}

// assignmentInScope loads an assignment in the caller's scope, or returns
// the route's 404.
func assignmentInScope(ctx context.Context, db bun.IDB, scope Scope, id int64) (*model.Assignment, error) {
	a, err := AssignmentByID(ctx, db, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.Has(a.SystemID)) {
		return nil, errAssignmentNotFound
	}
	return a, err
}

// GetAssignment serves GET /api/v1/system-roles/user-system-roles/<id>/.
func (h *Handlers) GetAssignment(w http.ResponseWriter, r *http.Request) {
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	a, err := assignmentInScope(r.Context(), h.svc.db, ScopeOf(httpx.PrincipalFrom(r.Context())), id)
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, AssignmentOf(a))
}

// UpdateAssignment serves PUT and PATCH
// /api/v1/system-roles/user-system-roles/<id>/, both as partial updates.
func (h *Handlers) UpdateAssignment(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	scope := ScopeOf(p)
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	in, ok := decode(w, r)
	if !ok {
		return
	}
	var body AssignmentWriteJSON
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		current, err := assignmentInScope(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		fields, fieldErrors := readAssignmentFields(in, true)
		if !fieldErrors.Empty() {
			return httpx.BadRequest(fieldErrors)
		}
		refs, err := loadRefs(ctx, tx, fields)
		if err != nil {
			return err
		}
		if refs.system != nil && !scope.Has(refs.system.ID) {
			return Error(http.StatusForbidden, "Access denied to modify this system's role assignments")
		}
		change := AssignmentChange{User: refs.user, System: refs.system, Role: refs.role, IsActive: fields.isActive, Settings: fields.settings}
		newRole, active := current.Role, current.IsActive
		if refs.role != nil {
			newRole = refs.role
		}
		if fields.isActive != nil {
			active = *fields.isActive
		}
		if problem := CheckAssignmentChange(p.IsSuperuser(), current, newRole, active); problem != nil {
			return problem
		}
		a, err := h.svc.UpdateAssignment(ctx, tx, ActorOf(p), current, change)
		if errors.Is(err, ErrDuplicateAssignment) {
			return errAssignmentUnique
		}
		if err != nil {
			return err
		}
		body, err = h.writeBody(ctx, tx, a)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, body)
}

// DeleteAssignment serves DELETE
// /api/v1/system-roles/user-system-roles/<id>/.
func (h *Handlers) DeleteAssignment(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		a, err := assignmentInScope(ctx, tx, ScopeOf(p), id)
		if err != nil {
			return err
		}
		if problem := CheckAssignmentDelete(p.IsSuperuser(), a); problem != nil {
			return problem
		}
		return h.svc.DeleteAssignment(ctx, tx, ActorOf(p), a)
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
