package outbox

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// UserSaved records the messages of a created or updated staff user.
func (r *JobRecorder) UserSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.User) error {
	if after == nil {
		return errors.New("outbox: UserSaved needs the saved user")
	}
	if !r.sync {
		return nil
	}
	assignments, err := loadUserAssignments(ctx, tx, after)
	if err != nil {
		return err
	}

	// notifications.sync_user_email on creation or when its data changed.
	data := celery.NewUserEmailData(celeryUser(after))
	if before == nil || !samePayload(celery.NewUserEmailData(celeryUser(before)), data) {
		if err := r.task(ctx, tx, userEmailKey(after.ID), celery.SyncUserEmail(data)); err != nil {
			return err
		}
	}
	if before != nil {
		if err := r.userFieldsInAssignments(ctx, tx, before, after, assignments); err != nil {
			return err
		}
		if err := r.hdtsUserUpdated(ctx, tx, before, after, assignments); err != nil {
			return err
		}
	}

	eventData := userEventData(after, assignments)
	if before == nil {
		return r.event(ctx, tx, actor, celery.EventUserCreated, eventData)
	}
	changed := changedFields(userEventData(before, assignments), eventData, userEventFields)
	if len(changed) == 0 {
		return nil
	}
	eventData["changed"] = changed
	return r.event(ctx, tx, actor, celery.EventUserUpdated, eventData)
}

// userFieldsInAssignments records an update of every assignment sent to
// TTS whose payload changed with the user's e-mail or names.
func (r *JobRecorder) userFieldsInAssignments(ctx context.Context, tx bun.Tx, before, after *model.User, assignments []assignmentView) error {
	for _, current := range assignments {
		if !current.syncsToTTS() {
			continue
		}
		previous := current
		previous.user = before
		payload := assignmentPayload(current, celery.ActionUpdate)
		if samePayload(assignmentPayload(previous, celery.ActionUpdate), payload) {
			continue
		}
		if err := r.task(ctx, tx, assignmentKey(current.assignment.ID), celery.SyncUserSystemRole(payload)); err != nil {
			return err
		}
	}
	return nil
}

// hdtsUserUpdated records hdts.tasks.sync_hdts_user for a user with an
// hdts assignment when its payload changed. The payload's role is the role
// of the user's first hdts assignment by id.
func (r *JobRecorder) hdtsUserUpdated(ctx context.Context, tx bun.Tx, before, after *model.User, assignments []assignmentView) error {
	for _, v := range assignments {
		if !v.inHDTS() {
			continue
		}
		payload := celery.NewHDTSUserPayload(celeryUser(after), v.role.Name, celery.ActionUpdate)
		if samePayload(celery.NewHDTSUserPayload(celeryUser(before), v.role.Name, celery.ActionUpdate), payload) {
			return nil
		}
		return r.task(ctx, tx, hdtsUserKey(after.ID), celery.SyncHDTSUser(payload))
	}
	return nil
}

// UserDeleted records the messages of a deleted staff user.
func (r *JobRecorder) UserDeleted(ctx context.Context, tx bun.Tx, actor *Actor, u *model.User) error {
	if u == nil {
		return errors.New("outbox: UserDeleted needs the deleted user")
	}
	if !r.sync {
		return nil
	}
	if err := r.task(ctx, tx, userEmailKey(u.ID), celery.DeleteUserEmailCache(u.ID)); err != nil {
		return err
	}
	if err := r.task(ctx, tx, hdtsUserKey(u.ID), celery.DeleteHDTSUser(celery.NewUserDeletePayload(celeryUser(u)))); err != nil {
		return err
	}
	return r.event(ctx, tx, actor, celery.EventUserDeleted, map[string]any{"id": u.ID, "email": u.Email})
}
