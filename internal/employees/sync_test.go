package employees_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/testenv"
)

// queued is a sync message or domain event waiting in the job queue.
type queued struct {
	Task  string
	Args  []any
	Event string
	Data  map[string]any
}

// queuedMessages returns the Celery tasks and events recorded so far, in
// the order they were written.
func queuedMessages(t *testing.T, s *apptest.Server) []queued {
	t.Helper()
	query := "SELECT args::text FROM river_job WHERE kind IN ('celery_task', 'domain_event') ORDER BY id"
	if s.App.DB.Driver == storage.SQLite {
		query = "SELECT json(args) FROM river_job WHERE kind IN ('celery_task', 'domain_event') ORDER BY id"
	}
	var rows []string
	if err := s.App.DB.NewRaw(query).Scan(context.Background(), &rows); err != nil {
		t.Fatalf("read queued jobs: %v", err)
	}
	var out []queued
	for _, row := range rows {
		var args struct {
			Task *struct {
				Name string `json:"name"`
				Args []any  `json:"args"`
			} `json:"task"`
			Event *struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			} `json:"event"`
		}
		if err := json.Unmarshal([]byte(row), &args); err != nil {
			t.Fatalf("decode job %s: %v", row, err)
		}
		switch {
		case args.Task != nil:
			out = append(out, queued{Task: args.Task.Name, Args: args.Task.Args})
		case args.Event != nil:
			out = append(out, queued{Event: args.Event.Type, Data: args.Event.Data})
		}
	}
	return out
}

// employeeSyncActions lists the action of every employee sync message.
func employeeSyncActions(messages []queued) []string {
	var actions []string
	for _, m := range messages {
		if m.Task == "core.tasks.process_hdts_employee_sync" && len(m.Args) == 1 {
			payload := m.Args[0].(map[string]any)
			actions = append(actions, fmt.Sprintf("%v:%v", payload["action"], payload["status"]))
		}
	}
	return actions
}

// employeeEvents lists the types of the employee.* domain events.
func employeeEvents(messages []queued) []string {
	var types []string
	for _, m := range messages {
		if strings.HasPrefix(m.Event, "employee.") {
			types = append(types, m.Event)
		}
	}
	return types
}

func TestEmployeeChangesQueueSyncMessages(t *testing.T) {
	broker := testenv.Require(t, testenv.AMQPURL, "RabbitMQ")
	// The workers are not started, so the messages stay queued for the
	// test to read and nothing reaches the shared broker.
	apptest.EachDialect(t, map[string]string{"AUTHD_BROKER_URL": broker}, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "root@example.com", true)
		admin := staffClient(t, s, "root@example.com")
		reg := register(t, s, "synced@example.com", map[string]any{"phone_number": "+15550002222"})
		id := int64(reg.Get("id").(float64))
		admin.Post(statusPath(id), apptest.JSON(map[string]any{"action": "approve"})).Expect(t, http.StatusOK)
		c, _ := employeeLogin(t, s, "synced@example.com", testPassword)
		c.Get(profilePath).Expect(t, http.StatusOK)
		c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"first_name": "Eva"}))).Expect(t, http.StatusOK) // unchanged
		c.Do(http.MethodPatch, profilePath, ptr(apptest.JSON(map[string]any{"department": "IT Department"}))).Expect(t, http.StatusOK)
		if _, err := s.App.Employees.Delete(context.Background(), id, &outbox.Actor{Type: "system"}); err != nil {
			t.Fatal(err)
		}

		messages := queuedMessages(t, s)
		if got := fmt.Sprint(employeeSyncActions(messages)); got != "[create:Pending update:Approved update:Approved delete:Approved]" {
			t.Errorf("employee sync messages = %s, want create, approval update, department update, delete", got)
		}
		if got := fmt.Sprint(employeeEvents(messages)); got != "[employee.created employee.updated employee.approved employee.updated employee.deleted]" {
			t.Errorf("employee events = %s", got)
		}
		for _, m := range messages {
			if m.Task != "core.tasks.process_hdts_employee_sync" {
				continue
			}
			payload := m.Args[0].(map[string]any)
			if payload["employee_id"] != float64(id) || payload["user_id"] != nil || payload["role"] != "employee" || payload["email"] != "synced@example.com" {
				t.Errorf("payload %v", payload)
			}
		}
	})
}

func TestEmployeeDeleteSignsOutAndForgets(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "leaver@example.com")
		c, _ := employeeLogin(t, s, e.Email, testPassword)
		if _, err := s.App.Employees.Delete(context.Background(), e.ID, &outbox.Actor{Type: "system"}); err != nil {
			t.Fatal(err)
		}
		c.Get(profilePath).Expect(t, http.StatusUnauthorized)
		key := apiKey(t, s, "helpdesk", "employees:read")
		s.Client().Get(fmt.Sprintf("/api/v1/hdts/employees/internal/%d/", e.ID), "X-API-Key", key).Expect(t, http.StatusNotFound)
		if n := auditCount(t, s, "employee.deleted", e.ID); n != 1 {
			t.Errorf("employee.deleted events = %d", n)
		}
		if _, err := s.App.Employees.Delete(context.Background(), e.ID, nil); err == nil {
			t.Error("deleting a deleted employee must fail")
		}
	})
}
