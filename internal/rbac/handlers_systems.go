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

var errSystemNotFound = Error(http.StatusNotFound, "System not found or access denied")

// PublicSystems serves GET /api/v1/systems/public/: every system's id, name
// and slug, ordered by name.
func (h *Handlers) PublicSystems(w http.ResponseWriter, r *http.Request) {
	var systems []model.System
	if err := h.svc.db.NewSelect().Model(&systems).OrderExpr("name, id").Scan(r.Context()); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	results := make([]SystemRef, len(systems))
	for i := range systems {
		results[i] = RefOf(&systems[i])
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"results": results, "count": len(results)})
}

// ListSystems serves GET /api/v1/systems/: the systems in the caller's
// scope, optionally one slug, ordered by id.
func (h *Handlers) ListSystems(w http.ResponseWriter, r *http.Request) {
	scope := ScopeOf(httpx.PrincipalFrom(r.Context()))
	systems := []model.System{}
	q := h.svc.db.NewSelect().Model(&systems).OrderExpr("id")
	if !scope.All {
		q = q.Where("id IN (?)", bun.In(append(scope.SystemIDs, 0)))
	}
	if slug := r.URL.Query().Get("slug"); slug != "" {
		q = q.Where("slug = ?", slug)
	}
	if err := q.Scan(r.Context()); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make([]SystemJSON, len(systems))
	for i := range systems {
		out[i] = SystemOf(&systems[i])
	}
	httpx.JSON(w, http.StatusOK, out)
}

// CreateSystem serves POST /api/v1/systems/ (superusers).
func (h *Handlers) CreateSystem(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !p.IsSuperuser() {
		httpx.WriteProblem(w, Error(http.StatusForbidden, "Only superusers can create new systems"))
		return
	}
	in, ok := decode(w, r)
	if !ok {
		return
	}
	input, fieldErrors := ReadSystemInput(in, false)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	var sys *model.System
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		sys, err = h.svc.CreateSystem(ctx, tx, ActorOf(p), input)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, SystemOf(sys))
}

// GetSystem serves GET /api/v1/systems/<id>/.
func (h *Handlers) GetSystem(w http.ResponseWriter, r *http.Request) {
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	sys, err := SystemByID(r.Context(), h.svc.db, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ScopeOf(httpx.PrincipalFrom(r.Context())).Has(id)) {
		httpx.WriteProblem(w, errSystemNotFound)
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, SystemOf(sys))
}

// UpdateSystem serves PUT and PATCH /api/v1/systems/<id>/ (superusers),
// both as partial updates.
func (h *Handlers) UpdateSystem(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !p.IsSuperuser() {
		httpx.WriteProblem(w, Error(http.StatusForbidden, "Only superusers can modify systems"))
		return
	}
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	in, ok := decode(w, r)
	if !ok {
		return
	}
	var sys *model.System
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		current, err := SystemByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return errSystemNotFound
		}
		if err != nil {
			return err
		}
		input, fieldErrors := ReadSystemInput(in, true)
		if !fieldErrors.Empty() {
			return httpx.BadRequest(fieldErrors)
		}
		sys, err = h.svc.UpdateSystem(ctx, tx, ActorOf(p), current, input)
		return err
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, SystemOf(sys))
}

// DeleteSystem serves DELETE /api/v1/systems/<id>/ (superusers).
func (h *Handlers) DeleteSystem(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !p.IsSuperuser() {
		httpx.WriteProblem(w, Error(http.StatusForbidden, "Only superusers can delete systems"))
		return
	}
	id, ok := PathID(w, r, "id")
	if !ok {
		return
	}
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		sys, err := SystemByID(ctx, tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return errSystemNotFound
		}
		if err != nil {
			return err
		}
		return h.svc.DeleteSystem(ctx, tx, ActorOf(p), sys)
	})
	if err != nil {
		Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
