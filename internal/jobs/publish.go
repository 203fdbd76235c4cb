package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/mapactive/authd/internal/broker"
)

// celeryWorker publishes Celery task messages.
type celeryWorker struct {
	river.WorkerDefaults[CeleryArgs]
	s *System
}

// NextRetry applies the sync schedule.
func (w *celeryWorker) NextRetry(job *river.Job[CeleryArgs]) time.Time {
	return w.s.nextSyncRetry(job.JobRow)
}

// Work publishes the task once every earlier job of its key is done.
func (w *celeryWorker) Work(ctx context.Context, job *river.Job[CeleryArgs]) error {
	task := job.Args.Task
	task.Queue = w.s.prefix + task.Queue
	out, err := broker.TaskOutgoing(task, w.s.sender)
	if err != nil {
		return w.s.failure(ctx, job.JobRow, err, true)
	}
	return publishOrdered(ctx, w.s, job, job.Args.OrderingKey, out)
}

// eventWorker publishes domain events.
type eventWorker struct {
	river.WorkerDefaults[EventArgs]
	s *System
}

// NextRetry applies the sync schedule.
func (w *eventWorker) NextRetry(job *river.Job[EventArgs]) time.Time {
	return w.s.nextSyncRetry(job.JobRow)
}

// Work publishes the event once every earlier job of its key is done.
func (w *eventWorker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	out, err := broker.EventOutgoing(job.Args.Event)
	if err != nil {
		return w.s.failure(ctx, job.JobRow, err, true)
	}
	return publishOrdered(ctx, w.s, job, job.Args.OrderingKey, out)
}

// publishOrdered publishes out for job after the earlier jobs of key, and
// completes the job in the transaction that removes its ordering row. When
// the completion fails after a confirmed publish, River runs the job again
// and the message is sent twice with the same id: delivery is at least
// once.
func publishOrdered[T river.JobArgs](ctx context.Context, s *System, job *river.Job[T], key string, out broker.Outgoing) error {
	if s.publisher == nil {
		s.logNoPublisher(job.ID)
		return river.JobSnooze(waitForDead)
	}
	wait, err := s.gate(ctx, job.ID, key)
	if err != nil {
		return s.failure(ctx, job.JobRow, err, false)
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	if err := s.publisher.Publish(ctx, out); err != nil {
		return s.failure(ctx, job.JobRow, err, false)
	}
	if err := completeOrdered(ctx, s, job, key); err != nil {
		return s.failure(ctx, job.JobRow, err, false)
	}
	return nil
}

// logNoPublisher logs, once per process, that sync jobs wait for a broker.
func (s *System) logNoPublisher(jobID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loggedNoPub {
		return
	}
	s.loggedNoPub = true
	s.log.Warn("sync jobs written while sync was on wait until a broker is configured", "job_id", jobID)
}
