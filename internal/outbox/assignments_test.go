package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func TestAssignmentCreatedPerSystem(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		tests := []struct {
			role string
			want []string
		}{
			{"tts/Admin", []string{celery.TaskSyncUserSystemRole, celery.EventRoleAssigned}},
			{"hdts/Employee", []string{celery.TaskSyncHDTSUser, celery.EventRoleAssigned}},
			{"hdts/Ticket Coordinator", []string{celery.TaskSyncUserSystemRole, celery.TaskSyncHDTSUser, celery.EventRoleAssigned}},
			{"ams/Operator", []string{celery.EventRoleAssigned}},
		}
		for _, tc := range tests {
			t.Run(tc.role, func(t *testing.T) {
				a := f.assign(u, tc.role)
				q := f.record(func(ctx context.Context, tx bun.Tx) error {
					return f.outbox.AssignmentSaved(ctx, tx, nil, nil, a)
				})
				got := summarize(t, q.jobs)
				if len(got) != len(tc.want) {
					t.Fatalf("recorded %+v, want %v", got, tc.want)
				}
				for i := range tc.want {
					if got[i].name != tc.want[i] {
						t.Errorf("job %d = %s, want %s", i+1, got[i].name, tc.want[i])
					}
					if got[i].action != "" && got[i].action != "create" {
						t.Errorf("job %d action = %s, want create", i+1, got[i].action)
					}
				}
				for _, job := range q.tasks() {
					if limit := job.task.TimeLimit; limit == nil || *limit != 10 {
						t.Errorf("%s create time limit = %v, want 10", job.task.Name, limit)
					}
				}
				data := eventData(t, q.events()[0].event)
				if data["assignment_id"] != float64(a.ID) || data["user_id"] != float64(u.ID) || data["role"] != f.roles[tc.role].Name {
					t.Errorf("role.assigned data = %v", data)
				}
			})
		}
	})
}

func TestAssignmentPayloadFields(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		a := f.assign(u, "tts/Asset Manager")

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.AssignmentSaved(ctx, tx, nil, nil, a)
		})

		job := q.tasks()[0]
		if job.key != key(celery.QueueTTSUserSystemRoleSync, "assignment", a.ID) || job.task.Queue != celery.QueueTTSUserSystemRoleSync {
			t.Errorf("key %s, queue %s", job.key, job.task.Queue)
		}
		payload := payloadOf(t, job.task)
		want := map[string]any{
			"user_system_role_id": float64(a.ID), "user_id": float64(u.ID), "user_email": "ann@example.com",
			"user_full_name": "Ann Lee", "system": "tts", "role_id": float64(f.roles["tts/Asset Manager"].ID),
			"role_name": "Asset Manager", "assigned_at": celery.PythonTime(f.now), "is_active": true, "action": "create",
		}
		for name, value := range want {
			if payload[name] != value {
				t.Errorf("payload[%s] = %v, want %v", name, payload[name], value)
			}
		}
		if settings, _ := payload["settings"].(map[string]any); settings["is_deployed"] != true {
			t.Errorf("payload settings = %v, want is_deployed true", payload["settings"])
		}
	})
}

func TestAssignmentUpdates(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		tests := []struct {
			name   string
			role   string
			change func(f *fixture, a *model.Assignment)
			want   []summary
		}{
			{"last_logged_on only", "tts/Admin", func(f *fixture, a *model.Assignment) {
				logged := f.now.Add(time.Hour)
				a.LastLoggedOn = &logged
			}, nil},
			{"tts deactivated", "tts/Admin", func(f *fixture, a *model.Assignment) { a.IsActive = false },
				[]summary{{name: celery.TaskSyncUserSystemRole, action: "update"}, {name: celery.EventRoleUpdated}}},
			{"hdts deactivated reaches no hdts payload", "hdts/Employee", func(f *fixture, a *model.Assignment) { a.IsActive = false },
				[]summary{{name: celery.EventRoleUpdated}}},
			{"hdts role becomes Ticket Coordinator", "hdts/Employee", func(f *fixture, a *model.Assignment) {
				a.RoleID = f.roles["hdts/Ticket Coordinator"].ID
				a.Role = f.roles["hdts/Ticket Coordinator"]
			}, []summary{{name: celery.TaskSyncUserSystemRole, action: "create"}, {name: celery.TaskSyncHDTSUser, action: "update"},
				{name: celery.EventRoleUpdated}}},
			{"settings changed", "tts/Admin", func(f *fixture, a *model.Assignment) {
				a.Settings = map[string]any{"is_deployed": false}
			}, []summary{{name: celery.TaskSyncUserSystemRole, action: "update"}, {name: celery.EventRoleUpdated}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.assign(u, tc.role)
				after := *before
				after.Settings = map[string]any{"is_deployed": true}
				tc.change(f, &after)
				f.update(&after)

				q := f.record(func(ctx context.Context, tx bun.Tx) error {
					return f.outbox.AssignmentSaved(ctx, tx, nil, before, &after)
				})
				got := summarize(t, q.jobs)
				if len(got) != len(tc.want) {
					t.Fatalf("recorded %+v, want %+v", got, tc.want)
				}
				for i := range tc.want {
					if got[i].name != tc.want[i].name || got[i].action != tc.want[i].action {
						t.Errorf("job %d = %+v, want %+v", i+1, got[i], tc.want[i])
					}
				}
				// Free the (user, system, role) for the next case.
				if _, err := db.NewDelete().Model(&after).WherePK().Exec(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func TestAssignmentDeletedRecordsDeletes(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		u := f.user("ann@example.com", "Ann", "Lee")
		coordinator := f.assign(u, "hdts/Ticket Coordinator")

		q := f.record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.AssignmentDeleted(ctx, tx, nil, coordinator)
		})

		checkSummaries(t, q.jobs, []summary{
			{name: celery.TaskSyncUserSystemRole, key: key(celery.QueueTTSUserSystemRoleSync, "assignment", coordinator.ID), action: "delete"},
			{name: celery.TaskSyncHDTSUser, key: key(celery.QueueHDTSUserSync, "user", u.ID), action: "delete"},
			{name: celery.EventRoleRemoved, key: key("authd.events", "user", u.ID)},
		})
		tasks := q.tasks()
		// #8 deletes carry no limit; #10 deletes carry none either.
		for _, job := range tasks {
			if job.task.TimeLimit != nil {
				t.Errorf("%s delete time limit = %d, want none", job.task.Name, *job.task.TimeLimit)
			}
		}
		if payload := payloadOf(t, tasks[1].task); payload["role"] != "Ticket Coordinator" {
			t.Errorf("hdts user delete role = %v, want the deleted assignment's role", payload["role"])
		}
	})
}

func TestRoleSavedAndDeleted(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db, syncOn)
		record := func(fn func(ctx context.Context, tx bun.Tx) error) []summary {
			return summarize(t, f.record(fn).jobs)
		}
		tts := f.roles["tts/Asset Manager"]
		coordinator := f.roles["hdts/Ticket Coordinator"]
		employee := f.roles["hdts/Employee"]

		got := record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleSaved(ctx, tx, nil, nil, tts) })
		if len(got) != 1 || got[0].name != celery.TaskSyncRole || got[0].action != "create" || got[0].key != key(celery.QueueTTSRoleSync, "role", tts.ID) {
			t.Errorf("tts role created: %+v", got)
		}
		if got := record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleSaved(ctx, tx, nil, nil, employee) }); len(got) != 0 {
			t.Errorf("hdts Employee role created: %+v, want nothing", got)
		}
		q := f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleSaved(ctx, tx, nil, nil, coordinator) })
		payload := payloadOf(t, q.tasks()[0].task)
		if payload["system"] != "hdts" || payload["source_system"] != "hdts" || payload["name"] != "Ticket Coordinator" {
			t.Errorf("Ticket Coordinator payload = %v", payload)
		}

		unchanged := *tts
		if got := record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleSaved(ctx, tx, nil, tts, &unchanged) }); len(got) != 0 {
			t.Errorf("unchanged role: %+v, want nothing", got)
		}
		described := *tts
		text := "Manages assets"
		described.Description = &text
		got = record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleSaved(ctx, tx, nil, tts, &described) })
		if len(got) != 1 || got[0].action != "update" {
			t.Errorf("description changed: %+v, want one update", got)
		}
		renamed := *coordinator
		renamed.Name = "Coordinator"
		got = record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.RoleSaved(ctx, tx, nil, coordinator, &renamed)
		})
		if len(got) != 1 || got[0].action != "delete" {
			t.Errorf("Ticket Coordinator renamed: %+v, want a delete", got)
		}

		q = f.record(func(ctx context.Context, tx bun.Tx) error { return f.outbox.RoleDeleted(ctx, tx, nil, tts) })
		if tasks := q.tasks(); len(tasks) != 1 || tasks[0].task.TimeLimit != nil || payloadOf(t, tasks[0].task)["action"] != "delete" {
			t.Errorf("tts role deleted: %+v, want one delete without a time limit", summarize(t, q.jobs))
		}
		if got := record(func(ctx context.Context, tx bun.Tx) error {
			return f.outbox.SystemDeleted(ctx, tx, nil, f.systems["tts"])
		}); len(got) != 0 {
			t.Errorf("system deleted: %+v, want nothing of its own", got)
		}
	})
}
