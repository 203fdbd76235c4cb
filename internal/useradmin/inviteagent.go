package useradmin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// inviteSystem is one system of the invite-agent form with its roles.
type inviteSystem struct {
	ID    int64        `json:"id"`
	Name  string       `json:"name"`
	Slug  string       `json:"slug"`
	Roles []roleOption `json:"roles"`
}

type roleOption struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

var errNotAnyAdmin = rbac.Error(http.StatusForbidden, "You are not an admin of any system")

// InviteAgentForm serves GET /api/v1/users/invite-agent/ and its aliases:
// the active non-superusers with no assignment in any system the caller
// administers, ordered by first and last name, and those systems with
// their roles.
func (h *Handlers) InviteAgentForm(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	scope := rbac.ScopeOf(p)
	if scope.Empty() {
		httpx.WriteProblem(w, errNotAnyAdmin)
		return
	}

	ctx := r.Context()
	systems := []model.System{}
	q := h.svc.db.NewSelect().Model(&systems).OrderExpr("name, id")
	if !scope.All {
		q = q.Where("id IN (?)", bun.In(scope.SystemIDs))
	}
	if err := q.Scan(ctx); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	ids := make([]int64, len(systems))
	out := make([]inviteSystem, len(systems))
	for i, sys := range systems {
		ids[i] = sys.ID
		roles, err := rbac.RolesOfSystem(ctx, h.svc.db, sys.ID)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		options := make([]roleOption, len(roles))
		for j, role := range roles {
			options[j] = roleOption{ID: role.ID, Name: role.Name}
		}
		out[i] = inviteSystem{ID: sys.ID, Name: sys.Name, Slug: sys.Slug, Roles: options}
	}

	users := []model.User{}
	uq := h.svc.db.NewSelect().Model(&users).Where("is_active = ?", true).Where("is_superuser = ?", false).OrderExpr("first_name, last_name, id")
	if len(ids) > 0 {
		uq = uq.Where("id NOT IN (SELECT user_id FROM user_system_roles WHERE system_id IN (?))", bun.In(ids))
	}
	if err := uq.Scan(ctx); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profiles, err := accounts.Profiles(ctx, h.svc.db, h.svc.media, users)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"available_users": profiles, "systems": out})
}

// InviteAgent serves POST /api/v1/users/invite-agent/ and its aliases: it
// gives an existing user a role in a system the caller administers and
// e-mails an "access granted" notice.
func (h *Handlers) InviteAgent(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	scope := rbac.ScopeOf(p)
	if scope.Empty() {
		httpx.WriteProblem(w, errNotAnyAdmin)
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	var ids [3]int64
	for i, name := range []string{"user_id", "system_id", "role_id"} {
		raw, ok := in.Raw(name)
		if !ok || raw == nil || raw == "" {
			httpx.WriteProblem(w, rbac.Error(http.StatusBadRequest, "user_id, system_id, and role_id are required"))
			return
		}
		id, valid := httpx.AsInt(raw)
		if !valid {
			httpx.WriteProblem(w, rbac.Error(http.StatusBadRequest, "user_id, system_id, and role_id must be integers"))
			return
		}
		ids[i] = id
	}
	var body map[string]any
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		body, err = h.svc.inviteAgent(ctx, tx, p, scope, ids[0], ids[1], ids[2])
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, body)
}

func (s *Service) inviteAgent(ctx context.Context, tx bun.Tx, p *httpx.Principal, scope rbac.Scope, userID, systemID, roleID int64) (map[string]any, error) {
	u, err := accounts.UserByID(ctx, tx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, rbac.Error(http.StatusNotFound, "User not found")
	}
	if err != nil {
		return nil, err
	}

	sys, err := rbac.SystemByID(ctx, tx, systemID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, rbac.Error(http.StatusNotFound, "System not found")
	}
	if err != nil {
		return nil, err
	}
	if !scope.Has(sys.ID) {
		return nil, rbac.Error(http.StatusForbidden, "You are not an admin of this system")
	}

	role, err := rbac.RoleByID(ctx, tx, roleID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && role.SystemID != sys.ID) {
		return nil, rbac.Error(http.StatusNotFound, "Role not found or does not belong to this system")
	}
	if err != nil {
		return nil, err
	}

	already, err := tx.NewSelect().Model((*model.Assignment)(nil)).Where("user_id = ?", u.ID).Where("system_id = ?", sys.ID).Exists(ctx)
	if err != nil {
		return nil, err
	}
	conflict := rbac.Error(http.StatusConflict, "User is already assigned to this system")
	if already {
		return nil, conflict
	}

	a, err := s.rbac.Assign(ctx, tx, rbac.ActorOf(p), u, sys, role, true, nil)
	if errors.Is(err, rbac.ErrDuplicateAssignment) {
		return nil, conflict
	}
	if err != nil {
		return nil, err
	}
	if err := s.invites.SendAccessGranted(ctx, tx, u, sys, role); err != nil {
		return nil, err
	}
	return map[string]any{
		"message": fmt.Sprintf("User %s successfully invited to %s as %s", u.Email, sys.Name, role.Name),
		"assignment": map[string]any{"id": a.ID, "user_id": u.ID, "system_id": sys.ID, "role_id": role.ID,
			"role_name": role.Name, "system_name": sys.Name},
	}, nil
}
