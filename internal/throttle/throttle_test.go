package throttle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/clock"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

func testLimits() Limits {
	return Limits{
		LoginIP:        Limit{Bucket: BucketLoginIP, Max: 5, Window: 15 * time.Minute, Block: 15 * time.Minute},
		CaptchaIP:      Limit{Bucket: BucketCaptchaIP, Max: 3, Window: captchaWindow},
		CaptchaAccount: Limit{Bucket: BucketCaptchaAccount, Max: 3, Window: captchaWindow},
		MailAccount:    Limit{Bucket: BucketMailAccount, Max: 2, Window: time.Hour},
		MailIP:         Limit{Bucket: BucketMailIP, Max: 3, Window: time.Hour},
		OTPResend:      Limit{Bucket: BucketOTPResend, Max: 1, Window: time.Minute},
		RegisterIP:     Limit{Bucket: BucketRegisterIP, Max: 2, Window: time.Hour},
		APIKeyInvalid:  Limit{Bucket: BucketAPIKeyInvalid, Max: 3, Window: time.Minute},
	}
}

type acceptAll struct{ seen []string }

func (a *acceptAll) Verify(_ context.Context, response, _ string) (bool, error) {
	a.seen = append(a.seen, response)
	return response == "good", nil
}

func TestTakeRefusesBeyondMaxUntilWindowEnds(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		svc := NewService(testLimits(), fake.Now)
		for i := 0; i < 2; i++ {
			if err := svc.Register(ctx, db, "192.0.2.7"); err != nil {
				t.Fatalf("registration %d refused: %v", i+1, err)
			}
		}
		err := svc.Register(ctx, db, "192.0.2.7")
		var limit *LimitError
		if !errors.As(err, &limit) {
			t.Fatalf("third registration: %v, want a LimitError", err)
		}
		if limit.RetryAfter <= 0 || limit.RetryAfter > time.Hour {
			t.Errorf("RetryAfter = %v, want within the hour window", limit.RetryAfter)
		}
		if err := svc.Register(ctx, db, "192.0.2.8"); err != nil {
			t.Errorf("another address refused: %v", err)
		}
		fake.Advance(time.Hour + time.Second)
		if err := svc.Register(ctx, db, "192.0.2.7"); err != nil {
			t.Errorf("registration after the window refused: %v", err)
		}
	})
}

func TestLoginIPBlocksAtThresholdForBlockTime(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		svc := NewService(testLimits(), fake.Now)
		guard := svc.NewGuard(db, nil)
		for i := 0; i < 5; i++ {
			if err := guard.Check(ctx, "x@example.com", "198.51.100.1", ""); err != nil {
				t.Fatalf("attempt %d refused early: %v", i+1, err)
			}
			if err := guard.Failed(ctx, db, "x@example.com", "198.51.100.1"); err != nil {
				t.Fatal(err)
			}
		}
		var throttled *ThrottledError
		if err := guard.Check(ctx, "x@example.com", "198.51.100.1", ""); !errors.As(err, &throttled) {
			t.Fatalf("attempt after 5 failures: %v, want ThrottledError", err)
		}
		if throttled.RetryAfter != 15*time.Minute {
			t.Errorf("RetryAfter = %v, want 15m", throttled.RetryAfter)
		}
		fake.Advance(14 * time.Minute)
		if err := guard.Check(ctx, "other@example.com", "198.51.100.1", ""); !errors.As(err, &throttled) {
			t.Errorf("blocked address allowed after 14 minutes: %v", err)
		}
		fake.Advance(time.Minute)
		if err := guard.Check(ctx, "other@example.com", "198.51.100.1", ""); err != nil {
			t.Errorf("address still blocked after 15 minutes: %v", err)
		}
	})
}

func TestCaptchaEscalationByEmailAndByIP(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		svc := NewService(testLimits(), fake.Now)
		verifier := &acceptAll{}
		guard := svc.NewGuard(db, verifier)
		// Three failures for one e-mail from three addresses.
		for i, ip := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
			if err := guard.Failed(ctx, db, "Victim@Example.com", ip); err != nil {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		var captcha *CaptchaError
		if err := guard.Check(ctx, "victim@example.com", "203.0.113.9", ""); !errors.As(err, &captcha) || captcha.Message != MsgCaptchaRequired {
			t.Fatalf("check without CAPTCHA: %v, want %q", err, MsgCaptchaRequired)
		}
		if err := guard.Check(ctx, "victim@example.com", "203.0.113.9", "bad"); !errors.As(err, &captcha) || captcha.Message != MsgCaptchaFailed {
			t.Errorf("check with a rejected CAPTCHA: %v, want %q", err, MsgCaptchaFailed)
		}
		if err := guard.Check(ctx, "victim@example.com", "203.0.113.9", "good"); err != nil {
			t.Errorf("check with a passing CAPTCHA: %v", err)
		}
		if required, _ := guard.CaptchaRequired(ctx, "someone@example.com", "203.0.113.9"); required {
			t.Errorf("CAPTCHA required for an untouched e-mail and address")
		}
		// A success resets the e-mail counter but not the address counters.
		if err := guard.Succeeded(ctx, db, "VICTIM@example.com"); err != nil {
			t.Fatal(err)
		}
		if required, _ := guard.CaptchaRequired(ctx, "victim@example.com", "203.0.113.9"); required {
			t.Errorf("CAPTCHA still required after a successful sign-in")
		}
		for i := 0; i < 3; i++ {
			guard.Failed(ctx, db, "", "203.0.113.50")
		}
		if required, _ := guard.CaptchaRequired(ctx, "fresh@example.com", "203.0.113.50"); !required {
			t.Errorf("CAPTCHA not required for an address with 3 failures")
		}
		fake.Advance(15 * time.Minute)
		if required, _ := guard.CaptchaRequired(ctx, "fresh@example.com", "203.0.113.50"); required {
			t.Errorf("CAPTCHA still required after the 15-minute window")
		}
	})
}

func TestConcurrentFailuresCountExactly(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		limits := testLimits()
		limits.LoginIP.Max = 20
		svc := NewService(limits, fake.Now)
		guard := svc.NewGuard(db, nil)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := guard.Failed(ctx, db, "", "192.0.2.200"); err != nil {
					t.Errorf("failure: %v", err)
				}
			}()
		}
		wg.Wait()
		state, err := peek(ctx, db, fake.Now(), limits.LoginIP, "192.0.2.200")
		if err != nil {
			t.Fatal(err)
		}
		if state.Count != 20 {
			t.Errorf("count = %d, want 20", state.Count)
		}
		if state.BlockedUntil == nil {
			t.Errorf("address not blocked after 20 concurrent failures")
		}
	})
}

func TestMailDecisionAndResendCooldown(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		svc := NewService(testLimits(), fake.Now)
		for i := 0; i < 2; i++ {
			d, err := svc.Mail(ctx, db, "a@example.com", MailReset, "192.0.2.1")
			if err != nil || !d.Allowed {
				t.Fatalf("mail %d: %+v %v", i+1, d, err)
			}
		}
		d, _ := svc.Mail(ctx, db, "A@example.com", MailReset, "192.0.2.1")
		if d.Allowed || d.Refused.Bucket != BucketMailAccount {
			t.Errorf("third mail to one address: %+v, want refused by mail_account", d)
		}
		d, _ = svc.Mail(ctx, db, "b@example.com", MailReset, "192.0.2.1")
		if d.Allowed || d.Refused.Bucket != BucketMailIP {
			t.Errorf("fourth mail from one address: %+v, want refused by mail_ip", d)
		}
		if err := svc.OTPResend(ctx, db, "staff:1"); err != nil {
			t.Fatalf("first code refused: %v", err)
		}
		if err := svc.OTPResend(ctx, db, "staff:1"); err == nil {
			t.Errorf("second code inside the cooldown accepted")
		}
		fake.Advance(time.Minute)
		if err := svc.OTPResend(ctx, db, "staff:1"); err != nil {
			t.Errorf("code after the cooldown refused: %v", err)
		}
	})
}

func TestAPIKeyInvalidBlocksAfterLimit(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fake := clock.NewFake(storagetest.Epoch)
		svc := NewService(testLimits(), fake.Now)
		for i := 0; i < 3; i++ {
			if err := svc.APIKeyBlocked(ctx, db, "192.0.2.9"); err != nil {
				t.Fatalf("blocked before attempt %d: %v", i+1, err)
			}
			if err := svc.APIKeyInvalid(ctx, db, "192.0.2.9"); err != nil {
				t.Fatalf("invalid key %d: %v", i+1, err)
			}
		}
		if err := svc.APIKeyBlocked(ctx, db, "192.0.2.9"); err == nil {
			t.Errorf("address not blocked after 3 invalid keys")
		}
		fake.Advance(time.Minute)
		if err := svc.APIKeyBlocked(ctx, db, "192.0.2.9"); err != nil {
			t.Errorf("address still blocked after the window: %v", err)
		}
		fake.Advance(48 * time.Hour)
		if n, err := svc.Purge(ctx, db); err != nil || n == 0 {
			t.Errorf("Purge = %d, %v; want rows removed", n, err)
		}
	})
}
