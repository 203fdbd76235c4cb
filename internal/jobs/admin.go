package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"
)

// State is the state of a job as the jobs API and commands name it.
type State string

// Job states. Each covers one or more River states.
const (
	// StatePending is a job waiting for its first attempt, for its time,
	// or for an earlier job with its ordering key.
	StatePending State = "pending"
	StateRunning State = "running"
	// StateFailed is a job that failed and waits for its next attempt.
	StateFailed State = "failed"
	// StateDead is a job that gave up. It stays until an admin retries or
	// discards it.
	StateDead State = "dead"
	StateDone State = "done"
)

// States lists every State in lifecycle order.
var States = []State{StatePending, StateRunning, StateFailed, StateDead, StateDone}

// stateFilter selects the River rows of one State: rows in one of states
// that match where (SQL, both dialects), or every row in states when
// where is empty.
type stateFilter struct {
	states []rivertype.JobState
	where  string
}

// waiting are the River states of a job that waits to run. River puts a
// job back as available or scheduled, not retryable, when its next
// attempt is only seconds away. An attempt count above zero therefore
// tells a failed job from a pending one; a snooze, which is how a job
// waits for an earlier one, does not count as an attempt.
var waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStatePending}

var stateFilters = map[State]stateFilter{
	StatePending: {states: waiting, where: "attempt = 0"},
	StateRunning: {states: []rivertype.JobState{rivertype.JobStateRunning}},
	StateFailed: {
		states: append([]rivertype.JobState{rivertype.JobStateRetryable}, waiting...),
		where:  "(state = 'retryable' OR attempt > 0)",
	},
	StateDead: {states: []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled}},
	StateDone: {states: []rivertype.JobState{rivertype.JobStateCompleted}},
}

// ParseState returns the State named s, or an error naming the accepted
// values.
func ParseState(s string) (State, error) {
	state := State(s)
	if slices.Contains(States, state) {
		return state, nil
	}
	names := make([]string, len(States))
	for i, known := range States {
		names[i] = string(known)
	}
	return "", fmt.Errorf("%q is not a job state: use one of %s", s, strings.Join(names, ", "))
}

// stateOf returns the State of a River row, with the rules of
// stateFilters.
func stateOf(row *rivertype.JobRow) State {
	switch row.State {
	case rivertype.JobStateRunning:
		return StateRunning
	case rivertype.JobStateRetryable:
		return StateFailed
	case rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		return StateDead
	case rivertype.JobStateCompleted:
		return StateDone
	}
	if row.Attempt > 0 {
		return StateFailed
	}
	return StatePending
}

// Errors of Retry and Discard.
var (
	ErrNotFound = errors.New("job not found")
	ErrRunning  = errors.New("job is running: wait until its attempt ends")
	ErrDone     = errors.New("job is already done")
)

// Job describes one job for superadmins.
type Job struct {
	ID      int64
	Kind    string
	Summary string
	State   State
	// Attempts counts the attempts made so far.
	Attempts int
	// LastError is the error of the last failed attempt, such as the mail
	// provider's reply, or nil.
	LastError *string
	CreatedAt time.Time
	// RunAfter is when the job runs next, or ran last.
	RunAfter time.Time
}

// Limits of ListOptions.Limit.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListOptions filters and pages List.
type ListOptions struct {
	// State selects one state. Empty selects every state except done.
	State State
	// Limit is the page size: DefaultListLimit when zero, at most
	// MaxListLimit.
	Limit int
	// BeforeID, when set, lists jobs with smaller ids only: the next page.
	BeforeID int64
}

// List returns the newest jobs matching opts, newest first, and the number
// of all jobs matching its state filter.
func (s *System) List(ctx context.Context, opts ListOptions) ([]Job, int, error) {
	selected := States[:len(States)-1]
	if opts.State != "" {
		if _, ok := stateFilters[opts.State]; !ok {
			return nil, 0, fmt.Errorf("jobs: unknown state %q", opts.State)
		}
		selected = []State{opts.State}
	}
	var states []rivertype.JobState
	var conditions []string
	for _, state := range selected {
		filter := stateFilters[state]
		names := make([]string, len(filter.states))
		for i, riverState := range filter.states {
			states = append(states, riverState)
			names[i] = "'" + string(riverState) + "'"
		}
		condition := "state IN (" + strings.Join(names, ", ") + ")"
		if filter.where != "" {
			condition += " AND " + filter.where
		}
		conditions = append(conditions, "("+condition+")")
	}
	where := strings.Join(conditions, " OR ")

	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	params := river.NewJobListParams().States(states...).Where(where).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit)
	if opts.BeforeID > 0 {
		params = params.Where("id < @before_id", river.NamedArgs{"before_id": opts.BeforeID})
	}
	result, err := s.client.JobList(ctx, params)
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: list: %w", err)
	}
	jobs := make([]Job, 0, len(result.Jobs))
	for _, row := range result.Jobs {
		jobs = append(jobs, describe(row))
	}

	// where holds only constant SQL built above.
	total, err := s.db.NewSelect().TableExpr("river_job").Where(where).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("jobs: count: %w", err)
	}
	return jobs, int(total), nil
}

// Get returns one job.
func (s *System) Get(ctx context.Context, id int64) (*Job, error) {
	row, err := s.client.JobGet(ctx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: get job %d: %w", id, err)
	}
	job := describe(row)
	return &job, nil
}

func describe(row *rivertype.JobRow) Job {
	job := Job{
		ID:        row.ID,
		Kind:      row.Kind,
		Summary:   summarize(row.Kind, row.EncodedArgs),
		State:     stateOf(row),
		Attempts:  row.Attempt,
		CreatedAt: row.CreatedAt.UTC(),
		RunAfter:  row.ScheduledAt.UTC(),
	}
	if n := len(row.Errors); n > 0 {
		message := row.Errors[n-1].Error
		job.LastError = &message
	}
	return job
}

// Retry makes a pending, failed or dead job run now, with a fresh round of
// attempts on the short delays of its schedule. A job that waits for an
// earlier job of its ordering key checks again and keeps waiting.
func (s *System) Retry(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.readJob(ctx, tx, id)
		if err != nil {
			return err
		}
		if row.State == rivertype.JobStateCompleted {
			return ErrDone
		}
		if _, err := s.client.JobRetryTx(ctx, tx.Tx, id); err != nil {
			return fmt.Errorf("jobs: retry job %d: %w", id, err)
		}
		budget := s.attemptBudget(row.Kind)
		if budget == 0 {
			return nil
		}
		_, err = tx.NewUpdate().TableExpr("river_job").Set("max_attempts = ?", row.Attempt+budget).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("jobs: renew the attempts of job %d: %w", id, err)
		}
		return nil
	})
}

// Discard deletes a job that is not running, whatever its state. The next
// job of its ordering key, if it waits, runs at once.
func (s *System) Discard(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.readJob(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = s.client.JobDeleteTx(ctx, tx.Tx, id)
		if errors.Is(err, rivertype.ErrJobRunning) {
			return ErrRunning
		}
		if err != nil {
			return fmt.Errorf("jobs: discard job %d: %w", id, err)
		}
		key := orderingKeyOf(row.Kind, row.EncodedArgs)
		if key == "" {
			return nil
		}
		if err := s.forgetOrder(ctx, tx, id); err != nil {
			return err
		}
		return s.wakeNext(ctx, tx, key, id)
	})
}

// readJob reads job id in tx and rejects a running job.
func (s *System) readJob(ctx context.Context, tx bun.Tx, id int64) (*rivertype.JobRow, error) {
	row, err := s.client.JobGetTx(ctx, tx.Tx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: read job %d: %w", id, err)
	}
	if row.State == rivertype.JobStateRunning {
		return nil, ErrRunning
	}
	return row, nil
}

// attemptBudget returns the attempts of one round for kind, or zero for
// kinds registered by other packages, which keep River's own rule.
func (s *System) attemptBudget(kind string) int {
	switch kind {
	case KindCelery, KindEvent:
		return s.syncAttempts
	case KindEmail:
		return emailAttempts
	case KindMaintenance:
		return maintenanceAttempts
	}
	return 0
}
