package useradmin

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// MsgSystemRoleNotFound is the field error of a system_role_id that names
// no assignment of the target in the caller's scope.
const MsgSystemRoleNotFound = "System role not found or access denied."

// adminChange is a validated change of the admin fields.
type adminChange struct {
	set          map[string]any // column to new value
	changed      []string       // API field names, for the audit event
	status       string         // new status, "" when unchanged
	picture      string         // newly stored picture
	clearPicture bool
	assignmentID int64 // system_role_id, 0 when absent
	assignmentOn bool  // system_role_is_active
}

// UpdateAsAdmin applies the admin fields of in to target: names, suffix,
// phone number, department, status (which records who changed it and
// when), the profile picture, and system_role_id with
// system_role_is_active, which activates or deactivates one assignment of
// the target. email and username are read-only here and ignored.
func (s *Service) UpdateAsAdmin(ctx context.Context, p *httpx.Principal, target *model.User, in *httpx.Input) (*model.User, error) {
	c, err := s.readAdminChange(ctx, target, in)
	if err != nil {
		return nil, err
	}
	var updated *model.User
	err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		updated, err = s.applyAdminChange(ctx, tx, p, target, c)
		return err
	})
	if err != nil {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, err
	}
	if target.ProfilePicture != nil && (c.picture != "" || c.clearPicture) {
		s.media.Delete(*target.ProfilePicture)
	}
	return updated, nil
}

func (s *Service) readAdminChange(ctx context.Context, target *model.User, in *httpx.Input) (*adminChange, error) {
	f := httpx.NewFields(in)
	c := &adminChange{set: map[string]any{}}
	for _, name := range []string{"first_name", "last_name"} {
		if in.Has(name) {
			if v, ok := f.OptionalText(name, 100); ok {
				c.setField(name, v)
			}
		}
	}
	if in.Has("middle_name") {
		if v, ok := f.OptionalText("middle_name", 100); ok || !f.Errors.Has("middle_name") {
			c.setField("middle_name", nullIfEmpty(v))
		}
	}
	for name, choices := range map[string][]string{"suffix": model.Suffixes, "department": model.Departments} {
		if in.Has(name) {
			if v, ok := f.Choice(name, choices); ok {
				c.setField(name, nullIfEmpty(v))
			}
		}
	}
	if in.Has("status") {
		if v, ok := f.Choice("status", model.Statuses); ok && v == "" {
			f.Errors.Add("status", `"" is not a valid choice.`)
		} else if ok && v != target.Status {
			c.status = v
		}
	}
	if in.Has("phone_number") {
		if err := s.readPhone(ctx, f, target.ID, c); err != nil {
			return nil, err
		}
	}
	if in.Has("system_role_id") {
		c.assignmentID, _ = f.Int("system_role_id", true)
		if active, ok := f.Bool("system_role_is_active"); ok {
			c.assignmentOn = active
		} else if !f.Errors.Has("system_role_is_active") {
			f.Errors.Add("system_role_is_active", httpx.MsgRequired)
		}
	}
	s.readPicture(f, in, c)
	if !f.Errors.Empty() {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, httpx.BadRequest(f.Errors)
	}
	return c, nil
}

func (c *adminChange) setField(name string, value any) {
	c.set[name] = value
	c.changed = append(c.changed, name)
}

func (s *Service) readPhone(ctx context.Context, f *httpx.Fields, userID int64, c *adminChange) error {
	raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if !ok && f.Errors.Has("phone_number") {
		return nil
	}
	if raw == "" {
		c.setField("phone_number", nil)
		return nil
	}
	phone, valid := identity.NormalizePhone(raw)
	if !valid {
		f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		return nil
	}
	taken, err := s.db.NewSelect().Model((*model.User)(nil)).Where("phone_number = ?", phone).Where("id <> ?", userID).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		f.Errors.Add("phone_number", accounts.MsgPhoneTaken)
		return nil
	}
	c.setField("phone_number", phone)
	return nil
}

// readPicture reads profile_picture: an uploaded file, or null or an empty
// value to remove the picture.
func (s *Service) readPicture(f *httpx.Fields, in *httpx.Input, c *adminChange) {
	if fh := in.File("profile_picture"); fh != nil {
		rel, err := s.media.SavePicture(fh)
		switch {
		case errors.Is(err, media.ErrPictureTooLarge), errors.Is(err, media.ErrInvalidImage), errors.Is(err, media.ErrPictureTooWide):
			f.Errors.Add("profile_picture", err.Error())
		case err != nil:
			s.logger.Error("store profile picture", "error", err)
			f.Errors.Add("profile_picture", "The picture could not be stored. Please try again.")
		default:
			c.picture = rel
		}
		return
	}
	if raw, present := in.Raw("profile_picture"); present {
		if raw == nil || raw == "" {
			c.clearPicture = true
		} else {
			f.Errors.Add("profile_picture", "The submitted data was not a file. Check the encoding type on the form.")
		}
	}
}

func (s *Service) applyAdminChange(ctx context.Context, tx bun.Tx, p *httpx.Principal, target *model.User, c *adminChange) (*model.User, error) {
	now := s.now()
	actor := rbac.ActorOf(p)
	before, err := accounts.UserByID(ctx, tx, target.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, err
	}

	if c.picture != "" {
		c.setField("profile_picture", c.picture)
	} else if c.clearPicture && before.ProfilePicture != nil {
		c.setField("profile_picture", nil)
	}
	if c.status != "" {
		c.set["status"], c.set["status_by_id"], c.set["status_at"] = c.status, p.User.ID, now
		c.changed = append(c.changed, "status")
	}

	if len(c.set) > 0 {
		q := tx.NewUpdate().Model((*model.User)(nil)).Set("updated_at = ?", now).Where("id = ?", target.ID)
		for column, value := range c.set {
			q = q.Set("? = ?", bun.Ident(column), value)
		}
		if _, err := q.Exec(ctx); err != nil {
			if storage.IsUnique(err, "users", "phone_number") {
				return nil, httpx.BadRequest(httpx.FieldErrors{"phone_number": {accounts.MsgPhoneTaken}})
			}
			return nil, err
		}
	}
	if c.assignmentID != 0 {
		if err := s.toggleAssignment(ctx, tx, p, target.ID, c.assignmentID, c.assignmentOn); err != nil {
			return nil, err
		}
	}

	after, err := accounts.UserByID(ctx, tx, target.ID)
	if err != nil {
		return nil, err
	}
	if err := s.outbox.UserSaved(ctx, tx, actor, before, after); err != nil {
		return nil, err
	}
	if len(c.changed) > 0 {
		if err := record(ctx, tx, now, actor, "user.updated", target.ID, map[string]any{"changed": c.changed}); err != nil {
			return nil, err
		}
	}
	if c.status != "" {
		return after, record(ctx, tx, now, actor, "user.status_changed", target.ID, map[string]any{"from": before.Status, "to": c.status})
	}
	return after, nil
}

// toggleAssignment sets is_active on one assignment of the user, which must
// be in the caller's scope.
func (s *Service) toggleAssignment(ctx context.Context, tx bun.Tx, p *httpx.Principal, userID, assignmentID int64, active bool) error {
	notFound := httpx.BadRequest(httpx.FieldErrors{"system_role_id": {MsgSystemRoleNotFound}})
	a, err := rbac.AssignmentByID(ctx, tx, assignmentID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (a.UserID != userID || !rbac.ScopeOf(p).Has(a.SystemID))) {
		return notFound
	}
	if err != nil {
		return err
	}
	if problem := rbac.CheckAssignmentChange(p.IsSuperuser(), a, a.Role, active); problem != nil {
		return problem
	}
	_, err = s.rbac.UpdateAssignment(ctx, tx, rbac.ActorOf(p), a, rbac.AssignmentChange{IsActive: &active})
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
