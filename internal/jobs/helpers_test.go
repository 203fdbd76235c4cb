package jobs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
	"github.com/mapactive/authd/internal/testenv"
)

// deliveryTimeout bounds every wait for asynchronous delivery.
const deliveryTimeout = 60 * time.Second

// pollInterval is the pause between two checks while a test waits for a
// job to reach a state or a message to arrive.
const pollInterval = 20 * time.Millisecond

var testSender = celery.Sender{ReplyTo: "5b0cf7f1-2c3d-4e5f-8a9b-0c1d2e3f4a5b", Origin: "authd@jobs-test"}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// randomName returns prefix and a random suffix, unique across parallel
// test processes that share the broker.
func randomName(prefix string) string {
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	return prefix + hex.EncodeToString(suffix)
}

// rig is one System on one database with its broker plumbing.
type rig struct {
	t        testing.TB
	db       *storage.DB
	system   *jobs.System
	clock    *clock.Fake
	prefix   string // Celery queue prefix of this rig
	exchange string // events exchange of this rig
	mail     *mail.MemorySender
	admin    *amqpAdmin // nil without a broker
}

// rigOptions adjusts a rig.
type rigOptions struct {
	brokerURL string // "" for no broker (sync off); "default" for the test broker
	workers   int    // 0 means 2; -1 means insert-only
	mail      mail.Sender
	maxAge    time.Duration
	stopAfter time.Duration // zero means the default
	prefix    string        // Celery queue prefix; empty means a new one
}

// newRig builds and starts a System on db.
func newRig(t testing.TB, db *storage.DB, opts rigOptions) *rig {
	t.Helper()
	r := &rig{
		t:        t,
		db:       db,
		clock:    clock.NewFake(storagetest.Epoch),
		prefix:   randomName("authd-test.jobs.") + ".",
		exchange: randomName("authd-test.events."),
		mail:     mail.NewMemorySender(mail.Address{Email: "noreply@authd.test"}),
	}
	if opts.prefix != "" {
		r.prefix = opts.prefix
	}

	workers := opts.workers
	if workers == 0 {
		workers = 2
	}
	if workers < 0 {
		workers = 0
	}

	options := jobs.Options{
		DB:           db,
		Logger:       testLogger(t),
		Now:          r.clock.Now,
		Workers:      workers,
		MaxAge:       opts.maxAge,
		StopTimeout:  opts.stopAfter,
		CelerySender: testSender,
		Mail:         r.mail,
		Keyring:      secrets.NewKeyring("jobs-test-secret-key", nil),
		QueuePrefix:  r.prefix,
		TestOnly:     true,
		// Tests run purges themselves and count the jobs they write.
		MaintenanceInterval: -1,
	}
	if opts.mail != nil {
		options.Mail = opts.mail
	}

	if opts.brokerURL != "" {
		url := opts.brokerURL
		if url == "default" {
			url = brokerURL(t)
		}
		r.admin = newAMQPAdmin(t, brokerURL(t))
		publisher := broker.New(url, broker.Options{Logger: testLogger(t), EventsExchange: r.exchange,
			DialTimeout: 2 * time.Second, ConfirmTimeout: 5 * time.Second})
		t.Cleanup(func() { _ = publisher.Close() })
		options.Publisher = publisher
	}

	ctx := context.Background()
	system, err := jobs.New(ctx, options)
	if err != nil {
		t.Fatalf("jobs.New: %v", err)
	}
	r.system = system
	if err := system.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := system.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return r
}

func brokerURL(t testing.TB) string {
	t.Helper()
	return testenv.Require(t, testenv.AMQPURL, "RabbitMQ")
}

// inTx runs fn in a transaction of the rig's database and fails the test
// on an error.
func (r *rig) inTx(fn func(ctx context.Context, tx bun.Tx) error) {
	r.t.Helper()
	if err := r.db.InTx(context.Background(), fn); err != nil {
		r.t.Fatalf("transaction: %v", err)
	}
}

// enqueueTask writes task for key in its own transaction.
func (r *rig) enqueueTask(key string, task celery.Task) {
	r.t.Helper()
	r.inTx(func(ctx context.Context, tx bun.Tx) error {
		return r.system.EnqueueCelery(ctx, tx, key, task, time.Time{})
	})
}

// queue returns the name this rig publishes Celery queue q under, and
// makes sure the queue exists before anything is published, so that the
// test can read it and delete it at the end.
func (r *rig) queue(q string) string {
	r.t.Helper()
	name := r.prefix + q
	r.admin.declareCeleryQueue(name)
	return name
}

// waitFor polls check until it returns true or the deadline passes.
func waitFor(t testing.TB, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", deliveryTimeout, what)
		}
		time.Sleep(pollInterval)
	}
}

// waitState waits until job id is in state.
func (r *rig) waitState(id int64, state jobs.State) *jobs.Job {
	r.t.Helper()
	var job *jobs.Job
	waitFor(r.t, "job to be "+string(state), func() bool {
		var err error
		job, err = r.system.Get(context.Background(), id)
		if err != nil {
			r.t.Fatalf("Get(%d): %v", id, err)
		}
		return job.State == state
	})
	return job
}

// jobs lists the jobs of state.
func (r *rig) jobs(state jobs.State) []jobs.Job {
	r.t.Helper()
	list, _, err := r.system.List(context.Background(), jobs.ListOptions{State: state})
	if err != nil {
		r.t.Fatalf("List(%s): %v", state, err)
	}
	return list
}

// amqpAdmin is the test's own connection to the broker, which reads and
// cleans up what the System publishes.
type amqpAdmin struct {
	t       testing.TB
	conn    *amqp.Connection
	channel *amqp.Channel
}

func newAMQPAdmin(t testing.TB, rawURL string) *amqpAdmin {
	t.Helper()
	conn, err := amqp.Dial(rawURL)
	if err != nil {
		t.Fatalf("connect to RabbitMQ: %v", err)
	}
	channel, err := conn.Channel()
	if err != nil {
		t.Fatalf("open a RabbitMQ channel: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &amqpAdmin{t: t, conn: conn, channel: channel}
}

// declareCeleryQueue declares queue as Celery (and the publisher) does,
// and deletes it and its exchange when the test ends.
func (a *amqpAdmin) declareCeleryQueue(queue string) {
	a.t.Helper()
	if err := a.channel.ExchangeDeclare(queue, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
		a.t.Fatalf("declare exchange %s: %v", queue, err)
	}
	if _, err := a.channel.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		a.t.Fatalf("declare queue %s: %v", queue, err)
	}
	if err := a.channel.QueueBind(queue, queue, queue, false, nil); err != nil {
		a.t.Fatalf("bind queue %s: %v", queue, err)
	}
	a.t.Cleanup(func() { a.delete(queue, queue) })
}

// bindEvents declares the events exchange and a queue that receives every
// event on it, and returns the queue.
func (a *amqpAdmin) bindEvents(exchange string) string {
	a.t.Helper()
	if err := a.channel.ExchangeDeclare(exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		a.t.Fatalf("declare exchange %s: %v", exchange, err)
	}
	queue := exchange + ".all"
	if _, err := a.channel.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		a.t.Fatalf("declare queue %s: %v", queue, err)
	}
	if err := a.channel.QueueBind(queue, "#", exchange, false, nil); err != nil {
		a.t.Fatalf("bind queue %s: %v", queue, err)
	}
	a.t.Cleanup(func() { a.delete(queue, exchange) })
	return queue
}

func (a *amqpAdmin) delete(queue, exchange string) {
	channel, err := a.conn.Channel()
	if err != nil {
		return
	}
	defer channel.Close()
	_, _ = channel.QueueDelete(queue, false, false, false)
	_ = channel.ExchangeDelete(exchange, false, false)
}

// receive waits until n messages arrived in queue and returns them in
// arrival order. It fails on a deadline and when more than n arrived.
func (a *amqpAdmin) receive(queue string, n int) []amqp.Delivery {
	a.t.Helper()
	var got []amqp.Delivery
	waitFor(a.t, "messages on "+queue, func() bool {
		for {
			delivery, ok, err := a.channel.Get(queue, true)
			if err != nil {
				a.t.Fatalf("read %s: %v", queue, err)
			}
			if !ok {
				break
			}
			got = append(got, delivery)
		}
		return len(got) >= n
	})
	if len(got) > n {
		a.t.Fatalf("%s holds %d messages, want %d", queue, len(got), n)
	}
	return got
}

// count returns the number of ready messages in queue.
func (a *amqpAdmin) count(queue string) int {
	a.t.Helper()
	info, err := a.channel.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		a.t.Fatalf("inspect %s: %v", queue, err)
	}
	return info.Messages
}

// celeryCall is a task message decoded as a Celery worker decodes it.
type celeryCall struct {
	Task   string
	ID     string
	Args   []any
	Kwargs map[string]any
}

// decodeCelery checks what a Celery protocol v2 worker relies on (content
// type and encoding, the task and id headers, the correlation id, the body
// [args, kwargs, embed]) and returns the call. Numbers decode as
// json.Number.
func decodeCelery(t testing.TB, delivery amqp.Delivery) celeryCall {
	t.Helper()
	if delivery.ContentType != "application/json" || delivery.ContentEncoding != "utf-8" {
		t.Errorf("content type %q, encoding %q, want application/json and utf-8", delivery.ContentType, delivery.ContentEncoding)
	}
	if delivery.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery_mode = %d, want 2 (persistent)", delivery.DeliveryMode)
	}
	name, _ := delivery.Headers["task"].(string)
	id, _ := delivery.Headers["id"].(string)
	if lang, _ := delivery.Headers["lang"].(string); lang != "py" {
		t.Errorf("header lang = %v, want py", delivery.Headers["lang"])
	}
	if root, _ := delivery.Headers["root_id"].(string); root != id {
		t.Errorf("header root_id = %v, want the task id %s", delivery.Headers["root_id"], id)
	}
	if delivery.CorrelationId != id || id == "" {
		t.Errorf("correlation_id %q and header id %q must be the same task id", delivery.CorrelationId, id)
	}
	if delivery.ReplyTo != testSender.ReplyTo {
		t.Errorf("reply_to = %q, want %s", delivery.ReplyTo, testSender.ReplyTo)
	}

	decoder := json.NewDecoder(bytes.NewReader(delivery.Body))
	decoder.UseNumber()
	var body []json.RawMessage
	if err := decoder.Decode(&body); err != nil || len(body) != 3 {
		t.Fatalf("body %s is not [args, kwargs, embed]: %v", delivery.Body, err)
	}
	call := celeryCall{Task: name, ID: id}
	decodeNumbers(t, body[0], &call.Args)
	decodeNumbers(t, body[1], &call.Kwargs)
	var embed map[string]any
	decodeNumbers(t, body[2], &embed)
	for _, key := range []string{"callbacks", "errbacks", "chain", "chord"} {
		if value, ok := embed[key]; !ok || value != nil {
			t.Errorf("embed %s = %v, want null", key, value)
		}
	}
	return call
}

func decodeNumbers(t testing.TB, raw json.RawMessage, into any) {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	if err := decoder.Decode(into); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// payload returns the only positional argument of a call as an object.
func (c celeryCall) payload(t testing.TB) map[string]any {
	t.Helper()
	if len(c.Args) != 1 {
		t.Fatalf("%s has %d positional arguments, want 1", c.Task, len(c.Args))
	}
	object, ok := c.Args[0].(map[string]any)
	if !ok {
		t.Fatalf("%s argument is %T, want an object", c.Task, c.Args[0])
	}
	return object
}
