package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func insertRow(t *testing.T, db *storage.DB, table string, row map[string]any) {
	t.Helper()
	if _, err := db.NewInsert().Model(&row).TableExpr(table).Exec(context.Background()); err != nil {
		t.Fatalf("insert into %s: %v", table, err)
	}
}

func countRows(t *testing.T, db *storage.DB, table string) int {
	t.Helper()
	n, err := db.NewSelect().TableExpr(table).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func TestMaintenancePurgesExpiredRows(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{workers: -1})
		now := r.clock.Now()
		day := 24 * time.Hour

		for _, occurred := range []time.Time{now.Add(-9000 * time.Hour), now.Add(-time.Hour)} {
			insertRow(t, db, "audit_events", map[string]any{"occurred_at": occurred, "event": "login.succeeded",
				"outcome": "success", "details": "{}"})
		}
		codes := []map[string]any{
			{"expires_at": now.Add(-2 * day), "used_at": nil},                // expired two days ago: purged
			{"expires_at": now.Add(-time.Hour), "used_at": nil},              // expired an hour ago: kept
			{"expires_at": now.Add(time.Hour), "used_at": now.Add(-2 * day)}, // used two days ago: purged
			{"expires_at": now.Add(time.Hour), "used_at": nil},               // live: kept
		}
		for _, code := range codes {
			code["subject_type"], code["subject_id"], code["code_hmac"], code["purpose"] = "staff", 1, "x", "login"
			code["created_at"] = now.Add(-3 * day)
			insertRow(t, db, "otp_codes", code)
		}
		buckets := []map[string]any{
			{"key": "idle", "updated_at": now.Add(-2 * day), "blocked_until": nil},              // purged
			{"key": "blocking", "updated_at": now.Add(-2 * day), "blocked_until": now.Add(day)}, // kept
			{"key": "recent", "updated_at": now.Add(-time.Minute), "blocked_until": nil},        // kept
		}
		for _, bucket := range buckets {
			bucket["bucket"], bucket["count"], bucket["window_started_at"] = "login_ip", 1, bucket["updated_at"]
			insertRow(t, db, "throttle_buckets", bucket)
		}
		var registeredAt time.Time
		r.system.AddPurge("custom", func(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
			registeredAt = now
			return 0, nil
		})

		if err := r.system.RunMaintenance(context.Background()); err != nil {
			t.Fatalf("RunMaintenance: %v", err)
		}

		if n := countRows(t, db, "audit_events"); n != 1 {
			t.Errorf("%d audit events left, want the recent one", n)
		}
		if n := countRows(t, db, "otp_codes"); n != 2 {
			t.Errorf("%d codes left, want 2", n)
		}
		if n := countRows(t, db, "throttle_buckets"); n != 2 {
			t.Errorf("%d throttle buckets left, want 2", n)
		}
		if !registeredAt.Equal(now) {
			t.Errorf("the registered purge ran with now = %v, want the System's clock %v", registeredAt, now)
		}
	})
}

func TestMaintenanceReportsFailedPurge(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		r := newRig(t, db, rigOptions{workers: -1})
		failure := errors.New("table is gone")
		ran := false
		r.system.AddPurge("broken", func(context.Context, bun.IDB, time.Time) (int64, error) { return 0, failure })
		r.system.AddPurge("after", func(context.Context, bun.IDB, time.Time) (int64, error) { ran = true; return 1, nil })

		err := r.system.RunMaintenance(context.Background())
		if !errors.Is(err, failure) {
			t.Errorf("RunMaintenance returned %v, want the failed purge's error", err)
		}
		if !ran {
			t.Error("a failed purge stopped the purges after it")
		}
	})
}
