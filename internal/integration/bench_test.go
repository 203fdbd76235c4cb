package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/integration"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/storage"
)

// Benchmark population. Every user holds one assignment to one of the
// filler roles, spread over four systems. The tts role Agent holds the
// first agentUsers users, some of them inactive or with an inactive
// assignment, and the tts role Queue holds one user in a hundred. One user
// in fifty is inactive.
const (
	fillerRolesPerSystem = 20
	agentUsers           = 70
)

// benchSizes reads AUTHD_BENCH_USERS, a comma-separated list of user
// counts; the default is 10000.
func benchSizes(b *testing.B) []int {
	raw := os.Getenv("AUTHD_BENCH_USERS")
	if raw == "" {
		raw = "10000"
	}
	var sizes []int
	for _, part := range strings.Split(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1000 {
			b.Fatalf("AUTHD_BENCH_USERS: %q is not a user count of at least 1000", part)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// benchWorld is a server on its own PostgreSQL database with a bulk-loaded
// population.
type benchWorld struct {
	s      *apptest.Server
	users  int
	key    string
	agent  int64
	queue  int64
	client *http.Client
}

func BenchmarkIntegrationReads(b *testing.B) {
	for _, n := range benchSizes(b) {
		w := newBenchWorld(b, n)
		w.explain(b)
		b.Run(fmt.Sprintf("round-robin %d ids/users=%d", w.count(b, w.agent), n), func(b *testing.B) {
			w.run(b, func(*rand.Rand) (string, string, []byte) {
				return http.MethodGet, "/api/v1/tts/round-robin/?role_name=Agent", nil
			})
		})
		b.Run(fmt.Sprintf("round-robin %d ids/users=%d", w.count(b, w.queue), n), func(b *testing.B) {
			w.run(b, func(*rand.Rand) (string, string, []byte) {
				return http.MethodGet, "/api/v1/tts/round-robin/?system=tts&role=Queue", nil
			})
		})
		b.Run(fmt.Sprintf("users-info 100 ids/users=%d", n), func(b *testing.B) {
			w.run(b, func(r *rand.Rand) (string, string, []byte) {
				ids := make([]int, 100)
				for i := range ids {
					ids[i] = 1 + r.IntN(n)
				}
				body, _ := json.Marshal(map[string]any{"user_ids": ids})
				return http.MethodPost, "/api/v1/tts/users-info/", body
			})
		})
	}
}

func newBenchWorld(b *testing.B, n int) *benchWorld {
	b.Helper()
	s := apptest.New(b, storage.Postgres, map[string]string{"AUTHD_LOG_LEVEL": "error"})
	ctx := context.Background()
	w := &benchWorld{s: s, users: n, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}}
	started := time.Now()
	var fillers []model.Role
	err := s.App.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, slug := range []string{"tts", "hdts", "ams", "bms"} {
			name := strings.ToUpper(slug) + " system"
			sys, err := s.App.RBAC.CreateSystem(ctx, tx, nil, rbac.SystemInput{Name: &name, Slug: &slug})
			if err != nil {
				return err
			}
			for i := 0; i < fillerRolesPerSystem; i++ {
				role, err := s.App.RBAC.CreateRole(ctx, tx, nil, sys, fmt.Sprintf("Filler %d", i), nil, true)
				if err != nil {
					return err
				}
				fillers = append(fillers, *role)
			}
			if slug == "tts" {
				agent, err := s.App.RBAC.CreateRole(ctx, tx, nil, sys, "Agent", nil, true)
				if err != nil {
					return err
				}
				queue, err := s.App.RBAC.CreateRole(ctx, tx, nil, sys, "Queue", nil, true)
				if err != nil {
					return err
				}
				w.agent, w.queue = agent.ID, queue.ID
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	w.load(b, fillers)
	b.Logf("loaded %d users and their assignments in %s", n, time.Since(started).Round(time.Millisecond))
	name := "bench"
	created, err := s.App.APIKeys.Create(ctx, apikeys.Spec{Name: &name, Scopes: []string{"users:read", "assignments:read"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	w.key = created.Plain
	return w
}

// load bulk-inserts the users and assignments with INSERT ... SELECT over
// generate_series. VACUUM then sets the visibility map, as autovacuum does
// on a live database, and refreshes the planner statistics.
func (w *benchWorld) load(b *testing.B, fillers []model.Role) {
	b.Helper()
	ctx := context.Background()
	db := w.s.App.DB
	statements := []string{
		fmt.Sprintf(`INSERT INTO users (id, email, email_normalized, username, username_normalized, password, first_name, last_name,
			department, status, is_active, date_joined, updated_at)
			SELECT g, 'user' || g || '@example.com', 'user' || g || '@example.com', 'user' || g, 'user' || g, '!unusable',
				'First' || g, 'Last' || g, 'IT Department', 'Approved', g %% 50 <> 0, now(), now()
			FROM generate_series(1, %d) AS g`, w.users),
		`SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))`,
		`CREATE TEMPORARY TABLE filler_roles (slot INT PRIMARY KEY, role_id BIGINT, system_id BIGINT)`,
	}
	for i, role := range fillers {
		statements = append(statements, fmt.Sprintf("INSERT INTO filler_roles VALUES (%d, %d, %d)", i, role.ID, role.SystemID))
	}
	statements = append(statements,
		fmt.Sprintf(`INSERT INTO user_system_roles (user_id, system_id, role_id, assigned_at, is_active, settings)
			SELECT u.id, f.system_id, f.role_id, now(), TRUE, '{"is_deployed": true}'
			FROM users AS u JOIN filler_roles AS f ON f.slot = u.id %% %d`, len(fillers)),
		fmt.Sprintf(`INSERT INTO user_system_roles (user_id, system_id, role_id, assigned_at, is_active, settings)
			SELECT u.id, r.system_id, r.id, now(), u.id %% 7 <> 3, '{"is_deployed": true}'
			FROM users AS u JOIN roles AS r ON r.id = %d WHERE u.id <= %d`, w.agent, agentUsers),
		fmt.Sprintf(`INSERT INTO user_system_roles (user_id, system_id, role_id, assigned_at, is_active, settings)
			SELECT u.id, r.system_id, r.id, now(), TRUE, '{"is_deployed": true}'
			FROM users AS u JOIN roles AS r ON r.id = %d WHERE u.id %% 100 = 7`, w.queue),
		`VACUUM ANALYZE users`, `VACUUM ANALYZE user_system_roles`, `ANALYZE roles`, `ANALYZE systems`,
	)
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, stmt := range statements {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
}

// count returns how many ids round-robin returns for a role.
func (w *benchWorld) count(b *testing.B, roleID int64) int {
	b.Helper()
	ids, err := integration.RoundRobinIDs(context.Background(), w.s.App.DB, "tts", "", roleID)
	if err != nil {
		b.Fatal(err)
	}
	return len(ids)
}

// explain logs the plans of the two reads with EXPLAIN (ANALYZE, BUFFERS).
func (w *benchWorld) explain(b *testing.B) {
	b.Helper()
	ids := make([]int64, 100)
	for i := range ids {
		ids[i] = int64(1 + (i*7919)%w.users)
	}
	queries := map[string]string{
		"round-robin (Agent)":  integration.RoundRobinQuery(w.s.App.DB, []int64{w.agent}).String(),
		"round-robin (Queue)":  integration.RoundRobinQuery(w.s.App.DB, []int64{w.queue}).String(),
		"users-info (100 ids)": w.s.App.DB.NewSelect().Model((*model.User)(nil)).Where("id IN (?)", bun.In(ids)).String(),
	}
	for name, query := range queries {
		var lines []string
		if err := w.s.App.DB.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+query).Scan(context.Background(), &lines); err != nil {
			b.Fatalf("explain %s: %v", name, err)
		}
		b.Logf("users=%d, %s:\n%s", w.users, name, strings.Join(lines, "\n"))
	}
}

// run sends requests from parallel goroutines and reports requests per
// second. Any status other than 200 fails the benchmark.
func (w *benchWorld) run(b *testing.B, request func(r *rand.Rand) (method, path string, body []byte)) {
	b.ReportAllocs()
	b.SetParallelism(8)
	started := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		for pb.Next() {
			method, path, body := request(r)
			req, _ := http.NewRequest(method, w.s.URL+path, strings.NewReader(string(body)))
			req.Header.Set("X-API-Key", w.key)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := w.client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(started).Seconds(), "req/s")
}
