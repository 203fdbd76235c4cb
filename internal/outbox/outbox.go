// Package outbox is the one place domain code records the side effects of
// a change: e-mails, Celery sync messages and domain events. Every method
// takes the transaction of the change, so a side effect is written if and
// only if the change commits; background workers deliver them afterwards.
//
// A nil *Outbox records nothing, for tools and tests that need no delivery.
package outbox

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
)

// Email is an e-mail to render and send after the transaction commits.
type Email struct {
	Template string         // a mail.Template name, such as "staff_otp"
	To       string         // recipient address
	Vars     map[string]any // template variables besides the common ones
	// ValidUntil drops the e-mail instead of retrying it once passed, for
	// messages that carry a one-time code.
	ValidUntil *time.Time
}

// Actor is who made a change, for domain events.
type Actor struct {
	Type string // staff, employee, api_key or system
	ID   int64
}

// Outbox writes side effects into the transaction of a change.
type Outbox struct {
	impl Recorder
}

// Recorder is the delivery machinery behind an Outbox.
type Recorder interface {
	Email(ctx context.Context, tx bun.Tx, e Email) error
	UserSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.User) error
	UserDeleted(ctx context.Context, tx bun.Tx, actor *Actor, u *model.User) error
}

// New returns an outbox that records through impl.
func New(impl Recorder) *Outbox { return &Outbox{impl: impl} }

// Email records an e-mail.
func (o *Outbox) Email(ctx context.Context, tx bun.Tx, e Email) error {
	if o == nil || o.impl == nil {
		return nil
	}
	return o.impl.Email(ctx, tx, e)
}

// UserSaved records the sync messages and events of a created (before is
// nil) or updated staff user. Nothing is recorded when no synced field
// changed.
func (o *Outbox) UserSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.User) error {
	if o == nil || o.impl == nil {
		return nil
	}
	return o.impl.UserSaved(ctx, tx, actor, before, after)
}

// UserDeleted records the messages of a deleted staff user. The caller
// deletes the user's assignments through the outbox first.
func (o *Outbox) UserDeleted(ctx context.Context, tx bun.Tx, actor *Actor, u *model.User) error {
	if o == nil || o.impl == nil {
		return nil
	}
	return o.impl.UserDeleted(ctx, tx, actor, u)
}
