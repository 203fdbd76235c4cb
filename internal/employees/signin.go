package employees

import (
	"context"
	"errors"
	"fmt"
	"github.com/mapactive/authd/internal/lockout"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// Sign-in refusals. Their texts are the messages the employee login route
// returns; the HDTS frontend shows them as they are.
var (
	ErrInvalidCredentials = errors.New("Invalid email or password.")
	ErrLocked             = errors.New("Account is temporarily locked. Please try again later.")
	ErrPending            = errors.New("Your account is pending approval. Please wait for admin approval before logging in.")
	ErrRejected           = errors.New("Your account has been rejected. Please contact the HDTS administrator.")
)

// ErrCodeNotQueued reports that the second-factor step of a sign-in could
// not be stored or its code e-mail could not be queued. The login route
// then returns 500 with its own body.
var ErrCodeNotQueued = errors.New("the sign-in challenge or its code e-mail could not be queued")

// Credentials are the inputs of an employee sign-in.
type Credentials struct {
	Email        string
	Password     string
	CaptchaToken string
	RememberMe   bool
	IP           string
	UserAgent    string
}

// SignInResult is a successful password step: either a pair, or a second
// factor still to give.
type SignInResult struct {
	Employee  *model.Employee
	Pair      *tokens.Pair
	Challenge *mfa.Challenge
}

// SignIn runs the employee sign-in rules in order: throttle and CAPTCHA,
// lookup, password (a dummy hash for unknown e-mails, so both take the same
// time), then, only after a correct password, the lock, the approval status
// and the second factor. Refusals are ErrInvalidCredentials, ErrLocked,
// ErrPending, ErrRejected, or the guard's throttle and CAPTCHA errors.
func (s *Service) SignIn(ctx context.Context, c Credentials) (*SignInResult, error) {
	if err := s.guard.Check(ctx, c.Email, c.IP, c.CaptchaToken); err != nil {
		reason := "throttled"
		if _, ok := captchaMessage(err); ok {
			reason = "captcha"
		}
		s.recordFailure(ctx, nil, c.Email, reason)
		return nil, err
	}

	e, err := ByEmail(ctx, s.db, c.Email)
	if errors.Is(err, storage.ErrNotFound) {
		if err := s.hasher.VerifyDummy(ctx, c.Password); errors.Is(err, passwords.ErrBusy) {
			return nil, err
		}
		s.countGuardFailure(ctx, c.Email, c.IP)
		s.recordFailure(ctx, nil, c.Email, "unknown_account")
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if e, err = s.liftExpiredLock(ctx, e); err != nil {
		return nil, err
	}

	ok, needsRehash, err := s.checkPassword(ctx, e, c.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.countGuardFailure(ctx, c.Email, c.IP)
		if err := s.passwordFailed(ctx, e, c.Email); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}

	// Only a caller that knows the password learns about the lock and the
	// approval status.
	if s.isLocked(e) {
		s.recordFailure(ctx, e, c.Email, "locked")
		return nil, ErrLocked
	}
	if refusal := statusRefusal(e); refusal != nil {
		if err := s.resetFailures(ctx, e); err != nil {
			return nil, err
		}
		reason := "pending"
		if errors.Is(refusal, ErrRejected) {
			reason = "rejected"
		}
		s.recordFailure(ctx, e, c.Email, reason)
		return nil, refusal
	}

	newHash := ""
	if needsRehash {
		if newHash, err = s.hasher.Hash(ctx, c.Password); err != nil {
			s.logger.WarnContext(ctx, "rehash after employee sign-in failed", "employee_id", e.ID, "error", err)
			newHash = ""
		}
	}
	return s.finishPasswordStep(ctx, e, c, newHash)
}

// checkPassword verifies a password against an employee's hash. A hash that
// cannot be read counts as a wrong password and is logged.
func (s *Service) checkPassword(ctx context.Context, e *model.Employee, password string) (ok, needsRehash bool, err error) {
	ok, needsRehash, err = s.hasher.Verify(ctx, e.Password, password, e.PasswordNFC)
	if errors.Is(err, passwords.ErrBusy) {
		return false, false, err
	}
	if err != nil {
		s.logger.WarnContext(ctx, "stored employee password hash cannot be verified", "employee_id", e.ID, "error", err)
	}
	return ok, needsRehash, nil
}

// statusRefusal returns the refusal of an employee that is not Approved.
func statusRefusal(e *model.Employee) error {
	switch e.Status {
	case model.StatusApproved:
		return nil
	case model.StatusRejected:
		return ErrRejected
	}
	return ErrPending
}

// finishPasswordStep issues a pair, or a second-factor challenge, after a
// correct password.
func (s *Service) finishPasswordStep(ctx context.Context, e *model.Employee, c Credentials, newHash string) (*SignInResult, error) {
	methods, err := s.mfa.Methods(ctx, s.db, tokens.Employee, e.ID)
	if err != nil {
		return nil, err
	}
	meta := tokens.FamilyMeta{RememberMe: c.RememberMe, IP: c.IP, UserAgent: c.UserAgent}
	result := &SignInResult{Employee: e}
	err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if newHash != "" {
			if err := s.storePasswordHash(ctx, tx, e.ID, newHash); err != nil {
				return err
			}
		}
		if len(methods) > 0 {
			challenge, err := s.mfa.Begin(ctx, tx, MFASubject(e), methods, meta.RememberMe, meta.IP)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrCodeNotQueued, err)
			}
			result.Challenge = challenge
			return audit.Record(ctx, tx, s.now(), audit.Event{Name: "login.challenge_issued", Details: map[string]any{"methods": methods}}.
				Subject(subjectType, e.ID).WithIdentifier(c.Email))
		}
		pair, err := s.CompleteSignIn(ctx, tx, e, meta, c.Email)
		result.Pair = pair
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// CompleteSignIn records a successful employee sign-in in tx: counters
// reset, last_login set, a new family with its first pair, and the audit
// event. The second-factor step calls it too.
func (s *Service) CompleteSignIn(ctx context.Context, tx bun.Tx, e *model.Employee, meta tokens.FamilyMeta, identifier string) (*tokens.Pair, error) {
	now := s.now()
	_, err := tx.NewUpdate().Model((*model.Employee)(nil)).
		Set("failed_login_attempts = 0").Set("second_factor_failures = 0").Set("last_login = ?", now).
		Where("id = ?", e.ID).Exec(ctx)
	if err != nil {
		return nil, err
	}
	pair, err := s.tokens.StartFamily(ctx, tx, Subject(e), meta)
	if err != nil {
		return nil, err
	}
	if err := s.guard.Succeeded(ctx, tx, identifier); err != nil {
		return nil, err
	}
	e.LastLogin, e.FailedLoginAttempts, e.SecondFactorFailures = &now, 0, 0
	event := audit.Event{Name: "login.succeeded", Details: map[string]any{"family_id": pair.FamilyID}}.
		Subject(subjectType, e.ID).WithIdentifier(identifier)
	return pair, audit.Record(ctx, tx, now, event)
}

// storePasswordHash replaces a password hash with one made from the NFC
// form of the password.
func (s *Service) storePasswordHash(ctx context.Context, tx bun.IDB, id int64, hash string) error {
	_, err := tx.NewUpdate().Model((*model.Employee)(nil)).Set("password = ?", hash).Set("password_nfc = ?", true).
		Set("updated_at = ?", s.now()).Where("id = ?", id).Exec(ctx)
	return err
}

// isLocked reports an active lock: an admin lock, or a failure lock that has
// not ended yet.
func (s *Service) isLocked(e *model.Employee) bool {
	return lockout.Active(e.IsLocked, e.LockReason, e.LockedUntil, s.now())
}

// liftExpiredLock clears a failure lock whose time has passed, on the first
// sign-in attempt after it ends. Employees get no e-mail about locks.
func (s *Service) liftExpiredLock(ctx context.Context, e *model.Employee) (*model.Employee, error) {
	if !lockout.Expired(e.IsLocked, e.LockReason, e.LockedUntil, s.now()) {
		return e, nil
	}
	lifted := false
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cleared, err := lockout.LiftExpired(ctx, tx, lockout.Employees, e.ID, s.now())
		if err != nil || !cleared {
			return err
		}
		lifted = true
		return audit.Record(ctx, tx, s.now(), audit.Event{Name: "account.unlocked", Details: map[string]any{"by": "time"}}.Subject(subjectType, e.ID))
	})
	if err != nil || !lifted {
		return e, err
	}
	return ByID(ctx, s.db, e.ID)
}

// resetFailures clears the password counter after a correct password that
// still may not sign in (pending or rejected).
func (s *Service) resetFailures(ctx context.Context, e *model.Employee) error {
	if e.FailedLoginAttempts == 0 {
		return nil
	}
	_, err := s.db.NewUpdate().Model((*model.Employee)(nil)).Set("failed_login_attempts = 0").Where("id = ?", e.ID).Exec(ctx)
	return err
}

// countGuardFailure counts a failed sign-in in the per-address and
// per-e-mail buckets. A failure to count is logged, not fatal.
func (s *Service) countGuardFailure(ctx context.Context, email, ip string) {
	if err := s.guard.Failed(ctx, s.db, email, ip); err != nil {
		s.logger.ErrorContext(ctx, "count a failed employee sign-in", "error", err)
	}
}

// passwordFailed counts a wrong password for an existing employee. One
// conditional UPDATE increments the counter and sets the lock when it
// reaches the threshold, so concurrent failures lock the account exactly
// once, and failures during a lock neither count nor extend it.
func (s *Service) passwordFailed(ctx context.Context, e *model.Employee, identifier string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		threshold := s.cfg.Lockout.EmployeeThreshold
		result, err := lockout.Count(ctx, tx, lockout.Employees, lockout.PasswordFailures, e.ID, threshold, s.cfg.Lockout.EmployeeDuration, now)
		if err != nil {
			return err
		}
		failed := audit.Event{Name: "login.failed", Outcome: audit.Failure, Details: map[string]any{"reason": "bad_password"}}.
			Subject(subjectType, e.ID).WithIdentifier(identifier)
		if !result.Counted {
			return audit.Record(ctx, tx, now, failed) // already locked: not counted
		}
		attempts, locked := result.Failures, result.LockedNow
		failed.Details["failed_attempts"] = attempts
		if err := audit.Record(ctx, tx, now, failed); err != nil {
			return err
		}
		if !locked {
			return nil
		}
		return audit.Record(ctx, tx, now, audit.Event{Name: "account.locked", Details: map[string]any{"failed_attempts": attempts}}.Subject(subjectType, e.ID))
	})
}

// recordFailure writes a login.failed event outside any change.
func (s *Service) recordFailure(ctx context.Context, e *model.Employee, email, reason string) {
	event := audit.Event{Name: "login.failed", Outcome: audit.Failure, Details: map[string]any{"reason": reason}}.WithIdentifier(email)
	if e != nil {
		event = event.Subject(subjectType, e.ID)
	}
	if err := audit.Record(ctx, s.db, s.now(), event); err != nil {
		s.logger.ErrorContext(ctx, "record failed employee sign-in", "error", err, "reason", reason)
	}
}
