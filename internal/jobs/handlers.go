package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mapactive/authd/internal/httpx"
)

// Handlers serves the superadmin jobs routes. The route table puts them
// behind a superuser staff token (/api/v1/jobs/) or a portal session
// (/superadmin/api/jobs/); the handlers do not check access themselves.
type Handlers struct {
	system *System
}

// NewHandlers returns the HTTP handlers of system.
func NewHandlers(system *System) *Handlers { return &Handlers{system: system} }

// jobView is the JSON form of a Job.
type jobView struct {
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	Summary   string  `json:"summary"`
	State     State   `json:"state"`
	Attempts  int     `json:"attempts"`
	LastError *string `json:"last_error"`
	CreatedAt string  `json:"created_at"`
	RunAfter  string  `json:"run_after"`
}

func viewOf(job Job) jobView {
	return jobView{ID: job.ID, Kind: job.Kind, Summary: job.Summary, State: job.State, Attempts: job.Attempts,
		LastError: job.LastError, CreatedAt: httpx.Timestamp(job.CreatedAt), RunAfter: httpx.Timestamp(job.RunAfter)}
}

// List serves GET jobs/: {"jobs": [...], "total"}, newest first. The query
// parameter state selects pending, running, failed, dead or done jobs (all
// but done when absent). limit is 1 to 1000 (default 100), and before is a
// job id, for the next page.
func (h *Handlers) List(w http.ResponseWriter, r *http.Request) {
	opts, problems := listOptions(r)
	if !problems.Empty() {
		httpx.JSON(w, http.StatusBadRequest, problems)
		return
	}
	jobs, total, err := h.system.List(r.Context(), opts)
	if err != nil {
		httpx.ServerError(w, r, err)
		return
	}
	views := make([]jobView, len(jobs))
	for i, job := range jobs {
		views[i] = viewOf(job)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"jobs": views, "total": total})
}

func listOptions(r *http.Request) (ListOptions, httpx.FieldErrors) {
	query := r.URL.Query()
	problems := httpx.FieldErrors{}
	var opts ListOptions
	if raw := query.Get("state"); raw != "" {
		state, err := ParseState(raw)
		if err != nil {
			problems.Add("state", fmt.Sprintf("Select a valid choice. %q is not one of pending, running, failed, dead, done.", raw))
		}
		opts.State = state
	}
	if raw := query.Get("limit"); raw != "" {
		limit, err := strconv.Atoi(raw)
		switch {
		case err != nil:
			problems.Add("limit", httpx.MsgNotInteger)
		case limit < 1 || limit > MaxListLimit:
			problems.Add("limit", fmt.Sprintf("Ensure this value is between 1 and %d.", MaxListLimit))
		}
		opts.Limit = limit
	}
	if raw := query.Get("before"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		switch {
		case err != nil:
			problems.Add("before", httpx.MsgNotInteger)
		case before < 1:
			problems.Add("before", "Ensure this value is a job id, 1 or more.")
		}
		opts.BeforeID = before
	}
	return opts, problems
}

// Retry serves POST jobs/{id}/retry/: the job runs again now, with a
// fresh round of attempts.
func (h *Handlers) Retry(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.system.Retry, "Job queued for retry")
}

// Discard serves POST jobs/{id}/discard/: the job is deleted, and the next
// job of its ordering key no longer waits for it.
func (h *Handlers) Discard(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.system.Discard, "Job discarded")
}

func (h *Handlers) act(w http.ResponseWriter, r *http.Request, action func(ctx context.Context, id int64) error, done string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		httpx.WriteProblem(w, httpx.ErrNotFound)
		return
	}
	switch err := action(r.Context(), id); {
	case err == nil:
		h.system.log.InfoContext(r.Context(), done, "job_id", id, "actor", actorID(r))
		httpx.JSON(w, http.StatusOK, map[string]any{"message": done})
	case errors.Is(err, ErrNotFound):
		httpx.WriteProblem(w, httpx.ErrNotFound)
	case errors.Is(err, ErrRunning):
		httpx.WriteProblem(w, httpx.Conflict("Job is running; try again when its attempt has ended."))
	case errors.Is(err, ErrDone):
		httpx.WriteProblem(w, httpx.Conflict("Job is already done."))
	default:
		httpx.ServerError(w, r, err)
	}
}

// actorID returns the id of the staff user behind the request, or 0.
func actorID(r *http.Request) int64 {
	if p := httpx.PrincipalFrom(r.Context()); p.IsStaff() {
		return p.User.ID
	}
	return 0
}
