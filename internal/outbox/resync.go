package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// ErrSyncOff reports a resync command while no broker is configured or
// AUTHD_SYNC_ENABLED is false.
var ErrSyncOff = errors.New("sync is off: set AUTHD_BROKER_URL (or CELERY_BROKER_URL) and AUTHD_SYNC_ENABLED=true")

// bulkSyncKey orders the bulk e-mail sync messages among themselves.
var bulkSyncKey = celery.QueueUserEmailSync + ":bulk_sync:all"

// workflowSeedKey orders the workflow seed requests.
var workflowSeedKey = celery.QueueWorkflowSeed + ":workflow_seed:all"

// SyncEnabled reports whether the outbox records Celery messages.
func (o *Outbox) SyncEnabled() bool {
	if o.off() {
		return false
	}
	enabled, ok := o.impl.(interface{ SyncEnabled() bool })
	return ok && enabled.SyncEnabled()
}

// SyncEnabled reports whether Celery messages are recorded.
func (r *JobRecorder) SyncEnabled() bool { return r.sync }

// BulkSyncUserEmails records notifications.bulk_sync_user_emails for every
// active staff user, ordered by id, at most 100 users a message, and
// returns the number of messages.
func (o *Outbox) BulkSyncUserEmails(ctx context.Context, tx bun.Tx) (int, error) {
	if !o.SyncEnabled() {
		return 0, ErrSyncOff
	}
	var users []model.User
	if err := tx.NewSelect().Model(&users).Where("is_active = ?", true).Order("id").Scan(ctx); err != nil {
		return 0, fmt.Errorf("outbox: read the active users: %w", err)
	}
	data := make([]celery.UserEmailData, 0, len(users))
	for i := range users {
		data = append(data, celery.NewUserEmailData(celeryUser(&users[i])))
	}
	tasks := celery.BulkSyncUserEmails(data)
	for _, task := range tasks {
		if err := o.Celery(ctx, tx, bulkSyncKey, task); err != nil {
			return 0, err
		}
	}
	return len(tasks), nil
}

// ResyncTTSRoles records role.tasks.sync_role with action create for every
// tts role, then, unless rolesOnly, role.tasks.sync_user_system_role with
// action create for every tts assignment, both ordered by id. Message i is
// held back until start + i*delay, which spaces them out as the Django
// command's pause did. It returns the number of messages.
func (o *Outbox) ResyncTTSRoles(ctx context.Context, tx bun.Tx, rolesOnly bool, start time.Time, delay time.Duration) (int, error) {
	if !o.SyncEnabled() {
		return 0, ErrSyncOff
	}
	if delay < 0 {
		return 0, fmt.Errorf("outbox: negative delay %s between resync messages", delay)
	}
	var roles []model.Role
	err := tx.NewSelect().Model(&roles).Relation("System").Where(`"system".slug = ?`, celery.SystemTTS).
		OrderExpr(`"role".id ASC`).Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox: read the tts roles: %w", err)
	}
	sent := 0
	runAt := func() time.Time { return start.Add(time.Duration(sent) * delay) }
	for i := range roles {
		payload := celery.NewRolePayload(celeryRole(roles[i].System, &roles[i]), celery.ActionCreate)
		if err := o.CeleryAt(ctx, tx, roleKey(roles[i].ID), celery.SyncRole(payload), runAt()); err != nil {
			return sent, err
		}
		sent++
	}
	if rolesOnly {
		return sent, nil
	}

	var assignments []model.Assignment
	err = tx.NewSelect().Model(&assignments).Relation("User").Relation("System").Relation("Role").
		Where(`"system".slug = ?`, celery.SystemTTS).OrderExpr(`"assignment".id ASC`).Scan(ctx)
	if err != nil {
		return sent, fmt.Errorf("outbox: read the tts assignments: %w", err)
	}
	for i := range assignments {
		a := &assignments[i]
		view := assignmentView{assignment: a, user: a.User, system: a.System, role: a.Role}
		task := celery.SyncUserSystemRole(assignmentPayload(view, celery.ActionCreate))
		if err := o.CeleryAt(ctx, tx, assignmentKey(a.ID), task, runAt()); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// SeedWorkflows records workflow.seed_workflows, the request to TTS to
// seed its workflows that `authd seed tts` sends.
func (o *Outbox) SeedWorkflows(ctx context.Context, tx bun.Tx) error {
	if !o.SyncEnabled() {
		return ErrSyncOff
	}
	return o.Celery(ctx, tx, workflowSeedKey, celery.SeedWorkflows())
}
