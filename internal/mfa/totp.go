package mfa

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/secrets"
)

// TOTP parameters (RFC 6238 with the settings every authenticator app
// supports).
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSkew       = 1
	totpSecretSize = 20
	qrSize         = 256
)

// totpRow is a row of totp_credentials: a confirmed secret, a pending one
// during enrolment, or both while a confirmed app is being replaced.
type totpRow struct {
	bun.BaseModel `bun:"table:totp_credentials"`

	ID                     int64      `bun:"id,pk,autoincrement"`
	SubjectType            string     `bun:"subject_type"`
	SubjectID              int64      `bun:"subject_id"`
	SecretEncrypted        *string    `bun:"secret_encrypted"`
	ConfirmedAt            *time.Time `bun:"confirmed_at"`
	PendingSecretEncrypted *string    `bun:"pending_secret_encrypted"`
	PendingExpiresAt       *time.Time `bun:"pending_expires_at"`
	LastUsedStep           *int64     `bun:"last_used_step"`
	CreatedAt              time.Time  `bun:"created_at"`
}

// Enrollment is a pending authenticator app as the account owner sees it
// once.
type Enrollment struct {
	Secret    string // base32, no padding
	URI       string // otpauth://totp/...
	QRPNG     string // data:image/png;base64,...
	ExpiresIn int    // seconds until the pending secret is dropped
	ExpiresAt time.Time
}

// seal encrypts a TOTP secret for subject under the current key.
func (s *Service) seal(subject Subject, secret string) string {
	sealed := secrets.Seal(s.keyring.Key(secrets.InfoTOTP), []byte(secret), []byte(subject.key()))
	return base64.StdEncoding.EncodeToString(sealed)
}

// open decrypts a sealed TOTP secret, trying the fallback keys, and reports
// whether it opened with an older key and should be sealed again.
func (s *Service) open(subject Subject, stored string) (string, bool, error) {
	sealed, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", false, secrets.ErrDecrypt
	}
	plain, index, err := secrets.Open(s.keyring.Keys(secrets.InfoTOTP), sealed, []byte(subject.key()))
	if err != nil {
		return "", false, err
	}
	return string(plain), index > 0, nil
}

func (s *Service) totpRow(ctx context.Context, db bun.IDB, subject Subject) (*totpRow, error) {
	row := &totpRow{}
	err := db.NewSelect().Model(row).Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// otpauthURI builds the enrolment URI in the form authenticator apps scan:
// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&digits=6&period=30.
func otpauthURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + url.QueryEscape(issuer) + "&digits=6&period=30"
}

// SetupTOTP starts an enrolment: a new pending secret replaces any earlier
// pending one and lives TOTPSetupLifetime. A confirmed app keeps working
// until the new one is confirmed.
func (s *Service) SetupTOTP(ctx context.Context, subject Subject) (*Enrollment, error) {
	raw := make([]byte, totpSecretSize)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	uri := otpauthURI(s.siteName, subject.Email, secret)
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, err
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		return nil, err
	}

	now := s.now().UTC()
	expires := now.Add(TOTPSetupLifetime)
	sealed := s.seal(subject, secret)
	row := &totpRow{SubjectType: string(subject.Type), SubjectID: subject.ID, PendingSecretEncrypted: &sealed, PendingExpiresAt: &expires, CreatedAt: now}
	_, err = s.db.NewInsert().Model(row).
		On("CONFLICT (subject_type, subject_id) DO UPDATE").
		Set("pending_secret_encrypted = EXCLUDED.pending_secret_encrypted").
		Set("pending_expires_at = EXCLUDED.pending_expires_at").
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	return &Enrollment{Secret: secret, URI: uri, QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngData.Bytes()),
		ExpiresIn: int(TOTPSetupLifetime.Seconds()), ExpiresAt: expires}, nil
}

// matchStep returns the time step within the allowed skew whose code is
// code, or -1.
func matchStep(secret, code string, now time.Time) (int64, error) {
	current := now.Unix() / totpPeriod
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}
	found := int64(-1)
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0).UTC(), opts)
		if err != nil {
			return -1, err
		}
		if secrets.Equal(want, code) && found < 0 {
			found = step
		}
	}
	return found, nil
}

// checkTOTP verifies code against the confirmed app and records its step.
// A step at or before the last used one is rejected: the conditional
// update lets one of two racing requests with the same code win.
func (s *Service) checkTOTP(ctx context.Context, tx bun.IDB, subject Subject, code string, now time.Time) (bool, error) {
	row, err := s.totpRow(ctx, tx, subject)
	if err != nil || row == nil || row.ConfirmedAt == nil || row.SecretEncrypted == nil {
		return false, err
	}
	secret, stale, err := s.open(subject, *row.SecretEncrypted)
	if err != nil {
		s.logger.ErrorContext(ctx, "TOTP secret does not decrypt with any configured secret key", "subject", subject.key(), "error", err)
		return false, nil
	}
	step, err := matchStep(secret, code, now)
	if err != nil || step < 0 {
		return false, err
	}
	q := tx.NewUpdate().Model((*totpRow)(nil)).Set("last_used_step = ?", step).
		Where("id = ?", row.ID).Where("last_used_step IS NULL OR last_used_step < ?", step)
	if stale {
		q = q.Set("secret_encrypted = ?", s.seal(subject, secret))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// confirmPending checks code against the pending secret and makes it the
// confirmed one.
func (s *Service) confirmPending(ctx context.Context, tx bun.IDB, subject Subject, code string, now time.Time) error {
	row, err := s.totpRow(ctx, tx, subject)
	if err != nil {
		return err
	}
	if row == nil || row.PendingSecretEncrypted == nil || row.PendingExpiresAt == nil || !now.Before(*row.PendingExpiresAt) {
		return ErrNoSetup
	}
	secret, _, err := s.open(subject, *row.PendingSecretEncrypted)
	if err != nil {
		return ErrNoSetup
	}
	step, err := matchStep(secret, code, now)
	if err != nil {
		return err
	}
	if step < 0 {
		return ErrCodeInvalid
	}
	_, err = tx.NewUpdate().Model((*totpRow)(nil)).
		Set("secret_encrypted = ?", s.seal(subject, secret)).Set("confirmed_at = ?", now).
		Set("pending_secret_encrypted = NULL").Set("pending_expires_at = NULL").Set("last_used_step = ?", step).
		Where("id = ?", row.ID).Exec(ctx)
	return err
}
