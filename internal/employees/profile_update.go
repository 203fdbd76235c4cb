package employees

import (
	"context"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
)

// Messages of the employee profile routes.
const (
	MsgFirstNameEmpty = "First name cannot be empty."
	MsgLastNameEmpty  = "Last name cannot be empty."
	msgFullUpdate     = "Profile fully updated successfully"
)

// profileFields are the fields an employee may change, in the order
// updated_fields lists them.
var profileFields = []string{"first_name", "middle_name", "last_name", "suffix", "phone_number", "department", "profile_picture"}

// ProfileChange is a validated change of an employee's own profile.
type ProfileChange struct {
	set        map[string]any // column to new value
	picture    string         // newly stored picture path
	clearPic   bool
	applied    map[string]bool // API field names the request set
	oldPicture *string
}

// Fields returns the API field names the change applies, in a fixed order.
func (c *ProfileChange) Fields() []string {
	out := []string{}
	for _, name := range profileFields {
		if c.applied[name] {
			out = append(out, name)
		}
	}
	return out
}

// GetProfile serves GET /api/v1/hdts/employees/api/profile/.
func (h *Handlers) GetProfile(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	profile, err := ProfileOf(r.Context(), h.svc.db, h.svc.media, p.Employee)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, profile)
}

// UpdateProfile serves PATCH (full false) and PUT (full true) of
// /api/v1/hdts/employees/api/profile/. PUT requires both names and clears
// every optional field it does not carry.
func (h *Handlers) UpdateProfile(full bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := httpx.PrincipalFrom(r.Context())
		in, problem := httpx.Decode(w, r)
		if problem != nil {
			httpx.WriteProblem(w, problem)
			return
		}
		change, err := h.svc.ReadProfileChange(r.Context(), p.Employee, in, full)
		if err != nil {
			httpx.Fail(w, r, err)
			return
		}
		e, err := h.svc.ApplyProfileChange(r.Context(), p.Employee.ID, change, &outbox.Actor{Type: subjectType, ID: p.Employee.ID})
		if err != nil {
			httpx.Fail(w, r, err)
			return
		}
		profile, err := ProfileOf(r.Context(), h.svc.db, h.svc.media, e)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if full {
			httpx.JSON(w, http.StatusOK, map[string]any{"employee": profile, "message": msgFullUpdate})
			return
		}
		fields := change.Fields()
		httpx.JSON(w, http.StatusOK, map[string]any{"employee": profile, "updated_fields": fields,
			"message": fmt.Sprintf("Successfully updated %d field(s)", len(fields))})
	}
}

// ReadProfileChange validates a profile update of e. With full set (PUT)
// first_name and last_name are required and absent optional fields are
// cleared. A stored picture is removed again when validation fails.
func (s *Service) ReadProfileChange(ctx context.Context, e *model.Employee, in *httpx.Input, full bool) (*ProfileChange, error) {
	f := httpx.NewFields(in)
	c := &ProfileChange{set: map[string]any{}, applied: map[string]bool{}, oldPicture: e.ProfilePicture}
	readName(f, in, c, "first_name", MsgFirstNameEmpty, full)
	readName(f, in, c, "last_name", MsgLastNameEmpty, full)
	if in.Has("middle_name") || full {
		if v, ok := f.OptionalText("middle_name", 100); ok || !f.Errors.Has("middle_name") {
			c.set["middle_name"], c.applied["middle_name"] = nullIfEmpty(v), true
		}
	}
	for _, choice := range []struct {
		name    string
		choices []string
	}{{"suffix", model.Suffixes}, {"department", model.Departments}} {
		if in.Has(choice.name) || full {
			if v, ok := f.Choice(choice.name, choice.choices); ok || !f.Errors.Has(choice.name) {
				c.set[choice.name], c.applied[choice.name] = nullIfEmpty(v), true
			}
		}
	}
	if in.Has("phone_number") || full {
		if err := s.readPhone(ctx, f, e.ID, c); err != nil {
			return nil, err
		}
	}
	s.readPicture(f, in, c, full)
	if !f.Errors.Empty() {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, httpx.BadRequest(f.Errors)
	}
	return c, nil
}

// readName reads first_name or last_name, which may be changed but never
// emptied.
func readName(f *httpx.Fields, in *httpx.Input, c *ProfileChange, name, emptyMessage string, required bool) {
	raw, present := in.Raw(name)
	if !present {
		if required {
			f.Errors.Add(name, httpx.MsgRequired)
		}
		return
	}
	if raw == nil {
		f.Errors.Add(name, emptyMessage)
		return
	}
	v, ok := f.OptionalText(name, 100)
	if !ok {
		return
	}
	if v == "" {
		f.Errors.Add(name, emptyMessage)
		return
	}
	c.set[name], c.applied[name] = v, true
}

// readPhone reads phone_number: blank clears it, and a number another
// employee uses is refused.
func (s *Service) readPhone(ctx context.Context, f *httpx.Fields, id int64, c *ProfileChange) error {
	raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if !ok && f.Errors.Has("phone_number") {
		return nil
	}
	if raw == "" {
		c.set["phone_number"], c.applied["phone_number"] = nil, true
		return nil
	}
	phone, valid := identity.NormalizePhone(raw)
	if !valid {
		f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		return nil
	}
	taken, err := s.db.NewSelect().Model((*model.Employee)(nil)).Where("phone_number = ?", phone).Where("id <> ?", id).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		f.Errors.Add("phone_number", MsgPhoneTaken)
		return nil
	}
	c.set["phone_number"], c.applied["phone_number"] = phone, true
	return nil
}

// readPicture reads profile_picture (a file, or null or "" to remove it)
// and profile_picture-clear. A full update without either removes the
// picture.
func (s *Service) readPicture(f *httpx.Fields, in *httpx.Input, c *ProfileChange, full bool) {
	if clear, ok := f.Bool("profile_picture-clear"); ok && clear {
		c.clearPic = true
	}
	if fh := in.File("profile_picture"); fh != nil {
		if rel := s.storePicture(fh, f.Errors); rel != "" {
			c.picture, c.clearPic = rel, false
		}
	} else if raw, present := in.Raw("profile_picture"); present {
		if raw == nil || raw == "" {
			c.clearPic = true
		} else {
			f.Errors.Add("profile_picture", MsgPictureNotFile)
		}
	} else if full && !in.Has("profile_picture-clear") {
		c.clearPic = true
	}
	if c.picture != "" || c.clearPic {
		c.applied["profile_picture"] = true
	}
}

// ApplyProfileChange writes a validated change with its sync message and
// audit event in one transaction, then removes the replaced picture file.
func (s *Service) ApplyProfileChange(ctx context.Context, id int64, c *ProfileChange, actor *outbox.Actor) (*model.Employee, error) {
	if c.picture != "" {
		c.set["profile_picture"] = c.picture
	} else if c.clearPic {
		c.set["profile_picture"] = nil
	}
	var updated *model.Employee
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, id)
		if err != nil {
			return err
		}
		c.oldPicture = before.ProfilePicture
		now := s.now()
		if len(c.set) > 0 {
			q := tx.NewUpdate().Model((*model.Employee)(nil)).Set("updated_at = ?", now).Where("id = ?", id)
			for column, value := range c.set {
				q = q.Set("? = ?", bun.Ident(column), value)
			}
			if _, err := q.Exec(ctx); err != nil {
				return uniqueFieldError(err)
			}
		}
		if updated, err = ByID(ctx, tx, id); err != nil {
			return err
		}
		if err := s.saved(ctx, tx, actor, before, updated); err != nil {
			return err
		}
		fields := c.Fields()
		if len(fields) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: "employee.updated", Details: map[string]any{"changed": fields}}.
			Actor(actor.Type, actor.ID).Subject(subjectType, id))
	})
	if err != nil {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, err
	}
	if c.oldPicture != nil && (c.picture != "" || c.clearPic) && *c.oldPicture != c.picture {
		s.media.Delete(*c.oldPicture)
	}
	return updated, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
