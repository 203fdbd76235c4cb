package accounts

import (
	"context"
	"errors"
	"fmt"
	"github.com/mapactive/authd/internal/lockout"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Sign-in refusals. Their texts are the messages the API returns.
var (
	ErrInvalidCredentials = errors.New("Invalid email or password.")
	ErrLocked             = errors.New("Account is locked due to too many failed login attempts. Please try again later.")
	ErrPending            = errors.New("Your account is pending approval by the HDTS system administrator.")
	ErrRejected           = errors.New("Your account has been rejected by the HDTS system administrator.")
)

// ThrottledError refuses a sign-in from an address that failed too often.
// It is the throttle package's type, so the shared Guard can return it.
type ThrottledError = throttle.ThrottledError

// CaptchaError refuses a sign-in that needs a CAPTCHA it did not pass.
type CaptchaError = throttle.CaptchaError

// SecondFactorError refuses a code given with the password.
type SecondFactorError struct {
	Message  string
	Expired  bool // the e-mail code expired and a new one was sent
	Required bool // no code was given; Methods lists what is accepted
	Methods  []string
}

func (e *SecondFactorError) Error() string { return e.Message }

// Guard is the brute-force protection around every sign-in: the per-IP
// throttle, CAPTCHA escalation and their counters.
type Guard interface {
	// Check refuses the attempt before credentials are read, with a
	// *ThrottledError or a *CaptchaError.
	Check(ctx context.Context, email, ip, captchaToken string) error
	// Failed counts a failed attempt for the submitted e-mail and address.
	Failed(ctx context.Context, db bun.IDB, email, ip string) error
	// Succeeded resets the counters keyed by the e-mail.
	Succeeded(ctx context.Context, db bun.IDB, email string) error
	// Blocked rejects a second-factor attempt with a *ThrottledError while
	// the address is blocked, before the code is read.
	Blocked(ctx context.Context, ip string) error
	// CodeFailed counts a rejected second-factor code against the address.
	CodeFailed(ctx context.Context, db bun.IDB, ip string) error
}

// Challenge is a pending second factor of a sign-in.
type Challenge struct {
	Token    string           // the temporary_token (a challenge JWT)
	Methods  []string         // email, totp, recovery
	Delivery mfa.CodeDelivery // outcome of the e-mail code send for this challenge
}

// SecondFactor is two-factor authentication as sign-in uses it.
type SecondFactor interface {
	// Methods returns the second-factor methods of a user, empty when none
	// is enabled.
	Methods(ctx context.Context, db bun.IDB, subjectType tokens.SubjectType, id int64) ([]string, error)
	// Begin creates a sign-in challenge, and e-mails a code when e-mail is
	// the default method.
	Begin(ctx context.Context, tx bun.Tx, u *model.User, methods []string, meta tokens.FamilyMeta) (*Challenge, error)
	// VerifyInline checks a code sent together with the password. An empty
	// code sends an e-mail code when e-mail is a method and returns a
	// *SecondFactorError with Required set.
	VerifyInline(ctx context.Context, tx bun.Tx, u *model.User, methods []string, code string) error
}

// Credentials are the inputs of a staff sign-in.
type Credentials struct {
	Email        string
	Password     string
	OTPCode      string // set on routes that take the code with the password
	InlineOTP    bool   // the route takes the second factor with the password
	CaptchaToken string
	RememberMe   bool
	IP           string
	UserAgent    string
}

// SignInResult is a successful password step: either a pair, or a second
// factor still to give.
type SignInResult struct {
	User      *model.User
	Pair      *tokens.Pair
	Challenge *Challenge
}

// SignIn runs the staff sign-in rules in order: throttle and CAPTCHA, lookup
// and password, lock and approval checks, the second factor, then the new
// token family. Unknown e-mails are checked against a dummy hash so they take
// as long as wrong passwords, and lock and approval messages appear only
// after a correct password.
func (s *Service) SignIn(ctx context.Context, c Credentials) (*SignInResult, error) {
	checked, err := s.CheckPassword(ctx, c)
	if err != nil {
		return nil, err
	}
	u := checked.User
	if s.isLocked(u) {
		s.recordFailure(ctx, u, c.Email, "locked")
		return nil, ErrLocked
	}
	if err := s.checkApproval(ctx, u); err != nil {
		reason := "pending"
		if errors.Is(err, ErrRejected) {
			reason = "rejected"
		}
		s.recordFailure(ctx, u, c.Email, reason)
		return nil, err
	}
	newHash := ""
	if checked.NeedsRehash {
		if newHash, err = s.hasher.Hash(ctx, c.Password); err != nil {
			s.logger.WarnContext(ctx, "rehash after sign-in failed", "user_id", u.ID, "error", err)
			newHash = ""
		}
	}
	return s.finishPasswordStep(ctx, u, c, newHash)
}

// CheckedPassword is an active account whose password was right.
type CheckedPassword struct {
	User        *model.User
	NeedsRehash bool // the stored hash is not argon2id with the current parameters
}

// CheckPassword runs the steps every staff sign-in path shares up to a
// correct password: throttle and CAPTCHA, lookup (a dummy hash for unknown
// e-mails), the end of an expired failure lock, the password with its
// failure counter and lockout, and the active flag (an inactive account gets
// ErrInvalidCredentials). Lock, approval and second factor are left to the
// caller.
func (s *Service) CheckPassword(ctx context.Context, c Credentials) (*CheckedPassword, error) {
	if err := s.guard.Check(ctx, c.Email, c.IP, c.CaptchaToken); err != nil {
		reason := "throttled"
		if _, ok := err.(*CaptchaError); ok {
			reason = "captcha"
		}
		s.recordFailure(ctx, nil, c.Email, reason)
		return nil, err
	}
	u, err := UserByEmail(ctx, s.db, c.Email)
	if errors.Is(err, storage.ErrNotFound) {
		if err := s.hasher.VerifyDummy(ctx, c.Password); errors.Is(err, passwords.ErrBusy) {
			return nil, err
		}
		s.guard.Failed(ctx, s.db, c.Email, c.IP)
		s.recordFailure(ctx, nil, c.Email, "unknown_account")
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if u, err = s.liftExpiredLock(ctx, u, c.IP); err != nil {
		return nil, err
	}
	ok, needsRehash, err := s.hasher.Verify(ctx, u.Password, c.Password, u.PasswordNFC)
	if errors.Is(err, passwords.ErrBusy) {
		return nil, err
	}
	if err != nil {
		s.logger.WarnContext(ctx, "stored password hash cannot be verified", "user_id", u.ID, "error", err)
	}
	if !ok {
		if err := s.passwordFailed(ctx, u, c.Email, c.IP); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}
	if !u.IsActive {
		s.recordFailure(ctx, u, c.Email, "inactive")
		return nil, ErrInvalidCredentials
	}
	return &CheckedPassword{User: u, NeedsRehash: needsRehash}, nil
}

// finishPasswordStep issues a pair, or a second-factor challenge, after a
// correct password.
func (s *Service) finishPasswordStep(ctx context.Context, u *model.User, c Credentials, newHash string) (*SignInResult, error) {
	var methods []string
	if s.mfa != nil {
		var err error
		if methods, err = s.mfa.Methods(ctx, s.db, tokens.Staff, u.ID); err != nil {
			return nil, err
		}
	}
	meta := tokens.FamilyMeta{RememberMe: c.RememberMe, IP: c.IP, UserAgent: c.UserAgent}
	result := &SignInResult{User: u}
	var refusal error
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if newHash != "" {
			if err := s.storePasswordHash(ctx, tx, u.ID, newHash); err != nil {
				return err
			}
		}
		if len(methods) > 0 && !c.InlineOTP {
			challenge, err := s.mfa.Begin(ctx, tx, u, methods, meta)
			if err != nil {
				return err
			}
			result.Challenge = challenge
			return audit.Record(ctx, tx, s.now(), audit.Event{Name: "login.challenge_issued", Details: map[string]any{"methods": methods}}.
				Subject("staff", u.ID).WithIdentifier(c.Email))
		}
		if len(methods) > 0 {
			if err := s.mfa.VerifyInline(ctx, tx, u, methods, c.OTPCode); err != nil {
				var sfErr *SecondFactorError
				if errors.As(err, &sfErr) {
					refusal = err // commit: a sent code or a counted failure must stick
					return nil
				}
				return err
			}
		}
		pair, err := s.CompleteSignIn(ctx, tx, u, meta, c.Email)
		result.Pair = pair
		return err
	})
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		s.inlineCodeRejected(ctx, refusal, c.IP)
		return nil, refusal
	}
	return result, nil
}

// codeFailed counts a rejected second-factor code against the client address
// (login_ip). A failure to count is logged, not returned, so the caller
// still gets the rejection.
func (s *Service) codeFailed(ctx context.Context, ip string) {
	if err := s.guard.CodeFailed(ctx, s.db, ip); err != nil {
		s.logger.ErrorContext(ctx, "count a rejected second-factor code", "error", err)
	}
}

// inlineCodeRejected counts the rejection of a code sent with the password.
// A rejection because no code was sent is not counted.
func (s *Service) inlineCodeRejected(ctx context.Context, refusal error, ip string) {
	var second *SecondFactorError
	if errors.As(refusal, &second) && !second.Required {
		s.codeFailed(ctx, ip)
	}
}

// CompleteSignIn records a successful sign-in in tx: counters reset,
// last_login and every assignment's last_logged_on set, a new family with
// its first pair, and the audit event. The second-factor step calls it too.
func (s *Service) CompleteSignIn(ctx context.Context, tx bun.Tx, u *model.User, meta tokens.FamilyMeta, identifier string) (*tokens.Pair, error) {
	now := s.now()
	_, err := tx.NewUpdate().Model((*model.User)(nil)).
		Set("failed_login_attempts = 0").Set("second_factor_failures = 0").Set("last_login = ?", now).
		Where("id = ?", u.ID).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.NewUpdate().Model((*model.Assignment)(nil)).Set("last_logged_on = ?", now).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
		return nil, err
	}
	subject, err := Subject(ctx, tx, u)
	if err != nil {
		return nil, err
	}
	pair, err := s.tokens.StartFamily(ctx, tx, subject, meta)
	if err != nil {
		return nil, err
	}
	if err := s.guard.Succeeded(ctx, tx, identifier); err != nil {
		return nil, err
	}
	u.LastLogin, u.FailedLoginAttempts, u.SecondFactorFailures = &now, 0, 0
	event := audit.Event{Name: "login.succeeded", Details: map[string]any{"family_id": pair.FamilyID}}.Subject("staff", u.ID).WithIdentifier(identifier)
	return pair, audit.Record(ctx, tx, now, event)
}

// storePasswordHash replaces a password hash with one made from the NFC
// form of the password.
func (s *Service) storePasswordHash(ctx context.Context, tx bun.IDB, userID int64, hash string) error {
	_, err := tx.NewUpdate().Model((*model.User)(nil)).Set("password = ?", hash).Set("password_nfc = ?", true).
		Set("updated_at = ?", s.now()).Where("id = ?", userID).Exec(ctx)
	return err
}

// isLocked reports an active lock: an admin lock, or a failure lock that has
// not ended yet.
func (s *Service) isLocked(u *model.User) bool {
	return lockout.Active(u.IsLocked, u.LockReason, u.LockedUntil, s.now())
}

// checkApproval refuses users that hold the hdts Employee role while their
// status is not Approved.
func (s *Service) checkApproval(ctx context.Context, u *model.User) error {
	if u.Status == model.StatusApproved {
		return nil
	}
	isEmployee, err := s.db.NewSelect().TableExpr("user_system_roles AS a").
		Join("JOIN systems AS s ON s.id = a.system_id").Join("JOIN roles AS r ON r.id = a.role_id").
		Where("a.user_id = ?", u.ID).Where("s.slug = 'hdts'").Where("r.name = 'Employee'").Exists(ctx)
	if err != nil || !isEmployee {
		return err
	}
	if u.Status == model.StatusRejected {
		return ErrRejected
	}
	return ErrPending
}

// liftExpiredLock clears a failure lock whose time has passed, on the first
// sign-in attempt after it ends, and queues the "account unlocked" e-mail.
func (s *Service) liftExpiredLock(ctx context.Context, u *model.User, ip string) (*model.User, error) {
	if !lockout.Expired(u.IsLocked, u.LockReason, u.LockedUntil, s.now()) {
		return u, nil
	}
	lifted := false
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cleared, err := lockout.LiftExpired(ctx, tx, lockout.Users, u.ID, s.now())
		if err != nil || !cleared {
			return err
		}
		lifted = true
		if err := s.outbox.Email(ctx, tx, outbox.Email{Template: "account_unlocked", To: u.Email,
			Vars: map[string]any{"user_name": u.DisplayName(), "ip_address": ip}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Event{Name: "account.unlocked", Details: map[string]any{"by": "time"}}.Subject("staff", u.ID))
	})
	if err != nil || !lifted {
		return u, err
	}
	return UserByID(ctx, s.db, u.ID)
}

// passwordFailed counts a wrong password for an existing account. One
// conditional UPDATE increments the counter and sets the lock when it
// reaches the threshold, so concurrent failures lock the account exactly
// once, and failures during a lock neither count nor extend it.
func (s *Service) passwordFailed(ctx context.Context, u *model.User, email, ip string) error {
	s.guard.Failed(ctx, s.db, email, ip)
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		threshold := s.cfg.Lockout.StaffThreshold
		result, err := lockout.Count(ctx, tx, lockout.Users, lockout.PasswordFailures, u.ID, threshold, s.cfg.Lockout.StaffDuration, now)
		if err != nil {
			return err
		}
		if !result.Counted {
			// Already locked: the failure is not counted.
			return audit.Record(ctx, tx, now, audit.Event{Name: failureEvent(ctx), Outcome: audit.Failure,
				Details: map[string]any{"reason": "bad_password"}}.Subject("staff", u.ID).WithIdentifier(email))
		}
		details := map[string]any{"reason": "bad_password", "failed_attempts": result.Failures}
		if err := audit.Record(ctx, tx, now, audit.Event{Name: failureEvent(ctx), Outcome: audit.Failure, Details: details}.
			Subject("staff", u.ID).WithIdentifier(email)); err != nil {
			return err
		}
		vars := map[string]any{"user_name": u.DisplayName(), "ip_address": ip, "failed_attempts": result.Failures}
		switch {
		case result.LockedNow:
			vars["locked_until"] = now.Add(s.cfg.Lockout.StaffDuration)
			vars["lockout_duration"] = humanDuration(s.cfg.Lockout.StaffDuration)
			if err := s.outbox.Email(ctx, tx, outbox.Email{Template: "account_locked", To: u.Email, Vars: vars}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, audit.Event{Name: "account.locked", Details: map[string]any{"failed_attempts": result.Failures}}.Subject("staff", u.ID))
		case result.Failures >= 5:
			vars["attempt_time"] = now
			return s.outbox.Email(ctx, tx, outbox.Email{Template: "failed_login", To: u.Email, Vars: vars})
		}
		return nil
	})
}

// recordFailure writes a failed sign-in event outside any change.
func (s *Service) recordFailure(ctx context.Context, u *model.User, email, reason string) {
	event := audit.Event{Name: failureEvent(ctx), Outcome: audit.Failure, Details: map[string]any{"reason": reason}}.WithIdentifier(email)
	if u != nil {
		event = event.Subject("staff", u.ID)
	}
	if err := audit.Record(ctx, s.db, s.now(), event); err != nil {
		s.logger.ErrorContext(ctx, "record failed sign-in", "error", err, "reason", reason)
	}
}

// humanDuration writes a lock duration as e-mails show it ("15 minutes").
func humanDuration(d time.Duration) string {
	minutes := int(d.Minutes())
	switch {
	case minutes%60 == 0 && minutes >= 60:
		if minutes == 60 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", minutes/60)
	case minutes == 1:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", minutes)
}
