package mfa

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/requestinfo"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/throttle"
	"github.com/mapactive/authd/internal/tokens"
)

// Purposes of an e-mail code.
const (
	PurposeLogin   = "login"   // sent by a sign-in challenge or a /token/ request
	PurposeRequest = "request" // sent by a request-otp route
	PurposeDisable = "disable" // sent to confirm turning 2FA off
)

// codeRow is a row of otp_codes.
type codeRow struct {
	bun.BaseModel `bun:"table:otp_codes"`

	ID          int64              `bun:"id,pk,autoincrement"`
	SubjectType tokens.SubjectType `bun:"subject_type"`
	SubjectID   int64              `bun:"subject_id"`
	CodeHMAC    string             `bun:"code_hmac"`
	Purpose     string             `bun:"purpose"`
	ChallengeID *string            `bun:"challenge_id"`
	CreatedAt   time.Time          `bun:"created_at"`
	ExpiresAt   time.Time          `bun:"expires_at"`
	UsedAt      *time.Time         `bun:"used_at"`
	Attempts    int                `bun:"attempts"`
	MaxAttempts int                `bun:"max_attempts"`
}

// codeMAC returns the stored form of a code under key: an HMAC bound to
// the account, so a code row cannot be moved to another account.
func codeMAC(key []byte, subject Subject, code string) string {
	return secrets.HMACHex(key, subject.key()+":"+code)
}

// newCode returns 6 uniformly random digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// SendResult reports what SendCode did.
type SendResult struct {
	Sent      bool      // a new code was queued for e-mail
	ExpiresAt time.Time // expiry of the new code, when Sent
	// LiveCode is set when no new code was sent but the code e-mailed
	// earlier is still usable.
	LiveCode bool
}

// CodeDelivery is the outcome of a request for an e-mail code.
type CodeDelivery int

// Code deliveries.
const (
	NoCodeNeeded     CodeDelivery = iota // e-mail is not the default method, so nothing was sent
	CodeSent                             // a new code was e-mailed
	EarlierCodeValid                     // a send limit held a new code back, but the code e-mailed earlier still works
	NoCodeAvailable                      // a send limit held the code back and the account has no usable code
)

// Delivery returns the CodeDelivery of a SendCode call.
func (r SendResult) Delivery() CodeDelivery {
	switch {
	case r.Sent:
		return CodeSent
	case r.LiveCode:
		return EarlierCodeValid
	}
	return NoCodeAvailable
}

// SendCode e-mails a new code to the subject in tx, voiding its older
// unused codes. Within the resend cooldown (see takeResendCooldown) or over
// an e-mail limit no code is made and the older code stays valid. With
// public set (a route whose response must not reveal anything) that is
// silent; otherwise the cooldown and mail_ip return a *throttle.LimitError
// for a 429. Every held-back code is logged at info level.
func (s *Service) SendCode(ctx context.Context, tx bun.Tx, subject Subject, purpose, challengeID string, public bool) (SendResult, error) {
	now := s.now().UTC()
	if err := s.takeResendCooldown(ctx, tx, subject, now); err != nil {
		var limit *throttle.LimitError
		if !errors.As(err, &limit) {
			return SendResult{}, err
		}
		s.logHeldBack(ctx, subject, purpose, limit)
		if !public {
			return SendResult{}, err
		}
		return s.heldBack(ctx, tx, subject, now)
	}
	decision, err := s.throttle.Mail(ctx, tx, subject.Email, throttle.MailOTP, requestinfo.From(ctx).IP)
	if err != nil {
		return SendResult{}, err
	}
	if !decision.Allowed {
		s.logHeldBack(ctx, subject, purpose, decision.Refused)
		if !public && decision.Refused.Bucket == throttle.BucketMailIP {
			return SendResult{}, decision.Refused
		}
		return s.heldBack(ctx, tx, subject, now)
	}

	if err := s.voidCodes(ctx, tx, subject.Type, subject.ID, now); err != nil {
		return SendResult{}, err
	}
	code, err := newCode()
	if err != nil {
		return SendResult{}, err
	}
	row := &codeRow{SubjectType: subject.Type, SubjectID: subject.ID, CodeHMAC: codeMAC(s.keyring.Key(secrets.InfoOTPCode), subject, code),
		Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(CodeLifetime), MaxAttempts: CodeAttempts}
	if challengeID != "" {
		row.ChallengeID = &challengeID
	}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return SendResult{}, err
	}
	if err := s.outbox.Email(ctx, tx, s.codeEmail(subject, code, row.ExpiresAt)); err != nil {
		return SendResult{}, err
	}
	event := audit.Event{Name: "otp.sent", Details: map[string]any{"purpose": purpose}}.Subject(string(subject.Type), subject.ID)
	if err := audit.Record(ctx, tx, now, event); err != nil {
		return SendResult{}, err
	}
	return SendResult{Sent: true, ExpiresAt: row.ExpiresAt}, nil
}

// takeResendCooldown counts a send in the account's otp_resend bucket and
// returns a *throttle.LimitError within the cooldown. The cooldown stops
// repeated requests from flooding an inbox with codes while the code sent
// last can still be used, or was voided by wrong guesses. When the newest
// code was consumed by a verification, voided by a password change, or
// expired, it cannot be used any more, so the cooldown starts over and the
// send goes ahead. A second sign-in right after the first thus still gets
// a code. Consuming a code requires the code itself, so a caller without
// access to the inbox still gets at most one code per cooldown.
func (s *Service) takeResendCooldown(ctx context.Context, tx bun.Tx, subject Subject, now time.Time) error {
	newest, err := s.newestCode(ctx, tx, subject)
	if err != nil {
		return err
	}
	limit := s.throttle.Limits().OTPResend
	if newest != nil && !newest.blocksResend(now) {
		if err := s.throttle.Reset(ctx, tx, limit, subject.key()); err != nil {
			return err
		}
	}
	return s.throttle.OTPResend(ctx, tx, subject.key())
}

// blocksResend reports whether a code keeps the resend cooldown in force:
// it is still usable, or its attempts ran out on wrong guesses.
func (c *codeRow) blocksResend(now time.Time) bool {
	if !now.Before(c.ExpiresAt) {
		return false
	}
	return c.UsedAt == nil || c.Attempts >= c.MaxAttempts
}

// heldBack returns the result of a send that a limit held back.
func (s *Service) heldBack(ctx context.Context, db bun.IDB, subject Subject, now time.Time) (SendResult, error) {
	live, err := s.liveCode(ctx, db, subject, now)
	if err != nil {
		return SendResult{}, err
	}
	return SendResult{LiveCode: live != nil}, nil
}

// logHeldBack logs an e-mail code that a send limit held back. The line
// names the account and the limit, never the address or a code.
func (s *Service) logHeldBack(ctx context.Context, subject Subject, purpose string, limit *throttle.LimitError) {
	s.logger.InfoContext(ctx, "e-mail code not sent: send limit reached", "subject_type", string(subject.Type),
		"subject_id", subject.ID, "purpose", purpose, "limit", limit.Bucket, "retry_after", limit.RetryAfter.Round(time.Second).String())
}

// codeEmail builds the code e-mail of the subject's account type. The job
// system drops it once the code has expired.
func (s *Service) codeEmail(subject Subject, code string, expiresAt time.Time) outbox.Email {
	minutes := int(CodeLifetime.Minutes())
	if subject.Type == tokens.Employee {
		return outbox.Email{Template: "hdts_otp", To: subject.Email, ValidUntil: &expiresAt,
			Vars: map[string]any{"otp_code": code, "expiration_time": minutes}}
	}
	return outbox.Email{Template: "staff_otp", To: subject.Email, ValidUntil: &expiresAt,
		Vars: map[string]any{"user_name": subject.Name, "otp_code": code, "expiry_minutes": minutes}}
}

// VoidCodes makes every unused e-mail code of an account unusable, as a
// password change or reset requires.
func (s *Service) VoidCodes(ctx context.Context, db bun.IDB, t tokens.SubjectType, id int64) error {
	return s.voidCodes(ctx, db, t, id, s.now().UTC())
}

func (s *Service) voidCodes(ctx context.Context, db bun.IDB, t tokens.SubjectType, id int64, now time.Time) error {
	_, err := db.NewUpdate().Model((*codeRow)(nil)).Set("used_at = ?", now).
		Where("subject_type = ?", t).Where("subject_id = ?", id).Where("used_at IS NULL").Exec(ctx)
	return err
}

// liveCode returns the subject's usable e-mail code, or nil. A new code
// voids older ones, so there is at most one.
func (s *Service) liveCode(ctx context.Context, db bun.IDB, subject Subject, now time.Time) (*codeRow, error) {
	row := &codeRow{}
	err := db.NewSelect().Model(row).
		Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).
		Where("used_at IS NULL").Where("expires_at > ?", now).Where("attempts < max_attempts").
		OrderExpr("id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// newestCode returns the subject's newest e-mail code, used or not, or nil
// when the account never had one.
func (s *Service) newestCode(ctx context.Context, db bun.IDB, subject Subject) (*codeRow, error) {
	row := &codeRow{}
	err := db.NewSelect().Model(row).
		Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).
		OrderExpr("id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// codeExpired reports whether the subject's newest e-mail code ran out of
// time unused, the case where a sign-in sends a fresh code.
func (s *Service) codeExpired(ctx context.Context, db bun.IDB, subject Subject, now time.Time) (bool, error) {
	row, err := s.newestCode(ctx, db, subject)
	if err != nil || row == nil {
		return false, err
	}
	return row.UsedAt == nil && !now.Before(row.ExpiresAt), nil
}

// checkEmailCode compares code with the live e-mail code and consumes it
// when it matches. A mismatch counts an attempt on the live code, which is
// voided after its third wrong attempt.
func (s *Service) checkEmailCode(ctx context.Context, tx bun.IDB, subject Subject, code string, now time.Time) (bool, error) {
	live, err := s.liveCode(ctx, tx, subject, now)
	if err != nil || live == nil {
		return false, err
	}
	match := false
	for _, key := range s.keyring.Keys(secrets.InfoOTPCode) {
		if secrets.Equal(codeMAC(key, subject, code), live.CodeHMAC) {
			match = true
		}
	}
	if !match {
		_, err := tx.NewUpdate().Model((*codeRow)(nil)).Set("attempts = attempts + 1").
			Set("used_at = CASE WHEN attempts + 1 >= max_attempts THEN ? ELSE used_at END", now).
			Where("id = ?", live.ID).Where("used_at IS NULL").Exec(ctx)
		return false, err
	}
	res, err := tx.NewUpdate().Model((*codeRow)(nil)).Set("used_at = ?", now).
		Where("id = ?", live.ID).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
