package jobs

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/mapactive/authd/internal/audit"
)

// maxAuditError bounds the error text copied into a job.dead audit event.
const maxAuditError = 1000

// nextSyncRetry returns when a failed sync or event job runs again. River
// schedules on the real clock, so this does too.
func (s *System) nextSyncRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(syncSchedule.delay(attemptInRound(job, s.syncAttempts)))
}

// failure returns what a worker returns for err. A permanent failure
// cancels the job at once, and a failure of the last attempt lets River
// discard it. Both make the job dead, so failure records the audit event
// job.dead first. River retries other failures and logs them.
func (s *System) failure(ctx context.Context, job *rivertype.JobRow, err error, permanent bool) error {
	if !permanent && !isLastAttempt(job) {
		return err
	}
	s.recordDead(ctx, job, err)
	if permanent {
		return river.JobCancel(err)
	}
	return err
}

// recordDead logs a dead job and writes its audit event. The event is
// written just before River stores the dead state, so a crash between the
// two can record it twice when the job is rescued and fails again.
func (s *System) recordDead(ctx context.Context, job *rivertype.JobRow, cause error) {
	summary := summarize(job.Kind, job.EncodedArgs)
	s.log.Error("job is dead: it is kept with its last error until an admin retries or discards it",
		"job_id", job.ID, "kind", job.Kind, "summary", summary, "attempts", job.Attempt, "error", cause)

	message := truncateUTF8(cause.Error(), maxAuditError)
	event := audit.Event{
		Name:    "job.dead",
		Outcome: audit.Failure,
		Details: map[string]any{
			"job_id":   job.ID,
			"kind":     job.Kind,
			"summary":  summary,
			"attempts": job.Attempt,
			"error":    message,
		},
	}
	// The job's context may be ending with a shutdown; the record must
	// still be written.
	writeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := audit.Record(writeCtx, s.db, s.now(), event); err != nil {
		s.log.Error("record the audit event job.dead", "job_id", job.ID, "error", err)
	}
}

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8
// sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
