package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/celery"
	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
)

// Defaults for zero Options fields.
const (
	DefaultMaxAge              = 24 * time.Hour
	DefaultMaintenanceInterval = time.Hour
	DefaultStopTimeout         = 30 * time.Second
	DefaultFetchCooldown       = 10 * time.Millisecond
	// syncPollInterval is how often the sync queue looks for jobs besides
	// River's insert notifications. A job woken by the one before it (see
	// wakeNext) gets no notification, so this bounds the delay between two
	// messages of one entity.
	syncPollInterval = 100 * time.Millisecond
	// jobTimeout bounds one attempt. A publish waits at most the broker's
	// dial and confirm timeouts, and an SMTP send its command timeouts.
	jobTimeout = 2 * time.Minute
	// rescueAfter is when River returns a job left running by a crashed
	// process to the queue. It is short because a running job holds back
	// the later jobs of its ordering key.
	rescueAfter = 5 * time.Minute
	// completedRetention keeps done jobs for a week; dead jobs stay until
	// an admin retries or discards them.
	completedRetention = 7 * 24 * time.Hour
)

// Publisher sends one message to RabbitMQ and returns nil only once the
// broker confirmed it. *broker.Publisher implements it.
type Publisher interface {
	Publish(ctx context.Context, out broker.Outgoing) error
}

// Options configures a System.
type Options struct {
	DB     *storage.DB
	Logger *slog.Logger
	// Now is the clock for e-mail validity, purge cutoffs and audit
	// events. Nil means clock.Real. River schedules retries on the real
	// clock.
	Now func() time.Time
	// Workers is the number of concurrent jobs per queue in this process
	// (AUTHD_JOB_WORKERS). Zero makes an insert-only System whose jobs run
	// in an `authd worker` process.
	Workers int
	// MaxAge is how long sync and event jobs are retried before they are
	// dead (AUTHD_JOB_MAX_AGE). Zero means DefaultMaxAge.
	MaxAge time.Duration
	// Publisher sends sync messages and events. Nil means sync is off:
	// sync jobs already in the database wait until a broker is configured.
	Publisher Publisher
	// CelerySender fills reply_to and origin of task messages. The zero
	// value means celery.NewSender with the host name.
	CelerySender celery.Sender
	// Mail sends e-mail jobs. Nil makes every e-mail job fail.
	Mail mail.Sender
	// Keyring seals e-mail jobs; its fallbacks open jobs sealed before a
	// key rotation. Required.
	Keyring *secrets.Keyring
	// MaintenanceInterval is the period of the purge job. Zero means
	// DefaultMaintenanceInterval; a negative value turns the periodic job
	// off, for tests that count jobs.
	MaintenanceInterval time.Duration
	// StopTimeout is how long Stop lets running jobs finish before it
	// cancels them. Zero means DefaultStopTimeout.
	StopTimeout time.Duration
	// FetchCooldown is the minimum time between two fetches of a queue.
	// Zero means DefaultFetchCooldown.
	FetchCooldown time.Duration
	// RegisterWorkers adds workers of other job kinds to the River client.
	RegisterWorkers []func(*river.Workers)
	// QueuePrefix is put before every Celery queue name when publishing.
	// It exists for tests on a shared broker and must stay empty in
	// production, where the downstream workers read fixed queue names.
	QueuePrefix string
	// AuditRetention is how long audit events are kept
	// (AUTHD_AUDIT_RETENTION). Zero means DefaultAuditRetention.
	AuditRetention time.Duration
	// TestOnly skips River's start-up jitter.
	TestOnly bool
}

// System runs authd's background jobs with River over the application
// database: it inserts jobs in the caller's transaction, works them when
// started, and lists, retries and discards them for superadmins.
type System struct {
	db        *storage.DB
	log       *slog.Logger
	now       func() time.Time
	client    *river.Client[*sql.Tx]
	listener  *pgxpool.Pool // PostgreSQL only
	publisher Publisher
	sender    celery.Sender
	mail      mail.Sender
	keyring   *secrets.Keyring
	prefix    string
	workers   int
	stopAfter time.Duration
	// syncAttempts is the attempt budget of sync and event jobs, derived
	// from MaxAge and the retry schedule.
	syncAttempts int

	mu          sync.Mutex
	purges      []namedPurge
	started     bool
	loggedNoPub bool
}

// New builds a System. It does not start the workers; call Start.
func New(ctx context.Context, opts Options) (*System, error) {
	if opts.DB == nil {
		return nil, errors.New("jobs: a database is required")
	}
	if opts.Keyring == nil {
		return nil, errors.New("jobs: a keyring is required to seal e-mail jobs")
	}
	s := &System{
		db:        opts.DB,
		log:       opts.Logger,
		now:       opts.Now,
		publisher: opts.Publisher,
		sender:    opts.CelerySender,
		mail:      opts.Mail,
		keyring:   opts.Keyring,
		prefix:    opts.QueuePrefix,
		workers:   opts.Workers,
		stopAfter: opts.StopTimeout,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = clock.Real
	}
	if s.stopAfter <= 0 {
		s.stopAfter = DefaultStopTimeout
	}
	if s.sender == (celery.Sender{}) {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "localhost"
		}
		s.sender = celery.NewSender(host)
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	s.syncAttempts = syncSchedule.attemptsWithin(maxAge)

	driver, err := s.driver(ctx)
	if err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, s.clientConfig(opts))
	if err != nil {
		s.closeListener()
		return nil, fmt.Errorf("jobs: create the River client: %w", err)
	}
	s.client = client
	s.addStandardPurges(opts.AuditRetention)
	return s, nil
}

// driver returns River's driver for the database. SQLite uses its polling
// listener; PostgreSQL gets LISTEN/NOTIFY through a one-connection pgx
// pool opened with the settings of the application's pool, because
// riverdatabasesql alone can only poll.
func (s *System) driver(ctx context.Context) (riverdriver.Driver[*sql.Tx], error) {
	sqlDB := s.db.DB.DB
	if s.db.Driver == storage.SQLite {
		return riversqlite.New(sqlDB), nil
	}
	pool, err := listenerPool(ctx, sqlDB)
	if err != nil {
		s.log.Warn("jobs: no LISTEN connection for PostgreSQL; workers poll for new jobs every second", "error", err)
		return riverdatabasesql.New(sqlDB), nil
	}
	s.listener = pool
	return riverdatabasesql.NewWithPgxListener(sqlDB, pool), nil
}

func (s *System) clientConfig(opts Options) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, &celeryWorker{s: s})
	river.AddWorker(workers, &eventWorker{s: s})
	river.AddWorker(workers, &emailWorker{s: s})
	river.AddWorker(workers, &maintenanceWorker{s: s})
	for _, register := range opts.RegisterWorkers {
		register(workers)
	}

	config := &river.Config{
		Logger:                      s.log,
		Workers:                     workers,
		JobTimeout:                  jobTimeout,
		RescueStuckJobsAfter:        rescueAfter,
		CompletedJobRetentionPeriod: completedRetention,
		CancelledJobRetentionPeriod: -1,
		DiscardedJobRetentionPeriod: -1,
		FetchCooldown:               opts.FetchCooldown,
		SoftStopTimeout:             s.stopAfter,
		TestOnly:                    opts.TestOnly,
	}
	if config.FetchCooldown <= 0 {
		config.FetchCooldown = DefaultFetchCooldown
	}
	if opts.Workers <= 0 {
		return config
	}
	config.Queues = map[string]river.QueueConfig{
		QueueSync:        {MaxWorkers: opts.Workers, FetchPollInterval: syncPollInterval},
		QueueEmail:       {MaxWorkers: opts.Workers},
		QueueMaintenance: {MaxWorkers: 1},
	}
	interval := opts.MaintenanceInterval
	if interval == 0 {
		interval = DefaultMaintenanceInterval
	}
	if interval > 0 {
		config.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
				return MaintenanceArgs{}, &river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: maintenanceAttempts}
			}, &river.PeriodicJobOpts{ID: KindMaintenance, RunOnStart: true}),
		}
	}
	return config
}

// Start starts the workers, unless the System was built with no workers.
// It logs when sync is off or the broker does not respond.
func (s *System) Start(ctx context.Context) error {
	if s.publisher == nil {
		s.log.Info("sync is off: no Celery messages or domain events are queued or published")
	} else if pinger, ok := s.publisher.(interface{ Ping(context.Context) error }); ok {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := pinger.Ping(pingCtx); err != nil {
			s.log.Warn("RabbitMQ is unreachable: sync jobs wait and retry until it responds", "error", err)
		}
		cancel()
	}
	if s.workers <= 0 {
		s.log.Info("job workers are off in this process (AUTHD_JOB_WORKERS=0); run `authd worker` to send jobs")
		return nil
	}
	if err := s.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start the workers: %w", err)
	}
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
	s.log.Info("job workers started", "workers_per_queue", s.workers)
	return nil
}

// Stop lets running jobs finish for the stop timeout, then cancels them;
// River returns a cancelled job to the queue for a later attempt. It also
// closes the PostgreSQL listener connection. Stop is safe to call on a
// System that was never started.
func (s *System) Stop(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.started = false
	s.mu.Unlock()

	var err error
	if started {
		stopCtx, cancel := context.WithTimeout(ctx, s.stopAfter+5*time.Second)
		err = s.client.Stop(stopCtx)
		cancel()
		if err != nil {
			s.log.Warn("jobs did not finish in time; cancelling them", "error", err)
			cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			err = s.client.StopAndCancel(cancelCtx)
			cancel()
		}
		if err == nil {
			s.log.Info("job workers stopped")
		}
	}
	s.closeListener()
	return err
}

func (s *System) closeListener() {
	if s.listener != nil {
		s.listener.Close()
		s.listener = nil
	}
}

// Client returns the River client, for packages that insert jobs of their
// own kinds (registered through Options.RegisterWorkers).
func (s *System) Client() *river.Client[*sql.Tx] { return s.client }
