package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
)

// infoEmailJobs is the key derivation label of the key that seals e-mail
// jobs.
const infoEmailJobs = "authd/email-jobs"

// orderRow is a row of job_order: a sync or event job that is not yet
// published.
type orderRow struct {
	bun.BaseModel `bun:"table:job_order"`

	JobID       int64     `bun:"job_id,pk"`
	OrderingKey string    `bun:"ordering_key"`
	CreatedAt   time.Time `bun:"created_at"`
}

// EnqueueCelery writes a Celery task message in tx, to be published after
// every earlier job with the same ordering key. A zero runAt means as soon
// as possible; a later one delays the message.
func (s *System) EnqueueCelery(ctx context.Context, tx bun.Tx, key string, task celery.Task, runAt time.Time) error {
	if key == "" {
		return fmt.Errorf("jobs: celery task %s (%s) has no ordering key", task.ID, task.Name)
	}
	// Building the message now reports a malformed task to the caller
	// instead of to a worker that can only give up on it.
	if _, err := broker.TaskOutgoing(task, s.sender); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	opts := &river.InsertOpts{Queue: QueueSync, MaxAttempts: s.syncAttempts, ScheduledAt: runAt}
	return s.insertOrdered(ctx, tx, key, CeleryArgs{OrderingKey: key, Task: task}, opts)
}

// EnqueueEvent writes a domain event in tx, to be published after every
// earlier job with the same ordering key.
func (s *System) EnqueueEvent(ctx context.Context, tx bun.Tx, key string, event celery.Event) error {
	if key == "" {
		return fmt.Errorf("jobs: event %s (%s) has no ordering key", event.ID, event.Type)
	}
	if _, err := broker.EventOutgoing(event); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	opts := &river.InsertOpts{Queue: QueueSync, MaxAttempts: s.syncAttempts}
	return s.insertOrdered(ctx, tx, key, EventArgs{OrderingKey: key, Event: event}, opts)
}

// insertOrdered inserts a sync or event job and its job_order row. A job
// whose key already has an unfinished job is inserted pending: River does
// not fetch it until the job before it wakes it (wakeNext), so it never
// runs only to wait. On PostgreSQL the latest row of the key is locked
// (FOR SHARE) until tx ends, so that job cannot complete, and miss this
// one when it wakes its successor, while tx is still open.
func (s *System) insertOrdered(ctx context.Context, tx bun.Tx, key string, args river.JobArgs, opts *river.InsertOpts) error {
	var latest []int64
	query := tx.NewSelect().Table("job_order").Column("job_id").Where("ordering_key = ?", key).
		OrderExpr("job_id DESC").Limit(1)
	if s.db.Driver == storage.Postgres {
		query = query.For("SHARE")
	}
	if err := query.Scan(ctx, &latest); err != nil {
		return fmt.Errorf("jobs: read the last job of %s: %w", key, err)
	}
	opts.Pending = len(latest) > 0
	result, err := s.client.InsertTx(ctx, tx.Tx, args, opts)
	if err != nil {
		return fmt.Errorf("jobs: insert %s job: %w", args.Kind(), err)
	}
	row := &orderRow{JobID: result.Job.ID, OrderingKey: key, CreatedAt: s.now().UTC()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("jobs: record the order of job %d: %w", result.Job.ID, err)
	}
	return nil
}

// EnqueueEmail writes an e-mail in tx. The message should be complete:
// rendered, with its sender and Message-ID (mail.Prepare), so that every
// attempt sends the same message. template names it in the jobs list. A
// non-nil validUntil drops the e-mail once passed, for one-time codes.
func (s *System) EnqueueEmail(ctx context.Context, tx bun.Tx, template string, m mail.Message, validUntil *time.Time) error {
	if len(m.To) == 0 {
		return fmt.Errorf("jobs: %s e-mail has no recipient", template)
	}
	sealed, err := s.seal(m)
	if err != nil {
		return err
	}
	args := EmailArgs{Template: template, To: m.To[0], Sealed: sealed}
	if validUntil != nil {
		until := validUntil.UTC()
		args.ValidUntil = &until
	}
	opts := &river.InsertOpts{Queue: QueueEmail, MaxAttempts: emailAttempts}
	if _, err := s.client.InsertTx(ctx, tx.Tx, args, opts); err != nil {
		return fmt.Errorf("jobs: insert %s e-mail job: %w", template, err)
	}
	return nil
}

func (s *System) seal(m mail.Message) ([]byte, error) {
	plaintext, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("jobs: encode e-mail: %w", err)
	}
	return secrets.Seal(s.keyring.Key(infoEmailJobs), plaintext, []byte(KindEmail)), nil
}

// errUnsealable reports an e-mail job that no configured secret key opens.
var errUnsealable = errors.New("the e-mail job does not decrypt with the current or a fallback secret key " +
	"(AUTHD_SECRET_KEY_FALLBACKS must list the key in use when the job was written)")

func (s *System) open(sealed []byte) (*mail.Message, error) {
	plaintext, _, err := secrets.Open(s.keyring.Keys(infoEmailJobs), sealed, []byte(KindEmail))
	if err != nil {
		return nil, errUnsealable
	}
	var m mail.Message
	if err := json.Unmarshal(plaintext, &m); err != nil {
		return nil, fmt.Errorf("decode the sealed e-mail: %w", err)
	}
	return &m, nil
}
