package accounts

import (
	"context"
	"errors"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// SecurityHandlers serves the staff routes of two-factor authentication,
// passwords and the registration limit.
type SecurityHandlers struct {
	h        *Handlers
	svc      *Service
	mfa      *mfa.Service
	throttle *throttle.Service
	resets   ResetRequests
}

// NewSecurityHandlers returns the security routes of the staff handlers h.
// Forgot-password requests are resolved inside the request until
// SetResetRequests installs a queue.
func NewSecurityHandlers(h *Handlers, m *mfa.Service, t *throttle.Service) *SecurityHandlers {
	sh := &SecurityHandlers{h: h, svc: h.svc, mfa: m, throttle: t}
	sh.resets = inlineResets{sh: sh}
	return sh
}

// SetResetRequests installs the queue that runs ProcessResetRequest in the
// background (a mail_request job).
func (sh *SecurityHandlers) SetResetRequests(r ResetRequests) { sh.resets = r }

// decodeFields reads the request body, writing the problem when it cannot.
func decodeFields(w http.ResponseWriter, r *http.Request) (*httpx.Fields, bool) {
	in, problem := httpx.Decode(w, r)
	if problem != nil {
		httpx.WriteProblem(w, problem)
		return nil, false
	}
	return httpx.NewFields(in), true
}

// checkPassword verifies the caller's own password. A wrong one counts as
// a password failure for the lockout, as on the sign-in routes.
func (s *Service) checkPassword(ctx context.Context, u *model.User, password string) (bool, error) {
	ok, _, err := s.hasher.Verify(ctx, u.Password, password, u.PasswordNFC)
	if errors.Is(err, passwords.ErrBusy) {
		return false, err
	}
	if err != nil {
		s.logger.WarnContext(ctx, "stored password hash cannot be verified", "user_id", u.ID, "error", err)
	}
	if ok {
		return true, nil
	}
	if err := s.passwordFailed(ctx, u, u.Email, requestinfo.From(ctx).IP); err != nil {
		return false, err
	}
	return false, nil
}

// callerFamily returns the refresh family of the request's access token,
// or "" when it has none (a token made by the Django service).
func (s *Service) callerFamily(ctx context.Context, p *httpx.Principal) string {
	if p == nil || p.Claims == nil {
		return ""
	}
	family, err := s.tokens.FamilyOfAccess(ctx, s.db, p.Claims.JTI)
	if err != nil {
		return ""
	}
	return family
}

// failBusyOr writes 503 for a saturated password hasher, else the error.
func failBusyOr(w http.ResponseWriter, r *http.Request, err error) {
	var limit *throttle.LimitError
	switch {
	case errors.Is(err, passwords.ErrBusy):
		httpx.WriteProblem(w, httpx.ErrBusy)
	case errors.As(err, &limit):
		httpx.WriteProblem(w, httpx.Throttled(limit.RetryAfter))
	default:
		httpx.Fail(w, r, err)
	}
}

// LimitRegistration wraps the registration handler with the register_ip
// limit: 10 registrations per client address per hour, then 429.
func (sh *SecurityHandlers) LimitRegistration(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := sh.throttle.Register(r.Context(), sh.svc.db, requestinfo.From(r.Context()).IP); err != nil {
			failBusyOr(w, r, err)
			return
		}
		next(w, r)
	}
}

// factorsTurnedOff applies what turning two-factor authentication off
// requires besides the factor rows, which disableAllFactors removed: every
// other session of the user ends, and the audit log records it.
func (s *Service) factorsTurnedOff(ctx context.Context, tx bun.Tx, userID int64, keepFamily string) error {
	now := s.now()
	revoked, err := s.tokens.RevokeSubject(ctx, tx, tokens.Staff, userID, tokens.ReasonFactorChanged, keepFamily)
	if err != nil {
		return err
	}
	if revoked > 0 {
		event := audit.Event{Name: "family.revoked", Details: map[string]any{"reason": tokens.ReasonFactorChanged, "families": revoked}}.Subject("staff", userID)
		if err := audit.Record(ctx, tx, now, event); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, now, audit.Event{Name: "2fa.disabled", Details: map[string]any{"by": "profile"}}.Actor("staff", userID).Subject("staff", userID))
}
