package mfa

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
	"github.com/mapactive/authd/internal/tokens"
)

func TestMethodsOrder(t *testing.T) {
	cases := []struct {
		factors Factors
		want    []string
	}{
		{Factors{}, nil},
		{Factors{RecoveryRemaining: 5}, nil},
		{Factors{Email: true}, []string{"email"}},
		{Factors{Email: true, RecoveryRemaining: 1}, []string{"email", "recovery"}},
		{Factors{TOTP: true}, []string{"totp", "recovery"}},
		{Factors{TOTP: true, Email: true}, []string{"totp", "recovery", "email"}},
	}
	for _, c := range cases {
		if got := c.factors.Methods(); !slices.Equal(got, c.want) {
			t.Errorf("%+v.Methods() = %v, want %v", c.factors, got, c.want)
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	cases := map[string]string{
		"abcde-fghjk": "abcde-fghjk",
		"ABCDE FGHJK": "abcde-fghjk",
		"abcdefghjk":  "abcde-fghjk",
		"0ilo1-23456": "01101-23456",
		"abcde-fghju": "", // u is not in Crockford's alphabet
		"abcde-fghj":  "",
		"123456":      "",
	}
	for in, want := range cases {
		if got := normalizeRecovery(in); got != want {
			t.Errorf("normalizeRecovery(%q) = %q, want %q", in, got, want)
		}
	}
	for i := 0; i < 50; i++ {
		code, err := newRecoveryCode()
		if err != nil || normalizeRecovery(code) != code {
			t.Fatalf("new code %q does not round-trip (%v)", code, err)
		}
	}
}

func TestMatchStepAllowsOneStepOfSkew(t *testing.T) {
	secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 3, 2, 9, 30, 10, 0, time.UTC)
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	current := now.Unix() / 30
	for offset, wantMatch := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code, _ := totp.GenerateCodeCustom(secret, time.Unix((current+offset)*30, 0), opts)
		step, err := matchStep(secret, code, now)
		if err != nil {
			t.Fatal(err)
		}
		if (step == current+offset) != wantMatch {
			t.Errorf("code of step offset %d: matched step %d, want match %v", offset, step, wantMatch)
		}
	}
}

func TestTOTPSecretResealedUnderCurrentKey(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := storagetest.Epoch
		subject := Subject{Type: tokens.Staff, ID: 7, Email: "rotate@example.com"}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		old := &Service{db: db, now: func() time.Time { return now }, logger: logger, keyring: secrets.NewKeyring("old-secret", nil)}
		secret := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		sealed := old.seal(subject, secret)
		_, err := db.NewInsert().Model(&totpRow{SubjectType: "staff", SubjectID: 7, SecretEncrypted: &sealed, ConfirmedAt: &now, CreatedAt: now}).Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}

		rotated := &Service{db: db, now: func() time.Time { return now }, logger: logger, keyring: secrets.NewKeyring("new-secret", []string{"old-secret"})}
		code, _ := totp.GenerateCodeCustom(secret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		ok, err := rotated.checkTOTP(ctx, db, subject, code, now)
		if err != nil || !ok {
			t.Fatalf("code under a fallback key rejected: %v %v", ok, err)
		}
		if ok, _ := rotated.checkTOTP(ctx, db, subject, code, now); ok {
			t.Errorf("the same step accepted twice")
		}
		row, err := rotated.totpRow(ctx, db, subject)
		if err != nil {
			t.Fatal(err)
		}
		currentOnly := &Service{keyring: secrets.NewKeyring("new-secret", nil)}
		if plain, stale, err := currentOnly.open(subject, *row.SecretEncrypted); err != nil || stale || plain != secret {
			t.Errorf("secret not sealed again under the current key: %q stale=%v err=%v", plain, stale, err)
		}
		other := Subject{Type: tokens.Employee, ID: 7}
		if _, _, err := currentOnly.open(other, *row.SecretEncrypted); err == nil {
			t.Errorf("a secret sealed for staff 7 opened for employee 7")
		}
	})
}
