package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

type systemRow struct {
	bun.BaseModel `bun:"table:systems"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Slug          string    `bun:"slug"`
	CreatedAt     time.Time `bun:"created_at"`
}

type roleRow struct {
	bun.BaseModel `bun:"table:roles"`
	ID            int64     `bun:"id,pk,autoincrement"`
	SystemID      int64     `bun:"system_id"`
	Name          string    `bun:"name"`
	CreatedAt     time.Time `bun:"created_at"`
}

type bucketRow struct {
	bun.BaseModel   `bun:"table:throttle_buckets"`
	Bucket          string    `bun:"bucket,pk"`
	Key             string    `bun:"key,pk"`
	Count           int       `bun:"count"`
	WindowStartedAt time.Time `bun:"window_started_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

func insertSystem(t *testing.T, db bun.IDB, name, slug string) *systemRow {
	t.Helper()
	row := &systemRow{Name: name, Slug: slug, CreatedAt: storagetest.Epoch}
	if _, err := db.NewInsert().Model(row).Exec(context.Background()); err != nil {
		t.Fatalf("insert system %s: %v", slug, err)
	}
	return row
}

func TestMigrateIsIdempotent(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx, storagetest.Epoch.Add(time.Hour)); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		applied, latest, err := db.SchemaStatus(ctx)
		if err != nil || applied != latest || latest < 1 {
			t.Fatalf("SchemaStatus = %d, %d, %v", applied, latest, err)
		}
		installed, err := db.InstalledAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !installed.Equal(storagetest.Epoch) {
			t.Errorf("InstalledAt = %v, want the first run %v", installed, storagetest.Epoch)
		}
	})
}

func TestMigrateConcurrentStarts(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			// Three handles on one empty database stand in for three instances
			// starting at once.
			cfg := storagetest.EmptyDatabase(t, driver)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				db, err := storage.Open(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.Migrate(context.Background(), storagetest.Epoch)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Errorf("concurrent Migrate: %v", err)
				}
			}
			db, err := storage.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			applied, latest, err := db.SchemaStatus(context.Background())
			if err != nil || applied != latest {
				t.Errorf("after concurrent starts: applied %d, latest %d, err %v", applied, latest, err)
			}
		})
	}
}

func TestUniqueViolationIsMapped(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		insertSystem(t, db, "Ticket Tracking System", "tts")
		_, err := db.NewInsert().Model(&systemRow{Name: "Other", Slug: "tts", CreatedAt: storagetest.Epoch}).Exec(context.Background())
		ce, ok := storage.AsConstraint(err)
		if !ok {
			t.Fatalf("error %v is not a constraint error", err)
		}
		if ce.Kind != storage.Unique || !ce.On("systems", "slug") {
			t.Errorf("constraint = %+v, want unique on systems.slug", ce)
		}
		if !storage.IsUnique(err, "systems", "slug") || storage.IsUnique(err, "systems", "name") {
			t.Errorf("IsUnique does not single out systems.slug")
		}
	})
}

func TestRoleMustBelongToAssignmentSystem(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		tts := insertSystem(t, db, "Ticket Tracking System", "tts")
		hdts := insertSystem(t, db, "Help Desk", "hdts")
		role := &roleRow{SystemID: tts.ID, Name: "Admin", CreatedAt: storagetest.Epoch}
		if _, err := db.NewInsert().Model(role).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, `INSERT INTO users (email, email_normalized, password, date_joined, updated_at) VALUES ('a@example.com', 'a@example.com', '!', ?, ?)`, storagetest.Epoch, storagetest.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.NewRaw(`INSERT INTO user_system_roles (user_id, system_id, role_id, assigned_at) VALUES (1, ?, ?, ?)`, hdts.ID, role.ID, storagetest.Epoch).Exec(ctx)
		ce, ok := storage.AsConstraint(err)
		if !ok || ce.Kind != storage.ForeignKey {
			t.Fatalf("assignment with a role of another system: err = %v, want a foreign key violation", err)
		}
	})
}

func TestCheckConstraintRejectsBadEnum(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		_, err := db.ExecContext(context.Background(), `INSERT INTO users (email, email_normalized, password, status, date_joined, updated_at) VALUES ('a@example.com', 'a@example.com', '!', 'Maybe', ?, ?)`, storagetest.Epoch, storagetest.Epoch)
		ce, ok := storage.AsConstraint(err)
		if !ok || ce.Kind != storage.Check {
			t.Fatalf("status 'Maybe': err = %v, want a check violation", err)
		}
	})
}

func TestTransactionRollsBack(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		failure := errors.New("stop here")
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			insertSystem(t, tx, "Asset Management System", "ams")
			return failure
		})
		if !errors.Is(err, failure) {
			t.Fatalf("InTx = %v, want the callback's error", err)
		}
		n, err := db.NewSelect().Model((*systemRow)(nil)).Count(ctx)
		if err != nil || n != 0 {
			t.Errorf("systems after rollback = %d (%v), want 0", n, err)
		}
	})
}

func TestTimestampsRoundTripInUTC(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		at := time.Date(2026, 1, 31, 23, 15, 0, 123456789, time.FixedZone("UTC+8", 8*3600))
		row := &systemRow{Name: "Budget", Slug: "bms", CreatedAt: at}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var back systemRow
		if err := db.NewSelect().Model(&back).Where("id = ?", row.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if !back.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("CreatedAt = %v, want %v at microsecond precision", back.CreatedAt, at)
		}
		// Comparisons must order instants, not strings in different zones.
		n, err := db.NewSelect().Model((*systemRow)(nil)).Where("created_at > ?", at.Add(-time.Millisecond).UTC()).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("created_at > (at - 1ms): count %d (%v), want 1", n, err)
		}
		n, err = db.NewSelect().Model((*systemRow)(nil)).Where("created_at > ?", at.Add(time.Second).UTC()).Count(ctx)
		if err != nil || n != 0 {
			t.Errorf("created_at > (at + 1s): count %d (%v), want 0", n, err)
		}
	})
}

func TestConcurrentIncrementsAreAtomic(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const workers, rounds = 20, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; r < rounds; r++ {
					_, err := db.NewInsert().Model(&bucketRow{Bucket: "login_ip", Key: "192.0.2.1", Count: 1, WindowStartedAt: storagetest.Epoch, UpdatedAt: storagetest.Epoch}).
						On("CONFLICT (bucket, key) DO UPDATE").
						Set("count = ?TableAlias.count + 1").
						Exec(ctx)
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("upsert: %v", err)
		}
		var row bucketRow
		if err := db.NewSelect().Model(&row).Where("bucket = 'login_ip'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if row.Count != workers*rounds {
			t.Errorf("count = %d, want %d", row.Count, workers*rounds)
		}
	})
}

func TestConditionalUpdateSucceedsOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.ExecContext(ctx, `INSERT INTO refresh_families (id, subject_type, subject_id, created_at, absolute_expires_at) VALUES ('f1', 'staff', 1, ?, ?)`, storagetest.Epoch, storagetest.Epoch.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.ExecContext(ctx, `INSERT INTO refresh_tokens (jti, family_id, access_jti, issued_at, expires_at) VALUES ('t1', 'f1', 'a1', ?, ?)`, storagetest.Epoch, storagetest.Epoch.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := db.NewUpdate().Table("refresh_tokens").Set("used_at = ?", storagetest.Epoch).Where("jti = 't1' AND used_at IS NULL").Exec(ctx)
				if err != nil {
					t.Errorf("update: %v", err)
					return
				}
				if n, _ := res.RowsAffected(); n == 1 {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Errorf("%d updates marked the token used, want exactly 1", winners)
		}
	})
}

func TestDialectsShareMigrationVersions(t *testing.T) {
	postgres, err := storage.Migrations(storage.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	sqlite, err := storage.Migrations(storage.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(postgres) != len(sqlite) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite migrations", len(postgres), len(sqlite))
	}
	for i := range postgres {
		if postgres[i].Version != sqlite[i].Version || postgres[i].Name != sqlite[i].Name {
			t.Errorf("migration %d: PostgreSQL %s, SQLite %s", i, postgres[i].Name, sqlite[i].Name)
		}
	}
}
