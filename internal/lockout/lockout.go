// Package lockout keeps the account lock rules in one place for both
// account tables (users and employees): counting failures, locking at the
// threshold, lifting a lock whose time has passed, and clearing locks.
//
// A lock by failures (lock_reason "failures") ends by time; an admin lock
// (lock_reason "admin") has no end time and ends only by an admin unlock.
package lockout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
)

// Failure counters.
const (
	PasswordFailures     = "failed_login_attempts"
	SecondFactorFailures = "second_factor_failures"
)

// Tables whose rows carry the lock columns.
const (
	Users     = "users"
	Employees = "employees"
)

// Result is the outcome of a counted failure.
type Result struct {
	Counted   bool // false when the account was already locked: the failure was not counted
	Failures  int  // the counter after this failure
	LockedNow bool // this failure reached the threshold and set the lock
}

// Count adds one failure to counter on the row id of table and, when the
// counter reaches threshold, sets a failure lock until now+lockFor. It is
// one conditional UPDATE, so concurrent failures lock the account exactly
// once, and failures during a lock are neither counted nor extend it.
func Count(ctx context.Context, tx bun.IDB, table, counter string, id int64, threshold int, lockFor time.Duration, now time.Time) (Result, error) {
	if err := check(table, counter); err != nil {
		return Result{}, err
	}
	c := bun.Ident(counter)
	var failures int
	var locked bool
	err := tx.NewUpdate().Table(table).
		Set("? = ? + 1", c, c).
		Set("is_locked = CASE WHEN ? + 1 >= ? THEN ? ELSE is_locked END", c, threshold, true).
		Set("lock_reason = CASE WHEN ? + 1 >= ? THEN ? ELSE lock_reason END", c, threshold, model.LockFailures).
		Set("lockout_time = CASE WHEN ? + 1 >= ? THEN ? ELSE lockout_time END", c, threshold, now.UTC()).
		Set("locked_until = CASE WHEN ? + 1 >= ? THEN ? ELSE locked_until END", c, threshold, now.UTC().Add(lockFor)).
		Where("id = ?", id).Where("is_locked = ?", false).
		Returning("?, is_locked", c).
		Scan(ctx, &failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("count a %s failure on %s %d: %w", counter, table, id, err)
	}
	return Result{Counted: true, Failures: failures, LockedNow: locked}, nil
}

// Active reports whether a lock is in force at now: an admin lock, or a
// failure lock that has not ended.
func Active(isLocked bool, reason *string, until *time.Time, now time.Time) bool {
	if !isLocked {
		return false
	}
	if reason != nil && *reason == model.LockAdmin {
		return true
	}
	return until == nil || now.Before(*until)
}

// Expired reports whether a failure lock has ended at now and waits to be
// lifted.
func Expired(isLocked bool, reason *string, until *time.Time, now time.Time) bool {
	return isLocked && reason != nil && *reason == model.LockFailures && until != nil && !now.Before(*until)
}

// LiftExpired clears a failure lock that ended at or before now, together
// with both counters. It reports whether it cleared one; a concurrent
// request that lifted it first makes it return false.
func LiftExpired(ctx context.Context, tx bun.IDB, table string, id int64, now time.Time) (bool, error) {
	if err := check(table, PasswordFailures); err != nil {
		return false, err
	}
	res, err := tx.NewUpdate().Table(table).
		Set("is_locked = ?", false).Set("lock_reason = NULL").Set("lockout_time = NULL").Set("locked_until = NULL").
		Set("failed_login_attempts = 0").Set("second_factor_failures = 0").
		Where("id = ?", id).Where("is_locked = ?", true).Where("lock_reason = ?", model.LockFailures).
		Where("locked_until <= ?", now.UTC()).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClearFailureLock resets the password counter and lifts a failure lock
// with its second-factor counter, as a password reset does. An admin lock
// stays.
func ClearFailureLock(q *bun.UpdateQuery) *bun.UpdateQuery {
	return q.Set("failed_login_attempts = 0").
		Set("is_locked = CASE WHEN lock_reason = ? THEN ? ELSE is_locked END", model.LockFailures, false).
		Set("lockout_time = CASE WHEN lock_reason = ? THEN NULL ELSE lockout_time END", model.LockFailures).
		Set("locked_until = CASE WHEN lock_reason = ? THEN NULL ELSE locked_until END", model.LockFailures).
		Set("second_factor_failures = CASE WHEN lock_reason = ? THEN 0 ELSE second_factor_failures END", model.LockFailures).
		Set("lock_reason = CASE WHEN lock_reason = ? THEN NULL ELSE lock_reason END", model.LockFailures)
}

// Clear lifts any lock, failure or admin, and resets both counters, as an
// admin unlock does.
func Clear(ctx context.Context, tx bun.IDB, table string, id int64) error {
	if err := check(table, PasswordFailures); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Table(table).
		Set("is_locked = ?", false).Set("lock_reason = NULL").Set("lockout_time = NULL").Set("locked_until = NULL").
		Set("failed_login_attempts = 0").Set("second_factor_failures = 0").
		Where("id = ?", id).Exec(ctx)
	return err
}

// check guards the identifiers that are written into SQL.
func check(table, counter string) error {
	if table != Users && table != Employees {
		return fmt.Errorf("lockout: unknown table %q", table)
	}
	if counter != PasswordFailures && counter != SecondFactorFailures {
		return fmt.Errorf("lockout: unknown counter %q", counter)
	}
	return nil
}
