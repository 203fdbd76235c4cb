package integration

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// errNoTTS is the one 500 the TTS routes document: the tts system row is
// missing, which only a broken installation causes.
var errNoTTS = &httpx.Problem{Status: http.StatusInternalServerError, Body: map[string]any{"error": "TTS system not found in database."}}

type roleOption struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ttsRoles loads the tts system and its roles.
func ttsRoles(ctx context.Context, db bun.IDB) (*model.System, []model.Role, error) {
	sys, err := rbac.SystemBySlug(ctx, db, "tts")
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errNoTTS
	}
	if err != nil {
		return nil, nil, err
	}
	roles, err := rbac.RolesOfSystem(ctx, db, sys.ID)
	return sys, roles, err
}

func options(roles []model.Role) []roleOption {
	out := make([]roleOption, len(roles))
	for i, role := range roles {
		out[i] = roleOption{ID: role.ID, Name: role.Name}
	}
	return out
}

// ttsAssignment is one entry of the assign-agent-to-role list.
type ttsAssignment struct {
	UserID    int64  `json:"user_id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	RoleID    int64  `json:"role_id"`
	RoleName  string `json:"role_name"`
	IsActive  bool   `json:"is_active"`
}

// AssignmentsOfTTS serves GET /api/v1/tts/assign-agent-to-role/: one entry
// per tts assignment and the tts roles.
func (h *Handlers) AssignmentsOfTTS(w http.ResponseWriter, r *http.Request) {
	sys, roles, err := ttsRoles(r.Context(), h.db)
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	list, err := rbac.ListAssignments(r.Context(), h.db, rbac.AssignmentFilter{Scope: rbac.Scope{All: true}, SystemID: sys.ID})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	users := make([]ttsAssignment, len(list))
	for i, a := range list {
		users[i] = ttsAssignment{UserID: a.UserID, FirstName: a.User.FirstName, LastName: a.User.LastName, Email: a.User.Email,
			RoleID: a.RoleID, RoleName: a.Role.Name, IsActive: a.IsActive}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"count": len(users), "system": "tts", "users": users, "roles": options(roles)})
}

// assignRequest is a validated assign-agent-to-role body in either shape.
type assignRequest struct {
	userID   int64
	roleName string
	settings map[string]any
}

// readAssignRequest reads the legacy shape {"userID", "role", "settings"}
// or the documented shape {"user_id", "system_slug", "role_name",
// "settings"}. Errors use the legacy field names userID and role.
func readAssignRequest(in *httpx.Input) (assignRequest, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	userField, roleField := "userID", "role"
	if in.Has("user_id") || in.Has("role_name") || in.Has("system_slug") {
		userField, roleField = "user_id", "role_name"
		if slug, ok := f.String("system_slug", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 255}); ok && slug != "" && !strings.EqualFold(slug, "tts") {
			f.Errors.Add("system_slug", "Only the tts system is supported here.")
		}
	}
	var req assignRequest
	id, ok := f.Int(userField, true)
	req.userID = id
	if !ok {
		moveErrors(f.Errors, userField, "userID")
	}
	name, ok := f.String(roleField, httpx.StringRule{Required: true, Trim: true, Max: 150})
	req.roleName = name
	if !ok {
		moveErrors(f.Errors, roleField, "role")
	}
	req.settings, _ = f.Object("settings")
	return req, f.Errors
}

func moveErrors(errs httpx.FieldErrors, from, to string) {
	if from == to || !errs.Has(from) {
		return
	}
	errs[to] = append(errs[to], errs[from]...)
	delete(errs, from)
}

// AssignToTTSRole serves POST /api/v1/tts/assign-agent-to-role/: it gives
// an active user a tts role, or reports the existing assignment.
func (h *Handlers) AssignToTTSRole(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	req, fieldErrors := readAssignRequest(in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"errors": fieldErrors})
		return
	}
	status, body := http.StatusCreated, map[string]any{}
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		sys, roles, err := ttsRoles(ctx, tx)
		if err != nil {
			return err
		}
		errs := httpx.FieldErrors{}
		u, err := accounts.UserByID(ctx, tx, req.userID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !u.IsActive) {
			errs.Add("userID", "User not found or inactive.")
		} else if err != nil {
			return err
		}
		role := findRole(roles, req.roleName)
		if role == nil {
			errs.Add("role", "Role not found in TTS.")
		}
		if !errs.Empty() {
			return httpx.BadRequest(map[string]any{"errors": errs})
		}
		role.System = sys
		existing, err := rbac.ListAssignments(ctx, tx, rbac.AssignmentFilter{Scope: rbac.Scope{All: true}, UserID: u.ID, RoleID: role.ID})
		if err != nil {
			return err
		}
		a := (*model.Assignment)(nil)
		if len(existing) > 0 {
			a, status = &existing[0], http.StatusOK
			body["message"] = "User is already assigned to this role in TTS."
		} else {
			if a, err = h.rbac.Assign(ctx, tx, rbac.ActorOf(p), u, sys, role, true, req.settings); err != nil {
				return err
			}
			body["message"] = "User successfully assigned to TTS role."
		}
		settings := a.Settings
		if settings == nil {
			settings = map[string]any{}
		}
		for k, v := range map[string]any{"userID": u.ID, "role": role.Name, "system": "tts", "settings": settings, "id": a.ID,
			"user_id": u.ID, "is_active": a.IsActive, "assigned_at": httpx.Timestamp(a.AssignedAt)} {
			body[k] = v
		}
		return nil
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, status, body)
}

// findRole returns the role named name, compared exactly and then
// case-insensitively.
func findRole(roles []model.Role, name string) *model.Role {
	for i := range roles {
		if roles[i].Name == name {
			return &roles[i]
		}
	}
	for i := range roles {
		if strings.EqualFold(roles[i].Name, name) {
			return &roles[i]
		}
	}
	return nil
}

// formAssignment is one entry of the assignment form JSON.
type formAssignment struct {
	ID            int64  `json:"id"`
	UserID        int64  `json:"user_id"`
	UserFirstName string `json:"user_first_name"`
	UserLastName  string `json:"user_last_name"`
	UserEmail     string `json:"user_email"`
	RoleID        int64  `json:"role_id"`
	RoleName      string `json:"role_name"`
	IsActive      bool   `json:"is_active"`
	IsDeployed    bool   `json:"is_deployed"`
	CreatedAt     string `json:"created_at"`
}

// AssignmentForm serves GET /api/v1/tts/assign-agent-to-role-form/,
// /api/v1/tts/assign-role/ and /assign-role/: the tts assignments and roles
// as JSON, or the HTML page when Page is set and Accept does not ask for
// JSON.
func (h *Handlers) AssignmentForm(w http.ResponseWriter, r *http.Request) {
	if h.Page != nil && !strings.Contains(r.Header.Get("Accept"), "json") {
		h.Page(w, r)
		return
	}
	sys, roles, err := ttsRoles(r.Context(), h.db)
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	list, err := rbac.ListAssignments(r.Context(), h.db, rbac.AssignmentFilter{Scope: rbac.Scope{All: true}, SystemID: sys.ID})
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	out := make([]formAssignment, len(list))
	for i, a := range list {
		deployed, _ := a.Settings["is_deployed"].(bool)
		out[i] = formAssignment{ID: a.ID, UserID: a.UserID, UserFirstName: a.User.FirstName, UserLastName: a.User.LastName,
			UserEmail: a.User.Email, RoleID: a.RoleID, RoleName: a.Role.Name, IsActive: a.IsActive, IsDeployed: deployed,
			CreatedAt: httpx.Timestamp(a.AssignedAt)}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"assignments": out, "roles": options(roles)})
}
