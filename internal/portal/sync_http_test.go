package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/uptrace/bun/dialect"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/testenv"
)

// eventsSince returns the event types of the domain event jobs written
// after job id mark, and the last job id. The job workers do not run in
// these tests, so the jobs stay in the table.
func eventsSince(t *testing.T, s *apptest.Server, mark int64) ([]string, int64) {
	t.Helper()
	var rows []struct {
		ID   int64           `bun:"id"`
		Args json.RawMessage `bun:"args"`
	}
	column := "args"
	if s.App.DB.Dialect().Name() == dialect.SQLite {
		column = "json(args) AS args" // River's SQLite driver stores binary JSONB
	}
	err := s.App.DB.NewSelect().Table("river_job").ColumnExpr("id, "+column).Where("id > ?", mark).
		Where("kind = 'domain_event'").OrderExpr("id").Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, row := range rows {
		var args struct {
			Event struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		if err := json.Unmarshal(row.Args, &args); err != nil {
			t.Fatalf("job %d: %v", row.ID, err)
		}
		types = append(types, args.Event.Type)
		mark = row.ID
	}
	return types, mark
}

func TestPortalChangesRecordEvents(t *testing.T) {
	env := map[string]string{"AUTHD_BROKER_URL": testenv.Require(t, testenv.AMQPURL, "RabbitMQ")}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		_, mark := eventsSince(t, s, 0)

		created := c.Post("/superadmin/api/users/create/", apptest.JSON(map[string]any{"email": "new@example.com", "send_invite": false})).
			Expect(t, http.StatusCreated)
		id := int64(created.Get("id").(float64))
		events, mark := eventsSince(t, s, mark)
		if !slices.Contains(events, "user.created") {
			t.Errorf("create recorded %v, want user.created", events)
		}

		for _, action := range []string{"approve", "deactivate", "activate"} {
			c.Post("/superadmin/api/users/bulk/", apptest.JSON(map[string]any{"action": action, "user_ids": []int64{id}})).Expect(t, http.StatusOK)
			events, mark = eventsSince(t, s, mark)
			if !slices.Contains(events, "user.updated") {
				t.Errorf("bulk %s recorded %v, want user.updated", action, events)
			}
		}
		c.Do(http.MethodPut, "/superadmin/api/users/"+itoa(id)+"/", jsonBody(map[string]any{"first_name": "Renamed"})).Expect(t, http.StatusOK)
		events, mark = eventsSince(t, s, mark)
		if !slices.Contains(events, "user.updated") {
			t.Errorf("edit recorded %v, want user.updated", events)
		}
		c.Do(http.MethodDelete, "/superadmin/api/users/"+itoa(id)+"/", nil).Expect(t, http.StatusOK)
		events, mark = eventsSince(t, s, mark)
		if !slices.Contains(events, "user.deleted") {
			t.Errorf("delete recorded %v, want user.deleted", events)
		}

		importFile(c, "users.csv", []byte("email\nfrom.csv@example.com\n"), nil).Expect(t, http.StatusOK)
		events, _ = eventsSince(t, s, mark)
		if !slices.Contains(events, "user.created") {
			t.Errorf("import recorded %v, want user.created", events)
		}
	})
}
