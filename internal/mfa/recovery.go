package mfa

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// crockford is Crockford's base32 alphabet in lower case: no i, l, o or u.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// recoveryRow is a row of recovery_codes.
type recoveryRow struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	ID          int64      `bun:"id,pk,autoincrement"`
	SubjectType string     `bun:"subject_type"`
	SubjectID   int64      `bun:"subject_id"`
	CodeHash    string     `bun:"code_hash"`
	BatchID     string     `bun:"batch_id"`
	CreatedAt   time.Time  `bun:"created_at"`
	UsedAt      *time.Time `bun:"used_at"`
}

// newRecoveryCode returns a code of the form xxxxx-xxxxx (50 random bits).
func newRecoveryCode() (string, error) {
	raw := make([]byte, 10)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	out := make([]byte, 0, 11)
	for i, b := range raw {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, crockford[b&31])
	}
	return string(out), nil
}

// normalizeRecovery returns the canonical form of a typed recovery code:
// lower case, dash restored, Crockford's look-alikes (i and l for 1, o for
// 0) mapped. It returns "" for input that cannot be a recovery code.
func normalizeRecovery(input string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(input) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'i' || r == 'l':
			r = '1'
		case r == 'o':
			r = '0'
		}
		if !strings.ContainsRune(crockford, r) {
			return ""
		}
		b.WriteRune(r)
	}
	code := b.String()
	if len(code) != 10 {
		return ""
	}
	return code[:5] + "-" + code[5:]
}

// hashRecoveryBatch makes a batch of new codes with their argon2id hashes.
// It runs before the transaction that stores them, because hashing ten
// codes takes a noticeable time.
func (s *Service) hashRecoveryBatch(ctx context.Context) ([]string, []string, error) {
	plain := make([]string, 0, RecoveryBatchSize)
	hashes := make([]string, 0, RecoveryBatchSize)
	for len(plain) < RecoveryBatchSize {
		code, err := newRecoveryCode()
		if err != nil {
			return nil, nil, err
		}
		hash, err := s.hasher.Hash(ctx, code)
		if err != nil {
			return nil, nil, err
		}
		plain, hashes = append(plain, code), append(hashes, hash)
	}
	return plain, hashes, nil
}

// storeRecoveryBatch replaces the subject's recovery codes with a batch.
func (s *Service) storeRecoveryBatch(ctx context.Context, tx bun.IDB, subject Subject, hashes []string, now time.Time) error {
	if err := s.deleteRecoveryCodes(ctx, tx, subject); err != nil {
		return err
	}
	batch := uuid.NewString()
	rows := make([]recoveryRow, len(hashes))
	for i, hash := range hashes {
		rows[i] = recoveryRow{SubjectType: string(subject.Type), SubjectID: subject.ID, CodeHash: hash, BatchID: batch, CreatedAt: now}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

func (s *Service) deleteRecoveryCodes(ctx context.Context, tx bun.IDB, subject Subject) error {
	_, err := tx.NewDelete().Model((*recoveryRow)(nil)).Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).Exec(ctx)
	return err
}

// checkRecovery consumes the unused recovery code that input matches.
func (s *Service) checkRecovery(ctx context.Context, tx bun.IDB, subject Subject, input string, now time.Time) (bool, error) {
	code := normalizeRecovery(input)
	if code == "" {
		return false, nil
	}
	var rows []recoveryRow
	err := tx.NewSelect().Model(&rows).Where("subject_type = ?", subject.Type).Where("subject_id = ?", subject.ID).
		Where("used_at IS NULL").OrderExpr("id").Scan(ctx)
	if err != nil {
		return false, err
	}
	for _, row := range rows {
		ok, _, err := s.hasher.Verify(ctx, row.CodeHash, code, true)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		res, err := tx.NewUpdate().Model((*recoveryRow)(nil)).Set("used_at = ?", now).
			Where("id = ?", row.ID).Where("used_at IS NULL").Exec(ctx)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	}
	return false, nil
}
