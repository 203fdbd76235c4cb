package outbox

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// Email is an e-mail to render and send after the transaction commits.
type Email struct {
	Template string         // a mail.Template name, such as "staff_otp"
	To       string         // recipient address
	Vars     map[string]any // template variables besides the common ones
	// ValidUntil drops the e-mail instead of sending or retrying it once
	// passed, for messages that carry a one-time code.
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

// Recorder is the delivery machinery behind an Outbox. JobRecorder
// implements it with the job queue. The methods have the contracts of the
// Outbox methods of the same names.
type Recorder interface {
	Email(ctx context.Context, tx bun.Tx, e Email) error
	UserSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.User) error
	UserDeleted(ctx context.Context, tx bun.Tx, actor *Actor, u *model.User) error
	RoleSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Role) error
	RoleDeleted(ctx context.Context, tx bun.Tx, actor *Actor, r *model.Role) error
	AssignmentSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Assignment) error
	AssignmentDeleted(ctx context.Context, tx bun.Tx, actor *Actor, a *model.Assignment) error
	SystemDeleted(ctx context.Context, tx bun.Tx, actor *Actor, s *model.System) error
	EmployeeSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error
	EmployeeDeleted(ctx context.Context, tx bun.Tx, actor *Actor, e *model.Employee) error
	EmployeeStatusChanged(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error
	Celery(ctx context.Context, tx bun.Tx, orderingKey string, task celery.Task, runAt time.Time) error
	Event(ctx context.Context, tx bun.Tx, event celery.Event) error
}

// New returns an outbox that records through impl.
func New(impl Recorder) *Outbox { return &Outbox{impl: impl} }

func (o *Outbox) off() bool { return o == nil || o.impl == nil }

// Email records an e-mail. It is recorded whether or not sync is on.
func (o *Outbox) Email(ctx context.Context, tx bun.Tx, e Email) error {
	if o.off() {
		return nil
	}
	return o.impl.Email(ctx, tx, e)
}

// UserSaved records the sync messages and events of a created (before is
// nil) or updated staff user: notifications.sync_user_email, the
// assignment and hdts updates that carry the user's fields, and
// user.created or user.updated. An update records only the messages whose
// payload changed, so sign-in bookkeeping records nothing.
func (o *Outbox) UserSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.User) error {
	if o.off() {
		return nil
	}
	return o.impl.UserSaved(ctx, tx, actor, before, after)
}

// UserDeleted records the messages of a deleted staff user: the e-mail
// cache delete, the hdts user delete and user.deleted. The cascade order
// puts the assignments first, so the caller records AssignmentDeleted for
// each of the user's assignments before this call, and both before the
// rows are deleted.
func (o *Outbox) UserDeleted(ctx context.Context, tx bun.Tx, actor *Actor, u *model.User) error {
	if o.off() {
		return nil
	}
	return o.impl.UserDeleted(ctx, tx, actor, u)
}

// RoleSaved records role.tasks.sync_role for a created (before is nil) or
// updated role of tts, or the hdts role Ticket Coordinator, when its
// payload changed. A role renamed into or out of Ticket Coordinator is
// created or deleted downstream.
func (o *Outbox) RoleSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Role) error {
	if o.off() {
		return nil
	}
	return o.impl.RoleSaved(ctx, tx, actor, before, after)
}

// RoleDeleted records the delete message of a role. The caller records
// AssignmentDeleted for each assignment of the role first.
func (o *Outbox) RoleDeleted(ctx context.Context, tx bun.Tx, actor *Actor, r *model.Role) error {
	if o.off() {
		return nil
	}
	return o.impl.RoleDeleted(ctx, tx, actor, r)
}

// AssignmentSaved records the messages of a created (before is nil) or
// updated role assignment: role.tasks.sync_user_system_role for tts and
// for the hdts role Ticket Coordinator, hdts.tasks.sync_hdts_user for hdts,
// and role.assigned or role.updated, each only when its payload changed.
// Assignments may carry their User, System and Role; missing ones are read
// in tx.
func (o *Outbox) AssignmentSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Assignment) error {
	if o.off() {
		return nil
	}
	return o.impl.AssignmentSaved(ctx, tx, actor, before, after)
}

// AssignmentDeleted records the delete messages of an assignment and
// role.removed. Call it before the row is deleted, also when the row goes
// with its user, role or system.
func (o *Outbox) AssignmentDeleted(ctx context.Context, tx bun.Tx, actor *Actor, a *model.Assignment) error {
	if o.off() {
		return nil
	}
	return o.impl.AssignmentDeleted(ctx, tx, actor, a)
}

// SystemDeleted records the deletion of a system. A system has no message
// of its own: the cascade order is AssignmentDeleted for each of its
// assignments, then RoleDeleted for each of its roles, then this call.
func (o *Outbox) SystemDeleted(ctx context.Context, tx bun.Tx, actor *Actor, s *model.System) error {
	if o.off() {
		return nil
	}
	return o.impl.SystemDeleted(ctx, tx, actor, s)
}

// EmployeeSaved records core.tasks.process_hdts_employee_sync and
// employee.created or employee.updated for a created (before is nil) or
// updated employee, each only when its payload changed.
func (o *Outbox) EmployeeSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error {
	if o.off() {
		return nil
	}
	return o.impl.EmployeeSaved(ctx, tx, actor, before, after)
}

// EmployeeDeleted records the employee delete message and employee.deleted.
func (o *Outbox) EmployeeDeleted(ctx context.Context, tx bun.Tx, actor *Actor, e *model.Employee) error {
	if o.off() {
		return nil
	}
	return o.impl.EmployeeDeleted(ctx, tx, actor, e)
}

// EmployeeStatusChanged records an approval decision: everything
// EmployeeSaved records for the change, then employee.approved or
// employee.rejected when the new status is Approved or Rejected.
func (o *Outbox) EmployeeStatusChanged(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error {
	if o.off() {
		return nil
	}
	return o.impl.EmployeeStatusChanged(ctx, tx, actor, before, after)
}

// Celery records a Celery task message that no change method covers, such
// as workflow.seed_workflows. Messages with the same ordering key (see
// jobs.OrderingKey) are published in the order they were recorded.
func (o *Outbox) Celery(ctx context.Context, tx bun.Tx, orderingKey string, task celery.Task) error {
	return o.CeleryAt(ctx, tx, orderingKey, task, time.Time{})
}

// CeleryAt records a Celery task message to be published no earlier than
// runAt.
func (o *Outbox) CeleryAt(ctx context.Context, tx bun.Tx, orderingKey string, task celery.Task, runAt time.Time) error {
	if o.off() {
		return nil
	}
	return o.impl.Celery(ctx, tx, orderingKey, task, runAt)
}

// Event records a domain event that no change method covers. Its ordering
// key comes from its type and data: the user of user.* and role.* events,
// the employee of employee.* events.
func (o *Outbox) Event(ctx context.Context, tx bun.Tx, event celery.Event) error {
	if o.off() {
		return nil
	}
	return o.impl.Event(ctx, tx, event)
}
