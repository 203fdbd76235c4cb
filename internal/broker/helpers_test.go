package broker_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/testenv"
)

// testTimeout bounds every broker call in the tests, so that a hang fails
// the test instead of stalling the run.
const testTimeout = 20 * time.Second

// brokerURL returns the RabbitMQ URL for the tests, or skips the test.
func brokerURL(t testing.TB) string {
	t.Helper()
	return testenv.Require(t, testenv.AMQPURL, "RabbitMQ")
}

// uniqueName returns prefix followed by a random suffix, so that parallel
// test runs on the shared broker never use the same queue or exchange.
func uniqueName(t testing.TB, prefix string) string {
	t.Helper()
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatalf("read random name suffix: %v", err)
	}
	return "authd-test." + prefix + "." + hex.EncodeToString(suffix)
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newPublisher returns a Publisher for rawURL that is closed when the test
// ends.
func newPublisher(t testing.TB, rawURL string, opts broker.Options) *broker.Publisher {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	publisher := broker.New(rawURL, opts)
	t.Cleanup(func() {
		if err := publisher.Close(); err != nil {
			t.Errorf("close publisher: %v", err)
		}
	})
	return publisher
}

// admin is the test's own connection to the broker, used to inspect and
// clean up what the publisher created.
type admin struct {
	t       testing.TB
	conn    *amqp.Connection
	channel *amqp.Channel
}

func newAdmin(t testing.TB, rawURL string) *admin {
	t.Helper()
	conn, err := amqp.Dial(rawURL)
	if err != nil {
		t.Fatalf("admin connection to RabbitMQ: %v", err)
	}
	a := &admin{t: t, conn: conn}
	a.channel = a.openChannel()
	t.Cleanup(func() { _ = conn.Close() })
	return a
}

func (a *admin) openChannel() *amqp.Channel {
	a.t.Helper()
	channel, err := a.conn.Channel()
	if err != nil {
		a.t.Fatalf("admin channel: %v", err)
	}
	return channel
}

// deleteLater deletes the queue and the exchange of that name when the
// test ends.
func (a *admin) deleteLater(queue, exchange string) {
	a.t.Cleanup(func() {
		channel, err := a.conn.Channel()
		if err != nil {
			a.t.Logf("cleanup: open channel: %v", err)
			return
		}
		defer channel.Close()
		if queue != "" {
			if _, err := channel.QueueDelete(queue, false, false, false); err != nil {
				a.t.Logf("cleanup: delete queue %s: %v", queue, err)
			}
		}
		if exchange != "" {
			if err := channel.ExchangeDelete(exchange, false, false); err != nil {
				a.t.Logf("cleanup: delete exchange %s: %v", exchange, err)
			}
		}
	})
}

// publishConfirmed publishes msg on a channel in confirm mode and waits for
// the broker's ack, so that the message is in its queue on return.
func (a *admin) publishConfirmed(exchange, routingKey string, msg amqp.Publishing) {
	a.t.Helper()
	channel := a.openChannel()
	defer channel.Close()
	if err := channel.Confirm(false); err != nil {
		a.t.Fatalf("admin confirm mode: %v", err)
	}
	confirmation, err := channel.PublishWithDeferredConfirm(exchange, routingKey, false, false, msg)
	if err != nil {
		a.t.Fatalf("admin publish to %s: %v", exchange, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	acked, err := confirmation.WaitContext(ctx)
	if err != nil || !acked {
		a.t.Fatalf("admin publish to %s was not acked: %v", exchange, err)
	}
}

// messageCount returns the number of ready messages in queue.
func (a *admin) messageCount(queue string) int {
	a.t.Helper()
	info, err := a.channel.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		a.t.Fatalf("inspect queue %s: %v", queue, err)
	}
	return info.Messages
}

// get removes one message from queue and fails the test when the queue is
// empty. A confirmed message is already in the queue, so no wait is needed.
func (a *admin) get(queue string) amqp.Delivery {
	a.t.Helper()
	delivery, ok, err := a.channel.Get(queue, true)
	if err != nil {
		a.t.Fatalf("get from %s: %v", queue, err)
	}
	if !ok {
		a.t.Fatalf("queue %s is empty, want a message", queue)
	}
	return delivery
}

// getAll removes every ready message from queue.
func (a *admin) getAll(queue string) []amqp.Delivery {
	a.t.Helper()
	var deliveries []amqp.Delivery
	for {
		delivery, ok, err := a.channel.Get(queue, true)
		if err != nil {
			a.t.Fatalf("get from %s: %v", queue, err)
		}
		if !ok {
			return deliveries
		}
		deliveries = append(deliveries, delivery)
	}
}

// testWriter writes log lines to the test log, which shows them only for a
// failed test or with -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logBuffer collects the text log output of a publisher.
type logBuffer struct {
	mu     sync.Mutex
	buffer bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buffer.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buffer.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
