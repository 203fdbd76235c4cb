package throttle

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Sign-in refusal messages that frontends match.
const (
	MsgLoginThrottled     = "Too many login attempts. Please try again later."
	MsgCaptchaRequired    = "CAPTCHA verification is required."
	MsgCaptchaFailed      = "CAPTCHA verification failed."
	MsgCaptchaUnavailable = "Failed to verify CAPTCHA. Please try again."
)

// ThrottledError refuses a sign-in from an address that failed too often
// (login_ip). The accounts package uses this type under its own name.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return MsgLoginThrottled }

// CaptchaError refuses a sign-in that needs a CAPTCHA it did not pass.
// Message is one of MsgCaptchaRequired, MsgCaptchaFailed and
// MsgCaptchaUnavailable.
type CaptchaError struct{ Message string }

func (e *CaptchaError) Error() string { return e.Message }

// CaptchaVerifier checks the CAPTCHA response that a sign-in carries: a
// built-in pass token or an external provider's widget response.
type CaptchaVerifier interface {
	// Verify returns false for a rejected response, and an error when the
	// response could not be checked, so sign-in then fails closed.
	Verify(ctx context.Context, response, ip string) (bool, error)
}

// Guard is the brute-force protection of every sign-in route, staff and
// employee: the per-IP block and CAPTCHA escalation. It implements
// accounts.Guard.
type Guard struct {
	svc      *Service
	db       bun.IDB
	verifier CaptchaVerifier
}

// NewGuard returns a Guard that reads counters through db. A nil verifier
// turns CAPTCHA escalation off (provider "none").
func (s *Service) NewGuard(db bun.IDB, verifier CaptchaVerifier) *Guard {
	return &Guard{svc: s, db: db, verifier: verifier}
}

// Check refuses an attempt before its credentials are read: a
// *ThrottledError while the address is blocked, then a *CaptchaError when
// a CAPTCHA is required and captchaResponse does not pass.
func (g *Guard) Check(ctx context.Context, email, ip, captchaResponse string) error {
	if err := g.svc.Blocked(ctx, g.db, g.svc.limits.LoginIP, ip); err != nil {
		var limit *LimitError
		if errors.As(err, &limit) {
			return &ThrottledError{RetryAfter: limit.RetryAfter}
		}
		return err
	}
	required, err := g.CaptchaRequired(ctx, email, ip)
	if err != nil || !required {
		return err
	}
	if captchaResponse == "" {
		return &CaptchaError{Message: MsgCaptchaRequired}
	}
	ok, err := g.verifier.Verify(ctx, captchaResponse, ip)
	switch {
	case err != nil:
		return &CaptchaError{Message: MsgCaptchaUnavailable}
	case !ok:
		return &CaptchaError{Message: MsgCaptchaFailed}
	}
	return nil
}

// Blocked returns a *ThrottledError while the address is blocked
// (login_ip). The second-factor routes call it before they read the code.
// They ask for no CAPTCHA, so Check does not fit them.
func (g *Guard) Blocked(ctx context.Context, ip string) error {
	err := g.svc.Blocked(ctx, g.db, g.svc.limits.LoginIP, ip)
	var limit *LimitError
	if errors.As(err, &limit) {
		return &ThrottledError{RetryAfter: limit.RetryAfter}
	}
	return err
}

// CodeFailed counts a rejected second-factor attempt (a wrong code, an
// unknown, expired or spent challenge, a locked account) against the
// address in login_ip. The CAPTCHA counters are left alone, so a mistyped
// code does not put a CAPTCHA on the next password step.
func (g *Guard) CodeFailed(ctx context.Context, db bun.IDB, ip string) error {
	if ip == "" {
		return nil
	}
	_, err := g.svc.Count(ctx, db, g.svc.limits.LoginIP, ip)
	return err
}

// CaptchaRequired reports whether a sign-in for email from ip needs a
// CAPTCHA: either counter reached AUTHD_CAPTCHA_AFTER_FAILURES in the last
// 15 minutes. It depends only on the submitted strings, so it reveals
// nothing about accounts.
func (g *Guard) CaptchaRequired(ctx context.Context, email, ip string) (bool, error) {
	if g.verifier == nil {
		return false, nil
	}
	if key := normalizeEmailKey(email); key != "" {
		reached, err := g.svc.Reached(ctx, g.db, g.svc.limits.CaptchaAccount, key)
		if err != nil || reached {
			return reached, err
		}
	}
	if ip == "" {
		return false, nil
	}
	return g.svc.Reached(ctx, g.db, g.svc.limits.CaptchaIP, ip)
}

// Failed counts a failed sign-in (a wrong password or an unknown e-mail)
// against the address and the submitted e-mail.
func (g *Guard) Failed(ctx context.Context, db bun.IDB, email, ip string) error {
	if ip != "" {
		if _, err := g.svc.Count(ctx, db, g.svc.limits.LoginIP, ip); err != nil {
			return err
		}
		if _, err := g.svc.Count(ctx, db, g.svc.limits.CaptchaIP, ip); err != nil {
			return err
		}
	}
	if key := normalizeEmailKey(email); key != "" {
		if _, err := g.svc.Count(ctx, db, g.svc.limits.CaptchaAccount, key); err != nil {
			return err
		}
	}
	return nil
}

// Succeeded resets the CAPTCHA counter of the e-mail. IP counters are
// never reset by a success, so one good account cannot launder an
// address's failures.
func (g *Guard) Succeeded(ctx context.Context, db bun.IDB, email string) error {
	if key := normalizeEmailKey(email); key != "" {
		return g.svc.Reset(ctx, db, g.svc.limits.CaptchaAccount, key)
	}
	return nil
}
