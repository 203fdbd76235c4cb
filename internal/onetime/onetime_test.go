package onetime

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func TestTokenLifecycle(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := storagetest.Epoch
		first, err := Issue(ctx, db, now, "staff", 1, Reset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		second, err := Issue(ctx, db, now.Add(time.Minute), "staff", 1, Reset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Redeem(ctx, db, now.Add(2*time.Minute), first, Reset); !errors.Is(err, ErrInvalid) {
			t.Errorf("older link after a newer request: err = %v, want ErrInvalid", err)
		}
		if _, err := Redeem(ctx, db, now.Add(2*time.Minute), second, Invite); !errors.Is(err, ErrInvalid) {
			t.Errorf("reset link redeemed as an invitation: err = %v, want ErrInvalid", err)
		}
		row, err := Redeem(ctx, db, now.Add(2*time.Minute), second, Reset, Invite)
		if err != nil || row.SubjectID != 1 || row.Purpose != Reset {
			t.Fatalf("Redeem = %+v, %v", row, err)
		}
		if _, err := Redeem(ctx, db, now.Add(3*time.Minute), second, Reset); !errors.Is(err, ErrInvalid) {
			t.Errorf("second use: err = %v, want ErrInvalid", err)
		}
		expiring, _ := Issue(ctx, db, now, "employee", 2, Reset, time.Hour)
		if _, err := Lookup(ctx, db, now.Add(time.Hour), expiring); !errors.Is(err, ErrInvalid) {
			t.Errorf("at expiry: err = %v, want ErrInvalid", err)
		}
		invite, _ := Issue(ctx, db, now, "staff", 3, Invite, time.Hour)
		if err := VoidAll(ctx, db, now, "staff", 3); err != nil {
			t.Fatal(err)
		}
		if _, err := Lookup(ctx, db, now, invite); !errors.Is(err, ErrInvalid) {
			t.Errorf("after VoidAll: err = %v, want ErrInvalid", err)
		}
	})
}

func TestRedeemRaceHasOneWinner(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		plain, err := Issue(ctx, db, storagetest.Epoch, "staff", 1, Reset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := Redeem(ctx, db, storagetest.Epoch, plain, Reset); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d concurrent redemptions succeeded, want 1", wins)
		}
	})
}
