// Package onetime issues and redeems the single-use links of password resets
// and invitations (table password_tokens). A token is 256 random bits sent
// to the account's owner; only its SHA-256 is stored, so a database reader
// cannot use a pending link.
package onetime

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/secrets"
)

// Purposes of a token.
const (
	Reset  = "reset"
	Invite = "invite"
)

// ErrInvalid reports an unknown, used, voided or expired token.
var ErrInvalid = errors.New("invalid or expired token")

// Token is a row of password_tokens.
type Token struct {
	bun.BaseModel `bun:"table:password_tokens"`

	ID          int64      `bun:"id,pk,autoincrement"`
	SubjectType string     `bun:"subject_type"`
	SubjectID   int64      `bun:"subject_id"`
	Purpose     string     `bun:"purpose"`
	TokenSHA256 string     `bun:"token_sha256"`
	CreatedAt   time.Time  `bun:"created_at"`
	ExpiresAt   time.Time  `bun:"expires_at"`
	UsedAt      *time.Time `bun:"used_at"`
}

// Issue stores a new token for a subject and returns its plain value. Older
// unused tokens of the same subject and purpose stop working, so only the
// newest link is valid.
func Issue(ctx context.Context, tx bun.IDB, now time.Time, subjectType string, subjectID int64, purpose string, lifetime time.Duration) (string, error) {
	if err := void(ctx, tx, now, subjectType, subjectID, purpose); err != nil {
		return "", err
	}
	plain := secrets.Token(32)
	row := &Token{SubjectType: subjectType, SubjectID: subjectID, Purpose: purpose, TokenSHA256: secrets.SHA256Hex(plain),
		CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(lifetime)}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", err
	}
	return plain, nil
}

// Lookup returns a usable token without redeeming it, for the page that
// shows the set-password form. purposes restricts the accepted purposes.
func Lookup(ctx context.Context, db bun.IDB, now time.Time, plain string, purposes ...string) (*Token, error) {
	if plain == "" || len(plain) > 256 {
		return nil, ErrInvalid
	}
	row := &Token{}
	err := db.NewSelect().Model(row).Where("token_sha256 = ?", secrets.SHA256Hex(plain)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, err
	}
	if row.UsedAt != nil || !now.Before(row.ExpiresAt) || (len(purposes) > 0 && !slices.Contains(purposes, row.Purpose)) {
		return nil, ErrInvalid
	}
	return row, nil
}

// Redeem marks a usable token used and returns it. A conditional update
// makes a link work once even when two requests race.
func Redeem(ctx context.Context, tx bun.IDB, now time.Time, plain string, purposes ...string) (*Token, error) {
	row, err := Lookup(ctx, tx, now, plain, purposes...)
	if err != nil {
		return nil, err
	}
	res, err := tx.NewUpdate().Model((*Token)(nil)).Set("used_at = ?", now.UTC()).
		Where("id = ?", row.ID).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, ErrInvalid
	}
	used := now.UTC()
	row.UsedAt = &used
	return row, nil
}

// VoidAll makes every unused token of a subject unusable, as a password
// change or reset requires.
func VoidAll(ctx context.Context, tx bun.IDB, now time.Time, subjectType string, subjectID int64) error {
	return void(ctx, tx, now, subjectType, subjectID, "")
}

// Pending reports whether a subject has a usable token of purpose.
func Pending(ctx context.Context, db bun.IDB, now time.Time, subjectType string, subjectID int64, purpose string) (bool, error) {
	return db.NewSelect().Model((*Token)(nil)).
		Where("subject_type = ?", subjectType).Where("subject_id = ?", subjectID).Where("purpose = ?", purpose).
		Where("used_at IS NULL").Where("expires_at > ?", now.UTC()).Exists(ctx)
}

func void(ctx context.Context, tx bun.IDB, now time.Time, subjectType string, subjectID int64, purpose string) error {
	q := tx.NewUpdate().Model((*Token)(nil)).Set("used_at = ?", now.UTC()).
		Where("subject_type = ?", subjectType).Where("subject_id = ?", subjectID).Where("used_at IS NULL")
	if purpose != "" {
		q = q.Where("purpose = ?", purpose)
	}
	_, err := q.Exec(ctx)
	return err
}
