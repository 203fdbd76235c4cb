package seed_test

import (
	"context"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/seed"
)

func countRows(t *testing.T, s *apptest.Server, table, where string) int {
	t.Helper()
	q := s.App.DB.NewSelect().Table(table)
	if where != "" {
		q = q.Where(where)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func TestDemoSeedIsIdempotentAndQueuesSync(t *testing.T) {
	// A broker URL turns sync on; the workers are not started, so the
	// messages stay queued where the test can count them.
	env := map[string]string{"AUTHD_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		seeder := &seed.Seeder{DB: s.App.DB, Now: s.Clock.Now, Outbox: s.App.Outbox}
		options := seed.DemoOptions{Password: seed.DevelopmentPassword, Hash: s.App.Hasher.Hash}
		if err := seeder.Demo(ctx, options); err != nil {
			t.Fatalf("first seed: %v", err)
		}
		users, employees := countRows(t, s, "users", ""), countRows(t, s, "employees", "")
		assignments, jobs := countRows(t, s, "user_system_roles", ""), countRows(t, s, "river_job", "")
		if users != len(seed.DemoAccounts) || employees != len(seed.DemoEmployees) {
			t.Errorf("seeded %d users and %d employees, want %d and %d", users, employees, len(seed.DemoAccounts), len(seed.DemoEmployees))
		}
		// Every created user, assignment, tts role and employee queues at
		// least its user e-mail sync, assignment, role or employee message.
		if want := users + assignments + employees; jobs < want {
			t.Errorf("seeding queued %d jobs, want at least %d", jobs, want)
		}
		if n := countRows(t, s, "river_job", "kind = 'celery_task' AND CAST(args AS TEXT) LIKE '%sync_user_system_role%'"); n == 0 {
			t.Error("no role.tasks.sync_user_system_role message was queued for the tts assignments")
		}

		if err := seeder.Demo(ctx, options); err != nil {
			t.Fatalf("second seed: %v", err)
		}
		if n := countRows(t, s, "users", ""); n != users {
			t.Errorf("second seed changed the user count: %d, want %d", n, users)
		}
		if n := countRows(t, s, "river_job", ""); n != jobs {
			t.Errorf("second seed queued %d more jobs, want none", n-jobs)
		}
	})
}
