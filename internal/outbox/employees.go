package outbox

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
)

// EmployeeSaved records the messages of a created or updated employee.
func (r *JobRecorder) EmployeeSaved(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error {
	if after == nil {
		return errors.New("outbox: EmployeeSaved needs the saved employee")
	}
	if !r.sync {
		return nil
	}
	key := employeeKey(after.ID)
	if before == nil {
		payload := celery.NewEmployeePayload(celeryEmployee(after), celery.ActionCreate)
		if err := r.task(ctx, tx, key, celery.SyncHDTSEmployee(payload)); err != nil {
			return err
		}
		return r.event(ctx, tx, actor, celery.EventEmployeeCreated, employeeEventData(after))
	}

	payload := celery.NewEmployeePayload(celeryEmployee(after), celery.ActionUpdate)
	if !samePayload(celery.NewEmployeePayload(celeryEmployee(before), celery.ActionUpdate), payload) {
		if err := r.task(ctx, tx, key, celery.SyncHDTSEmployee(payload)); err != nil {
			return err
		}
	}
	data := employeeEventData(after)
	changed := changedFields(employeeEventData(before), data, employeeEventFields)
	if len(changed) == 0 {
		return nil
	}
	data["changed"] = changed
	return r.event(ctx, tx, actor, celery.EventEmployeeUpdated, data)
}

// EmployeeStatusChanged records an approval decision.
func (r *JobRecorder) EmployeeStatusChanged(ctx context.Context, tx bun.Tx, actor *Actor, before, after *model.Employee) error {
	if err := r.EmployeeSaved(ctx, tx, actor, before, after); err != nil {
		return err
	}
	var eventType string
	switch after.Status {
	case model.StatusApproved:
		eventType = celery.EventEmployeeApproved
	case model.StatusRejected:
		eventType = celery.EventEmployeeRejected
	default:
		return nil
	}
	return r.event(ctx, tx, actor, eventType, map[string]any{
		"id": after.ID, "email": after.Email, "status": after.Status, "status_by": after.StatusByID,
	})
}

// EmployeeDeleted records the delete message of an employee.
func (r *JobRecorder) EmployeeDeleted(ctx context.Context, tx bun.Tx, actor *Actor, e *model.Employee) error {
	if e == nil {
		return errors.New("outbox: EmployeeDeleted needs the deleted employee")
	}
	if !r.sync {
		return nil
	}
	payload := celery.NewEmployeePayload(celeryEmployee(e), celery.ActionDelete)
	if err := r.task(ctx, tx, employeeKey(e.ID), celery.SyncHDTSEmployee(payload)); err != nil {
		return err
	}
	return r.event(ctx, tx, actor, celery.EventEmployeeDeleted, map[string]any{"id": e.ID, "email": e.Email})
}
