package broker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/broker/brokertest"
)

// outageSetup returns a publisher that reaches the broker through a proxy,
// the proxy, an admin connection that bypasses it, and a unique queue.
func outageSetup(t *testing.T, opts broker.Options) (*broker.Publisher, *brokertest.Proxy, *admin, string) {
	t.Helper()
	rawURL := brokerURL(t)
	admin := newAdmin(t, rawURL)
	queue := uniqueName(t, "outage")
	admin.deleteLater(queue, queue)

	proxy, proxyURL := brokertest.StartForURL(t, rawURL)
	publisher := newPublisher(t, proxyURL, opts)
	return publisher, proxy, admin, queue
}

// checkDelivered fails the test unless queue holds exactly one message for
// each id.
func checkDelivered(t *testing.T, admin *admin, queue string, ids []string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, delivery := range admin.getAll(queue) {
		if !want[delivery.CorrelationId] {
			t.Errorf("unexpected or duplicate message %s", delivery.CorrelationId)
		}
		delete(want, delivery.CorrelationId)
	}
	for id := range want {
		t.Errorf("confirmed message %s is missing from the queue", id)
	}
}

func TestPublishReconnectsAfterCut(t *testing.T) {
	publisher, proxy, admin, queue := outageSetup(t, broker.Options{})
	ctx := testContext(t)

	var ids []string
	for range 3 {
		task, out := taskFor(t, queue)
		if err := publisher.Publish(ctx, out); err != nil {
			t.Fatalf("Publish before the outage returned error: %v", err)
		}
		ids = append(ids, task.ID)
	}

	proxy.Cut()

	// Publishing while the link is cut fails with a connection error well
	// before the context ends. The first attempt may still see the old
	// connection, which fails as soon as its socket reports the close.
	pending, out := taskFor(t, queue)
	for attempt := range 2 {
		err := publisher.Publish(ctx, out)
		if err == nil {
			t.Fatalf("Publish attempt %d while the link is cut returned nil, want an error", attempt+1)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, broker.ErrTimeout) {
			t.Fatalf("Publish attempt %d while the link is cut timed out instead of failing fast: %v", attempt+1, err)
		}
	}
	if err := publisher.Ping(ctx); err == nil {
		t.Error("Ping while the link is cut returned nil, want an error")
	}

	proxy.Restore()

	// The job system retries the failed message with the same task id.
	if err := publisher.Publish(ctx, out); err != nil {
		t.Fatalf("Publish after the link was restored returned error: %v", err)
	}
	ids = append(ids, pending.ID)
	for range 2 {
		task, out := taskFor(t, queue)
		if err := publisher.Publish(ctx, out); err != nil {
			t.Fatalf("Publish after the outage returned error: %v", err)
		}
		ids = append(ids, task.ID)
	}
	if n := proxy.Connections(); n != 1 {
		t.Errorf("proxy has %d open connections after the reconnect, want 1", n)
	}

	checkDelivered(t, admin, queue, ids)
}

func TestPublishFailsWhenBrokerDownAtStart(t *testing.T) {
	publisher, proxy, admin, queue := outageSetup(t, broker.Options{})
	proxy.Cut()

	task, out := taskFor(t, queue)
	err := publisher.Publish(testContext(t), out)
	if err == nil {
		t.Fatal("Publish with the link cut returned nil, want an error")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish with the link cut timed out instead of failing fast: %v", err)
	}

	proxy.Restore()
	if err := publisher.Publish(testContext(t), out); err != nil {
		t.Fatalf("Publish after the link was restored returned error: %v", err)
	}
	checkDelivered(t, admin, queue, []string{task.ID})
}

func TestPublishConfirmTimeout(t *testing.T) {
	// With one channel, the stalled publish reuses the open channel and
	// times out waiting for the confirm. With two, it times out opening the
	// second channel.
	tests := []struct {
		name     string
		channels int
		wantText string
	}{
		{"waiting for confirm", 1, "wait for the broker's confirm"},
		{"opening a channel", 2, "open a channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			publisher, proxy, admin, queue := outageSetup(t, broker.Options{
				ConfirmTimeout: 2 * time.Second,
				Channels:       tc.channels,
			})
			ctx := testContext(t)

			first, out := taskFor(t, queue)
			if err := publisher.Publish(ctx, out); err != nil {
				t.Fatalf("Publish before the stall returned error: %v", err)
			}

			proxy.Stall()
			stalled, out := taskFor(t, queue)
			err := publisher.Publish(ctx, out)
			if !errors.Is(err, broker.ErrTimeout) {
				t.Fatalf("Publish on a stalled link returned %v, want ErrTimeout", err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not contain %q", err, tc.wantText)
			}
			proxy.Restore()

			// The timed-out message may or may not have reached the queue.
			// The job system retries it with the same id, so it arrives at
			// least once.
			if err := publisher.Publish(ctx, out); err != nil {
				t.Fatalf("retry after the stall returned error: %v", err)
			}

			counts := map[string]int{}
			for _, delivery := range admin.getAll(queue) {
				counts[delivery.CorrelationId]++
			}
			if counts[first.ID] != 1 {
				t.Errorf("first message arrived %d times, want 1", counts[first.ID])
			}
			if counts[stalled.ID] < 1 {
				t.Errorf("timed-out message arrived %d times after its retry, want at least 1", counts[stalled.ID])
			}
		})
	}
}

func TestPublishDialTimeout(t *testing.T) {
	publisher, proxy, admin, queue := outageSetup(t, broker.Options{DialTimeout: 2 * time.Second})

	// A stalled link accepts the TCP connection but never completes the
	// AMQP handshake.
	proxy.Stall()
	task, out := taskFor(t, queue)
	err := publisher.Publish(testContext(t), out)
	if err == nil {
		t.Fatal("Publish with a stalled handshake returned nil, want an error")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish waited for the test context instead of the dial timeout: %v", err)
	}

	proxy.Restore()
	if err := publisher.Publish(testContext(t), out); err != nil {
		t.Fatalf("Publish after the link was restored returned error: %v", err)
	}
	checkDelivered(t, admin, queue, []string{task.ID})
}

func TestPublishContextDeadlineBoundsDial(t *testing.T) {
	publisher, proxy, _, queue := outageSetup(t, broker.Options{DialTimeout: time.Minute})
	proxy.Stall()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, out := taskFor(t, queue)
	if err := publisher.Publish(ctx, out); err == nil {
		t.Fatal("Publish with a stalled handshake returned nil, want an error")
	}
	proxy.Restore()
}
