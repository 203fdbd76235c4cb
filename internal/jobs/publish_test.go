package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/broker/brokertest"
	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func userEmailTask(id int64, email string) celery.Task {
	return celery.SyncUserEmail(celery.UserEmailData{UserID: id, Email: email, FirstName: "Ann", LastName: "Lee", IsActive: true})
}

func TestCeleryTaskPublishedOnCommit(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{brokerURL: "default"})
		queue := r.queue(celery.QueueUserEmailSync)
		task := userEmailTask(7, "ann@example.com")

		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 7), task)

		call := decodeCelery(t, r.admin.receive(queue, 1)[0])
		if call.Task != celery.TaskSyncUserEmail || call.ID != task.ID {
			t.Errorf("received %s %s, want %s %s", call.Task, call.ID, celery.TaskSyncUserEmail, task.ID)
		}
		if len(call.Args) != 0 {
			t.Errorf("args = %v, want []", call.Args)
		}
		want := map[string]any{"user_id": json.Number("7"), "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee", "is_active": true}
		for key, value := range want {
			if call.Kwargs[key] != value {
				t.Errorf("kwargs[%s] = %v, want %v", key, call.Kwargs[key], value)
			}
		}
		// The job completes just after the broker confirmed the message.
		var done []jobs.Job
		waitFor(t, "the job to be done", func() bool {
			done = r.jobs(jobs.StateDone)
			return len(done) > 0
		})
		if len(done) != 1 || done[0].Kind != jobs.KindCelery || done[0].Attempts != 1 {
			t.Errorf("done jobs = %+v, want the one celery_task after 1 attempt", done)
		}
	})
}

func TestRolledBackTransactionPublishesNothing(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{brokerURL: "default"})
		queue := r.queue(celery.QueueUserEmailSync)
		failure := errors.New("the change failed")

		err := db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			key := jobs.OrderingKey(celery.QueueUserEmailSync, "user", 1)
			if err := r.system.EnqueueCelery(ctx, tx, key, userEmailTask(1, "gone@example.com"), time.Time{}); err != nil {
				return err
			}
			return failure
		})
		if !errors.Is(err, failure) {
			t.Fatalf("InTx returned %v, want the change's error", err)
		}
		// A later committed job on the same queue arrives alone.
		marker := userEmailTask(2, "kept@example.com")
		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 2), marker)

		call := decodeCelery(t, r.admin.receive(queue, 1)[0])
		if call.ID != marker.ID {
			t.Errorf("received task %s, want only the committed task %s", call.ID, marker.ID)
		}
		// The marker's job completes just after its message is confirmed.
		waitFor(t, "every job to be done", func() bool {
			_, total, err := r.system.List(context.Background(), jobs.ListOptions{})
			return err == nil && total == 0
		})
		if done := r.jobs(jobs.StateDone); len(done) != 1 {
			t.Errorf("done jobs = %+v, want only the committed one", done)
		}
		var orderRows int64
		if orderRows, err = db.NewSelect().TableExpr("job_order").Count(context.Background()); err != nil || orderRows != 0 {
			t.Errorf("job_order holds %d rows (%v), want 0", orderRows, err)
		}
	})
}

func TestEventPublishedOnExchange(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{brokerURL: "default"})
		queue := r.admin.bindEvents(r.exchange)
		event := celery.NewEvent(celery.EventUserDeleted, storagetest.Epoch, &celery.Actor{Type: celery.ActorStaff, ID: 1},
			map[string]any{"id": 9, "email": "gone@example.com"})

		r.inTx(func(ctx context.Context, tx bun.Tx) error {
			return r.system.EnqueueEvent(ctx, tx, jobs.OrderingKey(r.exchange, "user", 9), event)
		})

		delivery := r.admin.receive(queue, 1)[0]
		if delivery.RoutingKey != celery.EventUserDeleted || delivery.MessageId != event.ID || delivery.Type != event.Type {
			t.Errorf("routing key %q, message id %q, type %q; want %s, %s, %s",
				delivery.RoutingKey, delivery.MessageId, delivery.Type, celery.EventUserDeleted, event.ID, event.Type)
		}
		var body map[string]any
		if err := json.Unmarshal(delivery.Body, &body); err != nil {
			t.Fatalf("event body %s: %v", delivery.Body, err)
		}
		if body["id"] != event.ID || body["type"] != celery.EventUserDeleted {
			t.Errorf("body id %v, type %v; want %s, %s", body["id"], body["type"], event.ID, celery.EventUserDeleted)
		}
		data, _ := body["data"].(map[string]any)
		if data["email"] != "gone@example.com" {
			t.Errorf("data = %v, want the deleted user's e-mail", data)
		}
	})
}

// proxiedRig returns a rig whose publisher reaches the broker through a
// proxy that the test can cut.
func proxiedRig(t *testing.T, db *storage.DB, opts rigOptions) (*rig, *brokertest.Proxy) {
	t.Helper()
	proxy, proxyURL := brokertest.StartForURL(t, brokerURL(t))
	opts.brokerURL = proxyURL
	return newRig(t, db, opts), proxy
}

func TestBrokerOutageLosesNothing(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{})
		queue := r.queue(celery.QueueUserEmailSync)

		before := userEmailTask(1, "before@example.com")
		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 1), before)
		r.admin.receive(queue, 1)

		proxy.Cut()
		var during []celery.Task
		for id := int64(10); id < 15; id++ {
			task := userEmailTask(id, "during@example.com")
			during = append(during, task)
			r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", id), task)
		}
		// Each job has failed once when it has an attempt and an error. Its
		// state alone is not enough: a retry may be running at that moment.
		waitFor(t, "the jobs written during the outage to fail", func() bool {
			failed := 0
			for _, job := range r.jobs("") {
				if job.Attempts >= 1 && job.LastError != nil && *job.LastError != "" {
					failed++
				}
			}
			return failed == len(during)
		})
		proxy.Restore()

		// The first retry comes a second after each failure.
		received := map[string]int{}
		for _, delivery := range r.admin.receive(queue, len(during)) {
			received[decodeCelery(t, delivery).ID]++
		}
		for _, task := range during {
			if received[task.ID] != 1 {
				t.Errorf("task %s arrived %d times, want once", task.ID, received[task.ID])
			}
		}
		waitFor(t, "every job to be done", func() bool {
			_, total, err := r.system.List(context.Background(), jobs.ListOptions{})
			return err == nil && total == 0
		})
	})
}

func TestOrderKeptAcrossFailure(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{})
		queue := r.queue(celery.QueueUserEmailSync)
		key := jobs.OrderingKey(celery.QueueUserEmailSync, "user", 3)
		other := jobs.OrderingKey(celery.QueueUserEmailSync, "user", 4)

		proxy.Cut()
		first := userEmailTask(3, "v1@example.com")
		r.enqueueTask(key, first)
		failed := waitFailed(t, r, 1)[0]

		second := userEmailTask(3, "v2@example.com")
		third := userEmailTask(3, "v3@example.com")
		r.enqueueTask(key, second)
		r.enqueueTask(key, third)
		// The later jobs of the key wait without an attempt: they are
		// inserted pending behind the failed one.
		pending := r.jobs(jobs.StatePending)
		if len(pending) != 2 || pending[0].Attempts != 0 || pending[1].Attempts != 0 {
			t.Fatalf("pending jobs = %+v, want the 2 later jobs without attempts", pending)
		}
		// Forced to run, the second job still waits for the first: it is
		// put back for later without an attempt.
		secondID := pending[1].ID
		if err := r.system.Retry(context.Background(), secondID); err != nil {
			t.Fatalf("Retry(%d): %v", secondID, err)
		}
		waitFor(t, "the second job to wait again", func() bool {
			job, err := r.system.Get(context.Background(), secondID)
			return err == nil && job.State == jobs.StatePending && job.Attempts == 0 && job.RunAfter.After(time.Now())
		})
		if got := r.jobs(jobs.StateFailed); len(got) != 1 || got[0].ID != failed.ID {
			t.Fatalf("failed jobs = %+v, want only job %d", got, failed.ID)
		}

		proxy.Restore()
		// An admin retry runs the failed job now instead of at its next
		// backoff time.
		if err := r.system.Retry(context.Background(), failed.ID); err != nil {
			t.Fatalf("Retry(%d): %v", failed.ID, err)
		}
		unrelated := userEmailTask(4, "other@example.com")
		r.enqueueTask(other, unrelated)

		var order []string
		for _, delivery := range r.admin.receive(queue, 4) {
			call := decodeCelery(t, delivery)
			if call.ID != unrelated.ID {
				order = append(order, call.Kwargs["email"].(string))
			}
		}
		want := []string{"v1@example.com", "v2@example.com", "v3@example.com"}
		if len(order) != len(want) {
			t.Fatalf("received %v for the key, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Errorf("message %d of the key is %s, want %s (order %v)", i+1, order[i], want[i], order)
			}
		}
	})
}

// waitFailed waits until n jobs are failed and returns them.
func waitFailed(t *testing.T, r *rig, n int) []jobs.Job {
	t.Helper()
	var failed []jobs.Job
	waitFor(t, "failed jobs", func() bool {
		failed = r.jobs(jobs.StateFailed)
		return len(failed) >= n
	})
	return failed
}
