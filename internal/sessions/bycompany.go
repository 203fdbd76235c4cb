package sessions

import (
	"context"
	"database/sql"
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

// ByCompany serves GET /api/v1/users/profile/by-company/<company_id>/: a
// staff token or API key finds the staff user with that company id, else
// the employee; an employee token finds only its own record.
func (h *Handlers) ByCompany(w http.ResponseWriter, r *http.Request) {
	companyID := r.PathValue("company_id")
	p := httpx.PrincipalFrom(r.Context())
	notFound := func() {
		httpx.JSON(w, http.StatusNotFound, map[string]any{"detail": "User with company_id " + companyID + " not found."})
	}
	if p.IsEmployee() {
		if p.Employee.CompanyID == nil || *p.Employee.CompanyID != companyID {
			notFound()
			return
		}
		h.writeEmployee(w, r, p.Employee)
		return
	}
	u, err := userByCompany(r.Context(), h, companyID)
	switch {
	case err == nil:
		profile, err := accounts.Profile(r.Context(), h.db, h.media, u)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		body, err := toMap(profile)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		body["user_type"] = "staff"
		httpx.JSON(w, http.StatusOK, body)
		return
	case !errors.Is(err, storage.ErrNotFound):
		httpx.ServerError(w, r, err)
		return
	}
	if h.employees == nil {
		notFound()
		return
	}
	e, err := h.employees.ByCompanyID(r.Context(), h.db, companyID)
	if errors.Is(err, storage.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	h.writeEmployee(w, r, e)
}

func (h *Handlers) writeEmployee(w http.ResponseWriter, r *http.Request, e *model.Employee) {
	profile, err := h.employees.Profile(r.Context(), h.db, e)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	body, err := toMap(profile)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	body["user_type"] = "employee"
	httpx.JSON(w, http.StatusOK, body)
}

func userByCompany(ctx context.Context, h *Handlers, companyID string) (*model.User, error) {
	u := &model.User{}
	err := h.db.NewSelect().Model(u).Where("company_id = ?", companyID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return u, err
}
