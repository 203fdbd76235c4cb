// Package e2e holds tests that cross every layer at once: HTTP requests to a
// real authd, the job workers, RabbitMQ read by a Celery-style consumer, and
// e-mail read back from Mailpit.
package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/broker/brokertest"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/seed"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/testenv"
)

// The queues the downstream Celery workers consume, as the spec names them.
var celeryQueues = []string{"user-email-sync-queue", "tts.role.sync", "tts.user_system_role.sync", "hdts.user.sync", "hdts.employee.sync"}

// celeryCall is one task message decoded the way a Celery worker reads it.
type celeryCall struct {
	Queue  string
	Task   string
	ID     string
	Args   []any
	Kwargs map[string]any
}

// event is one domain event from the topic exchange.
type event struct {
	Type string
	Data map[string]any
}

// consumer reads every message of the Celery queues and of the events
// exchange. Other tests never consume these queue names, so the consumer
// keeps what mentions the marker it is given and drops the rest.
type consumer struct {
	t      *testing.T
	mu     sync.Mutex
	calls  []celeryCall
	events []event
}

func startConsumer(t *testing.T, amqpURL string) *consumer {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatalf("connect to RabbitMQ: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	c := &consumer{t: t}
	for _, q := range celeryQueues {
		// The same declaration as Celery's and authd's, so it is idempotent.
		if err := ch.ExchangeDeclare(q, "direct", true, false, false, false, nil); err != nil {
			t.Fatalf("declare exchange %s: %v", q, err)
		}
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatalf("declare queue %s: %v", q, err)
		}
		if err := ch.QueueBind(q, q, q, false, nil); err != nil {
			t.Fatalf("bind queue %s: %v", q, err)
		}
		deliveries, err := ch.Consume(q, "", false, false, false, false, nil)
		if err != nil {
			t.Fatalf("consume %s: %v", q, err)
		}
		go c.readCelery(q, deliveries)
	}
	if err := ch.ExchangeDeclare("authd.events", "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	events, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(events.Name, "#", "authd.events", false, nil); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(events.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go c.readEvents(deliveries)
	return c
}

func (c *consumer) readCelery(queue string, deliveries <-chan amqp.Delivery) {
	for d := range deliveries {
		d.Ack(false)
		if d.ContentType != "application/json" || d.ContentEncoding != "utf-8" || d.DeliveryMode != amqp.Persistent {
			c.t.Errorf("%s: properties content_type=%q content_encoding=%q delivery_mode=%d", queue, d.ContentType, d.ContentEncoding, d.DeliveryMode)
		}
		if d.Headers["lang"] != "py" || d.Headers["id"] != d.CorrelationId || d.Headers["root_id"] != d.CorrelationId {
			c.t.Errorf("%s: headers %v, correlation id %q", queue, d.Headers, d.CorrelationId)
		}
		var body []json.RawMessage
		if err := json.Unmarshal(d.Body, &body); err != nil || len(body) != 3 {
			c.t.Errorf("%s: body %s is not [args, kwargs, embed]", queue, d.Body)
			continue
		}
		call := celeryCall{Queue: queue, ID: d.CorrelationId}
		call.Task, _ = d.Headers["task"].(string)
		json.Unmarshal(body[0], &call.Args)
		json.Unmarshal(body[1], &call.Kwargs)
		c.mu.Lock()
		c.calls = append(c.calls, call)
		c.mu.Unlock()
	}
}

func (c *consumer) readEvents(deliveries <-chan amqp.Delivery) {
	for d := range deliveries {
		var e struct {
			Type string
			Data map[string]any
		}
		if err := json.Unmarshal(d.Body, &e); err != nil || e.Type != d.RoutingKey || d.AppId != "authd" {
			c.t.Errorf("event %s: body %s, app_id %q", d.RoutingKey, d.Body, d.AppId)
			continue
		}
		c.mu.Lock()
		c.events = append(c.events, event{Type: e.Type, Data: e.Data})
		c.mu.Unlock()
	}
}

// about returns the task names and event types received that concern the
// account with e-mail address marker (unique to the test): the address
// appears in the message, or, as in role.assigned, its user id does.
func (c *consumer) about(t *testing.T, s *apptest.Server, marker string) (tasks []string, events []string) {
	t.Helper()
	userID := int64(0)
	if u, err := accounts.UserByEmail(context.Background(), s.App.DB, marker); err == nil {
		userID = u.ID
	}
	mentions := func(v any) bool {
		encoded, _ := json.Marshal(v)
		text := string(encoded)
		id := `"user_id":` + strconv.FormatInt(userID, 10)
		return strings.Contains(text, marker) || (userID != 0 && (strings.Contains(text, id+",") || strings.Contains(text, id+"}")))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, call := range c.calls {
		if mentions([]any{call.Args, call.Kwargs}) {
			tasks = append(tasks, call.Queue+" "+call.Task)
		}
	}
	for _, e := range c.events {
		if mentions(e.Data) {
			events = append(events, e.Type)
		}
	}
	return tasks, events
}

// call returns the first received task of name that mentions marker.
func (c *consumer) call(name, marker string) *celeryCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.calls {
		encoded, _ := json.Marshal([]any{c.calls[i].Args, c.calls[i].Kwargs})
		if c.calls[i].Task == name && strings.Contains(string(encoded), marker) {
			return &c.calls[i]
		}
	}
	return nil
}

// waitIdle polls until no job is waiting or failing, so every message of the
// requests so far has been published and confirmed.
func waitIdle(t *testing.T, s *apptest.Server) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		busy := 0
		for _, state := range []jobs.State{jobs.StatePending, jobs.StateRunning, jobs.StateFailed} {
			_, n, err := s.App.Jobs.List(context.Background(), jobs.ListOptions{State: state, Limit: 1})
			if err != nil {
				t.Fatalf("list jobs: %v", err)
			}
			busy += n
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still waiting after 60 s", busy)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls cond with a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]int{}
	for _, g := range got {
		seen[g]++
	}
	for _, w := range want {
		if seen[w] == 0 {
			return false
		}
		seen[w]--
	}
	return true
}

func TestStaffRegistrationReachesWorkersAndMailpit(t *testing.T) {
	amqpURL := testenv.Require(t, testenv.AMQPURL, "RabbitMQ")
	mailEnv := mailpittest.ServerEnv(t)
	mailpit := mailpittest.Shared(t)
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			proxy, proxiedURL := brokertest.StartForURL(t, amqpURL)
			env := maps.Clone(mailEnv)
			env["AUTHD_BROKER_URL"] = proxiedURL
			s := apptest.New(t, driver, env)
			if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(ctx); err != nil {
				t.Fatal(err)
			}
			listener := startConsumer(t, amqpURL)
			if err := s.App.StartJobs(ctx); err != nil {
				t.Fatal(err)
			}
			run := strings.ToLower(secrets.HexID()[:10])

			// 1. Self-registration: the user e-mail sync message and user.created.
			self := "self." + run + "@example.com"
			c := s.Client()
			c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{
				"email": self, "password": "Amber-Canyon-Falcon-17", "first_name": "Sam", "last_name": "Reyes",
			})).Expect(t, http.StatusCreated)
			// A rejected registration changes nothing, so it must publish nothing.
			rejected := "rejected." + run + "@example.com"
			c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": rejected, "password": "password"})).Expect(t, http.StatusBadRequest)
			waitIdle(t, s)
			waitFor(t, "the self-registration messages", func() bool {
				tasks, events := listener.about(t, s, self)
				return len(tasks) >= 1 && len(events) >= 1
			})
			call := listener.call("notifications.sync_user_email", self)
			if call == nil || call.Kwargs["first_name"] != "Sam" || call.Kwargs["last_name"] != "Reyes" || call.Kwargs["is_active"] != true || len(call.Args) != 0 {
				t.Errorf("sync_user_email = %+v", call)
			}

			// 2. An invitation by a superuser: a new account with a tts role,
			// its sync messages and the invitation e-mail in Mailpit.
			admin := "admin." + run + "@example.com"
			n := &accounts.NewUser{Email: admin, Password: "Quiet-River-Stone-88", Status: model.StatusApproved, IsActive: true, IsStaff: true, IsSuperuser: true}
			if err := s.App.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := s.App.Accounts.CreateUser(ctx, tx, n, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			boss := s.Client()
			boss.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": admin, "password": "Quiet-River-Stone-88"})).Expect(t, http.StatusOK)
			role := &model.Role{}
			if err := s.App.DB.NewSelect().Model(role).Relation("System").Where("system.slug = 'tts'").Where("role.name = 'Asset Manager'").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			invited := "invited." + run + "@example.com"
			boss.Post("/api/v1/system-roles/invite/", apptest.Form(map[string]string{
				"email": invited, "role_id": strconv.FormatInt(role.ID, 10), "first_name": "Ivy", "last_name": "Santos",
			})).Expect(t, http.StatusCreated)
			waitIdle(t, s)
			waitFor(t, "the invitation messages", func() bool {
				tasks, events := listener.about(t, s, invited)
				return len(tasks) >= 2 && len(events) >= 2
			})
			waitFor(t, "the invitation e-mail", func() bool {
				return len(mailpit.To(t, invited)) > 0
			})
			if subjects := mailpit.Subjects(t, invited); len(subjects) != 1 || subjects[0] != "Invitation to Ticket Tracking System" {
				t.Errorf("e-mails to the invited person: %v", subjects)
			}
			assignment := listener.call("role.tasks.sync_user_system_role", invited)
			if assignment == nil || len(assignment.Args) != 1 {
				t.Fatalf("sync_user_system_role = %+v", assignment)
			}
			payload, _ := assignment.Args[0].(map[string]any)
			if payload["action"] != "create" || payload["system"] != "tts" || payload["role_name"] != "Asset Manager" || payload["user_full_name"] != "Ivy Santos" {
				t.Errorf("assignment payload = %v", payload)
			}

			// 3. The broker goes down: a registration still succeeds, and its
			// messages arrive once the broker is back.
			proxy.Cut()
			late := "late." + run + "@example.com"
			c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": late, "password": "Copper-Meadow-Trail-63"})).Expect(t, http.StatusCreated)
			waitFor(t, "the publish to fail while the broker is down", func() bool {
				_, failed, _ := s.App.Jobs.List(ctx, jobs.ListOptions{State: jobs.StateFailed, Limit: 1})
				return failed > 0
			})
			if tasks, _ := listener.about(t, s, late); len(tasks) != 0 {
				t.Errorf("messages arrived while the broker was cut: %v", tasks)
			}
			proxy.Restore()
			waitIdle(t, s)
			waitFor(t, "the messages after the broker is back", func() bool {
				tasks, events := listener.about(t, s, late)
				return len(tasks) >= 1 && len(events) >= 1
			})

			// Exactly the messages the spec lists, and none for the rejected
			// registration.
			for _, check := range []struct {
				marker      string
				tasks, evts []string
			}{
				{self, []string{"user-email-sync-queue notifications.sync_user_email"}, []string{"user.created"}},
				{invited, []string{"user-email-sync-queue notifications.sync_user_email", "tts.user_system_role.sync role.tasks.sync_user_system_role"}, []string{"user.created", "role.assigned"}},
				{late, []string{"user-email-sync-queue notifications.sync_user_email"}, []string{"user.created"}},
				{rejected, nil, nil},
			} {
				tasks, events := listener.about(t, s, check.marker)
				if !sameSet(tasks, check.tasks) || !sameSet(events, check.evts) {
					t.Errorf("%s: tasks %v and events %v, want %v and %v", check.marker, tasks, events, check.tasks, check.evts)
				}
			}
		})
	}
}
