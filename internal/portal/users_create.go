package portal

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// newUser is a validated account to create with the portal's options.
type newUser struct {
	fields     *accounts.NewUser
	sendInvite bool
}

// readNewUser reads the fields of users/create/ and of one CSV row: the
// registration fields with an optional password, plus status, is_active,
// is_staff, is_superuser and the invitation flag (named inviteField). It
// returns the portal's 400 problem on the first invalid field.
func readNewUser(in *httpx.Input, inviteField string, inviteDefault bool) (*newUser, *httpx.Problem) {
	raw, _ := in.Raw("email")
	if text, isText := raw.(string); raw == nil || (isText && strings.TrimSpace(text) == "") {
		return nil, badRequest(MsgEmailRequired)
	}
	n, errs := accounts.ReadNewUser(in)
	if raw, _ := in.Raw("password"); raw == nil || raw == "" {
		delete(errs, "password") // no password: the account gets an unusable one
		n.Password = ""
	}
	f := httpx.NewFields(in)
	if status, ok := f.Choice("status", model.Statuses); ok && status != "" {
		n.Status = status
	}
	if active, ok := f.Bool("is_active"); ok {
		n.IsActive = active
	}
	n.IsStaff, _ = f.Bool("is_staff")
	n.IsSuperuser, _ = f.Bool("is_superuser")
	invite, ok := f.Bool(inviteField)
	if !ok {
		invite = inviteDefault
	}
	for field, messages := range f.Errors {
		errs[field] = append(errs[field], messages...)
	}
	if !errs.Empty() {
		return nil, badRequest(describe(errs))
	}
	return &newUser{fields: n, sendInvite: invite}, nil
}

// describe returns one message of field errors for the portal's
// {"error": message} body, naming the field unless the message names it.
func describe(errs httpx.FieldErrors) string {
	fields := make([]string, 0, len(errs))
	for field := range errs {
		fields = append(fields, field)
	}
	sort.Strings(fields)
	for _, field := range fields {
		if len(errs[field]) == 0 {
			continue
		}
		message := errs[field][0]
		if field == "password" || field == "non_field_errors" {
			return message
		}
		return field + ": " + message
	}
	return "Invalid input"
}

// create inserts one account in tx with the shared account rules (policy,
// uniqueness, company id, sync messages, audit) and sends the invitation
// of an account without a password when asked.
func (h *Handlers) create(ctx context.Context, tx bun.Tx, actor *outbox.Actor, n *newUser) (*model.User, error) {
	u, err := h.Accounts.CreateUser(ctx, tx, n.fields, actor)
	var problem *httpx.Problem
	if errors.As(err, &problem) {
		return nil, createProblem(problem)
	}
	if err != nil {
		return nil, err
	}
	if n.fields.Password == "" && n.sendInvite && h.Invitations != nil {
		if err := h.Invitations.SendInvitation(ctx, tx, actor, u, nil, nil); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// createProblem rewrites the field errors of account creation with the
// portal's messages.
func createProblem(p *httpx.Problem) *httpx.Problem {
	errs, ok := p.Body.(httpx.FieldErrors)
	if !ok {
		return p
	}
	switch {
	case errs.Has("email"):
		return badRequest(MsgEmailExists)
	case errs.Has("username"):
		return badRequest(MsgUsernameExists)
	case errs.Has("phone_number"):
		return badRequest(MsgPhoneExists)
	}
	return badRequest(describe(errs))
}

// CreateUser serves POST /superadmin/api/users/create/.
func (h *Handlers) CreateUser(w http.ResponseWriter, r *http.Request) {
	in, problem := decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	n, problem := readNewUser(in, "send_invite", true)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	_, actor := caller(r)
	var u *model.User
	err := h.DB.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = h.create(ctx, tx, actor, n)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, map[string]any{"message": "User created successfully", "id": u.ID, "company_id": u.CompanyID})
}
