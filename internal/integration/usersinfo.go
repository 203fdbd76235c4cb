package integration

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// maxIDs is the largest number of ids one users-info request may name.
const maxIDs = 500

// legacyUser is the per-user body of the legacy users-info shape and the
// base of user-info.
type legacyUser struct {
	ID         int64   `json:"id"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	Email      string  `json:"email"`
	Department *string `json:"department"`
	Position   *string `json:"position"`
	IsActive   bool    `json:"is_active"`
	DateJoined string  `json:"date_joined"`
}

func legacyOf(u *model.User) legacyUser {
	return legacyUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Department: u.Department,
		IsActive: u.IsActive, DateJoined: httpx.Timestamp(u.DateJoined)}
}

// userSummary is one user of the documented users-info shape.
type userSummary struct {
	ID             int64   `json:"id"`
	Email          string  `json:"email"`
	Username       *string `json:"username"`
	FirstName      string  `json:"first_name"`
	LastName       string  `json:"last_name"`
	CompanyID      *string `json:"company_id"`
	Department     *string `json:"department"`
	IsActive       bool    `json:"is_active"`
	ProfilePicture any     `json:"profile_picture"`
}

// roleClaim is one active assignment as {"system", "role"}.
type roleClaim struct {
	System string `json:"system"`
	Role   string `json:"role"`
}

// UserInfo serves GET /api/v1/tts/user-info/<user_id>/.
func (h *Handlers) UserInfo(w http.ResponseWriter, r *http.Request) {
	id, ok := rbac.PathID(w, r, "user_id")
	if !ok {
		return
	}
	u, err := accounts.UserByID(r.Context(), h.db, id)
	if errors.Is(err, storage.ErrNotFound) {
		errorJSON(w, http.StatusNotFound, "User not found.")
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	entries, err := accounts.Assignments(r.Context(), h.db, u.ID, true)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	roles := make([]roleClaim, len(entries))
	for i, e := range entries {
		roles[i] = roleClaim{System: e.SystemSlug, Role: e.RoleName}
	}
	httpx.JSON(w, http.StatusOK, struct {
		legacyUser
		Username       *string     `json:"username"`
		CompanyID      *string     `json:"company_id"`
		ProfilePicture any         `json:"profile_picture"`
		Roles          []roleClaim `json:"roles"`
	}{legacyOf(u), u.Username, u.CompanyID, h.media.URL(u.ProfilePicture), roles})
}

// UsersInfo serves POST /api/v1/tts/users-info/ in its two shapes:
// {"employee_cookie_ids": [...]} returns an object keyed by id, and
// {"user_ids": [...]} returns {"users", "not_found"} in request order.
func (h *Handlers) UsersInfo(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	legacyRaw, hasLegacy := in.Raw("employee_cookie_ids")
	currentRaw, hasCurrent := in.Raw("user_ids")
	switch {
	case hasLegacy && hasCurrent:
		errorJSON(w, http.StatusBadRequest, "Send either user_ids or employee_cookie_ids, not both.")
	case hasCurrent:
		ids, message := readIDs(in, currentRaw, "user_ids must be an array of integers.", "user_ids must be an array of integers.")
		if message != "" {
			errorJSON(w, http.StatusBadRequest, message)
			return
		}
		h.writeUsers(w, r, ids)
	case hasLegacy:
		ids, message := readIDs(in, legacyRaw, "employee_cookie_ids must be an array.", "All employee_cookie_ids must be numbers.")
		if message != "" {
			errorJSON(w, http.StatusBadRequest, message)
			return
		}
		h.writeLegacy(w, r, ids)
	default:
		errorJSON(w, http.StatusBadRequest, "employee_cookie_ids array is required.")
	}
}

// readIDs reads a list of integer ids. A form may repeat the field or send
// it once. It returns the message for a value that is not a list, an
// element that is not an integer, or more than maxIDs ids.
func readIDs(in *httpx.Input, raw any, notList, notInteger string) ([]int64, string) {
	list, ok := raw.([]any)
	if !ok && in.IsForm() {
		list, ok = []any{raw}, true
	}
	if !ok {
		return nil, notList
	}
	if len(list) > maxIDs {
		return nil, "At most 500 ids per request."
	}
	ids := make([]int64, 0, len(list))
	for _, item := range list {
		if _, isString := item.(string); isString && !in.IsForm() {
			return nil, notInteger
		}
		id, ok := httpx.AsInt(item)
		if !ok {
			return nil, notInteger
		}
		ids = append(ids, id)
	}
	return ids, ""
}

func (h *Handlers) usersByID(r *http.Request, ids []int64) (map[int64]*model.User, error) {
	found := map[int64]*model.User{}
	if len(ids) == 0 {
		return found, nil
	}
	var users []model.User
	if err := h.db.NewSelect().Model(&users).Where("id IN (?)", bun.In(ids)).Scan(r.Context()); err != nil {
		return nil, err
	}
	for i := range users {
		found[users[i].ID] = &users[i]
	}
	return found, nil
}

func (h *Handlers) writeLegacy(w http.ResponseWriter, r *http.Request, ids []int64) {
	found, err := h.usersByID(r, ids)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make(map[string]legacyUser, len(found))
	for id, u := range found {
		out[strconv.FormatInt(id, 10)] = legacyOf(u)
	}
	httpx.JSON(w, http.StatusOK, out)
}

func (h *Handlers) writeUsers(w http.ResponseWriter, r *http.Request, ids []int64) {
	found, err := h.usersByID(r, ids)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	users, notFound := []userSummary{}, []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, ok := found[id]
		if !ok {
			notFound = append(notFound, id)
			continue
		}
		users = append(users, userSummary{ID: u.ID, Email: u.Email, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
			CompanyID: u.CompanyID, Department: u.Department, IsActive: u.IsActive, ProfilePicture: h.media.URL(u.ProfilePicture)})
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"users": users, "not_found": notFound})
}
