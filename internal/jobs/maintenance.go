package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// PurgeFunc deletes expired rows through db and returns how many rows it
// removed or cleared. now is the System's clock.
type PurgeFunc func(ctx context.Context, db bun.IDB, now time.Time) (int64, error)

type namedPurge struct {
	name string
	fn   PurgeFunc
}

// purgeTimeout bounds one purge of one maintenance run.
const purgeTimeout = 5 * time.Minute

// usedRowRetention is how long used or expired codes, challenges, tokens
// and CAPTCHA rows are kept, and how long an idle throttle bucket is kept.
const usedRowRetention = 24 * time.Hour

// DefaultAuditRetention is the audit event retention when
// Options.AuditRetention is zero (AUTHD_AUDIT_RETENTION's default).
const DefaultAuditRetention = 8760 * time.Hour

// AddPurge registers fn to run in every maintenance run under name, which
// appears in the logs. Packages that own expiring rows register their
// purges here when the application is built. It is safe to call at any
// time; a registration applies from the next run.
func (s *System) AddPurge(name string, fn PurgeFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purges = append(s.purges, namedPurge{name: name, fn: fn})
}

// RunMaintenance runs every registered purge once, each on its own, and
// returns their errors joined. River also deletes done jobs after seven
// days on its own.
func (s *System) RunMaintenance(ctx context.Context) error {
	s.mu.Lock()
	purges := append([]namedPurge(nil), s.purges...)
	s.mu.Unlock()

	now := s.now().UTC()
	var failures []error
	for _, purge := range purges {
		purgeCtx, cancel := context.WithTimeout(ctx, purgeTimeout)
		removed, err := purge.fn(purgeCtx, s.db, now)
		cancel()
		if err != nil {
			s.log.Error("purge failed", "purge", purge.name, "error", err)
			failures = append(failures, fmt.Errorf("purge %s: %w", purge.name, err))
			continue
		}
		if removed > 0 {
			s.log.Info("purged expired rows", "purge", purge.name, "rows", removed)
		}
	}
	return errors.Join(failures...)
}

// maintenanceWorker runs the periodic maintenance job.
type maintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]
	s *System
}

// Work runs the purges.
func (w *maintenanceWorker) Work(ctx context.Context, job *river.Job[MaintenanceArgs]) error {
	return w.s.RunMaintenance(ctx)
}

// addStandardPurges registers the retention rules of the data model for
// the tables of the initial schema. Their owners may register more.
func (s *System) addStandardPurges(auditRetention time.Duration) {
	if auditRetention <= 0 {
		auditRetention = DefaultAuditRetention
	}
	s.AddPurge("job_order", s.repairOrder)
	s.AddPurge("audit_events", func(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
		return deleteWhere(ctx, db, "audit_events", "occurred_at < ?", now.Add(-auditRetention))
	})
	s.AddPurge("otp_codes", usedOrExpired("otp_codes", "used_at"))
	s.AddPurge("login_challenges", usedOrExpired("login_challenges", "consumed_at"))
	s.AddPurge("password_tokens", usedOrExpired("password_tokens", "used_at"))
	s.AddPurge("email_change_requests", usedOrExpired("email_change_requests", "confirmed_at"))
	s.AddPurge("captcha_challenges", func(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
		cutoff := now.Add(-usedRowRetention)
		// A solved challenge lives on through its pass token.
		return deleteWhere(ctx, db, "captcha_challenges",
			"(expires_at < ? AND (pass_expires_at IS NULL OR pass_expires_at < ?)) OR pass_used_at < ?",
			cutoff, cutoff, cutoff)
	})
	s.AddPurge("throttle_buckets", func(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
		// Every throttle window is at most an hour, so a bucket idle for a
		// day counts nothing any more, unless it still blocks.
		return deleteWhere(ctx, db, "throttle_buckets",
			"updated_at < ? AND (blocked_until IS NULL OR blocked_until < ?)", now.Add(-usedRowRetention), now)
	})
}

// usedOrExpired returns a purge of the rows of table that expired, or were
// used (usedColumn set), more than usedRowRetention ago.
func usedOrExpired(table, usedColumn string) PurgeFunc {
	return func(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
		cutoff := now.Add(-usedRowRetention)
		return deleteWhere(ctx, db, table, "expires_at < ? OR "+usedColumn+" < ?", cutoff, cutoff)
	}
}

func deleteWhere(ctx context.Context, db bun.IDB, table, where string, args ...any) (int64, error) {
	result, err := db.NewDelete().TableExpr(table).Where(where, args...).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return result.RowsAffected()
}
