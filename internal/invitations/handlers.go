package invitations

import (
	"context"
	"net/http"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// Handlers serves the invite routes.
type Handlers struct {
	svc *Service
	db  *storage.DB
}

// NewHandlers returns the handlers of svc.
func NewHandlers(svc *Service, db *storage.DB) *Handlers { return &Handlers{svc: svc, db: db} }

// ReadParams reads the fields of POST /api/v1/system-roles/invite/.
func ReadParams(in *httpx.Input) (Params, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	var p Params
	if email, ok := f.Email("email", true); ok {
		p.Email = strings.ToLower(email)
	}
	p.RoleID, _ = f.Int("role_id", true)
	p.FirstName, _ = f.OptionalText("first_name", 100)
	p.LastName, _ = f.OptionalText("last_name", 100)
	if middle, ok := f.OptionalText("middle_name", 100); ok && middle != "" {
		p.MiddleName = &middle
	}
	if suffix, ok := f.Choice("suffix", model.Suffixes); ok && suffix != "" {
		p.Suffix = &suffix
	}
	if department, ok := f.Choice("department", model.Departments); ok && department != "" {
		p.Department = &department
	}
	if raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32}); ok && raw != "" {
		if phone, valid := identity.NormalizePhone(raw); valid {
			p.PhoneNumber = &phone
		} else {
			f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		}
	}
	if p.RoleID < 0 || (p.RoleID == 0 && !f.Errors.Has("role_id")) {
		f.Errors.Add("role_id", MsgRoleNotFound)
	}
	return p, f.Errors
}

// Invite serves POST /api/v1/system-roles/invite/.
func (h *Handlers) Invite(w http.ResponseWriter, r *http.Request) {
	principal := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	params, fieldErrors := ReadParams(in)
	if !fieldErrors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, fieldErrors)
		return
	}
	var res *Result
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = h.svc.Invite(ctx, tx, rbac.ActorOf(principal), rbac.ScopeOf(principal), params)
		return err
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]any{
		"user": res.User.Email, "temporary_password": nil, "role": res.Role.Name, "system": res.System.Slug,
		"invitation_sent": res.InvitationSent,
	})
}

// Resend serves POST /api/v1/system-roles/invite/resend/.
func (h *Handlers) Resend(w http.ResponseWriter, r *http.Request) {
	principal := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	email, _ := f.LookupEmail("email", true)
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	err := h.db.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		return h.svc.Resend(ctx, tx, rbac.ActorOf(principal), rbac.ScopeOf(principal), email)
	})
	if err != nil {
		rbac.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Invitation sent."})
}
