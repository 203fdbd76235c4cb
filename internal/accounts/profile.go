package accounts

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/secrets"
)

// selfServiceFields are the profile fields every staff user may change.
var selfServiceFields = []string{"otp_enabled", "phone_number", "profile_picture", "profile_picture-clear", "username"}

// staffOnlyFields may be changed by is_staff users and superusers only.
var staffOnlyFields = []string{"email", "first_name", "middle_name", "last_name", "suffix"}

// ignoredFields are form fields that carry no data.
var ignoredFields = []string{"csrfmiddlewaretoken"}

const emailChangeLifetime = 24 * time.Hour

// GetProfile serves GET /api/v1/users/profile/.
func (h *Handlers) GetProfile(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	profile, err := Profile(r.Context(), h.svc.db, h.svc.media, p.User)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, profile)
}

// UpdateProfile serves PATCH and PUT /api/v1/users/profile/, always as a
// partial update.
func (h *Handlers) UpdateProfile(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	u, err := h.svc.UpdateOwnProfile(r.Context(), p.User, in)
	if err != nil {
		httpx.Fail(w, r, err)
		return
	}
	profile, err := Profile(r.Context(), h.svc.db, h.svc.media, u)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, profile)
}

// profileChange is a validated profile update.
type profileChange struct {
	set        map[string]any // column to new value
	newEmail   string
	picture    string // new stored picture path
	clearPic   bool
	otpOn      *bool
	otpOffAll  bool
	changedFor []string // API field names, for the audit event
}

// UpdateOwnProfile applies the self-service profile rules to the caller's
// own account.
func (s *Service) UpdateOwnProfile(ctx context.Context, u *model.User, in *httpx.Input) (*model.User, error) {
	privileged := u.IsStaff || u.IsSuperuser
	if !privileged {
		var restricted []string
		for _, key := range in.Keys() {
			if !slices.Contains(selfServiceFields, key) && !slices.Contains(ignoredFields, key) {
				restricted = append(restricted, key)
			}
		}
		if len(restricted) > 0 {
			return nil, &httpx.Problem{Status: http.StatusForbidden, Body: map[string]any{
				"error":  "Permission denied",
				"detail": "You can only update: " + strings.Join(selfServiceFields, ", ") + ". Attempted to update restricted fields: " + strings.Join(restricted, ", "),
			}}
		}
	}
	change, err := s.readProfileChange(ctx, u, in, privileged)
	if err != nil {
		return nil, err
	}
	return s.applyProfileChange(ctx, u, change, &outbox.Actor{Type: "staff", ID: u.ID})
}

func (s *Service) readProfileChange(ctx context.Context, u *model.User, in *httpx.Input, privileged bool) (*profileChange, error) {
	f := httpx.NewFields(in)
	c := &profileChange{set: map[string]any{}}
	if in.Has("username") {
		if username, ok := f.String("username", httpx.StringRule{Trim: true, Max: 150}); ok {
			if !identity.ValidUsername(username) {
				f.Errors.Add("username", identity.MsgUsernameFormat)
			} else if taken, err := s.db.NewSelect().Model((*model.User)(nil)).Where("username_normalized = ?", model.NormalizeUsername(username)).Where("id <> ?", u.ID).Exists(ctx); err != nil {
				return nil, err
			} else if taken {
				f.Errors.Add("username", MsgUsernameTaken)
			} else {
				c.set["username"], c.set["username_normalized"] = username, model.NormalizeUsername(username)
				c.changedFor = append(c.changedFor, "username")
			}
		}
	}
	if in.Has("phone_number") {
		if err := s.readPhone(ctx, f, u.ID, c); err != nil {
			return nil, err
		}
	}
	s.readPicture(f, in, c)
	if on, ok := f.Bool("otp_enabled"); ok {
		otpOn, err := SecondFactorOn(ctx, s.db, "staff", u.ID, u.OTPEnabled)
		if err != nil {
			return nil, err
		}
		switch {
		case on:
			c.otpOn = &on
		case !otpOn:
			// Already off: nothing to do.
		case u.OTPDisableGrantUntil != nil && s.now().Before(*u.OTPDisableGrantUntil):
			c.otpOffAll = true
		default:
			f.Errors.Add("otp_enabled", "Use the 2FA disable endpoint to turn off two-factor authentication.")
		}
	}
	if privileged {
		s.readNames(f, in, c)
		if in.Has("email") {
			if email, ok := f.Email("email", true); ok && model.NormalizeEmail(email) != u.EmailNormalized {
				if taken, err := s.db.NewSelect().Model((*model.User)(nil)).Where("email_normalized = ?", model.NormalizeEmail(email)).Exists(ctx); err != nil {
					return nil, err
				} else if taken {
					f.Errors.Add("email", MsgEmailTaken)
				} else {
					c.newEmail = email
				}
			}
		}
	}
	if !f.Errors.Empty() {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, httpx.BadRequest(f.Errors)
	}
	return c, nil
}

func (s *Service) readPhone(ctx context.Context, f *httpx.Fields, userID int64, c *profileChange) error {
	raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32})
	if !ok && f.Errors.Has("phone_number") {
		return nil
	}
	if raw == "" {
		c.set["phone_number"] = nil
		c.changedFor = append(c.changedFor, "phone_number")
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
		f.Errors.Add("phone_number", MsgPhoneTaken)
		return nil
	}
	c.set["phone_number"] = phone
	c.changedFor = append(c.changedFor, "phone_number")
	return nil
}

// readPicture reads profile_picture (a file, or null/empty to remove) and
// profile_picture-clear.
func (s *Service) readPicture(f *httpx.Fields, in *httpx.Input, c *profileChange) {
	if clear, ok := f.Bool("profile_picture-clear"); ok && clear {
		c.clearPic = true
	}
	if fh := in.File("profile_picture"); fh != nil {
		rel, err := s.media.SavePicture(fh)
		switch {
		case errors.Is(err, media.ErrPictureTooLarge), errors.Is(err, media.ErrInvalidImage), errors.Is(err, media.ErrPictureTooWide):
			f.Errors.Add("profile_picture", err.Error())
		case err != nil:
			s.logger.Error("store profile picture", "error", err)
			f.Errors.Add("profile_picture", "The picture could not be stored. Please try again.")
		default:
			c.picture, c.clearPic = rel, false
		}
		return
	}
	if raw, present := in.Raw("profile_picture"); present {
		if raw == nil || raw == "" {
			c.clearPic = true
		} else {
			f.Errors.Add("profile_picture", "The submitted data was not a file. Check the encoding type on the form.")
		}
	}
}

func (s *Service) readNames(f *httpx.Fields, in *httpx.Input, c *profileChange) {
	for _, name := range []string{"first_name", "last_name"} {
		if in.Has(name) {
			if v, ok := f.OptionalText(name, 100); ok {
				c.set[name] = v
				c.changedFor = append(c.changedFor, name)
			}
		}
	}
	if in.Has("middle_name") {
		if v, ok := f.OptionalText("middle_name", 100); ok || !f.Errors.Has("middle_name") {
			c.set["middle_name"] = nullIfEmpty(v)
			c.changedFor = append(c.changedFor, "middle_name")
		}
	}
	if in.Has("suffix") {
		if v, ok := f.Choice("suffix", model.Suffixes); ok {
			c.set["suffix"] = nullIfEmpty(v)
			c.changedFor = append(c.changedFor, "suffix")
		}
	}
}

// applyProfileChange writes a validated change with its side effects in one
// transaction, then removes the replaced picture file.
func (s *Service) applyProfileChange(ctx context.Context, u *model.User, c *profileChange, actor *outbox.Actor) (*model.User, error) {
	oldPicture := u.ProfilePicture
	if c.picture != "" {
		c.set["profile_picture"] = c.picture
		c.changedFor = append(c.changedFor, "profile_picture")
	} else if c.clearPic && oldPicture != nil {
		c.set["profile_picture"] = nil
		c.changedFor = append(c.changedFor, "profile_picture")
	}
	if c.otpOn != nil {
		c.set["otp_enabled"] = true
		c.changedFor = append(c.changedFor, "otp_enabled")
	}
	if c.otpOffAll {
		c.set["otp_enabled"] = false
		c.set["otp_disable_grant_until"] = nil
		c.changedFor = append(c.changedFor, "otp_enabled")
	}
	keepFamily := ""
	if c.otpOffAll {
		// Read before the transaction: SQLite has one connection.
		keepFamily = s.callerFamily(ctx, httpx.PrincipalFrom(ctx))
	}
	var updated *model.User
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		if len(c.set) > 0 {
			q := tx.NewUpdate().Model((*model.User)(nil)).Set("updated_at = ?", now).Where("id = ?", u.ID)
			for column, value := range c.set {
				q = q.Set("? = ?", bun.Ident(column), value)
			}
			if _, err := q.Exec(ctx); err != nil {
				return uniqueFieldError(err)
			}
		}
		if c.otpOffAll {
			if err := s.disableAllFactors(ctx, tx, u.ID); err != nil {
				return err
			}
			if err := s.factorsTurnedOff(ctx, tx, u.ID, keepFamily); err != nil {
				return err
			}
		}
		if c.newEmail != "" {
			if err := s.startEmailChange(ctx, tx, u, c.newEmail); err != nil {
				return err
			}
		}
		var err error
		if updated, err = UserByID(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.outbox.UserSaved(ctx, tx, actor, u, updated); err != nil {
			return err
		}
		if len(c.changedFor) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: "user.updated", Details: map[string]any{"changed": c.changedFor}}.
			Actor(actor.Type, actor.ID).Subject("staff", u.ID))
	})
	if err != nil {
		if c.picture != "" {
			s.media.Delete(c.picture)
		}
		return nil, err
	}
	if oldPicture != nil && (c.picture != "" || c.clearPic) {
		s.media.Delete(*oldPicture)
	}
	return updated, nil
}

// disableAllFactors turns every second factor off: e-mail codes, the
// authenticator app and recovery codes, voiding unused codes.
func (s *Service) disableAllFactors(ctx context.Context, tx bun.IDB, userID int64) error {
	for _, table := range []string{"totp_credentials", "recovery_codes"} {
		if _, err := tx.NewDelete().Table(table).Where("subject_type = 'staff'").Where("subject_id = ?", userID).Exec(ctx); err != nil {
			return err
		}
	}
	_, err := tx.NewUpdate().Table("otp_codes").Set("used_at = ?", s.now()).
		Where("subject_type = 'staff'").Where("subject_id = ?", userID).Where("used_at IS NULL").Exec(ctx)
	return err
}

// emailChange is a row of email_change_requests.
type emailChange struct {
	bun.BaseModel `bun:"table:email_change_requests"`

	ID          int64      `bun:"id,pk,autoincrement"`
	UserID      int64      `bun:"user_id"`
	NewEmail    string     `bun:"new_email"`
	TokenSHA256 string     `bun:"token_sha256"`
	CreatedAt   time.Time  `bun:"created_at"`
	ExpiresAt   time.Time  `bun:"expires_at"`
	ConfirmedAt *time.Time `bun:"confirmed_at"`
}

// startEmailChange stores the new address as pending and e-mails a
// confirmation link to it and a notice to the old one. Older pending
// requests stop working.
func (s *Service) startEmailChange(ctx context.Context, tx bun.Tx, u *model.User, newEmail string) error {
	now := s.now()
	if _, err := tx.NewDelete().Model((*emailChange)(nil)).Where("user_id = ?", u.ID).Where("confirmed_at IS NULL").Exec(ctx); err != nil {
		return err
	}
	token := secrets.Token(32)
	row := &emailChange{UserID: u.ID, NewEmail: newEmail, TokenSHA256: secrets.SHA256Hex(token), CreatedAt: now, ExpiresAt: now.Add(emailChangeLifetime)}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewUpdate().Model((*model.User)(nil)).Set("pending_email = ?", newEmail).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return err
	}
	confirmURL := s.cfg.PublicURL + "/email/confirm/?token=" + token
	if err := s.outbox.Email(ctx, tx, outbox.Email{Template: "confirm_new_email", To: newEmail,
		Vars: map[string]any{"user_name": u.DisplayName(), "confirm_url": confirmURL, "expiry_hours": 24}}); err != nil {
		return err
	}
	if err := s.outbox.Email(ctx, tx, outbox.Email{Template: "email_change_notice", To: u.Email,
		Vars: map[string]any{"user_name": u.DisplayName(), "new_email": newEmail}}); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Event{Name: "email.change_requested"}.Subject("staff", u.ID))
}

// ConfirmEmail serves POST /api/v1/users/email/confirm/.
func (h *Handlers) ConfirmEmail(w http.ResponseWriter, r *http.Request) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	f := httpx.NewFields(in)
	token, _ := f.String("token", httpx.StringRule{Required: true, Trim: true, Max: 256})
	if !f.Errors.Empty() {
		httpx.JSON(w, http.StatusBadRequest, f.Errors)
		return
	}
	if err := h.svc.ConfirmEmailChange(r.Context(), token); err != nil {
		httpx.Fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "Email address updated."})
}

var errBadConfirmation = httpx.BadRequest(httpx.FieldErrors{"token": {"Invalid or expired confirmation link."}})

// ConfirmEmailChange applies a pending e-mail change for a valid token.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		row := &emailChange{}
		err := tx.NewSelect().Model(row).Where("token_sha256 = ?", secrets.SHA256Hex(token)).Scan(ctx)
		if err != nil || row.ConfirmedAt != nil || !now.Before(row.ExpiresAt) {
			return errBadConfirmation
		}
		before, err := UserByID(ctx, tx, row.UserID)
		if err != nil {
			return errBadConfirmation
		}
		if taken, err := tx.NewSelect().Model((*model.User)(nil)).Where("email_normalized = ?", model.NormalizeEmail(row.NewEmail)).Where("id <> ?", row.UserID).Exists(ctx); err != nil {
			return err
		} else if taken {
			return httpx.BadRequest(httpx.FieldErrors{"email": {MsgEmailTaken}})
		}
		_, err = tx.NewUpdate().Model((*model.User)(nil)).
			Set("email = ?", row.NewEmail).Set("email_normalized = ?", model.NormalizeEmail(row.NewEmail)).
			Set("pending_email = NULL").Set("updated_at = ?", now).Where("id = ?", row.UserID).Exec(ctx)
		if err != nil {
			return uniqueFieldError(err)
		}
		if _, err := tx.NewUpdate().Model(row).Set("confirmed_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		after, err := UserByID(ctx, tx, row.UserID)
		if err != nil {
			return err
		}
		if err := s.outbox.UserSaved(ctx, tx, &outbox.Actor{Type: "staff", ID: row.UserID}, before, after); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: "email.changed"}.Subject("staff", row.UserID))
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func unusablePassword() string { return passwords.Unusable() }
