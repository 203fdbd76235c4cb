package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"
)

// How long a job waits for an earlier job with its ordering key. The
// earlier job wakes the next one when it is published or discarded, so
// these waits matter only when that wake-up is missed.
const (
	// waitForRunning applies while the earlier job is being tried.
	waitForRunning = time.Second
	// waitForStalled applies when the earlier job has been running for
	// longer than stalledAfter, which happens only when its process died.
	waitForStalled = 30 * time.Second
	stalledAfter   = 30 * time.Second
	// waitForDead applies while the earlier job is dead and waits for an
	// admin to retry or discard it.
	waitForDead = 30 * time.Minute
	// minWaitForRetry is added to the earlier job's next attempt time.
	minWaitForRetry = time.Second
)

// gate returns how long the job jobID must wait before publishing, or zero
// when every earlier job with the same ordering key is done. Rows of jobs
// that River no longer has, or has completed, are removed on the way.
func (s *System) gate(ctx context.Context, jobID int64, key string) (time.Duration, error) {
	for {
		var earlier []int64
		err := s.db.NewSelect().Table("job_order").Column("job_id").
			Where("ordering_key = ?", key).Where("job_id < ?", jobID).
			OrderExpr("job_id ASC").Limit(1).Scan(ctx, &earlier)
		if err != nil {
			return 0, fmt.Errorf("read the jobs before job %d: %w", jobID, err)
		}
		if len(earlier) == 0 {
			return 0, nil
		}

		previous, err := s.client.JobGet(ctx, earlier[0])
		if errors.Is(err, rivertype.ErrNotFound) {
			if err := s.forgetOrder(ctx, s.db, earlier[0]); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read job %d before job %d: %w", earlier[0], jobID, err)
		}
		if wait, done := waitFor(previous, time.Now()); !done {
			return wait, nil
		}
		if err := s.forgetOrder(ctx, s.db, previous.ID); err != nil {
			return 0, err
		}
	}
}

// waitFor returns how long to wait for the earlier job previous, or done
// when it no longer holds back later jobs.
func waitFor(previous *rivertype.JobRow, now time.Time) (wait time.Duration, done bool) {
	switch previous.State {
	case rivertype.JobStateCompleted:
		return 0, true
	case rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStatePending:
		// A pending job waits itself; it wakes this one when it is done.
		return waitForDead, false
	case rivertype.JobStateRunning:
		if previous.AttemptedAt != nil && now.Sub(*previous.AttemptedAt) > stalledAfter {
			return waitForStalled, false
		}
		return waitForRunning, false
	case rivertype.JobStateScheduled, rivertype.JobStateRetryable:
		wait := previous.ScheduledAt.Sub(now) + minWaitForRetry
		return min(max(wait, minWaitForRetry), waitForDead), false
	}
	// available
	return waitForRunning, false
}

func (s *System) forgetOrder(ctx context.Context, db bun.IDB, jobID int64) error {
	if _, err := db.NewDelete().Model((*orderRow)(nil)).Where("job_id = ?", jobID).Exec(ctx); err != nil {
		return fmt.Errorf("remove job %d from the ordering table: %w", jobID, err)
	}
	return nil
}

// completeOrdered marks a published job done, removes its ordering row and
// wakes the next job of its key, all in one transaction.
func completeOrdered[T river.JobArgs](ctx context.Context, s *System, job *river.Job[T], key string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.forgetOrder(ctx, tx, job.ID); err != nil {
			return err
		}
		// The driver type parameter only satisfies the signature: River
		// takes the driver from the client in ctx, and both drivers use
		// *sql.Tx.
		if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx.Tx, job); err != nil {
			return fmt.Errorf("complete job %d: %w", job.ID, err)
		}
		return s.wakeNext(ctx, tx, key, job.ID)
	})
}

// wakeNext makes the first job after jobID with the same ordering key
// available now when it waits for its predecessor: inserted pending, or
// snoozed by the gate. A job scheduled for later on purpose (a delayed
// resync that was not pending) and a dead job are left alone.
func (s *System) wakeNext(ctx context.Context, tx bun.Tx, key string, jobID int64) error {
	var next []int64
	err := tx.NewSelect().Table("job_order").Column("job_id").
		Where("ordering_key = ?", key).Where("job_id > ?", jobID).
		OrderExpr("job_id ASC").Limit(1).Scan(ctx, &next)
	if err != nil {
		return fmt.Errorf("read the job after job %d: %w", jobID, err)
	}
	if len(next) == 0 {
		return nil
	}
	row, err := s.client.JobGetTx(ctx, tx.Tx, next[0])
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read job %d after job %d: %w", next[0], jobID, err)
	}
	if !waitsForPredecessor(row, time.Now()) {
		return nil
	}
	if _, err := s.client.JobRetryTx(ctx, tx.Tx, row.ID); err != nil {
		return fmt.Errorf("wake job %d after job %d: %w", row.ID, jobID, err)
	}
	return nil
}

// waitsForPredecessor reports whether row waits for an earlier job of its
// key: it is pending, or snoozed to a later time. River stores a short
// snooze as available with a future run time.
func waitsForPredecessor(row *rivertype.JobRow, now time.Time) bool {
	switch row.State {
	case rivertype.JobStatePending:
		return true
	case rivertype.JobStateScheduled, rivertype.JobStateAvailable:
		return wasSnoozed(row.Metadata) && row.ScheduledAt.After(now)
	}
	return false
}

// wasSnoozed reports whether River's metadata records a snooze, which is
// how a job waits for its predecessor.
func wasSnoozed(metadata []byte) bool {
	var fields struct {
		Snoozes int `json:"snoozes"`
	}
	return json.Unmarshal(metadata, &fields) == nil && fields.Snoozes > 0
}

// maxStrandedPerRun bounds the rows one maintenance run repairs.
const maxStrandedPerRun = 1000

// repairOrder finds the first job_order row of each key and repairs it
// when it holds the key back for nothing. A row whose River job is gone or
// completed is removed. A pending job is made available, because only a
// lost wake-up leaves the first job of a key pending. It returns the
// number of rows repaired; the maintenance job runs it.
func (s *System) repairOrder(ctx context.Context, db bun.IDB, _ time.Time) (int64, error) {
	var heads []orderRow
	err := db.NewSelect().Model(&heads).
		Where("NOT EXISTS (SELECT 1 FROM job_order AS earlier WHERE earlier.ordering_key = ?TableAlias.ordering_key AND earlier.job_id < ?TableAlias.job_id)").
		OrderExpr("job_id ASC").Limit(maxStrandedPerRun).Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("find the first job of each ordering key: %w", err)
	}
	var repaired int64
	for _, head := range heads {
		row, err := s.client.JobGet(ctx, head.JobID)
		switch {
		case errors.Is(err, rivertype.ErrNotFound) || (err == nil && row.State == rivertype.JobStateCompleted):
			if err := s.forgetOrder(ctx, db, head.JobID); err != nil {
				return repaired, err
			}
		case err != nil:
			return repaired, fmt.Errorf("read job %d: %w", head.JobID, err)
		case row.State == rivertype.JobStatePending:
			if _, err := s.client.JobRetry(ctx, head.JobID); err != nil {
				return repaired, fmt.Errorf("wake job %d: %w", head.JobID, err)
			}
		default:
			continue
		}
		s.log.Warn("repaired the order of a sync job", "job_id", head.JobID, "ordering_key", head.OrderingKey)
		repaired++
	}
	return repaired, nil
}
