package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func TestEmployeeLifecycle(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		e := f.employee("eve@example.com")
		employeeKey := key(celery.QueueHDTSEmployeeSync, "employee", e.ID)
		eventKey := key("authd.events", "employee", e.ID)

		q := f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.EmployeeSaved(ctx, tx, nil, nil, e) })
		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskProcessHDTSEmployeeSync, key: employeeKey, action: "create"},
			{name: celery.EventEmployeeCreated, key: eventKey},
		})
		payload := payloadOf(t, q.tasks()[0].task)
		if payload["employee_id"] != float64(e.ID) || payload["user_id"] != nil || payload["role"] != "employee" || payload["middle_name"] != "" {
			t.Errorf("employee payload = %v", payload)
		}

		signedIn := *e
		login := f.now.Add(time.Minute)
		signedIn.LastLogin = &login
		if q := f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.EmployeeSaved(ctx, tx, nil, e, &signedIn) }); len(q.jobs) != 0 {
			t.Errorf("sign-in recorded %+v, want nothing", summarize(t, q.jobs))
		}

		approved := *e
		approved.Status = model.StatusApproved
		var staffID int64 = 4
		approved.StatusByID = &staffID
		q = f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.EmployeeStatusChanged(ctx, tx, &outbox.Actor{Type: "staff", ID: 4}, e, &approved)
		})
		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskProcessHDTSEmployeeSync, key: employeeKey, action: "update"},
			{name: celery.EventEmployeeUpdated, key: eventKey},
			{name: celery.EventEmployeeApproved, key: eventKey},
		})
		decision := eventData(t, q.events()[1].event)
		if decision["status"] != "Approved" || decision["status_by"] != float64(4) || len(decision) != 4 {
			t.Errorf("employee.approved data = %v, want id, email, status, status_by", decision)
		}

		q = f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.EmployeeDeleted(ctx, tx, nil, &approved) })
		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskProcessHDTSEmployeeSync, key: employeeKey, action: "delete"},
			{name: celery.EventEmployeeDeleted, key: eventKey},
		})
		if q.tasks()[0].task.TimeLimit != nil {
			t.Errorf("employee delete has a time limit, want none")
		}
	})
}

func TestEmailRenderedWhenRecorded(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, outbox.RecorderOptions{})
		until := f.now.Add(5 * time.Minute)

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.Email(ctx, tx, outbox.Email{Template: "staff_otp", To: "ann@example.com", ValidUntil: &until,
				Vars: map[string]any{"user_name": "Ann Lee", "otp_code": "123456", "expiry_minutes": 5}})
		})

		job := q.jobs[0]
		if job.template != "staff_otp" || job.until == nil || !job.until.Equal(until) {
			t.Errorf("recorded template %q, valid until %v", job.template, job.until)
		}
		m := job.email
		if m.Subject != "Your Verification Code - TicketFlow" || !strings.Contains(m.Text, "123456") || !strings.Contains(m.HTML, "123456") {
			t.Errorf("message subject %q, text %q", m.Subject, m.Text)
		}
		if len(m.To) != 1 || m.To[0] != "ann@example.com" || m.From.Email != "noreply@example.com" {
			t.Errorf("message to %v, from %v", m.To, m.From)
		}
		if !strings.HasSuffix(m.MessageID, "@example.com>") {
			t.Errorf("Message-ID %q is not under the sender's domain", m.MessageID)
		}

		err := db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.Email(ctx, tx, outbox.Email{Template: "staff_otp", To: "ann@example.com", Vars: map[string]any{"otp_code": "1"}})
		})
		if err == nil || !strings.Contains(err.Error(), "user_name") {
			t.Errorf("Email with a missing variable returned %v, want an error naming user_name", err)
		}
	})
}

func TestResyncTTSRoles(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		a := f.assign(u, "tts/Admin")
		f.assign(u, "hdts/Ticket Coordinator")
		delay := 500 * time.Millisecond

		var count int
		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			var err error
			count, err = f.outbox.ResyncTTSRoles(ctx, tx, false, f.now, delay)
			return err
		})

		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskSyncRole, key: key(celery.QueueTTSRoleSync, "role", f.roles["tts/Admin"].ID), action: "create"},
			{name: celery.TaskSyncRole, key: key(celery.QueueTTSRoleSync, "role", f.roles["tts/Asset Manager"].ID), action: "create"},
			{name: celery.TaskSyncUserSystemRole, key: key(celery.QueueTTSUserSystemRoleSync, "assignment", a.ID), action: "create"},
		})
		if count != 3 {
			t.Errorf("ResyncTTSRoles returned %d, want 3", count)
		}
		for i, job := range q.jobs {
			if want := f.now.Add(time.Duration(i) * delay); !job.runAt.Equal(want) {
				t.Errorf("message %d runs at %v, want %v", i+1, job.runAt, want)
			}
			if limit := job.task.TimeLimit; limit == nil || *limit != 10 {
				t.Errorf("message %d time limit = %v, want 10", i+1, limit)
			}
		}

		q = f.record(func(ctx context.Context, tx bun.Tx) error {
			count, _ = f.outbox.ResyncTTSRoles(ctx, tx, true, f.now, 0)
			return nil
		})
		if count != 2 || len(q.tasks()) != 2 {
			t.Errorf("roles only: %d messages, want the 2 roles", count)
		}
	})
}

func TestBulkSyncUserEmails(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		for i := range 101 {
			f.user(fmt.Sprintf("bulk%03d@example.com", i), "Bulk", "User")
		}
		inactive := f.user("inactive@example.com", "Ina", "Ctive")
		inactive.IsActive = false
		f.update(inactive)

		var count int
		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			var err error
			count, err = f.outbox.BulkSyncUserEmails(ctx, tx)
			return err
		})
		if count != 2 {
			t.Fatalf("BulkSyncUserEmails returned %d messages, want 2", count)
		}
		sizes := []int{}
		for _, job := range q.tasks() {
			users, _ := payloadOf(t, job.task)["users_data"].([]any)
			sizes = append(sizes, len(users))
			if job.task.Name != celery.TaskBulkSyncUserEmails {
				t.Errorf("task %s, want %s", job.task.Name, celery.TaskBulkSyncUserEmails)
			}
		}
		if len(sizes) != 2 || sizes[0] != 100 || sizes[1] != 1 {
			t.Errorf("chunk sizes %v, want [100 1]", sizes)
		}

		off := newFixture(t, storagetest.Open(t, db.Driver), outbox.RecorderOptions{})
		err := off.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, err := off.outbox.BulkSyncUserEmails(ctx, tx)
			return err
		})
		if !errors.Is(err, outbox.ErrSyncOff) {
			t.Errorf("BulkSyncUserEmails with sync off returned %v, want ErrSyncOff", err)
		}
	})
}

func TestSeedWorkflowsRecorded(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		q := f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.SeedWorkflows(ctx, tx) })
		tasks := q.tasks()
		if len(tasks) != 1 || tasks[0].task.Name != celery.TaskSeedWorkflows || tasks[0].task.Queue != celery.QueueWorkflowSeed {
			t.Fatalf("recorded %+v, want workflow.seed_workflows on workflow_seed_queue", summarize(t, q.jobs))
		}
		if len(tasks[0].task.Args) != 0 || len(tasks[0].task.Kwargs) != 0 || tasks[0].task.TimeLimit != nil {
			t.Errorf("task %+v, want no arguments and no time limit", tasks[0].task)
		}
	})
}
