package outbox

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// AssignmentSaved records the messages of a created or updated assignment.
func (r *JobRecorder) AssignmentSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Assignment) error {
	if after == nil {
		return errors.New("outbox: AssignmentSaved needs the saved assignment")
	}
	if !r.sync {
		return nil
	}
	user, err := loadUser(ctx, tx, after.UserID)
	if err != nil {
		return err
	}
	current, err := viewOf(ctx, tx, after, user)
	if err != nil {
		return err
	}
	var previous *assignmentView
	if before != nil {
		view, err := viewOf(ctx, tx, before, user)
		if err != nil {
			return err
		}
		previous = &view
	}

	if err := r.ttsAssignment(ctx, tx, previous, &current); err != nil {
		return err
	}
	if err := r.hdtsAssignment(ctx, tx, previous, &current); err != nil {
		return err
	}

	data := assignmentEventData(current)
	if previous == nil {
		return r.event(ctx, tx, actor, celery.EventRoleAssigned, data)
	}
	changed := changedFields(assignmentEventData(*previous), data, assignmentEventFields)
	if len(changed) == 0 {
		return nil
	}
	data["changed"] = changed
	return r.event(ctx, tx, actor, celery.EventRoleUpdated, data)
}

// ttsAssignment records role.tasks.sync_user_system_role for a change of an
// assignment sent to TTS. An assignment that starts or stops being sent
// (its role or system changed) is created or deleted downstream. A nil
// view stands for no assignment.
func (r *JobRecorder) ttsAssignment(ctx context.Context, tx bun.Tx, previous, current *assignmentView) error {
	wasSent := previous != nil && previous.syncsToTTS()
	isSent := current != nil && current.syncsToTTS()
	switch {
	case isSent && !wasSent:
		return r.task(ctx, tx, assignmentKey(current.assignment.ID),
			celery.SyncUserSystemRole(assignmentPayload(*current, celery.ActionCreate)))
	case wasSent && !isSent:
		return r.task(ctx, tx, assignmentKey(previous.assignment.ID),
			celery.SyncUserSystemRole(assignmentPayload(*previous, celery.ActionDelete)))
	case isSent:
		payload := assignmentPayload(*current, celery.ActionUpdate)
		if samePayload(assignmentPayload(*previous, celery.ActionUpdate), payload) {
			return nil
		}
		return r.task(ctx, tx, assignmentKey(current.assignment.ID), celery.SyncUserSystemRole(payload))
	}
	return nil
}

// hdtsAssignment records hdts.tasks.sync_hdts_user for a change of an hdts
// assignment, with the role of that assignment.
func (r *JobRecorder) hdtsAssignment(ctx context.Context, tx bun.Tx, previous, current *assignmentView) error {
	wasHDTS := previous != nil && previous.inHDTS()
	isHDTS := current != nil && current.inHDTS()
	switch {
	case isHDTS && !wasHDTS:
		payload := celery.NewHDTSUserPayload(celeryUser(current.user), current.role.Name, celery.ActionCreate)
		return r.task(ctx, tx, hdtsUserKey(current.user.ID), celery.SyncHDTSUser(payload))
	case wasHDTS && !isHDTS:
		payload := celery.NewHDTSUserPayload(celeryUser(previous.user), previous.role.Name, celery.ActionDelete)
		return r.task(ctx, tx, hdtsUserKey(previous.user.ID), celery.SyncHDTSUser(payload))
	case isHDTS:
		payload := celery.NewHDTSUserPayload(celeryUser(current.user), current.role.Name, celery.ActionUpdate)
		old := celery.NewHDTSUserPayload(celeryUser(previous.user), previous.role.Name, celery.ActionUpdate)
		if samePayload(old, payload) {
			return nil
		}
		return r.task(ctx, tx, hdtsUserKey(current.user.ID), celery.SyncHDTSUser(payload))
	}
	return nil
}

// AssignmentDeleted records the delete messages of an assignment.
func (r *JobRecorder) AssignmentDeleted(ctx context.Context, tx bun.Tx, actor *Actor, a *model.Assignment) error {
	if a == nil {
		return errors.New("outbox: AssignmentDeleted needs the deleted assignment")
	}
	if !r.sync {
		return nil
	}
	view, err := viewOf(ctx, tx, a, nil)
	if err != nil {
		return err
	}
	if err := r.ttsAssignment(ctx, tx, &view, nil); err != nil {
		return err
	}
	if err := r.hdtsAssignment(ctx, tx, &view, nil); err != nil {
		return err
	}
	return r.event(ctx, tx, actor, celery.EventRoleRemoved, assignmentEventData(view))
}

// RoleSaved records role.tasks.sync_role for a created or updated role.
func (r *JobRecorder) RoleSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Role) error {
	if after == nil {
		return errors.New("outbox: RoleSaved needs the saved role")
	}
	if !r.sync {
		return nil
	}
	system, err := systemOf(ctx, tx, after.System, after.SystemID)
	if err != nil {
		return err
	}
	isSent := roleSyncsToTTS(system, after)
	wasSent := false
	var previousSystem *model.System
	if before != nil {
		if previousSystem, err = systemOf(ctx, tx, before.System, before.SystemID); err != nil {
			return err
		}
		wasSent = roleSyncsToTTS(previousSystem, before)
	}

	switch {
	case isSent && !wasSent:
		return r.task(ctx, tx, roleKey(after.ID), celery.SyncRole(celery.NewRolePayload(celeryRole(system, after), celery.ActionCreate)))
	case wasSent && !isSent:
		return r.task(ctx, tx, roleKey(before.ID), celery.SyncRole(celery.NewRolePayload(celeryRole(previousSystem, before), celery.ActionDelete)))
	case isSent:
		payload := celery.NewRolePayload(celeryRole(system, after), celery.ActionUpdate)
		if samePayload(celery.NewRolePayload(celeryRole(previousSystem, before), celery.ActionUpdate), payload) {
			return nil
		}
		return r.task(ctx, tx, roleKey(after.ID), celery.SyncRole(payload))
	}
	return nil
}

// RoleDeleted records the delete message of a role.
func (r *JobRecorder) RoleDeleted(ctx context.Context, tx bun.Tx, actor *Actor, role *model.Role) error {
	if role == nil {
		return errors.New("outbox: RoleDeleted needs the deleted role")
	}
	if !r.sync {
		return nil
	}
	system, err := systemOf(ctx, tx, role.System, role.SystemID)
	if err != nil {
		return err
	}
	if !roleSyncsToTTS(system, role) {
		return nil
	}
	return r.task(ctx, tx, roleKey(role.ID), celery.SyncRole(celery.NewRolePayload(celeryRole(system, role), celery.ActionDelete)))
}
