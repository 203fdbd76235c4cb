package mfa

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// resendService returns a Service with the default send limits, no e-mail
// delivery, a clock that the test moves and a log that it reads.
func resendService(db *storage.DB, now *time.Time, log *bytes.Buffer) *Service {
	clock := func() time.Time { return *now }
	limits := throttle.Limits{
		OTPResend:   throttle.Limit{Bucket: throttle.BucketOTPResend, Max: 1, Window: time.Minute},
		MailAccount: throttle.Limit{Bucket: throttle.BucketMailAccount, Max: 5, Window: time.Hour},
		MailIP:      throttle.Limit{Bucket: throttle.BucketMailIP, Max: 20, Window: time.Hour},
	}
	return &Service{db: db, now: clock, logger: slog.New(slog.NewTextHandler(log, nil)),
		keyring: secrets.NewKeyring("resend-test-secret", nil), throttle: throttle.NewService(limits, clock)}
}

func TestSendCodeCooldownFollowsNewestCode(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := storagetest.Epoch
		var log bytes.Buffer
		s := resendService(db, &now, &log)
		subject := Subject{Type: tokens.Staff, ID: 7, Email: "cooldown@example.com", Name: "Cool Down"}
		send := func(public bool) (SendResult, error) {
			t.Helper()
			var result SendResult
			err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				result, err = s.SendCode(ctx, tx, subject, PurposeLogin, "", public)
				return err
			})
			return result, err
		}
		markNewest := func(set string, args ...any) {
			t.Helper()
			query := "UPDATE otp_codes SET " + set + " WHERE id = (SELECT MAX(id) FROM otp_codes)"
			if _, err := db.NewRaw(query, args...).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		if first, err := send(true); err != nil || first.Delivery() != CodeSent {
			t.Fatalf("first send: %+v, %v", first, err)
		}

		// An unused code keeps the cooldown: nothing is sent, the earlier
		// code still works, and the skip is logged without the address.
		now = now.Add(10 * time.Second)
		heldBack, err := send(true)
		if err != nil || heldBack.Delivery() != EarlierCodeValid {
			t.Errorf("send beside an unused code: %+v, %v", heldBack, err)
		}
		line := log.String()
		if !strings.Contains(line, "level=INFO") || !strings.Contains(line, "limit=otp_resend") || !strings.Contains(line, "subject_id=7") {
			t.Errorf("the held-back code is not logged at info with its limit and account: %q", line)
		}
		if strings.Contains(line, subject.Email) {
			t.Errorf("the log line names the e-mail address: %q", line)
		}
		var limit *throttle.LimitError
		if _, err := send(false); !errors.As(err, &limit) || limit.Bucket != throttle.BucketOTPResend {
			t.Errorf("an authenticated send inside the cooldown returned %v, want the otp_resend limit", err)
		}

		// A code consumed by a verification lifts the cooldown at once.
		markNewest("used_at = ?", now)
		if again, err := send(true); err != nil || again.Delivery() != CodeSent {
			t.Errorf("send after a used code: %+v, %v", again, err)
		}

		// A code voided by wrong guesses does not.
		now = now.Add(10 * time.Second)
		markNewest("used_at = ?, attempts = max_attempts", now)
		log.Reset()
		if guessed, err := send(true); err != nil || guessed.Delivery() != NoCodeAvailable {
			t.Errorf("send after a guessed-out code: %+v, %v", guessed, err)
		}
		if !strings.Contains(log.String(), "limit=otp_resend") {
			t.Errorf("the held-back code is not logged: %q", log.String())
		}

		// After the cooldown a code goes out again.
		now = now.Add(time.Minute)
		if later, err := send(true); err != nil || later.Delivery() != CodeSent {
			t.Errorf("send after the cooldown: %+v, %v", later, err)
		}
		var codesMade int
		if err := db.NewRaw("SELECT COUNT(*) FROM otp_codes").Scan(ctx, &codesMade); err != nil {
			t.Fatal(err)
		}
		if codesMade != 3 {
			t.Errorf("codes made = %d, want 3", codesMade)
		}
	})
}
