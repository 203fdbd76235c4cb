package useradmin

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
)

// CreateUser serves POST /api/v1/users/management/ (superusers): the
// registration fields plus is_staff. Other callers are sent to the invite
// route.
func (h *Handlers) CreateUser(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	if !p.IsSuperuser() {
		httpx.WriteProblem(w, rbac.Error(http.StatusForbidden, "System admins should use the admin invite endpoint to create users"))
		return
	}
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}

	n, fieldErrors := accounts.ReadNewUser(in)
	f := httpx.NewFields(in)
	n.IsStaff, _ = f.Bool("is_staff")
	for field, messages := range f.Errors {
		fieldErrors[field] = append(fieldErrors[field], messages...)
	}
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}

	var u *model.User
	err := h.svc.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = h.svc.accounts.CreateUser(ctx, tx, n, rbac.ActorOf(p))
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]any{
		"email": u.Email, "username": u.Username, "first_name": u.FirstName, "middle_name": u.MiddleName,
		"last_name": u.LastName, "suffix": u.Suffix, "phone_number": u.PhoneNumber, "company_id": u.CompanyID,
		"department": u.Department, "status": u.Status, "notified": u.Notified, "is_staff": u.IsStaff,
	})
}
