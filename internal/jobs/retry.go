package jobs

import (
	"time"

	"github.com/riverqueue/river/rivertype"
)

// schedule is a retry backoff: the delays after the first failures, then
// a fixed delay after every later one.
type schedule struct {
	delays []time.Duration
	repeat time.Duration
}

// syncSchedule retries sync messages and events after 1 s, 5 s, 30 s,
// 2 min and 10 min, then every 30 min until the maximum age.
var syncSchedule = schedule{
	delays: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute},
	repeat: 30 * time.Minute,
}

// emailSchedule retries e-mails after 1, 5, 15 and 60 minutes and 6 hours.
// emailAttempts ends the schedule there.
var emailSchedule = schedule{
	delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour},
	repeat: 6 * time.Hour,
}

// emailAttempts is the first attempt plus one retry per delay.
var emailAttempts = len(emailSchedule.delays) + 1

// maintenanceAttempts bounds the retries of one maintenance run; the next
// periodic run starts afresh anyway.
const maintenanceAttempts = 3

// delay returns the wait after the failure of attempt (1 for the first).
func (s schedule) delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= len(s.delays) {
		return s.delays[attempt-1]
	}
	return s.repeat
}

// attemptsWithin returns how many attempts fit in maxAge: the first one,
// then every retry that starts no later than maxAge after it. At least one
// attempt is always made.
func (s schedule) attemptsWithin(maxAge time.Duration) int {
	attempts := 1
	var elapsed time.Duration
	for {
		elapsed += s.delay(attempts)
		if elapsed > maxAge {
			return attempts
		}
		attempts++
	}
}

// attemptInRound returns the position of the job's current attempt within
// its round of budget attempts (1 for the first). A job starts with
// max_attempts equal to budget. An admin retry raises max_attempts to
// attempt + budget, so a new round starts with the short delays again.
func attemptInRound(job *rivertype.JobRow, budget int) int {
	position := job.Attempt - (job.MaxAttempts - budget)
	if position < 1 {
		return 1
	}
	return position
}

// isLastAttempt reports whether a failure of the running attempt makes
// River discard the job.
func isLastAttempt(job *rivertype.JobRow) bool {
	return job.Attempt >= job.MaxAttempts
}
