package mfa

import (
	"context"
	"fmt"
	"github.com/mapactive/authd/internal/lockout"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/tokens"
)

// lockState is the lock columns of an account row.
type lockState struct {
	IsLocked    bool       `bun:"is_locked"`
	LockReason  *string    `bun:"lock_reason"`
	LockedUntil *time.Time `bun:"locked_until"`
}

// locked reports whether the subject's account is locked now: an admin lock,
// or a failure lock (of passwords or second factors) that has not ended.
func (s *Service) locked(ctx context.Context, db bun.IDB, subject Subject, now time.Time) (bool, error) {
	name, err := table(subject.Type)
	if err != nil {
		return false, err
	}
	var st lockState
	err = db.NewSelect().Table(name).Column("is_locked", "lock_reason", "locked_until").Where("id = ?", subject.ID).
		Scan(ctx, &st.IsLocked, &st.LockReason, &st.LockedUntil)
	if err != nil {
		return false, err
	}
	return lockout.Active(st.IsLocked, st.LockReason, st.LockedUntil, now), nil
}

// recordFailure counts a wrong second factor. One conditional UPDATE
// increments the counter and locks the account when it reaches
// AUTHD_2FA_MAX_FAILURES, so concurrent failures lock it once. Failures
// during a lock are not counted. It returns whether this failure locked
// the account.
func (s *Service) recordFailure(ctx context.Context, tx bun.IDB, subject Subject, method string, now time.Time) (bool, error) {
	name, err := table(subject.Type)
	if err != nil {
		return false, err
	}
	until := now.Add(s.lockout.SecondFactorLockFor)
	result, err := lockout.Count(ctx, tx, name, lockout.SecondFactorFailures, subject.ID, s.lockout.SecondFactorMax, s.lockout.SecondFactorLockFor, now)
	if err != nil {
		return false, err
	}
	details := map[string]any{"method": method}
	if !result.Counted {
		details["locked"] = true
		return false, audit.Record(ctx, tx, now, audit.Event{Name: "2fa.failed", Outcome: audit.Failure, Details: details}.Subject(string(subject.Type), subject.ID))
	}
	failures, isLocked := result.Failures, result.LockedNow
	details["failures"] = failures
	if err := audit.Record(ctx, tx, now, audit.Event{Name: "2fa.failed", Outcome: audit.Failure, Details: details}.Subject(string(subject.Type), subject.ID)); err != nil {
		return false, err
	}
	if !isLocked {
		return false, nil
	}
	event := audit.Event{Name: "account.locked", Details: map[string]any{"reason": "second_factor", "failures": failures}}.Subject(string(subject.Type), subject.ID)
	if err := audit.Record(ctx, tx, now, event); err != nil {
		return true, err
	}
	if subject.Type != tokens.Staff {
		return true, nil
	}
	// The failing client knew the password, so the owner is told by e-mail.
	if txx, ok := tx.(bun.Tx); ok {
		vars := map[string]any{"user_name": subject.Name, "locked_until": until, "failed_attempts": failures,
			"lockout_duration": humanMinutes(s.lockout.SecondFactorLockFor), "ip_address": requestinfo.From(ctx).IP}
		return true, s.outbox.Email(ctx, txx, outbox.Email{Template: "account_locked", To: subject.Email, Vars: vars})
	}
	return true, nil
}

// resetFailures clears the second-factor counter after a right factor.
func (s *Service) resetFailures(ctx context.Context, tx bun.IDB, subject Subject) error {
	name, err := table(subject.Type)
	if err != nil {
		return err
	}
	_, err = tx.NewUpdate().Table(name).Set("second_factor_failures = 0").Where("id = ?", subject.ID).Exec(ctx)
	return err
}

// humanMinutes writes a lock duration as the e-mails show it.
func humanMinutes(d time.Duration) string {
	minutes := int(d.Minutes())
	if minutes == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", minutes)
}
