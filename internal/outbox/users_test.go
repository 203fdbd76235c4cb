package outbox_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

var syncOn = outbox.RecorderOptions{Sync: true, Events: true, EventsExchange: "authd.events"}

func key(queue, entity string, id int64) string {
	return fmt.Sprintf("%s:%s:%d", queue, entity, id)
}

func TestUserCreatedRecordsEmailSyncAndEvent(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		actor := &outbox.Actor{Type: "staff", ID: 99}

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.UserSaved(ctx, tx, actor, nil, u)
		})

		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskSyncUserEmail, key: key(celery.QueueUserEmailSync, "user", u.ID)},
			{name: celery.EventUserCreated, key: key("authd.events", "user", u.ID)},
		})
		task := q.tasks()[0].task
		kwargs := payloadOf(t, task)
		want := map[string]any{"user_id": float64(u.ID), "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee", "is_active": true}
		for name, value := range want {
			if kwargs[name] != value {
				t.Errorf("kwargs[%s] = %v, want %v", name, kwargs[name], value)
			}
		}
		if task.TimeLimit != nil {
			t.Errorf("time limit = %d, want none", *task.TimeLimit)
		}
		event := q.events()[0].event
		if event.Actor == nil || event.Actor.Type != "staff" || event.Actor.ID != 99 {
			t.Errorf("event actor = %+v, want staff 99", event.Actor)
		}
		data := eventData(t, event)
		if data["email"] != "ann@example.com" || data["is_active"] != true {
			t.Errorf("user.created data = %v", data)
		}
		if roles, ok := data["roles"].([]any); !ok || len(roles) != 0 {
			t.Errorf("user.created roles = %v, want []", data["roles"])
		}
	})
}

func TestUserSignInBookkeepingRecordsNothing(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		before := f.user("ann@example.com", "Ann", "Lee")
		f.assign(before, "tts/Admin")
		f.assign(before, "hdts/Employee")
		after := *before
		login := f.now.Add(time.Hour)
		after.LastLogin = &login
		after.FailedLoginAttempts = 3
		after.UpdatedAt = login

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.UserSaved(ctx, tx, nil, before, &after)
		})
		if len(q.jobs) != 0 {
			t.Errorf("recorded %+v, want nothing for sign-in bookkeeping", summarize(t, q.jobs))
		}
	})
}

func TestUserEmailChangeRecordsEveryPayload(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		before := f.user("ann@example.com", "Ann", "Lee")
		tts := f.assign(before, "tts/Asset Manager")
		hdtsEmployee := f.assign(before, "hdts/Employee")
		coordinator := f.assign(before, "hdts/Ticket Coordinator")
		f.assign(before, "ams/Operator")
		after := *before
		after.Email = "ann.lee@example.com"
		f.update(&after)

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.UserSaved(ctx, tx, nil, before, &after)
		})

		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskSyncUserEmail, key: key(celery.QueueUserEmailSync, "user", after.ID)},
			{name: celery.TaskSyncUserSystemRole, key: key(celery.QueueTTSUserSystemRoleSync, "assignment", tts.ID), action: "update"},
			{name: celery.TaskSyncUserSystemRole, key: key(celery.QueueTTSUserSystemRoleSync, "assignment", coordinator.ID), action: "update"},
			{name: celery.TaskSyncHDTSUser, key: key(celery.QueueHDTSUserSync, "user", after.ID), action: "update"},
			{name: celery.EventUserUpdated, key: key("authd.events", "user", after.ID)},
		})
		tasks := q.tasks()
		ttsPayload := payloadOf(t, tasks[1].task)
		if ttsPayload["user_email"] != "ann.lee@example.com" || ttsPayload["system"] != "tts" || ttsPayload["role_name"] != "Asset Manager" {
			t.Errorf("tts assignment payload = %v", ttsPayload)
		}
		if _, ok := ttsPayload["source_system"]; ok {
			t.Errorf("tts assignment payload has source_system: %v", ttsPayload)
		}
		coordinatorPayload := payloadOf(t, tasks[2].task)
		if coordinatorPayload["system"] != "hdts" || coordinatorPayload["source_system"] != "hdts" {
			t.Errorf("Ticket Coordinator payload = %v, want system and source_system hdts", coordinatorPayload)
		}
		hdts := payloadOf(t, tasks[3].task)
		// The role is the one of the first hdts assignment by id.
		if hdts["role"] != "Employee" || hdts["email"] != "ann.lee@example.com" || hdtsEmployee.ID > coordinator.ID {
			t.Errorf("hdts user payload = %v, want role Employee and the new e-mail", hdts)
		}
		if limit := tasks[3].task.TimeLimit; limit == nil || *limit != 10 {
			t.Errorf("hdts user update time limit = %v, want 10", limit)
		}
		data := eventData(t, q.events()[0].event)
		if changed, _ := data["changed"].([]any); len(changed) != 1 || changed[0] != "email" {
			t.Errorf("user.updated changed = %v, want [email]", data["changed"])
		}
		if roles, _ := data["roles"].([]any); len(roles) != 4 {
			t.Errorf("user.updated roles = %v, want 4", data["roles"])
		}
	})
}

func TestUserFieldRulesPerPayload(t *testing.T) {
	tests := []struct {
		name   string
		change func(u *model.User)
		want   []string // task names, then event types
	}{
		{"status reaches hdts only", func(u *model.User) { u.Status = model.StatusRejected },
			[]string{celery.TaskSyncHDTSUser, celery.EventUserUpdated}},
		{"is_active reaches the e-mail sync only", func(u *model.User) { u.IsActive = false },
			[]string{celery.TaskSyncUserEmail, celery.EventUserUpdated}},
		{"last name reaches all three", func(u *model.User) { u.LastName = "Park" },
			[]string{celery.TaskSyncUserEmail, celery.TaskSyncUserSystemRole, celery.TaskSyncHDTSUser, celery.EventUserUpdated}},
		{"is_staff is an event field only", func(u *model.User) { u.IsStaff = true },
			[]string{celery.EventUserUpdated}},
		{"phone is in no payload", func(u *model.User) { phone := "+15550001"; u.PhoneNumber = &phone },
			nil},
	}
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.user(fmt.Sprintf("user%d@example.com", i), "Bo", "Kim")
				f.assign(before, "tts/Admin")
				f.assign(before, "hdts/Employee")
				after := *before
				tc.change(&after)

				q := f.record(func(ctx context.Context, tx bun.Tx) error {
					return f.outbox.UserSaved(ctx, tx, nil, before, &after)
				})
				var got []string
				for _, s := range summarize(t, q.jobs) {
					got = append(got, s.name)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("recorded %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestUserDeletedRecordsDeletes(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("gone@example.com", "Gil", "Ray")

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.UserDeleted(ctx, tx, nil, u)
		})

		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskDeleteUserEmailCache, key: key(celery.QueueUserEmailSync, "user", u.ID)},
			{name: celery.TaskSyncHDTSUser, key: key(celery.QueueHDTSUserSync, "user", u.ID), action: "delete"},
			{name: celery.EventUserDeleted, key: key("authd.events", "user", u.ID)},
		})
		tasks := q.tasks()
		if kwargs := payloadOf(t, tasks[0].task); kwargs["user_id"] != float64(u.ID) || len(kwargs) != 1 {
			t.Errorf("delete_user_email_cache kwargs = %v, want only user_id", kwargs)
		}
		if tasks[1].task.TimeLimit != nil {
			t.Errorf("hdts user delete has a time limit, want none")
		}
		if data := eventData(t, q.events()[0].event); len(data) != 2 || data["email"] != "gone@example.com" {
			t.Errorf("user.deleted data = %v, want id and email", data)
		}
	})
}

func TestSyncAndEventsSwitches(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		tests := []struct {
			name  string
			opts  outbox.RecorderOptions
			tasks int
			evts  int
		}{
			{"sync off", outbox.RecorderOptions{Sync: false, Events: true}, 0, 0},
			{"events off", outbox.RecorderOptions{Sync: true, Events: false}, 1, 0},
			{"both on", outbox.RecorderOptions{Sync: true, Events: true}, 1, 1},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, storagetest.Open(t, db.Driver), tc.opts)
				u := f.user(fmt.Sprintf("s%d@example.com", i), "Sam", "Oh")
				q := f.record(func(ctx context.Context, tx bun.Tx) error {
					if err := f.outbox.UserSaved(ctx, tx, nil, nil, u); err != nil {
						return err
					}
					return f.outbox.Email(ctx, tx, outbox.Email{Template: "access_granted", To: u.Email,
						Vars: map[string]any{"first_name": "Sam", "system_name": "TTS", "role_name": "Admin"}})
				})
				if got := len(q.tasks()); got != tc.tasks {
					t.Errorf("recorded %d tasks, want %d", got, tc.tasks)
				}
				if got := len(q.events()); got != tc.evts {
					t.Errorf("recorded %d events, want %d", got, tc.evts)
				}
				if last := q.jobs[len(q.jobs)-1]; last.email == nil {
					t.Errorf("the e-mail was not recorded")
				}
			})
		}
	})
}

func TestNilOutboxRecordsNothing(t *testing.T) {
	var o *outbox.Outbox
	ctx := context.Background()
	checks := []error{
		o.Email(ctx, bun.Tx{}, outbox.Email{}),
		o.UserSaved(ctx, bun.Tx{}, nil, nil, &model.User{}),
		o.UserDeleted(ctx, bun.Tx{}, nil, &model.User{}),
		o.RoleSaved(ctx, bun.Tx{}, nil, nil, &model.Role{}),
		o.RoleDeleted(ctx, bun.Tx{}, nil, &model.Role{}),
		o.AssignmentSaved(ctx, bun.Tx{}, nil, nil, &model.Assignment{}),
		o.AssignmentDeleted(ctx, bun.Tx{}, nil, &model.Assignment{}),
		o.SystemDeleted(ctx, bun.Tx{}, nil, &model.System{}),
		o.EmployeeSaved(ctx, bun.Tx{}, nil, nil, &model.Employee{}),
		o.EmployeeDeleted(ctx, bun.Tx{}, nil, &model.Employee{}),
		o.EmployeeStatusChanged(ctx, bun.Tx{}, nil, nil, &model.Employee{}),
		o.Celery(ctx, bun.Tx{}, "k", celery.SeedWorkflows()),
		o.Event(ctx, bun.Tx{}, celery.Event{}),
	}
	for i, err := range checks {
		if err != nil {
			t.Errorf("call %d on a nil outbox returned %v, want nil", i+1, err)
		}
	}
	if o.SyncEnabled() {
		t.Error("a nil outbox reports sync on")
	}
}
