package apikeys

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/throttle"
)

// openAccessLimit lets one internal.open_access event through per route
// and client address per minute. The throttle_buckets row makes the limit
// hold across instances.
var openAccessLimit = throttle.Limit{Bucket: "open_access", Max: 1, Window: time.Minute}

// RecordOpenAccess writes the audit event internal.open_access for a call
// without credentials that legacy open mode let through to route (the
// route pattern, such as "GET /api/v1/users/internal/{id}/"), at most once
// per route and client address per minute.
func (s *Service) RecordOpenAccess(ctx context.Context, route string) {
	ip := requestinfo.From(ctx).IP
	if s.limiter != nil {
		err := s.limiter.Take(ctx, s.db, openAccessLimit, route+" "+ip)
		var limited *throttle.LimitError
		if errors.As(err, &limited) {
			return
		}
		if err != nil {
			s.logger.WarnContext(ctx, "count an open internal call failed, recording it anyway", "error", err, "route", route)
		}
	}
	event := audit.Event{Name: "internal.open_access", Details: map[string]any{"route": route}}
	if err := audit.Record(ctx, s.db, s.now(), event); err != nil {
		s.logger.ErrorContext(ctx, "record an open internal call", "error", err, "route", route,
			"request_id", requestinfo.From(ctx).RequestID)
	}
}

// WarnLegacyOpen logs a warning naming every route in routes at once and
// then every interval until ctx ends, the reminder that legacy open mode
// serves them without credentials.
func WarnLegacyOpen(ctx context.Context, logger *slog.Logger, routes []string, interval time.Duration) {
	warn := func() {
		logger.WarnContext(ctx, "AUTHD_INTERNAL_AUTH=legacy_open: these routes are served without an API key. Send X-API-Key from every caller, then remove the setting",
			"routes", routes)
	}
	warn()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			warn()
		}
	}
}
