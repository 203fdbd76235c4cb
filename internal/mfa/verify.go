package mfa

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
)

// isSixDigits reports whether code has the form of an e-mail or TOTP code.
func isSixDigits(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// normalizeCode strips the spaces people type inside a code.
func normalizeCode(code string) string {
	return strings.Join(strings.Fields(code), "")
}

// matchFactor checks code against the methods allowed, in order: the
// authenticator app and the e-mail code for 6 digits, then a recovery code.
// It consumes what matched and returns its method, or "" when nothing
// matched.
func (s *Service) matchFactor(ctx context.Context, tx bun.IDB, subject Subject, methods []string, input string, now time.Time) (string, error) {
	code := normalizeCode(input)
	allowed := func(m string) bool {
		for _, x := range methods {
			if x == m {
				return true
			}
		}
		return false
	}
	if isSixDigits(code) {
		if allowed(MethodTOTP) {
			ok, err := s.checkTOTP(ctx, tx, subject, code, now)
			if err != nil || ok {
				return methodIf(ok, MethodTOTP), err
			}
		}
		if allowed(MethodEmail) {
			ok, err := s.checkEmailCode(ctx, tx, subject, code, now)
			if err != nil || ok {
				return methodIf(ok, MethodEmail), err
			}
		}
		return "", nil
	}
	if allowed(MethodRecovery) {
		ok, err := s.checkRecovery(ctx, tx, subject, input, now)
		if err != nil || !ok {
			return "", err
		}
		event := audit.Event{Name: "recovery_code.used"}.Subject(string(subject.Type), subject.ID)
		return MethodRecovery, audit.Record(ctx, tx, now, event)
	}
	return "", nil
}

func methodIf(ok bool, method string) string {
	if ok {
		return method
	}
	return ""
}

// verifyFactor checks a code for a management action or a sign-in, counts
// a failure or resets the counter, and returns the method that matched.
// It returns ErrCodeInvalid for a wrong code and ErrLocked for a locked
// account; the failure is written through tx either way.
func (s *Service) verifyFactor(ctx context.Context, tx bun.IDB, subject Subject, methods []string, code string, now time.Time) (string, error) {
	locked, err := s.locked(ctx, tx, subject, now)
	if err != nil {
		return "", err
	}
	if locked {
		return "", ErrLocked
	}
	method, err := s.matchFactor(ctx, tx, subject, methods, code, now)
	if err != nil {
		return "", err
	}
	if method == "" {
		lockedNow, err := s.recordFailure(ctx, tx, subject, methodOfInput(code), now)
		if err != nil {
			return "", err
		}
		if lockedNow {
			return "", ErrLocked
		}
		return "", ErrCodeInvalid
	}
	if err := s.resetFailures(ctx, tx, subject); err != nil {
		return "", err
	}
	return method, audit.Record(ctx, tx, now, audit.Event{Name: "2fa.succeeded", Details: map[string]any{"method": method}}.
		Subject(string(subject.Type), subject.ID))
}

// methodOfInput names the kind of code a wrong input looked like, for the
// audit event; the code itself is never recorded.
func methodOfInput(code string) string {
	if isSixDigits(normalizeCode(code)) {
		return "code"
	}
	if normalizeRecovery(code) != "" {
		return MethodRecovery
	}
	return "malformed"
}
