package mailrequest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/storage"
)

// Kind is the River job kind of a mail request.
const Kind = "mail_request"

// queueName is the River queue of mail requests: the e-mail queue, so a slow
// broker never delays them.
const queueName = jobs.QueueEmail

// maxAttempts bounds the retries of a request whose handler failed (a
// database error); the e-mail it queues has its own retries.
const maxAttempts = 5

// Purposes of the mail requests authd makes.
const (
	StaffPasswordReset    = "staff_password_reset"
	EmployeePasswordReset = "employee_password_reset"
	EmployeeOTP           = "employee_otp"
)

// Args is a queued mail request. It carries the submitted address as typed;
// the handler normalizes it.
type Args struct {
	Purpose   string `json:"purpose"`
	Email     string `json:"email"`
	IP        string `json:"ip,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Kind returns Kind.
func (Args) Kind() string { return Kind }

// HandlerFunc resolves one mail request: it looks the account up and
// queues the e-mail, or does nothing. ip is the client address of the
// original request.
type HandlerFunc func(ctx context.Context, email, ip string) error

// Router dispatches mail request jobs to the handler of their purpose.
type Router struct {
	mu       sync.RWMutex
	handlers map[string]HandlerFunc
	logger   *slog.Logger
}

// NewRouter returns a Router without handlers.
func NewRouter(logger *slog.Logger) *Router {
	return &Router{handlers: map[string]HandlerFunc{}, logger: logger}
}

// Handle registers the handler of a purpose, replacing an earlier one.
func (r *Router) Handle(purpose string, h HandlerFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[purpose] = h
}

// Register adds the mail request worker to a River worker set.
func (r *Router) Register(workers *river.Workers) {
	river.AddWorker(workers, &worker{router: r})
}

// Run resolves a request in the caller's goroutine, as the worker does.
func (r *Router) Run(ctx context.Context, args Args) error {
	r.mu.RLock()
	h := r.handlers[args.Purpose]
	r.mu.RUnlock()
	if h == nil {
		return fmt.Errorf("mail request purpose %q has no handler", args.Purpose)
	}
	ctx = requestinfo.With(ctx, requestinfo.Info{IP: args.IP, RequestID: args.RequestID})
	return h(ctx, args.Email, args.IP)
}

// worker runs mail_request jobs.
type worker struct {
	river.WorkerDefaults[Args]
	router *Router
}

// Work resolves the request. A purpose without a handler is cancelled: no
// retry can fix it.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	w.router.mu.RLock()
	_, known := w.router.handlers[job.Args.Purpose]
	w.router.mu.RUnlock()
	if !known {
		err := fmt.Errorf("mail request purpose %q has no handler", job.Args.Purpose)
		w.router.logger.Error("mail request dropped", "job_id", job.ID, "error", err)
		return river.JobCancel(err)
	}
	if err := w.router.Run(ctx, job.Args); err != nil {
		w.router.logger.Error("mail request failed", "job_id", job.ID, "purpose", job.Args.Purpose, "attempt", job.Attempt, "error", err)
		return err
	}
	return nil
}

// Queue inserts mail request jobs.
type Queue struct {
	db     *storage.DB
	client func() *river.Client[*sql.Tx]
}

// NewQueue returns a Queue that inserts through the River client client
// returns (the job system's, which exists once the application is built).
func NewQueue(db *storage.DB, client func() *river.Client[*sql.Tx]) *Queue {
	return &Queue{db: db, client: client}
}

// Enqueue queues a request for purpose and the submitted address, with the
// client address and request id of ctx.
func (q *Queue) Enqueue(ctx context.Context, purpose, email string) error {
	info := requestinfo.From(ctx)
	args := Args{Purpose: purpose, Email: email, IP: info.IP, RequestID: info.RequestID}
	return q.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := q.client().InsertTx(ctx, tx.Tx, args, &river.InsertOpts{Queue: queueName, MaxAttempts: maxAttempts})
		return err
	})
}

// Requester queues the requests of one purpose. Its RequestReset method
// makes it an accounts.ResetRequests.
type Requester struct {
	Queue   *Queue
	Purpose string
}

// RequestReset queues a forgot-password request.
func (r Requester) RequestReset(ctx context.Context, email string) error {
	return r.Queue.Enqueue(ctx, r.Purpose, email)
}

// Request queues a request of the bound purpose.
func (r Requester) Request(ctx context.Context, email string) error {
	return r.Queue.Enqueue(ctx, r.Purpose, email)
}
