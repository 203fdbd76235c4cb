package portal

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/jobs"
)

// jobStates are the states GET jobs/ filters on.
var jobStates = []jobs.State{jobs.StatePending, jobs.StateFailed, jobs.StateDead}

// jobView is one job of GET jobs/.
type jobView struct {
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	Summary   string  `json:"summary"`
	State     string  `json:"state"`
	Attempts  int     `json:"attempts"`
	LastError *string `json:"last_error"`
	CreatedAt string  `json:"created_at"`
	RunAfter  string  `json:"run_after"`
}

// ListJobs serves GET /superadmin/api/jobs/: the newest delivery jobs that
// are not done, or those of ?state=pending|failed|dead.
func (h *Handlers) ListJobs(w http.ResponseWriter, r *http.Request) {
	var opts jobs.ListOptions
	if raw := r.URL.Query().Get("state"); raw != "" {
		state := jobs.State(raw)
		valid := false
		for _, s := range jobStates {
			valid = valid || s == state
		}
		if !valid {
			httpx.WriteProblem(w, badRequest("state must be one of pending, failed, dead"))
			return
		}
		opts.State = state
	}
	views := []jobView{}
	total := 0
	if h.Jobs != nil {
		list, n, err := h.Jobs.List(r.Context(), opts)
		if err != nil {
			httpx.ServerError(w, r, err)
			return
		}
		total = n
		for _, j := range list {
			views = append(views, jobView{ID: j.ID, Kind: j.Kind, Summary: j.Summary, State: string(j.State),
				Attempts: j.Attempts, LastError: j.LastError, CreatedAt: httpx.Timestamp(j.CreatedAt), RunAfter: httpx.Timestamp(j.RunAfter)})
		}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"jobs": views, "total": total})
}

// RetryJob serves POST /superadmin/api/jobs/{id}/retry/.
func (h *Handlers) RetryJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok || h.Jobs == nil {
		httpx.WriteProblem(w, fail(http.StatusNotFound, "Job not found"))
		return
	}
	err := h.Jobs.Retry(r.Context(), id)
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		httpx.WriteProblem(w, fail(http.StatusNotFound, "Job not found"))
	case errors.Is(err, jobs.ErrDone), errors.Is(err, jobs.ErrRunning):
		httpx.WriteProblem(w, fail(http.StatusConflict, err.Error()))
	case err != nil:
		httpx.ServerError(w, r, err)
	default:
		httpx.JSON(w, http.StatusOK, map[string]string{"message": "Job queued for retry"})
	}
}
