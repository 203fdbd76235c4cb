package throttle

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/model"
)

// Bucket names, as stored in throttle_buckets.bucket.
const (
	BucketLoginIP         = "login_ip"
	BucketCaptchaIP       = "captcha_ip"
	BucketCaptchaAccount  = "captcha_account"
	BucketMailAccount     = "mail_account"
	BucketMailIP          = "mail_ip"
	BucketOTPResend       = "otp_resend"
	BucketRegisterIP      = "register_ip"
	BucketAPIKeyInvalid   = "api_key_invalid"
	BucketCaptchaGenerate = "captcha_generate"
)

// Limits are the limits of every bucket.
type Limits struct {
	LoginIP         Limit
	CaptchaIP       Limit
	CaptchaAccount  Limit
	MailAccount     Limit
	MailIP          Limit
	OTPResend       Limit
	RegisterIP      Limit
	APIKeyInvalid   Limit
	CaptchaGenerate Limit
}

// captchaWindow is the window of the CAPTCHA escalation counters.
const captchaWindow = 15 * time.Minute

// NewLimits returns the limits of the configuration. The limits without a
// configuration variable are fixed: 20 invalid API keys per minute and 30
// CAPTCHA challenges per minute per address.
func NewLimits(cfg *config.Config) Limits {
	after := cfg.Captcha.AfterFailures
	return Limits{
		LoginIP:         Limit{Bucket: BucketLoginIP, Max: cfg.Throttle.LoginIPMax, Window: cfg.Throttle.LoginIPWindow, Block: cfg.Throttle.LoginIPWindow},
		CaptchaIP:       Limit{Bucket: BucketCaptchaIP, Max: after, Window: captchaWindow},
		CaptchaAccount:  Limit{Bucket: BucketCaptchaAccount, Max: after, Window: captchaWindow},
		MailAccount:     Limit{Bucket: BucketMailAccount, Max: cfg.Throttle.MailAccountMax, Window: time.Hour},
		MailIP:          Limit{Bucket: BucketMailIP, Max: cfg.Throttle.MailIPMax, Window: time.Hour},
		OTPResend:       Limit{Bucket: BucketOTPResend, Max: 1, Window: cfg.Throttle.OTPResendCooldown},
		RegisterIP:      Limit{Bucket: BucketRegisterIP, Max: cfg.Throttle.RegisterIPMax, Window: time.Hour},
		APIKeyInvalid:   Limit{Bucket: BucketAPIKeyInvalid, Max: 20, Window: time.Minute},
		CaptchaGenerate: Limit{Bucket: BucketCaptchaGenerate, Max: 30, Window: time.Minute},
	}
}

// LimitError reports a request over a limit. Callers reject it with 429
// (httpx.Throttled(RetryAfter)).
type LimitError struct {
	Bucket     string
	RetryAfter time.Duration
}

func (e *LimitError) Error() string { return "Too many requests. Please try again later." }

// Service counts events in throttle buckets.
type Service struct {
	limits Limits
	now    func() time.Time
}

// NewService returns a Service with limits and a clock.
func NewService(limits Limits, now func() time.Time) *Service {
	return &Service{limits: limits, now: now}
}

// Limits returns the limits the service applies.
func (s *Service) Limits() Limits { return s.limits }

// Take counts one event and returns a *LimitError when it is over the
// limit: Max events pass in a window and the next ones are refused.
func (s *Service) Take(ctx context.Context, db bun.IDB, limit Limit, key string) error {
	now := s.now()
	state, err := hit(ctx, db, now, limit, key)
	if err != nil {
		return err
	}
	if state.Count > limit.Max {
		wait := state.windowLeft(now, limit)
		if state.BlockedUntil != nil && state.BlockedUntil.Sub(now) > wait {
			wait = state.BlockedUntil.Sub(now)
		}
		return &LimitError{Bucket: limit.Bucket, RetryAfter: wait}
	}
	return nil
}

// Count counts one event without judging it, for failure counters that
// are checked before the next attempt.
func (s *Service) Count(ctx context.Context, db bun.IDB, limit Limit, key string) (State, error) {
	return hit(ctx, db, s.now(), limit, key)
}

// Blocked returns a *LimitError when a failure counter has reached its
// limit (or its block lasts), without counting.
func (s *Service) Blocked(ctx context.Context, db bun.IDB, limit Limit, key string) error {
	now := s.now()
	state, err := peek(ctx, db, now, limit, key)
	if err != nil {
		return err
	}
	if wait := state.blockedFor(now, limit); wait > 0 {
		return &LimitError{Bucket: limit.Bucket, RetryAfter: wait}
	}
	return nil
}

// Reached reports whether a counter holds at least Max events in its
// current window.
func (s *Service) Reached(ctx context.Context, db bun.IDB, limit Limit, key string) (bool, error) {
	state, err := peek(ctx, db, s.now(), limit, key)
	if err != nil {
		return false, err
	}
	return state.Count >= limit.Max, nil
}

// Reset deletes the bucket of a key.
func (s *Service) Reset(ctx context.Context, db bun.IDB, limit Limit, key string) error {
	return reset(ctx, db, limit.Bucket, key)
}

// Register counts a registration from ip (register_ip).
func (s *Service) Register(ctx context.Context, db bun.IDB, ip string) error {
	return s.Take(ctx, db, s.limits.RegisterIP, ip)
}

// CaptchaGenerate counts a built-in CAPTCHA challenge made for ip
// (captcha_generate).
func (s *Service) CaptchaGenerate(ctx context.Context, db bun.IDB, ip string) error {
	return s.Take(ctx, db, s.limits.CaptchaGenerate, ip)
}

// APIKeyBlocked returns a *LimitError while ip has sent too many invalid
// API keys in the current minute. Call it before looking a key up.
func (s *Service) APIKeyBlocked(ctx context.Context, db bun.IDB, ip string) error {
	return s.Blocked(ctx, db, s.limits.APIKeyInvalid, ip)
}

// APIKeyInvalid counts an invalid, expired or revoked key sent from ip and
// returns a *LimitError once the address is over the limit.
func (s *Service) APIKeyInvalid(ctx context.Context, db bun.IDB, ip string) error {
	return s.Take(ctx, db, s.limits.APIKeyInvalid, ip)
}

// Mail purposes for mail_account keys.
const (
	MailReset        = "reset"
	MailOTP          = "otp"
	MailInviteResend = "invite_resend"
)

// MailDecision reports whether an e-mail may be sent and, if not, which limit
// refused it.
type MailDecision struct {
	Allowed bool
	Refused *LimitError // nil when allowed
}

// Mail counts an e-mail-triggering request for an address and purpose from
// ip (mail_account and mail_ip) and decides whether the e-mail may go out.
// Public routes return the same response either way. Authenticated routes
// return 429 when mail_ip refused (Refused.Bucket == BucketMailIP).
func (s *Service) Mail(ctx context.Context, db bun.IDB, email, purpose, ip string) (MailDecision, error) {
	if ip != "" {
		if err := s.Take(ctx, db, s.limits.MailIP, ip); err != nil {
			limit, ok := err.(*LimitError)
			if !ok {
				return MailDecision{}, err
			}
			return MailDecision{Refused: limit}, nil
		}
	}
	key := model.NormalizeEmail(email) + "|" + purpose
	if err := s.Take(ctx, db, s.limits.MailAccount, key); err != nil {
		limit, ok := err.(*LimitError)
		if !ok {
			return MailDecision{}, err
		}
		return MailDecision{Refused: limit}, nil
	}
	return MailDecision{Allowed: true}, nil
}

// OTPResend applies the e-mail code cooldown of one account, keyed
// "<subject type>:<id>": the first code in the cooldown passes, later ones
// get a *LimitError.
func (s *Service) OTPResend(ctx context.Context, db bun.IDB, subjectKey string) error {
	return s.Take(ctx, db, s.limits.OTPResend, subjectKey)
}

// Purge deletes buckets whose window ended more than a day ago and that
// block nothing. The job system runs the same rule for throttle_buckets;
// this method serves tools and tests.
func (s *Service) Purge(ctx context.Context, db bun.IDB) (int64, error) {
	now := s.now().UTC()
	res, err := db.NewDelete().Model((*row)(nil)).
		Where("updated_at < ?", now.Add(-24*time.Hour)).
		Where("blocked_until IS NULL OR blocked_until < ?", now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// normalizeEmailKey lower-cases a submitted e-mail for captcha_account,
// whether or not an account exists.
func normalizeEmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
