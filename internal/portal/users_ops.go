package portal

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
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
	c := &change{after: *u}
	c.profile(edit)
	c.flags(edit, actorID(actor), now)
	if edit.Lock != nil {
		c.lock(*edit.Lock, now)
	}
	if len(c.columns) == 0 {
		return u, nil
	}
	c.after.UpdatedAt = now
	c.set("updated_at", true)
	if _, err := tx.NewUpdate().Model(&c.after).Column(c.columns...).WherePK().Exec(ctx); err != nil {
		return nil, uniqueError(err)
	}

	if err := us.sideEffects(ctx, tx, u, &c.after, edit, now); err != nil {
		return nil, err
	}
	if c.unlockedMail {
		err := us.outbox.Email(ctx, tx, outbox.Email{Template: "account_unlocked", To: c.after.Email,
			Vars: map[string]any{"user_name": c.after.DisplayName(), "ip_address": ""}})
		if err != nil {
			return nil, err
		}
	}
	if err := us.outbox.UserSaved(ctx, tx, actor, u, &c.after); err != nil {
		return nil, err
	}
	events := append(c.events, audit.Event{Name: "user.updated", Details: map[string]any{"changed": c.changedFields()}})
	for _, e := range events {
		if err := audit.Record(ctx, tx, now, withActor(e, actor).Subject("staff", u.ID)); err != nil {
			return nil, err
		}
	}
	after := c.after
	return &after, nil
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
