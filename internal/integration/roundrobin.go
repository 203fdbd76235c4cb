package integration

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// RoundRobin serves GET /api/v1/tts/round-robin/ in its two shapes:
//
//   - ?role_id= or ?role_name= (a tts role; role_id wins when both are
//     sent) returns a bare array of user ids;
//   - ?system=&role= returns {"user_ids", "system", "role", "count"} with
//     the parameters as sent.
//
// The ids are those of active users with an active assignment to the role,
// without duplicates, in ascending order, so callers can rotate through
// them. Slugs and role names compare case-insensitively. An unknown system
// or role gives an empty list.
func (h *Handlers) RoundRobin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	system, role := q.Get("system"), q.Get("role")
	if q.Has("system") || q.Has("role") {
		if system == "" || role == "" {
			errorJSON(w, http.StatusBadRequest, "Both system and role parameters are required.")
			return
		}
		ids, err := RoundRobinIDs(r.Context(), h.db, system, role, 0)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"user_ids": ids, "system": system, "role": role, "count": len(ids)})
		return
	}
	roleIDText, roleName := q.Get("role_id"), q.Get("role_name")
	var roleID int64
	switch {
	case roleIDText != "":
		id, err := strconv.ParseInt(strings.TrimSpace(roleIDText), 10, 64)
		if err != nil {
			errorJSON(w, http.StatusBadRequest, "role_id must be a number.")
			return
		}
		roleID, roleName = id, ""
	case roleName == "":
		errorJSON(w, http.StatusBadRequest, "Either role_id or role_name parameter is required.")
		return
	}
	ids, err := RoundRobinIDs(r.Context(), h.db, "tts", roleName, roleID)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, ids)
}

// RoundRobinIDs returns the ids of active users with an active assignment
// to a role of the system with slug, in ascending order. The role is
// roleID when it is not zero, else every role whose name equals roleName
// case-insensitively.
func RoundRobinIDs(ctx context.Context, db bun.IDB, slug, roleName string, roleID int64) ([]int64, error) {
	ids := []int64{}
	sys, err := rbac.SystemBySlugFold(ctx, db, slug)
	if errors.Is(err, storage.ErrNotFound) {
		return ids, nil
	}
	if err != nil {
		return nil, err
	}
	roles, err := rbac.RolesOfSystem(ctx, db, sys.ID)
	if err != nil {
		return nil, err
	}
	var roleIDs []int64
	for _, role := range roles {
		if (roleID != 0 && role.ID == roleID) || (roleID == 0 && strings.EqualFold(role.Name, roleName)) {
			roleIDs = append(roleIDs, role.ID)
		}
	}
	if len(roleIDs) == 0 {
		return ids, nil
	}
	err = RoundRobinQuery(db, roleIDs).Scan(ctx, &ids)
	return ids, err
}

// RoundRobinQuery selects the ids of active users with an active
// assignment to one of roleIDs, in ascending order. The index
// user_system_roles_role_idx (role_id, is_active, user_id) yields one
// role's assignments already ordered by user id, and the partial index
// users_active_id_idx keeps the join to active users inside an index. The
// unique index on (user_id, system_id, role_id) gives a user a role at
// most once, so only several roles need DISTINCT.
func RoundRobinQuery(db bun.IDB, roleIDs []int64) *bun.SelectQuery {
	q := db.NewSelect().TableExpr("user_system_roles AS a").Column("a.user_id").
		Join("JOIN users AS u ON u.id = a.user_id").
		Where("a.is_active = ?", true).Where("u.is_active = ?", true).
		OrderExpr("a.user_id")
	if len(roleIDs) == 1 {
		return q.Where("a.role_id = ?", roleIDs[0])
	}
	return q.Distinct().Where("a.role_id IN (?)", bun.In(roleIDs))
}
