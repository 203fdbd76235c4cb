package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/identity"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
)

// MsgSuperuserStaff rejects a superuser without the staff flag.
const MsgSuperuserStaff = "A superuser must also be staff"

// readEdit reads the body of PUT users/<id>/ into an Edit. The password is
// checked against the policy and hashed here, outside any transaction.
func (h *Handlers) readEdit(ctx context.Context, in *httpx.Input, target *model.User) (Edit, error) {
	f := httpx.NewFields(in)
	var edit Edit
	if username, ok := f.String("username", httpx.StringRule{Trim: true, Max: 150}); ok {
		if !identity.ValidUsername(username) {
			f.Errors.Add("username", identity.MsgUsernameFormat)
		}
		edit.Username = &username
	}
	if first, ok := f.OptionalText("first_name", 100); ok {
		edit.FirstName = &first
	}
	if last, ok := f.OptionalText("last_name", 100); ok {
		edit.LastName = &last
	}
	if raw, ok := in.Raw("middle_name"); ok && raw == nil {
		edit.MiddleName = nullable("")
	} else if middle, ok := f.OptionalText("middle_name", 100); ok {
		edit.MiddleName = nullable(middle)
	}
	if suffix, ok := f.Choice("suffix", model.Suffixes); ok {
		edit.Suffix = nullable(suffix)
	}
	if department, ok := f.Choice("department", model.Departments); ok {
		edit.Department = nullable(department)
	}
	if raw, ok := f.String("phone_number", httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: 32}); ok {
		if raw == "" {
			edit.PhoneNumber = nullable("")
		} else if phone, valid := identity.NormalizePhone(raw); valid {
			edit.PhoneNumber = nullable(phone)
		} else {
			f.Errors.Add("phone_number", identity.MsgPhoneFormat)
		}
	}
	if status, ok := f.Choice("status", model.Statuses); ok && status != "" {
		edit.Status = &status
	}
	edit.IsActive = optionalBool(f, "is_active")
	edit.IsStaff = optionalBool(f, "is_staff")
	edit.IsSuperuser = optionalBool(f, "is_superuser")
	edit.Lock = optionalBool(f, "is_locked")
	if unlock := optionalBool(f, "unlock"); unlock != nil && *unlock {
		unlocked := false
		edit.Lock = &unlocked
	}
	password, hasPassword := f.String("password", httpx.StringRule{AllowBlank: true, AllowNull: true, Max: 1024})
	if !f.Errors.Empty() {
		return edit, badRequest(describe(f.Errors))
	}
	if hasPassword && password != "" {
		username := ""
		if target.Username != nil {
			username = *target.Username
		}
		if edit.Username != nil {
			username = *edit.Username
		}
		if messages := h.Policy.Check(ctx, password, username, target.Email); len(messages) > 0 {
			return edit, badRequest(messages[0])
		}
		hash, err := h.Hasher.Hash(ctx, password)
		if errors.Is(err, passwords.ErrBusy) {
			return edit, httpx.ErrBusy
		}
		if err != nil {
			return edit, fmt.Errorf("hash the new password of user %d: %w", target.ID, err)
		}
		edit.PasswordHash = &hash
	}
	return edit, nil
}

func nullable(s string) **string {
	var value *string
	if s != "" {
		value = &s
	}
	return &value
}

func optionalBool(f *httpx.Fields, name string) *bool {
	value, ok := f.Bool(name)
	if !ok {
		return nil
	}
	return &value
}

// checkEdit applies the rules that need the current row: no change of
// one's own superuser, active or lock state, a superuser stays staff, and
// username and phone number stay unique.
func (h *Handlers) checkEdit(ctx context.Context, tx bun.IDB, self bool, u *model.User, edit Edit) error {
	if self {
		changesSuperuser := edit.IsSuperuser != nil && *edit.IsSuperuser != u.IsSuperuser
		changesActive := edit.IsActive != nil && *edit.IsActive != u.IsActive
		changesLock := edit.Lock != nil && *edit.Lock != lockedAt(u, h.Now())
		if changesSuperuser || changesActive || changesLock {
			return badRequest(MsgOwnAccount)
		}
	}
	superuser := u.IsSuperuser
	if edit.IsSuperuser != nil {
		superuser = *edit.IsSuperuser
	}
	if superuser && edit.IsStaff != nil && !*edit.IsStaff {
		return badRequest(MsgSuperuserStaff)
	}
	if edit.Username != nil {
		taken, err := userExists(ctx, tx, "username_normalized", model.NormalizeUsername(*edit.Username), u.ID)
		if err != nil {
			return err
		}
		if taken {
			return badRequest(MsgUsernameExists)
		}
	}
	if edit.PhoneNumber != nil && *edit.PhoneNumber != nil {
		taken, err := userExists(ctx, tx, "phone_number", **edit.PhoneNumber, u.ID)
		if err != nil {
			return err
		}
		if taken {
			return badRequest(MsgPhoneExists)
		}
	}
	return nil
}

// UpdateUser serves PUT /superadmin/api/users/{id}/.
func (h *Handlers) UpdateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		httpx.WriteProblem(w, errUserNotFound)
		return
	}
	in, problem := decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return
	}
	me, actor := caller(r)
	target, err := h.users.Load(r.Context(), h.DB, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	edit, err := h.readEdit(r.Context(), in, target)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var updated *model.User
	err = h.DB.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := h.users.Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := h.checkEdit(ctx, tx, me != nil && me.ID == u.ID, u, edit); err != nil {
			return err
		}
		updated, err = h.users.Apply(ctx, tx, actor, u, edit)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	view, err := viewOne(r.Context(), h.DB, updated, h.Now())
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"message": "User updated successfully", "user": view})
}

// DeleteUser serves DELETE /superadmin/api/users/{id}/.
func (h *Handlers) DeleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		httpx.WriteProblem(w, errUserNotFound)
		return
	}
	me, actor := caller(r)
	if me != nil && me.ID == id {
		httpx.WriteProblem(w, badRequest(MsgDeleteOwn))
		return
	}
	picture := ""
	err := h.DB.InTx(r.Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := h.users.Load(ctx, tx, id)
		if err != nil {
			return err
		}
		picture, err = h.users.Delete(ctx, tx, actor, u)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.users.DeletePicture(picture)
	httpx.JSON(w, http.StatusOK, map[string]string{"message": "User deleted successfully"})
}
