package apikeys

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/throttle"
)

// ErrInvalid reports an unknown, malformed, expired or revoked key.
var ErrInvalid = errors.New("invalid API key")

// LastUsedInterval is the minimum time between two writes of a key's
// last_used_at and last_used_ip, so a busy service does not write a row on
// every request.
const LastUsedInterval = time.Minute

// Limiter throttles the client addresses that send invalid keys, and the
// audit events of open internal calls. *throttle.Service implements it.
// Its methods return a *throttle.LimitError for an event over the limit.
type Limiter interface {
	// APIKeyBlocked rejects an address that sent too many invalid keys in
	// the current window, before its key is looked up.
	APIKeyBlocked(ctx context.Context, db bun.IDB, ip string) error
	// APIKeyInvalid counts an invalid key sent from ip.
	APIKeyInvalid(ctx context.Context, db bun.IDB, ip string) error
	// Take counts one event of limit for key, for the open access events.
	Take(ctx context.Context, db bun.IDB, limit throttle.Limit, key string) error
}

// dummyDigest is compared when no key has the sent prefix, so an unknown
// prefix costs the same comparison as a wrong secret.
var dummyDigest = secrets.SHA256Hex("authd-api-key-placeholder")

// Verify checks the X-API-Key of a request from ip. It returns the key's
// description, ErrInvalid for a key that is not accepted (recorded as
// api_key.rejected), or a 429 *httpx.Problem while ip is throttled.
func (s *Service) Verify(ctx context.Context, raw, ip string) (*httpx.APIKey, error) {
	if problem := s.blocked(ctx, ip); problem != nil {
		return nil, problem
	}
	now := s.now().UTC()
	prefix, wellFormed := parsePrefix(raw)
	digest := secrets.SHA256Hex(raw)
	var k *Key
	if wellFormed {
		found := &Key{}
		err := s.db.NewSelect().Model(found).Where("prefix = ?", prefix).Scan(ctx)
		switch {
		case err == nil:
			k = found
		case !errors.Is(err, sql.ErrNoRows):
			return nil, s.internalError(ctx, "look up an API key", err)
		}
	}
	reason := ""
	switch {
	case !wellFormed:
		reason = "malformed"
	case k == nil:
		secrets.Equal(digest, dummyDigest)
		reason = "unknown"
	case !secrets.Equal(digest, k.KeySHA256):
		reason = "unknown"
	case k.Revoked(now):
		reason = "revoked"
	case k.Expired(now):
		reason = "expired"
	}
	if reason != "" {
		return nil, s.reject(ctx, ip, prefix, k, reason)
	}
	s.touch(ctx, k, ip, now)
	return &httpx.APIKey{ID: k.ID, Name: k.Name, Scopes: k.Scopes()}, nil
}

// blocked returns the 429 problem of a throttled address.
func (s *Service) blocked(ctx context.Context, ip string) error {
	if s.limiter == nil {
		return nil
	}
	return s.limitProblem(ctx, s.limiter.APIKeyBlocked(ctx, s.db, ip), nil)
}

// limitProblem turns a limiter result into the 429 problem, or fallback
// when the address is under the limit.
func (s *Service) limitProblem(ctx context.Context, err, fallback error) error {
	var limited *throttle.LimitError
	switch {
	case err == nil:
		return fallback
	case errors.As(err, &limited):
		return httpx.Throttled(limited.RetryAfter)
	}
	return s.internalError(ctx, "update the invalid API key throttle", err)
}

// reject records a rejected key and counts it against the address. The
// audit details name the prefix of a well-formed key, never the key.
func (s *Service) reject(ctx context.Context, ip, prefix string, k *Key, reason string) error {
	details := map[string]any{"reason": reason}
	if prefix != "" {
		details["prefix"] = prefix
	}
	event := audit.Event{Name: "api_key.rejected", Outcome: audit.Failure, Details: details}
	if k != nil && reason != "unknown" {
		event.Details["key_id"] = k.ID
	}
	if err := audit.Record(ctx, s.db, s.now(), event); err != nil {
		s.logger.ErrorContext(ctx, "record a rejected API key", "error", err, "reason", reason)
	}
	if s.limiter == nil {
		return ErrInvalid
	}
	return s.limitProblem(ctx, s.limiter.APIKeyInvalid(ctx, s.db, ip), ErrInvalid)
}

// touch writes the time and address of a key's use when the last write is
// older than LastUsedInterval. The condition sits in the UPDATE, so
// concurrent requests write at most once per interval.
func (s *Service) touch(ctx context.Context, k *Key, ip string, now time.Time) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < LastUsedInterval {
		return
	}
	var address *string
	if ip != "" {
		if len(ip) > 45 {
			ip = ip[:45] // the column holds the longest IPv6 text form
		}
		address = &ip
	}
	_, err := s.db.NewUpdate().Model((*Key)(nil)).Set("last_used_at = ?", now).Set("last_used_ip = ?", address).
		Where("id = ?", k.ID).Where("last_used_at IS NULL OR last_used_at <= ?", now.Add(-LastUsedInterval)).Exec(ctx)
	if err != nil {
		s.logger.WarnContext(ctx, "record the last use of an API key", "error", err, "key_id", k.ID)
	}
}

// internalError logs err and returns the standard 500 problem, so a
// database failure is not mistaken for an invalid key.
func (s *Service) internalError(ctx context.Context, action string, err error) error {
	id := requestinfo.From(ctx).RequestID
	s.logger.ErrorContext(ctx, action, "error", err, "request_id", id)
	return &httpx.Problem{Status: http.StatusInternalServerError,
		Body: map[string]any{"detail": "Internal server error.", "code": "server_error", "request_id": id}}
}
