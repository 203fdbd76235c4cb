package lockout

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func insertUser(t *testing.T, db *storage.DB) int64 {
	t.Helper()
	u := &model.User{Email: "locked@example.com", EmailNormalized: "locked@example.com", Password: "!", Status: model.StatusApproved,
		IsActive: true, DateJoined: storagetest.Epoch, UpdatedAt: storagetest.Epoch}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func load(t *testing.T, db *storage.DB, id int64) *model.User {
	t.Helper()
	u := &model.User{}
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConcurrentFailuresLockOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		id := insertUser(t, db)
		now := storagetest.Epoch
		var wg sync.WaitGroup
		var mu sync.Mutex
		counted, locks := 0, 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := Count(context.Background(), db, Users, PasswordFailures, id, 10, 15*time.Minute, now)
				if err != nil {
					t.Errorf("Count: %v", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if r.Counted {
					counted++
				}
				if r.LockedNow {
					locks++
				}
			}()
		}
		wg.Wait()
		if counted != 10 || locks != 1 {
			t.Errorf("counted %d failures and set %d locks, want 10 and 1", counted, locks)
		}
		u := load(t, db, id)
		if !Active(u.IsLocked, u.LockReason, u.LockedUntil, now) || u.FailedLoginAttempts != 10 {
			t.Errorf("after 20 failures: locked %v, counter %d", u.IsLocked, u.FailedLoginAttempts)
		}
	})
}

func TestExpiredLockIsLiftedOnce(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		id := insertUser(t, db)
		now := storagetest.Epoch
		if _, err := Count(ctx, db, Users, SecondFactorFailures, id, 1, time.Minute, now); err != nil {
			t.Fatal(err)
		}
		u := load(t, db, id)
		if Expired(u.IsLocked, u.LockReason, u.LockedUntil, now) {
			t.Error("a fresh lock reads as expired")
		}
		if cleared, err := LiftExpired(ctx, db, Users, id, now); err != nil || cleared {
			t.Errorf("LiftExpired before the end = %v, %v; want false", cleared, err)
		}
		later := now.Add(time.Minute)
		if !Expired(u.IsLocked, u.LockReason, u.LockedUntil, later) {
			t.Error("a lock at its end time does not read as expired")
		}
		if cleared, err := LiftExpired(ctx, db, Users, id, later); err != nil || !cleared {
			t.Errorf("LiftExpired at the end = %v, %v; want true", cleared, err)
		}
		if cleared, _ := LiftExpired(ctx, db, Users, id, later); cleared {
			t.Error("a second LiftExpired cleared again")
		}
		if u := load(t, db, id); u.IsLocked || u.SecondFactorFailures != 0 {
			t.Errorf("after lifting: locked %v, second-factor counter %d", u.IsLocked, u.SecondFactorFailures)
		}
	})
}

func TestClearFailureLockKeepsAdminLocks(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		id := insertUser(t, db)
		_, err := db.NewUpdate().Model((*model.User)(nil)).Set("is_locked = ?", true).Set("lock_reason = ?", model.LockAdmin).
			Set("failed_login_attempts = 3").Where("id = ?", id).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ClearFailureLock(db.NewUpdate().Model((*model.User)(nil)).Where("id = ?", id)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		u := load(t, db, id)
		if !u.IsLocked || u.FailedLoginAttempts != 0 || !Active(u.IsLocked, u.LockReason, u.LockedUntil, storagetest.Epoch.Add(24*time.Hour)) {
			t.Errorf("a password reset must reset the counter but keep an admin lock: locked %v, counter %d", u.IsLocked, u.FailedLoginAttempts)
		}
		if err := Clear(ctx, db, Users, id); err != nil {
			t.Fatal(err)
		}
		if u := load(t, db, id); u.IsLocked || u.LockReason != nil {
			t.Errorf("Clear left locked %v, reason %v", u.IsLocked, u.LockReason)
		}
	})
}

func TestRejectsUnknownIdentifiers(t *testing.T) {
	db := storagetest.OpenSQLite(t)
	if _, err := Count(context.Background(), db, "systems", PasswordFailures, 1, 1, time.Minute, storagetest.Epoch); err == nil {
		t.Error("Count accepted the systems table")
	}
	if _, err := Count(context.Background(), db, Users, "is_superuser", 1, 1, time.Minute, storagetest.Epoch); err == nil {
		t.Error("Count accepted a column that is not a counter")
	}
}
