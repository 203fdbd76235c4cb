package integration

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// InternalUser serves GET /api/v1/users/internal/<id>/: the fields the
// help desk backend reads about a staff user.
func (h *Handlers) InternalUser(w http.ResponseWriter, r *http.Request) {
	id, ok := rbac.PathID(w, r, "id")
	if !ok {
		return
	}
	u, err := accounts.UserByID(r.Context(), h.db, id)
	if errors.Is(err, storage.ErrNotFound) {
		errorJSON(w, http.StatusNotFound, "User not found")
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"id": u.ID, "email": u.Email, "username": u.Username, "first_name": u.FirstName, "last_name": u.LastName,
		"full_name": u.FullName(), "middle_name": u.MiddleName, "suffix": u.Suffix, "phone_number": u.PhoneNumber,
		"company_id": u.CompanyID, "department": u.Department, "status": u.Status, "is_active": u.IsActive,
		"profile_picture": h.media.URL(u.ProfilePicture),
	})
}
