package integration

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

var errAssignmentNotFound = rbac.Error(http.StatusNotFound, "Assignment not found")

// adminAssignment loads an assignment of a system the caller administers.
// A caller who administers nothing gets denied; an unknown assignment or
// one outside the scope gets 404.
func adminAssignment(ctx context.Context, tx bun.IDB, p *httpx.Principal, id int64, denied string) (*model.Assignment, error) {
	scope := rbac.ScopeOf(p)
	if scope.Empty() {
		return nil, rbac.Error(http.StatusForbidden, denied)
	}
	a, err := rbac.AssignmentByID(ctx, tx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.Has(a.SystemID)) {
		return nil, errAssignmentNotFound
	}
	return a, err
}

// UpdateTTSAssignment serves PUT and PATCH
// /api/v1/tts/update-assignment/<id>/: it sets is_active or settings.
func (h *Handlers) UpdateTTSAssignment(w http.ResponseWriter, r *http.Request) {
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
	var out *model.Assignment
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		a, err := adminAssignment(ctx, tx, p, id, "You don't have permission to update assignments")
		if err != nil {
			return err
		}
		f := httpx.NewFields(in)
		change := rbac.AssignmentChange{}
		if active, ok := f.Bool("is_active"); ok {
			change.IsActive = &active
		}
		change.Settings, _ = f.Object("settings")
		if !f.Errors.Empty() {
			return httpx.BadRequest(f.Errors)
		}
		active := a.IsActive
		if change.IsActive != nil {
			active = *change.IsActive
		}
		if problem := rbac.CheckAssignmentChange(p.IsSuperuser(), a, a.Role, active); problem != nil {
			return problem
		}
		out, err = h.rbac.UpdateAssignment(ctx, tx, rbac.ActorOf(p), a, change)
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	settings := out.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Assignment updated successfully", "id": out.ID, "is_active": out.IsActive, "settings": settings})
}

// DeleteTTSAssignment serves DELETE /api/v1/tts/update-assignment/<id>/.
func (h *Handlers) DeleteTTSAssignment(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := rbac.PathID(w, r, "id")
	if !ok {
		return
	}
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		a, err := adminAssignment(ctx, tx, p, id, "You don't have permission to delete assignments")
		if err != nil {
			return err
		}
		if problem := rbac.CheckAssignmentDelete(p.IsSuperuser(), a); problem != nil {
			return problem
		}
		return h.rbac.DeleteAssignment(ctx, tx, rbac.ActorOf(p), a)
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Assignment deleted successfully"})
}
