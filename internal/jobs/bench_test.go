package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// waitCompleted polls until n jobs are completed. A sync job completes
// only after RabbitMQ confirmed its message, an e-mail job after the SMTP
// server accepted it.
func waitCompleted(b *testing.B, db *storage.DB, n int) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		done, err := db.NewSelect().TableExpr("river_job").Where("state = 'completed'").Count(context.Background())
		if err != nil {
			b.Fatalf("count completed jobs: %v", err)
		}
		if int(done) >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs completed after 10 minutes", done, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkCeleryEndToEnd writes b.N Celery task jobs, one transaction
// each, and waits until every one is published and confirmed by RabbitMQ.
// Keys are one per job (independent entities) or one for all (a single
// entity, published strictly in order).
func BenchmarkCeleryEndToEnd(b *testing.B) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		for _, workers := range []int{2, 8} {
			for _, keys := range []string{"key-per-job", "one-key"} {
				name := fmt.Sprintf("%s/workers=%d/%s", driver, workers, keys)
				b.Run(name, func(b *testing.B) {
					db := storagetest.Open(b, driver)
					r := newRig(b, db, rigOptions{brokerURL: "default", workers: workers})
					r.queue(celery.QueueUserEmailSync)
					ctx := context.Background()

					b.ResetTimer()
					started := time.Now()
					for i := range b.N {
						id := int64(i)
						if keys == "one-key" {
							id = 0
						}
						key := jobs.OrderingKey(celery.QueueUserEmailSync, "user", id)
						err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
							return r.system.EnqueueCelery(ctx, tx, key, userEmailTask(int64(i), "bench@example.com"), time.Time{})
						})
						if err != nil {
							b.Fatal(err)
						}
					}
					waitCompleted(b, db, b.N)
					elapsed := time.Since(started)
					b.StopTimer()
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
				})
			}
		}
	}
}

// BenchmarkEmailsToMailpit writes b.N e-mail jobs, one transaction each,
// and waits until the shared Mailpit accepted every one over SMTP.
func BenchmarkEmailsToMailpit(b *testing.B) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		for _, workers := range []int{2, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", driver, workers), func(b *testing.B) {
				sender, api := sharedMailpit(b)
				db := storagetest.Open(b, driver)
				r := newRig(b, db, rigOptions{mail: sender, workers: workers})
				recipient := api.Recipient(b, "jobs-bench")
				message := testMessage(recipient, "Benchmark")
				ctx := context.Background()

				b.ResetTimer()
				started := time.Now()
				for range b.N {
					err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						return r.system.EnqueueEmail(ctx, tx, "staff_otp", message, nil)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				waitCompleted(b, db, b.N)
				elapsed := time.Since(started)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "emails/s")
			})
		}
	}
}
