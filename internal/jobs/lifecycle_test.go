package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func TestStopReturnsRunningJobToQueue(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r, proxy := proxiedRig(t, db, rigOptions{stopAfter: 300 * time.Millisecond})
		queue := r.queue(celery.QueueUserEmailSync)

		// A stalled link holds the publisher's connection handshake, so the
		// publish hangs until its dial timeout (2 s), longer than the stop
		// timeout.
		proxy.Stall()
		stuck := userEmailTask(2, "stuck@example.com")
		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 2), stuck)
		var running []jobs.Job
		waitFor(t, "the job to be running", func() bool {
			running = r.jobs(jobs.StateRunning)
			return len(running) == 1
		})

		started := time.Now()
		if err := r.system.Stop(context.Background()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if elapsed := time.Since(started); elapsed > 4*time.Second {
			t.Errorf("Stop took %s, want about the 300 ms stop timeout", elapsed)
		}
		job, err := r.system.Get(context.Background(), running[0].ID)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		// River puts a job cancelled by a shutdown back without counting the
		// attempt.
		if job.State != jobs.StatePending || job.Attempts != 0 {
			t.Errorf("job after Stop is %s after %d attempts, want pending after 0", job.State, job.Attempts)
		}

		// Another process picks the job up once the link is back.
		proxy.Restore()
		newRig(t, db, rigOptions{brokerURL: "default", prefix: r.prefix}).waitState(job.ID, jobs.StateDone)
		if call := decodeCelery(t, r.admin.receive(queue, 1)[0]); call.ID != stuck.ID {
			t.Errorf("received %s, want the returned task %s", call.ID, stuck.ID)
		}
	})
}

func TestSyncJobsWaitWithoutBroker(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{})
		r.enqueueTask(jobs.OrderingKey(celery.QueueUserEmailSync, "user", 1), userEmailTask(1, "wait@example.com"))

		waitFor(t, "the job to wait for a broker", func() bool {
			pending := r.jobs(jobs.StatePending)
			return len(pending) == 1 && pending[0].RunAfter.After(time.Now().Add(10*time.Minute))
		})
		if failed := r.jobs(jobs.StateFailed); len(failed) != 0 {
			t.Errorf("failed jobs = %+v, want none: without a broker, sync jobs wait", failed)
		}
	})
}
