package accounts

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/tokens"
)

// failureEventKey carries the audit event name of failed attempts.
type failureEventKey struct{}

// WithFailureEvent returns a context in which failed sign-ins are recorded
// as the audit event name instead of login.failed, for sign-in paths with
// their own event (portal.login.failed).
func WithFailureEvent(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, failureEventKey{}, name)
}

func failureEvent(ctx context.Context) string {
	if name, ok := ctx.Value(failureEventKey{}).(string); ok && name != "" {
		return name
	}
	return "login.failed"
}

// IsLocked reports whether the account has an active lock: an admin lock,
// or a failure lock that has not ended.
func (s *Service) IsLocked(u *model.User) bool { return s.isLocked(u) }

// FinishSignIn completes a sign-in that issues no token pair, such as the
// superadmin portal's, after CheckPassword and the caller's own checks. In
// one transaction it verifies the second factor sent with the password (an
// empty c.OTPCode returns the error that requires one), stores a rehashed password, resets both
// failure counters and the guard's counters, sets last_login and runs
// complete. A *SecondFactorError is returned after that transaction commits
// without running complete, so a sent code or a counted failure sticks.
func (s *Service) FinishSignIn(ctx context.Context, checked *CheckedPassword, c Credentials, complete func(ctx context.Context, tx bun.Tx) error) error {
	u := checked.User
	var methods []string
	if s.mfa != nil {
		var err error
		if methods, err = s.mfa.Methods(ctx, s.db, tokens.Staff, u.ID); err != nil {
			return err
		}
	}
	newHash := ""
	if checked.NeedsRehash {
		var err error
		if newHash, err = s.hasher.Hash(ctx, c.Password); err != nil {
			s.logger.WarnContext(ctx, "rehash after sign-in failed", "user_id", u.ID, "error", err)
			newHash = ""
		}
	}
	var refusal error
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if newHash != "" {
			if err := s.storePasswordHash(ctx, tx, u.ID, newHash); err != nil {
				return err
			}
		}
		if len(methods) > 0 {
			if err := s.mfa.VerifyInline(ctx, tx, u, methods, c.OTPCode); err != nil {
				var second *SecondFactorError
				if errors.As(err, &second) {
					refusal = err
					return nil
				}
				return err
			}
		}
		now := s.now()
		_, err := tx.NewUpdate().Model((*model.User)(nil)).
			Set("failed_login_attempts = 0").Set("second_factor_failures = 0").Set("last_login = ?", now).
			Where("id = ?", u.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if err := s.guard.Succeeded(ctx, tx, c.Email); err != nil {
			return err
		}
		u.LastLogin, u.FailedLoginAttempts, u.SecondFactorFailures = &now, 0, 0
		return complete(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.inlineCodeRejected(ctx, refusal, c.IP)
	return refusal
}
