package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/mapactive/authd/internal/mail"
)

// emailWorker sends e-mail jobs.
type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	s *System
}

// NextRetry applies the e-mail schedule.
func (w *emailWorker) NextRetry(job *river.Job[EmailArgs]) time.Time {
	return time.Now().Add(emailSchedule.delay(attemptInRound(job.JobRow, emailAttempts)))
}

// errNoMailSender reports a System built without an e-mail sender.
var errNoMailSender = errors.New("no e-mail provider is configured in this process")

// Work sends the e-mail. SMTP 5xx replies, SendGrid 4xx responses other
// than 429 and unreadable jobs are permanent failures, which make the job
// dead at once. A code-bearing e-mail whose code expired, or would expire
// before the next attempt, is dropped: the job completes without sending.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	s := w.s
	args := job.Args
	now := s.now()
	if args.ValidUntil != nil && !now.Before(*args.ValidUntil) {
		return s.dropEmail(ctx, job, "its code expired before it was sent")
	}
	if s.mail == nil {
		return s.failure(ctx, job.JobRow, errNoMailSender, true)
	}
	message, err := s.open(args.Sealed)
	if err != nil {
		return s.failure(ctx, job.JobRow, err, true)
	}

	err = s.mail.Send(ctx, message)
	if err == nil {
		return nil
	}
	permanent := mail.IsPermanent(err)
	if !permanent && !isLastAttempt(job.JobRow) && args.ValidUntil != nil {
		next := now.Add(emailSchedule.delay(attemptInRound(job.JobRow, emailAttempts)))
		if !next.Before(*args.ValidUntil) {
			s.log.Warn("e-mail failed", "job_id", job.ID, "template", args.Template, "error", err)
			return s.dropEmail(ctx, job, "its code expires before the next attempt")
		}
	}
	return s.failure(ctx, job.JobRow, err, permanent)
}

// dropEmail completes an e-mail job without sending it, recording the
// reason as the job's output.
func (s *System) dropEmail(ctx context.Context, job *river.Job[EmailArgs], reason string) error {
	s.log.Info("e-mail dropped", "job_id", job.ID, "template", job.Args.Template, "reason", reason)
	if err := river.RecordOutput(ctx, map[string]string{"dropped": reason}); err != nil {
		s.log.Warn("record why an e-mail was dropped", "job_id", job.ID, "error", err)
	}
	return nil
}
