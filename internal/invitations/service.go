package invitations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// Messages of the invite routes.
const (
	MsgPhoneTaken      = "This phone number is already registered in the system. Please use a different phone number."
	MsgRoleNotFound    = "Role does not exist."
	MsgEmailRegistered = "This email is already registered in the system. Please use a different email or assign the user to a different role."
	MsgNoPending       = "No pending invitation for this email."
)

// usernameMax is the length limit of usernames made for invited accounts.
const usernameMax = 20

// Service runs invitations.
type Service struct {
	cfg      *config.Config
	now      func() time.Time
	accounts *accounts.Service
	rbac     *rbac.Service
	outbox   *outbox.Outbox
}

// Deps are the dependencies of a Service. Outbox may be nil (no e-mail).
type Deps struct {
	Config   *config.Config
	Now      func() time.Time
	Accounts *accounts.Service
	RBAC     *rbac.Service
	Outbox   *outbox.Outbox
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{cfg: d.Config, now: d.Now, accounts: d.Accounts, rbac: d.RBAC, outbox: d.Outbox}
}

// Params are the validated fields of an invitation.
type Params struct {
	Email       string // lower-cased and trimmed
	RoleID      int64  // 0: create the account without a role
	FirstName   string
	LastName    string
	MiddleName  *string
	Suffix      *string
	Department  *string
	PhoneNumber *string // E.164
}

// Result describes what Invite did.
type Result struct {
	User       *model.User
	System     *model.System     // nil without a role
	Role       *model.Role       // nil without a role
	Assignment *model.Assignment // nil without a role
	// InvitationSent is true when the account was created and got the
	// set-password e-mail, false when an existing account got the role.
	InvitationSent bool
}

// Invite creates or finds the account of p.Email, gives it the role and
// records the e-mail, all in tx. scope is the caller's admin scope: a role
// outside it is a 403.
func (s *Service) Invite(ctx context.Context, tx bun.Tx, actor *outbox.Actor, scope rbac.Scope, p Params) (*Result, error) {
	res := &Result{}
	if p.RoleID != 0 {
		role, err := rbac.RoleByID(ctx, tx, p.RoleID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, httpx.BadRequest(httpx.FieldErrors{"role_id": {MsgRoleNotFound}})
		}
		if err != nil {
			return nil, err
		}
		if !scope.Has(role.SystemID) {
			return nil, rbac.Error(http.StatusForbidden, "Access denied to this system")
		}
		res.Role, res.System = role, role.System
	}
	// NextCompanyID locks the row that serializes account creation, so a
	// concurrent invitation of the same address waits here and then finds
	// the account instead of failing on a unique index. The number it
	// returns is not used: CreateUser draws its own under the same lock.
	if _, _, err := identity.NextCompanyID(ctx, tx); err != nil {
		return nil, err
	}
	existing, err := accounts.UserByEmail(ctx, tx, p.Email)
	switch {
	case err == nil:
		return s.grantExisting(ctx, tx, actor, existing, res)
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	if res.User, err = s.createAccount(ctx, tx, actor, p); err != nil {
		return nil, err
	}
	if res.Role != nil {
		res.Assignment, err = s.rbac.Assign(ctx, tx, actor, res.User, res.System, res.Role, true, nil)
		if err != nil {
			return nil, err
		}
	}
	res.InvitationSent = true
	return res, s.SendInvitation(ctx, tx, actor, res.User, res.System, res.Role)
}

// grantExisting gives an existing account the role unless it already has
// one in that system.
func (s *Service) grantExisting(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, res *Result) (*Result, error) {
	res.User = u
	if res.Role == nil {
		return nil, rbac.Error(http.StatusConflict, MsgEmailRegistered)
	}
	current, err := rbac.ListAssignments(ctx, tx, rbac.AssignmentFilter{Scope: rbac.Scope{All: true}, UserID: u.ID, SystemID: res.System.ID})
	if err != nil {
		return nil, err
	}
	if len(current) > 0 {
		return nil, rbac.Error(http.StatusConflict, fmt.Sprintf("User %s already has the role '%s' in the %s system. To change their role, "+
			"please update their existing assignment instead of creating a new invitation.", u.Email, current[0].Role.Name, res.System.Name))
	}
	res.Assignment, err = s.rbac.Assign(ctx, tx, actor, u, res.System, res.Role, true, nil)
	if errors.Is(err, rbac.ErrDuplicateAssignment) {
		return nil, rbac.Error(http.StatusConflict, MsgEmailRegistered)
	}
	if err != nil {
		return nil, err
	}
	return res, s.SendAccessGranted(ctx, tx, u, res.System, res.Role)
}

// createAccount inserts the invited account: Approved, not staff, with an
// unusable password.
func (s *Service) createAccount(ctx context.Context, tx bun.Tx, actor *outbox.Actor, p Params) (*model.User, error) {
	if p.PhoneNumber != nil {
		taken, err := tx.NewSelect().Model((*model.User)(nil)).Where("phone_number = ?", *p.PhoneNumber).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if taken {
			return nil, httpx.BadRequest(httpx.FieldErrors{"phone_number": {MsgPhoneTaken}})
		}
	}
	local, _, _ := strings.Cut(p.Email, "@")
	base := strings.NewReplacer(".", "", "-", "").Replace(local)
	username, err := identity.UniqueUsername(ctx, tx, "users", base, usernameMax)
	if err != nil {
		return nil, err
	}
	u, err := s.accounts.CreateUser(ctx, tx, &accounts.NewUser{
		Email: p.Email, Username: username, FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName,
		Suffix: p.Suffix, PhoneNumber: p.PhoneNumber, Department: p.Department, Status: model.StatusApproved, IsActive: true,
	}, actor)
	var problem *httpx.Problem
	if errors.As(err, &problem) {
		if fields, ok := problem.Body.(httpx.FieldErrors); ok {
			switch {
			case fields.Has("email"):
				return nil, rbac.Error(http.StatusConflict, MsgEmailRegistered)
			case fields.Has("phone_number"):
				return nil, httpx.BadRequest(httpx.FieldErrors{"phone_number": {MsgPhoneTaken}})
			}
		}
	}
	return u, err
}

// SendInvitation issues a fresh invite token for u, voiding older links,
// and records the invitation e-mail and its audit event. sys and role name
// what the account was invited to; nil invites to the site.
func (s *Service) SendInvitation(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, sys *model.System, role *model.Role) error {
	lifetime := s.cfg.Tokens.InviteTokenLifetime
	token, err := onetime.Issue(ctx, tx, s.now(), "staff", u.ID, onetime.Invite, lifetime)
	if err != nil {
		return err
	}
	systemName, roleName := s.cfg.SiteName, "Staff user"
	if sys != nil && role != nil {
		systemName, roleName = sys.Name, role.Name
	}
	days := int((lifetime + 24*time.Hour - 1) / (24 * time.Hour))
	if days < 1 {
		days = 1
	}
	err = s.outbox.Email(ctx, tx, outbox.Email{Template: string(mail.Invitation), To: u.Email, Vars: map[string]any{
		"first_name": greetingName(u), "system_name": systemName, "role_name": roleName,
		"set_password_url": s.cfg.PublicURL + "/api/v1/users/password/reset/?token=" + url.QueryEscape(token), "expiry_days": days,
	}})
	if err != nil {
		return err
	}
	event := audit.Event{Name: "invitation.sent", Details: map[string]any{"system": systemName, "role": roleName}}.Subject("staff", u.ID)
	if actor != nil {
		event = event.Actor(actor.Type, actor.ID)
	}
	return audit.Record(ctx, tx, s.now(), event)
}

// SendAccessGranted records the e-mail that informs an existing account of
// its new role.
func (s *Service) SendAccessGranted(ctx context.Context, tx bun.Tx, u *model.User, sys *model.System, role *model.Role) error {
	return s.outbox.Email(ctx, tx, outbox.Email{Template: string(mail.AccessGranted), To: u.Email, Vars: map[string]any{
		"first_name": greetingName(u), "system_name": sys.Name, "role_name": role.Name,
	}})
}

// Resend sends a new invitation link to an account that has never set a
// password or signed in. An account outside the caller's scope, or one
// that is not pending, is a 404, so the response reveals nothing else.
func (s *Service) Resend(ctx context.Context, tx bun.Tx, actor *outbox.Actor, scope rbac.Scope, email string) error {
	notPending := rbac.Error(http.StatusNotFound, MsgNoPending)
	u, err := accounts.UserByEmail(ctx, tx, email)
	if errors.Is(err, storage.ErrNotFound) {
		return notPending
	}
	if err != nil {
		return err
	}
	if passwords.IsUsable(u.Password) || u.LastLogin != nil || !u.IsActive {
		return notPending
	}
	list, err := rbac.ListAssignments(ctx, tx, rbac.AssignmentFilter{Scope: scope, UserID: u.ID})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		if !scope.All {
			return notPending
		}
		return s.SendInvitation(ctx, tx, actor, u, nil, nil)
	}
	return s.SendInvitation(ctx, tx, actor, u, list[0].System, list[0].Role)
}

// greetingName is the name an e-mail greets: the first name, else the
// username, else the e-mail local part.
func greetingName(u *model.User) string {
	if name := strings.TrimSpace(u.FirstName); name != "" {
		return name
	}
	if u.Username != nil && *u.Username != "" {
		return *u.Username
	}
	local, _, _ := strings.Cut(u.Email, "@")
	return local
}
