package apikeys

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/mapactive/authd/internal/httpx"
)

// Handlers serves the API key routes. The same handlers serve
// /api/v1/keys/ (superuser staff token) and /superadmin/api/keys/ (portal
// session): both put the superuser in the request's principal.
type Handlers struct {
	svc *Service
}

// NewHandlers returns the HTTP handlers of svc.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// Service returns the service behind the handlers.
func (h *Handlers) Service() *Service { return h.svc }

// Not-found body of the key routes.
var problemNotFound = httpx.ErrNotFound

// List serves GET keys/: {"keys": [ApiKey]}, revoked keys only with
// ?include_revoked=true.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	include := false
	if raw := r.URL.Query().Get("include_revoked"); raw != "" {
		f := httpx.NewFields(httpx.InputFromQuery(r))
		value, ok := f.Bool("include_revoked")
		if !ok {
			httpx.JSON(w, http.StatusBadRequest, f.Errors)
			return
		}
		include = value
	}
	keys, err := h.svc.List(r.Context(), include)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	now := h.svc.now()
	views := make([]View, len(keys))
	for i := range keys {
		views[i] = ViewOf(&keys[i], now)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"keys": views})
}

// Create serves POST keys/: 201 with the ApiKey and its full key.
func (h *Handlers) Create(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	spec, fieldErrors := ReadSpec(in, h.svc.now(), false)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	created, err := h.svc.Create(r.Context(), spec, actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeCreated(w, created)
}

// Get serves GET keys/{id}/.
func (h *Handlers) Get(w http.ResponseWriter, r *http.Request) {
	id, ok := keyID(r)
	if !ok {
		httpx.WriteProblem(w, problemNotFound)
		return
	}
	k, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, ViewOf(k, h.svc.now()))
}

// Update serves PATCH keys/{id}/: name, scopes and expires_at.
func (h *Handlers) Update(w http.ResponseWriter, r *http.Request) {
	id, ok := keyID(r)
	if !ok {
		httpx.WriteProblem(w, problemNotFound)
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	spec, fieldErrors := ReadSpec(in, h.svc.now(), true)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	k, err := h.svc.Update(r.Context(), id, spec, actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, ViewOf(k, h.svc.now()))
}

// Rotate serves POST keys/{id}/rotate/: 201 with the successor and its
// full key.
func (h *Handlers) Rotate(w http.ResponseWriter, r *http.Request) {
	id, ok := keyID(r)
	if !ok {
		httpx.WriteProblem(w, problemNotFound)
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	overlap, fieldErrors := ReadOverlap(in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	created, err := h.svc.Rotate(r.Context(), id, overlap, actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeCreated(w, created)
}

// Revoke serves DELETE keys/{id}/. Revoking twice succeeds both times.
func (h *Handlers) Revoke(w http.ResponseWriter, r *http.Request) {
	id, ok := keyID(r)
	if !ok {
		httpx.WriteProblem(w, problemNotFound)
		return
	}
	if _, err := h.svc.Revoke(r.Context(), id, actorOf(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"message": "API key revoked"})
}

func (h *Handlers) writeCreated(w http.ResponseWriter, created *Created) {
	view := ViewOf(created.Key, h.svc.now())
	view.Key = created.Plain
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusCreated, view)
}

func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var problem *httpx.Problem
	switch {
	case errors.Is(err, ErrNotFound):
		httpx.WriteProblem(w, problemNotFound)
	case errors.Is(err, ErrRevoked):
		httpx.JSON(w, http.StatusBadRequest, httpx.FieldErrors{"non_field_errors": {ErrRevoked.Error()}})
	case errors.As(err, &problem):
		httpx.WriteProblem(w, problem)
	default:
		httpx.ServerError(w, r, err)
	}
}

// keyID reads the {id} path value. Anything but a positive integer finds
// no key.
func keyID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// actorOf returns the id of the superuser making the request.
func actorOf(r *http.Request) Actor {
	p := httpx.PrincipalFrom(r.Context())
	if p == nil || p.User == nil {
		return nil
	}
	id := p.User.ID
	return &id
}
