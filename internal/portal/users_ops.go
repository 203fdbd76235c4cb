package portal

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
	"github.com/mapactive/authd/internal/useradmin"
)

// Users applies administrative changes to staff accounts with their side
// effects: token revocation, portal session ends, status bookkeeping, sync
// messages, e-mails and audit events. Every method runs in the caller's
// transaction. Activation, deactivation and deletion go through
// useradmin, the one implementation every route shares.
type Users struct {
	db     *storage.DB
	now    func() time.Time
	logger *slog.Logger
	tokens *tokens.Service
	outbox *outbox.Outbox
	admin  *useradmin.Service
}

// Edit is a change to one account. Nil fields stay as they are.
type Edit struct {
	Username    *string
	FirstName   *string
	MiddleName  **string
	LastName    *string
	Suffix      **string
	PhoneNumber **string
	Department  **string
	Status      *string
	IsActive    *bool
	IsStaff     *bool
	IsSuperuser *bool
	// PasswordHash is a new hash of a password that passed the policy.
	PasswordHash *string
	// Lock sets an admin lock (true) or lifts every lock and both failure
	// counters (false).
	Lock *bool
}

// ErrNotFound reports an unknown user id.
var ErrNotFound = errors.New("user not found")

// Load reads a user inside tx, or ErrNotFound.
func (us *Users) Load(ctx context.Context, tx bun.IDB, id int64) (*model.User, error) {
	u, err := accounts.UserByID(ctx, tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound
	}
	return u, err
}

// Apply changes u as edit describes and returns the new row. actor is the
// superuser making the change. Nothing is written when nothing changes.
func (us *Users) Apply(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User, edit Edit) (*model.User, error) {
	if edit.IsActive != nil && *edit.IsActive != u.IsActive {
		active, err := us.admin.SetActive(ctx, tx, actor, u, *edit.IsActive)
		if err != nil {
			return nil, err
		}
		if !mayUsePortal(active) {
			if err := EndAll(ctx, tx, u.ID); err != nil {
				return nil, err
			}
		}
		u = active
	}
	edit.IsActive = nil
	now := us.now().UTC()
	after := *u
	var columns []string
	set := func(column string, changed bool) {
		if changed && !slices.Contains(columns, column) {
			columns = append(columns, column)
		}
	}
	if edit.Username != nil {
		normalized := model.NormalizeUsername(*edit.Username)
		set("username", after.Username == nil || *after.Username != *edit.Username)
		after.Username, after.UsernameNormalized = edit.Username, &normalized
		if slices.Contains(columns, "username") {
			columns = append(columns, "username_normalized")
		}
	}
	if edit.FirstName != nil {
		set("first_name", after.FirstName != *edit.FirstName)
		after.FirstName = *edit.FirstName
	}
	if edit.LastName != nil {
		set("last_name", after.LastName != *edit.LastName)
		after.LastName = *edit.LastName
	}
	for _, field := range []struct {
		column string
		value  **string
		target **string
	}{
		{"middle_name", edit.MiddleName, &after.MiddleName},
		{"suffix", edit.Suffix, &after.Suffix},
		{"phone_number", edit.PhoneNumber, &after.PhoneNumber},
		{"department", edit.Department, &after.Department},
	} {
		if field.value != nil {
			set(field.column, !sameText(*field.target, *field.value))
			*field.target = *field.value
		}
	}
	var events []audit.Event
	if edit.Status != nil && *edit.Status != after.Status {
		events = append(events, audit.Event{Name: "user.status_changed", Details: map[string]any{"from": after.Status, "to": *edit.Status}})
		after.Status, after.StatusByID, after.StatusAt = *edit.Status, actorID(actor), &now
		set("status", true)
		set("status_by_id", true)
		set("status_at", true)
	}
	if edit.IsSuperuser != nil {
		set("is_superuser", after.IsSuperuser != *edit.IsSuperuser)
		after.IsSuperuser = *edit.IsSuperuser
	}
	if edit.IsStaff != nil {
		set("is_staff", after.IsStaff != *edit.IsStaff)
		after.IsStaff = *edit.IsStaff
	}
	if after.IsSuperuser && !after.IsStaff {
		after.IsStaff = true // a superuser is always staff
		set("is_staff", u.IsStaff != true)
	}
	if edit.PasswordHash != nil {
		after.Password, after.PasswordNFC = *edit.PasswordHash, true
		set("password", true)
		set("password_nfc", true)
		events = append(events, audit.Event{Name: "password.changed", Details: map[string]any{"by": "admin"}})
	}
	var unlockedMail bool
	if edit.Lock != nil {
		lockEvents, lockColumns, mail := applyLock(&after, *edit.Lock, now)
		events = append(events, lockEvents...)
		for _, c := range lockColumns {
			set(c, true)
		}
		unlockedMail = mail
	}
	if len(columns) == 0 {
		return u, nil
	}
	after.UpdatedAt = now
	set("updated_at", true)
	if _, err := tx.NewUpdate().Model(&after).Column(columns...).WherePK().Exec(ctx); err != nil {
		return nil, uniqueError(err)
	}
	if err := us.sideEffects(ctx, tx, u, &after, edit, now); err != nil {
		return nil, err
	}
	if unlockedMail {
		err := us.outbox.Email(ctx, tx, outbox.Email{Template: "account_unlocked", To: after.Email,
			Vars: map[string]any{"user_name": after.DisplayName(), "ip_address": ""}})
		if err != nil {
			return nil, err
		}
	}
	if err := us.outbox.UserSaved(ctx, tx, actor, u, &after); err != nil {
		return nil, err
	}
	fields := slices.DeleteFunc(slices.Clone(columns), func(c string) bool {
		return c == "updated_at" || c == "username_normalized" || c == "password_nfc" || c == "status_by_id" || c == "status_at"
	})
	events = append(events, audit.Event{Name: "user.updated", Details: map[string]any{"changed": fields}})
	for _, e := range events {
		if err := audit.Record(ctx, tx, now, withActor(e, actor).Subject("staff", after.ID)); err != nil {
			return nil, err
		}
	}
	return &after, nil
}

// applyLock sets or lifts a lock on u. It returns the audit events, the
// changed columns, and whether the "account unlocked" e-mail is due.
func applyLock(u *model.User, lock bool, now time.Time) ([]audit.Event, []string, bool) {
	if lock {
		if u.IsLocked && u.LockReason != nil && *u.LockReason == model.LockAdmin {
			return nil, nil, false
		}
		reason := model.LockAdmin
		u.IsLocked, u.LockReason, u.LockoutTime, u.LockedUntil = true, &reason, &now, nil
		return []audit.Event{{Name: "account.admin_locked"}}, []string{"is_locked", "lock_reason", "lockout_time", "locked_until"}, false
	}
	if !u.IsLocked && u.FailedLoginAttempts == 0 && u.SecondFactorFailures == 0 {
		return nil, nil, false
	}
	wasLocked := lockedAt(u, now)
	u.IsLocked, u.LockReason, u.LockoutTime, u.LockedUntil = false, nil, nil, nil
	u.FailedLoginAttempts, u.SecondFactorFailures = 0, 0
	columns := []string{"is_locked", "lock_reason", "lockout_time", "locked_until", "failed_login_attempts", "second_factor_failures"}
	return []audit.Event{{Name: "account.unlocked", Details: map[string]any{"by": "admin"}}}, columns, wasLocked
}

// sideEffects revokes tokens and ends portal sessions as the change
// requires: an admin lock and a new password revoke every token, and
// losing the superuser flag or the right to sign in ends portal sessions.
func (us *Users) sideEffects(ctx context.Context, tx bun.Tx, before, after *model.User, edit Edit, now time.Time) error {
	reason := ""
	switch {
	case edit.Lock != nil && *edit.Lock && !sameLock(before, after):
		reason = tokens.ReasonLocked
	case edit.PasswordHash != nil:
		reason = tokens.ReasonPasswordChanged
	}
	if reason != "" {
		if _, err := us.tokens.RevokeSubject(ctx, tx, tokens.Staff, after.ID, reason, ""); err != nil {
			return err
		}
		if err := accounts.RaiseTokenEpoch(ctx, tx, after.ID, now); err != nil {
			return err
		}
	}
	if edit.PasswordHash != nil {
		if err := onetime.VoidAll(ctx, tx, now, "staff", after.ID); err != nil {
			return err
		}
	}
	if mayUsePortal(before) && !mayUsePortal(after) {
		return EndAll(ctx, tx, after.ID)
	}
	return nil
}

func sameLock(a, b *model.User) bool {
	return a.IsLocked == b.IsLocked && sameText(a.LockReason, b.LockReason)
}

// Delete removes a user with useradmin.DeleteUser: its assignments (each
// with its sync messages), token families, codes and links, the row and
// its audit event. It returns the picture to remove with DeletePicture
// once the caller's transaction commits.
func (us *Users) Delete(ctx context.Context, tx bun.Tx, actor *outbox.Actor, u *model.User) (string, error) {
	return us.admin.DeleteUser(ctx, tx, actor, u)
}

// DeletePicture removes the picture of a deleted user.
func (us *Users) DeletePicture(picture string) {
	us.admin.RemovePicture(picture)
}

func withActor(e audit.Event, actor *outbox.Actor) audit.Event {
	if actor == nil {
		return e
	}
	return e.Actor(actor.Type, actor.ID)
}

func actorID(actor *outbox.Actor) *int64 {
	if actor == nil {
		return nil
	}
	id := actor.ID
	return &id
}

func sameText(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// userExists reports whether another user than exceptID has the column
// value, for the uniqueness messages of the portal.
func userExists(ctx context.Context, db bun.IDB, column string, value any, exceptID int64) (bool, error) {
	exists, err := db.NewSelect().Model((*model.User)(nil)).Where("? = ?", bun.Ident(column), value).Where("id <> ?", exceptID).Exists(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return exists, err
}
