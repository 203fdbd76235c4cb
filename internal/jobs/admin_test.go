package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// With a maximum age below the first retry delay, a sync job has a single
// attempt, so a broker outage makes it dead at once.
const oneAttempt = 500 * time.Millisecond

func TestDeadSyncJobRetriedByAdmin(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{maxAge: oneAttempt})
		queue := r.queue(celery.QueueUserEmailSync)
		ctx := context.Background()

		proxy.Cut()
		task := userEmailTask(5, "dead@example.com")
		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 5), task)
		var dead []jobs.Job
		waitFor(t, "the job to be dead", func() bool {
			dead = r.jobs(jobs.StateDead)
			return len(dead) == 1
		})
		if dead[0].LastError == nil || dead[0].Attempts != 1 {
			t.Errorf("dead job %+v: want one attempt and its error", dead[0])
		}
		if events := deadAudits(t, db); len(events) != 1 || events[0].Details["kind"] != jobs.KindCelery {
			t.Errorf("job.dead audit events = %+v, want one for the celery task", events)
		}

		proxy.Restore()
		if err := r.system.Retry(ctx, dead[0].ID); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		call := decodeCelery(t, r.admin.receive(queue, 1)[0])
		if call.ID != task.ID {
			t.Errorf("received task %s, want the retried task with its original id %s", call.ID, task.ID)
		}
		r.waitState(dead[0].ID, jobs.StateDone)

		if err := r.system.Retry(ctx, dead[0].ID); !errors.Is(err, jobs.ErrDone) {
			t.Errorf("Retry of a done job returned %v, want ErrDone", err)
		}
		if err := r.system.Retry(ctx, 987654); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Retry of an unknown job returned %v, want ErrNotFound", err)
		}
		if err := r.system.Discard(ctx, 987654); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Discard of an unknown job returned %v, want ErrNotFound", err)
		}
	})
}

func TestDiscardUnblocksLaterJobs(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{maxAge: oneAttempt})
		queue := r.queue(celery.QueueUserEmailSync)
		key := jobs.OrderingKey(celery.QueueUserEmailSync, "user", 6)

		proxy.Cut()
		r.enqueueTask(key, userEmailTask(6, "first@example.com"))
		var dead []jobs.Job
		waitFor(t, "the first job to be dead", func() bool {
			dead = r.jobs(jobs.StateDead)
			return len(dead) == 1
		})
		proxy.Restore()

		later := userEmailTask(6, "later@example.com")
		r.enqueueTask(key, later)
		// The later job waits behind the dead one instead of overtaking it.
		if pending := r.jobs(jobs.StatePending); len(pending) != 1 || pending[0].Attempts != 0 {
			t.Fatalf("pending jobs = %+v, want the later job without attempts", pending)
		}
		if n := r.admin.count(queue); n != 0 {
			t.Fatalf("%d messages published while the earlier job is dead, want 0", n)
		}

		if err := r.system.Discard(context.Background(), dead[0].ID); err != nil {
			t.Fatalf("Discard: %v", err)
		}
		call := decodeCelery(t, r.admin.receive(queue, 1)[0])
		if call.ID != later.ID {
			t.Errorf("received %s, want the later task %s", call.ID, later.ID)
		}
		if _, err := r.system.Get(context.Background(), dead[0].ID); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Get of the discarded job returned %v, want ErrNotFound", err)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{workers: -1})
		for id := int64(1); id <= 5; id++ {
			r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", id), userEmailTask(id, "list@example.com"))
		}
		ctx := context.Background()

		page, total, err := r.system.List(ctx, jobs.ListOptions{State: jobs.StatePending, Limit: 2})
		if err != nil || total != 5 || len(page) != 2 {
			t.Fatalf("first page: %d jobs of %d, %v; want 2 of 5", len(page), total, err)
		}
		if page[0].ID <= page[1].ID || page[0].State != jobs.StatePending || page[0].Kind != jobs.KindCelery {
			t.Errorf("first page %+v: want the newest pending celery_task jobs first", page)
		}
		if page[0].Summary != "notifications.sync_user_email to user-email-sync-queue for user 5" {
			t.Errorf("summary = %q", page[0].Summary)
		}
		next, _, err := r.system.List(ctx, jobs.ListOptions{State: jobs.StatePending, Limit: 10, BeforeID: page[1].ID})
		if err != nil || len(next) != 3 || next[0].ID >= page[1].ID {
			t.Errorf("next page: %+v, %v; want the 3 older jobs", next, err)
		}
		for _, state := range []jobs.State{jobs.StateFailed, jobs.StateDead, jobs.StateRunning, jobs.StateDone} {
			if list, total, err := r.system.List(ctx, jobs.ListOptions{State: state}); err != nil || total != 0 || len(list) != 0 {
				t.Errorf("List(%s) = %d jobs of %d, %v; want none", state, len(list), total, err)
			}
		}
		if _, err := jobs.ParseState("stuck"); err == nil {
			t.Error("ParseState accepted an unknown state")
		}
	})
}

func TestMaintenanceRepairsStrandedOrder(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{workers: -1})
		ctx := context.Background()
		key := jobs.OrderingKey(celery.QueueUserEmailSync, "user", 8)
		r.enqueueTask(key, userEmailTask(8, "first@example.com"))
		r.enqueueTask(key, userEmailTask(8, "second@example.com"))
		list := r.jobs(jobs.StatePending)
		first, second := list[1].ID, list[0].ID

		// A job deleted behind the job system's back leaves its ordering
		// row, and nothing wakes the job after it.
		if _, err := db.NewDelete().TableExpr("river_job").Where("id = ?", first).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := r.system.RunMaintenance(ctx); err != nil {
				t.Fatalf("RunMaintenance: %v", err)
			}
		}

		row, err := r.system.Client().JobGet(ctx, second)
		if err != nil {
			t.Fatalf("JobGet(%d): %v", second, err)
		}
		if row.State != "available" {
			t.Errorf("the stranded job is %s after maintenance, want available", row.State)
		}
		if n := countRows(t, db, "job_order"); n != 1 {
			t.Errorf("job_order holds %d rows, want only the woken job's", n)
		}
	})
}
