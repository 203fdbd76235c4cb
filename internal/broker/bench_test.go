package broker_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mapactive/authd/internal/broker"
)

// BenchmarkPublish measures confirmed publishes of one persistent Celery
// task message to a durable queue, one at a time and from several
// goroutines. It reports msgs/s next to ns/op.
func BenchmarkPublish(b *testing.B) {
	rawURL := brokerURL(b)
	admin := newAdmin(b, rawURL)
	queue := uniqueName(b, "bench")
	admin.deleteLater(queue, queue)
	publisher := newPublisher(b, rawURL, broker.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	_, out := taskFor(b, queue)

	// The first publish connects and declares the queue.
	if err := publisher.Publish(ctx, out); err != nil {
		b.Fatalf("Publish returned error: %v", err)
	}

	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			if err := publisher.Publish(ctx, out); err != nil {
				b.Fatalf("Publish returned error: %v", err)
			}
		}
		reportRate(b)
		purge(b, admin, queue)
	})

	for _, goroutines := range []int{8} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			var next atomic.Int64
			var failures atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range goroutines {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := publisher.Publish(ctx, out); err != nil {
							failures.Add(1)
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if n := failures.Load(); n > 0 {
				b.Fatalf("%d of %d publishes failed", n, b.N)
			}
			reportRate(b)
			purge(b, admin, queue)
		})
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func purge(b *testing.B, admin *admin, queue string) {
	if _, err := admin.channel.QueuePurge(queue, false); err != nil {
		b.Fatalf("purge queue %s: %v", queue, err)
	}
}
