package broker_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
)

// taskFor returns a workflow seed task sent to queue, with a new task id.
func taskFor(t testing.TB, queue string) (celery.Task, broker.Outgoing) {
	t.Helper()
	task := celery.SeedWorkflows()
	task.Queue = queue
	out, err := broker.TaskOutgoing(task, testSender)
	if err != nil {
		t.Fatalf("TaskOutgoing returned error: %v", err)
	}
	return task, out
}

func TestPublishUnroutableTask(t *testing.T) {
	rawURL := brokerURL(t)
	ctx := testContext(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "unroutable")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(t, rawURL, broker.Options{})

	_, first := taskFor(t, queue)
	if err := publisher.Publish(ctx, first); err != nil {
		t.Fatalf("first Publish returned error: %v", err)
	}

	// Deleting the queue leaves the exchange without a binding, so the next
	// message on the same connection, whose topology is cached, is returned.
	if _, err := admin.channel.QueueDelete(queue, false, false, false); err != nil {
		t.Fatalf("delete queue: %v", err)
	}
	_, lost := taskFor(t, queue)
	err := publisher.Publish(ctx, lost)
	if !errors.Is(err, broker.ErrUnroutable) {
		t.Fatalf("Publish to an exchange without binding returned %v, want ErrUnroutable", err)
	}
	if !strings.Contains(err.Error(), "312 NO_ROUTE") {
		t.Errorf("error %q does not name the reply code 312 NO_ROUTE", err)
	}

	// The retry declares the queue again and succeeds.
	retried, retry := taskFor(t, queue)
	if err := publisher.Publish(ctx, retry); err != nil {
		t.Fatalf("Publish after the unroutable one returned error: %v", err)
	}
	deliveries := admin.getAll(queue)
	if len(deliveries) != 1 || deliveries[0].CorrelationId != retried.ID {
		t.Errorf("queue has %d messages, want only the retried task %s", len(deliveries), retried.ID)
	}
}

func TestPublishTopologyConflict(t *testing.T) {
	rawURL := brokerURL(t)
	ctx := testContext(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "conflict")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(t, rawURL, broker.Options{})

	// A queue declared with arguments conflicts with Celery's declaration.
	if _, err := admin.channel.QueueDeclare(queue, true, false, false, false, amqp.Table{"x-max-priority": int32(10)}); err != nil {
		t.Fatalf("declare queue with arguments: %v", err)
	}
	_, out := taskFor(t, queue)
	err := publisher.Publish(ctx, out)
	if err == nil {
		t.Fatal("Publish to a queue declared with other arguments returned nil, want an error")
	}
	var amqpErr *amqp.Error
	if !errors.As(err, &amqpErr) || amqpErr.Code != amqp.PreconditionFailed {
		t.Errorf("Publish returned %v, want a PRECONDITION_FAILED error", err)
	}

	// The failed declaration closed one channel only: another queue works.
	other := uniqueName(t, "after-conflict")
	admin.deleteLater(other, other)
	_, next := taskFor(t, other)
	if err := publisher.Publish(ctx, next); err != nil {
		t.Fatalf("Publish to another queue after the conflict returned error: %v", err)
	}
}

func TestPublishConcurrent(t *testing.T) {
	rawURL := brokerURL(t)
	ctx := testContext(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "concurrent")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(t, rawURL, broker.Options{Channels: 4})

	const goroutines, perGoroutine = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perGoroutine)
	ids := make(chan string, goroutines*perGoroutine)
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				task, out := taskFor(t, queue)
				if err := publisher.Publish(ctx, out); err != nil {
					errs <- err
					continue
				}
				ids <- task.ID
			}
		})
	}
	wg.Wait()
	close(errs)
	close(ids)

	for err := range errs {
		t.Errorf("concurrent Publish returned error: %v", err)
	}
	want := map[string]bool{}
	for id := range ids {
		want[id] = true
	}
	for _, delivery := range admin.getAll(queue) {
		if !want[delivery.CorrelationId] {
			t.Errorf("unexpected or duplicate message %s", delivery.CorrelationId)
		}
		delete(want, delivery.CorrelationId)
	}
	if len(want) != 0 {
		t.Errorf("%d confirmed messages are missing from the queue", len(want))
	}
}

func TestPublishInvalidOutgoing(t *testing.T) {
	publisher := broker.New("amqp://guest:guest@127.0.0.1:1/", broker.Options{})
	defer publisher.Close()

	tests := []struct {
		name string
		out  broker.Outgoing
		want string
	}{
		{"no destination", broker.Outgoing{}, "set Queue for a task or EventType for an event"},
		{"two destinations", broker.Outgoing{Queue: "q", EventType: "user.created"}, "both Queue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := publisher.Publish(context.Background(), tc.out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Publish returned %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPublishAfterClose(t *testing.T) {
	rawURL := brokerURL(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "closed")
	admin.deleteLater(queue, queue)
	publisher := broker.New(rawURL, broker.Options{})

	_, out := taskFor(t, queue)
	if err := publisher.Publish(testContext(t), out); err != nil {
		t.Fatalf("Publish returned error: %v", err)
	}
	if err := publisher.Close(); err != nil {
		t.Fatalf("Close returned error: %v", err)
	}
	if err := publisher.Close(); err != nil {
		t.Errorf("second Close returned error: %v", err)
	}

	if err := publisher.Publish(testContext(t), out); !errors.Is(err, broker.ErrClosed) {
		t.Errorf("Publish after Close returned %v, want ErrClosed", err)
	}
	if err := publisher.Ping(testContext(t)); !errors.Is(err, broker.ErrClosed) {
		t.Errorf("Ping after Close returned %v, want ErrClosed", err)
	}
}

func TestPingReachableBroker(t *testing.T) {
	publisher := newPublisher(t, brokerURL(t), broker.Options{})
	if err := publisher.Ping(testContext(t)); err != nil {
		t.Fatalf("Ping returned error: %v", err)
	}
}

func TestPasswordNotInLogsOrErrors(t *testing.T) {
	rawURL := brokerURL(t)
	parsed, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse broker URL: %v", err)
	}
	secret := uniqueName(t, "secret-password")
	parsed.User = url.UserPassword(parsed.User.Username(), secret)

	var logs logBuffer
	publisher := newPublisher(t, parsed.String(), broker.Options{Logger: logs.logger()})

	_, out := taskFor(t, "never-declared")
	err = publisher.Publish(testContext(t), out)
	if err == nil {
		t.Fatal("Publish with a wrong password returned nil, want an error")
	}
	if err := publisher.Ping(testContext(t)); err == nil {
		t.Error("Ping with a wrong password returned nil, want an error")
	}

	if strings.Contains(err.Error(), secret) {
		t.Errorf("error contains the password: %v", err)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("logs contain the password:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "RabbitMQ is unreachable") {
		t.Errorf("logs do not report the failed connection:\n%s", logs.String())
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%s:xxxxx@", parsed.User.Username())) {
		t.Errorf("error %q does not show the URL with a redacted password", err)
	}
}
