package employees

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

// Messages of the HDTS user-management routes.
const (
	msgApproved        = "User approved successfully"
	msgRejected        = "User rejected successfully"
	msgInvalidAction   = "Invalid action"
	msgInvalidUserType = "Invalid user_type"
	msgNotAllowed      = "Method not allowed"
)

// pathID reads the {id} path value as a positive integer.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// Pending serves GET /api/v1/hdts/user-management/pending/api/: Pending
// employees, newest first.
func (h *Handlers) Pending(w http.ResponseWriter, r *http.Request) {
	var list []model.Employee
	err := h.svc.db.NewSelect().Model(&list).Where("status = ?", model.StatusPending).OrderExpr("created_at DESC, id DESC").Scan(r.Context())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profiles, err := ProfilesOf(r.Context(), h.svc.db, h.svc.media, list)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"count": len(profiles), "users": profiles})
}

// Users serves GET /api/v1/hdts/user-management/users/api/: the staff users
// with any hdts assignment, and every account in all_users tagged with its
// user_type, because staff and employee ids overlap.
func (h *Handlers) Users(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var staff []model.User
	err := h.svc.db.NewSelect().Model(&staff).
		Where("id IN (?)", h.svc.db.NewSelect().TableExpr("user_system_roles AS a").Column("a.user_id").
			Join("JOIN systems AS s ON s.id = a.system_id").Where("s.slug = ?", SystemSlug)).
		OrderExpr("id").Scan(ctx)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profiles, err := accounts.Profiles(ctx, h.svc.db, h.svc.media, staff)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	var employees []model.Employee
	if err := h.svc.db.NewSelect().Model(&employees).OrderExpr("id").Scan(ctx); err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	entries, err := ListEntriesOf(ctx, h.svc.db, h.svc.media, employees)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}

	all := make([]any, 0, len(profiles)+len(entries))
	for _, p := range profiles {
		all = append(all, staffEntry{UserProfile: p, UserType: "staff"})
	}
	for _, e := range entries {
		all = append(all, e)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{
		"count": len(all), "system_users_count": len(profiles), "employees_count": len(entries),
		"users": profiles, "all_users": all,
	})
}

// staffEntry is a staff UserProfile in all_users.
type staffEntry struct {
	accounts.UserProfile
	UserType string `json:"user_type"`
}

// UpdateStatus serves POST and PATCH
// /api/v1/hdts/user-management/update-status/<id>/: approve or reject a
// Pending employee, or with user_type "staff" a Pending staff user with an
// hdts assignment.
func (h *Handlers) UpdateStatus(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	id, ok := pathID(r)
	if !ok {
		httpx.JSON(w, http.StatusNotFound, map[string]any{"error": ErrNotFound.Error()})
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	action, _ := f.String("action", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if action != "approve" && action != "reject" {
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": msgInvalidAction})
		return
	}

	userType, _ := f.String("user_type", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	approve := action == "approve"
	var status string
	var err error
	switch userType {
	case "", subjectType:
		var e *model.Employee
		if e, err = h.svc.Decide(r.Context(), id, approve, p.User); err == nil {
			status = e.Status
		}
	case "staff":
		var u *model.User
		if u, err = h.svc.DecideStaff(r.Context(), id, approve, p.User); err == nil {
			status = u.Status
		}
	default:
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": msgInvalidUserType})
		return
	}

	switch {
	case errors.Is(err, ErrNotFound):
		httpx.JSON(w, http.StatusNotFound, map[string]any{"error": ErrNotFound.Error()})
		return
	case errors.Is(err, ErrNotPending):
		httpx.JSON(w, http.StatusBadRequest, map[string]any{"error": ErrNotPending.Error()})
		return
	case err != nil:
		httpx.ServerError(w, r, err)
		return
	}

	message := msgApproved
	if !approve {
		message = msgRejected
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"success": true, "message": message, "user_id": id, "status": status})
}

// UpdateStatusNotAllowed writes the route's own 405 body for the other
// methods of update-status.
func (h *Handlers) UpdateStatusNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "POST, PATCH")
	httpx.JSON(w, http.StatusMethodNotAllowed, map[string]any{"error": msgNotAllowed})
}

// Internal serves GET /api/v1/hdts/employees/internal/<id>/ for services
// with an API key: the EmployeeProfile of any employee.
func (h *Handlers) Internal(w http.ResponseWriter, r *http.Request) {
	notFound := func() { httpx.JSON(w, http.StatusNotFound, map[string]any{"error": "Employee not found"}) }
	id, ok := pathID(r)
	if !ok {
		notFound()
		return
	}
	e, err := ByID(r.Context(), h.svc.db, id)
	if errors.Is(err, storage.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profile, err := ProfileOf(r.Context(), h.svc.db, h.svc.media, e)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, profile)
}

// HDTSUser serves GET /api/v1/hdts/users/<id>/: the UserProfile of a staff
// user with an hdts assignment. The id is always a staff id.
func (h *Handlers) HDTSUser(w http.ResponseWriter, r *http.Request) {
	notFound := func() { httpx.JSON(w, http.StatusNotFound, map[string]any{"error": "User not found in HDTS"}) }
	id, ok := pathID(r)
	if !ok {
		notFound()
		return
	}
	u, err := hdtsStaffUser(r.Context(), h.svc.db, id)
	if errors.Is(err, ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	profile, err := accounts.Profile(r.Context(), h.svc.db, h.svc.media, u)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, profile)
}
