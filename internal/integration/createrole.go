package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

var errNoSystem = rbac.Error(http.StatusBadRequest, "No system selected. Please select a system first.")

// targetSystem picks the system of a create-role request: the system field
// or parameter, else the selected_system cookie, else the first system by
// name where the caller has an active assignment. It returns errNoSystem
// when none applies, and for a slug that names no system a 404 to
// superusers and the route's 403 to everyone else.
func (h *Handlers) targetSystem(ctx context.Context, p *httpx.Principal, requested string, r *http.Request, denied func(slug string) *httpx.Problem) (*model.System, error) {
	slug := requested
	if slug == "" {
		if c, err := r.Cookie(httpx.SelectedSystem); err == nil {
			slug = c.Value
		}
	}
	if slug == "" {
		var first *httpx.Grant
		for i, g := range p.Grants {
			if first == nil || g.SystemName < first.SystemName {
				first = &p.Grants[i]
			}
		}
		if first == nil {
			return nil, errNoSystem
		}
		slug = first.SystemSlug
	}
	sys, err := rbac.SystemBySlug(ctx, h.db, slug)
	switch {
	case errors.Is(err, storage.ErrNotFound) && p.IsSuperuser():
		return nil, rbac.Error(http.StatusNotFound, "System not found")
	case errors.Is(err, storage.ErrNotFound):
		return nil, denied(slug)
	case err != nil:
		return nil, err
	}
	if !p.IsSuperuser() && !p.IsSystemAdmin(sys.Slug) {
		return nil, denied(sys.Slug)
	}
	return sys, nil
}

// SystemRolesForAdmin serves GET /api/v1/tts/create-role/: the roles of the
// target system, ordered by id.
func (h *Handlers) SystemRolesForAdmin(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	sys, err := h.targetSystem(r.Context(), p, r.URL.Query().Get("system"), r, func(slug string) *httpx.Problem {
		return rbac.Error(http.StatusForbidden, fmt.Sprintf("You don't have permission to view roles in %s system", strings.ToUpper(slug)))
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	roles, err := rbac.RolesOfSystem(r.Context(), h.db, sys.ID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"roles": rbac.Summaries(roles)})
}

// roleBrief is the role inside create-role responses.
type roleBrief struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// CreateRoleForAdmin serves POST /api/v1/tts/create-role/: it creates a
// custom role in the target system.
func (h *Handlers) CreateRoleForAdmin(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	f := httpx.NewFields(in)
	requested, _ := f.String("system", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 255})
	if requested == "" {
		requested = r.URL.Query().Get("system")
	}
	name, _ := f.String("name", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true})
	var description *string
	if text, ok := f.String("description", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 10000}); ok {
		description = &text
	}
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}

	sys, err := h.targetSystem(r.Context(), p, requested, r, func(slug string) *httpx.Problem {
		return rbac.Error(http.StatusForbidden, fmt.Sprintf("You don't have permission to create roles in %s system", strings.ToUpper(slug)))
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	switch {
	case name == "":
		errorJSON(w, http.StatusBadRequest, "Role name is required")
		return
	case utf8.RuneCountInString(name) > 150:
		errorJSON(w, http.StatusBadRequest, "Role name must be at most 150 characters")
		return
	}

	var role *model.Role
	err = h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		existing := &model.Role{}
		err := tx.NewSelect().Model(existing).Where("system_id = ?", sys.ID).Where("name = ?", name).Scan(ctx)
		if err == nil {
			return &httpx.Problem{Status: http.StatusBadRequest, Body: map[string]any{
				"error": fmt.Sprintf("Role '%s' already exists in %s system", name, strings.ToUpper(sys.Slug)),
				"role":  roleBrief{ID: existing.ID, Name: existing.Name, Description: existing.Description},
			}}
		}
		if err = storage.NotFound(err); !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		role, err = h.rbac.CreateRole(ctx, tx, rbac.ActorOf(p), sys, name, description, true)
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]any{
		"message": fmt.Sprintf("Role '%s' created successfully", role.Name),
		"role":    roleBrief{ID: role.ID, Name: role.Name, Description: role.Description},
	})
}
