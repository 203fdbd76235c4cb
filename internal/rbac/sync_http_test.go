package rbac_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun/dialect"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/rbac/rbactest"
	"github.com/mapactive/authd/internal/testenv"
)

// recordedMessage is a sync message or event job as the outbox wrote it.
type recordedMessage struct {
	kind   string // celery_task or domain_event
	name   string // task name or event type
	action string // the payload's action, for Celery tasks
	actor  string // the event's actor type
}

func (m recordedMessage) String() string {
	if m.kind == "domain_event" {
		return m.name
	}
	return m.name + ":" + m.action
}

// syncEnv turns sync on with the test broker. The job workers never start
// in these tests, so the recorded jobs stay in the table.
func syncEnv(t *testing.T) map[string]string {
	return map[string]string{"AUTHD_BROKER_URL": testenv.Require(t, testenv.AMQPURL, "RabbitMQ")}
}

// messagesSince returns the sync and event jobs with an id above after, in
// the order they were written.
func messagesSince(t *testing.T, s *apptest.Server, after int64) ([]recordedMessage, int64) {
	t.Helper()
	var rows []struct {
		ID   int64           `bun:"id"`
		Kind string          `bun:"kind"`
		Args json.RawMessage `bun:"args"`
	}
	argsColumn := "args"
	if s.App.DB.Dialect().Name() == dialect.SQLite {
		argsColumn = "json(args) AS args" // River's SQLite driver stores binary JSONB
	}
	err := s.App.DB.NewSelect().Table("river_job").ColumnExpr("id, kind, "+argsColumn).Where("id > ?", after).
		Where("kind IN ('celery_task', 'domain_event')").OrderExpr("id").Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]recordedMessage, 0, len(rows))
	last := after
	for _, row := range rows {
		var args struct {
			Task struct {
				Name string           `json:"name"`
				Args []map[string]any `json:"args"`
			} `json:"task"`
			Event struct {
				Type  string `json:"type"`
				Actor *struct {
					Type string `json:"type"`
				} `json:"actor"`
			} `json:"event"`
		}
		if err := json.Unmarshal(row.Args, &args); err != nil {
			t.Fatalf("job %d: %v", row.ID, err)
		}
		m := recordedMessage{kind: row.Kind, name: args.Task.Name}
		if row.Kind == "domain_event" {
			m.name = args.Event.Type
			if args.Event.Actor != nil {
				m.actor = args.Event.Actor.Type
			}
		} else if len(args.Task.Args) > 0 {
			m.action, _ = args.Task.Args[0]["action"].(string)
		}
		out = append(out, m)
		last = row.ID
	}
	return out, last
}

func lastJobID(t *testing.T, s *apptest.Server) int64 {
	t.Helper()
	var id int64
	if err := s.App.DB.NewSelect().Table("river_job").ColumnExpr("COALESCE(MAX(id), 0)").Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestChangesRecordSyncMessages(t *testing.T) {
	apptest.EachDialect(t, syncEnv(t), func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)
		mark := lastJobID(t, s)

		role := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.TTS.ID, "name": "Triage"})).Expect(t, http.StatusCreated)
		roleID := int64(role.Get("id").(float64))
		assignment := super.Post("/api/v1/system-roles/", apptest.JSON(map[string]any{"user": w.Plain.ID, "system": w.TTS.ID, "role": roleID})).Expect(t, http.StatusCreated)
		got, mark := messagesSince(t, s, mark)
		want := "[role.tasks.sync_role:create role.tasks.sync_user_system_role:create role.assigned]"
		if fmt.Sprint(got) != want {
			t.Errorf("create role and assignment recorded %v, want %s", got, want)
		}
		for _, m := range got {
			if m.kind == "domain_event" && m.actor != "staff" {
				t.Errorf("event %s has actor %q, want staff", m.name, m.actor)
			}
		}

		super.Do("PATCH", fmt.Sprintf("/api/v1/system-roles/%d/", int64(assignment.Get("id").(float64))), bodyOf(map[string]any{"is_active": false})).Expect(t, http.StatusOK)
		got, mark = messagesSince(t, s, mark)
		if want := "[role.tasks.sync_user_system_role:update role.updated]"; fmt.Sprint(got) != want {
			t.Errorf("assignment update recorded %v, want %s", got, want)
		}

		// A rejected change records nothing.
		super.Post("/api/v1/system-roles/", apptest.JSON(map[string]any{"user": w.Plain.ID, "system": w.TTS.ID, "role": roleID})).Expect(t, http.StatusBadRequest)
		if got, _ := messagesSince(t, s, mark); len(got) != 0 {
			t.Errorf("a rejected change recorded %v", got)
		}

		// Deleting a role deletes its assignments first, then the role.
		super.Do("DELETE", fmt.Sprintf("/api/v1/roles/%d/", roleID), nil).Expect(t, http.StatusNoContent)
		got, mark = messagesSince(t, s, mark)
		if want := "[role.tasks.sync_user_system_role:delete role.removed role.tasks.sync_role:delete]"; fmt.Sprint(got) != want {
			t.Errorf("role delete recorded %v, want %s", got, want)
		}

		// Deleting a user: its assignments, then the user's own messages.
		super.Do("DELETE", fmt.Sprintf("/api/v1/users/%d/", w.Agent.ID), nil).Expect(t, http.StatusNoContent)
		got, mark = messagesSince(t, s, mark)
		text := fmt.Sprint(got)
		first, last := strings.Index(text, "role.removed"), strings.LastIndex(text, "role.removed")
		userDelete := strings.Index(text, "notifications.delete_user_email_cache")
		if first < 0 || userDelete < 0 || userDelete < last || !strings.Contains(text, "user.deleted") {
			t.Errorf("user delete recorded %v", got)
		}

		// Deleting a system: every assignment, then every role.
		super.Do("DELETE", fmt.Sprintf("/api/v1/systems/%d/", w.TTS.ID), nil).Expect(t, http.StatusNoContent)
		got, _ = messagesSince(t, s, mark)
		lastAssignment, firstRole := -1, len(got)
		for i, m := range got {
			if m.name == "role.tasks.sync_user_system_role" || m.name == "role.removed" {
				lastAssignment = i
			}
			if m.name == "role.tasks.sync_role" && i < firstRole {
				firstRole = i
			}
		}
		if lastAssignment < 0 || firstRole == len(got) || lastAssignment > firstRole {
			t.Errorf("system delete recorded %v: assignments must come before roles", got)
		}
	})
}
