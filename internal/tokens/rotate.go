package tokens

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
)

// Refresh outcomes besides the verification errors.
var (
	// ErrReused reports a replayed refresh token; its family is now revoked.
	ErrReused = fmt.Errorf("%w: refresh token reuse detected", ErrRevoked)
	// ErrSubjectNotFound reports a token whose account no longer exists.
	ErrSubjectNotFound = errors.New("account not found")
	// ErrSubjectInactive reports a token whose account may not sign in.
	ErrSubjectInactive = errors.New("account is not active")
)

// SubjectLoader reads the current claims of a token's account inside the
// refresh transaction. It returns ErrSubjectNotFound or ErrSubjectInactive
// when no pair may be issued.
type SubjectLoader func(ctx context.Context, tx bun.IDB, subjectType SubjectType, id int64) (*Subject, error)

// Refresh runs the rotation algorithm on a presented refresh token and
// returns the new pair and the presented token's claims. only restricts the
// account type ("" accepts both). Every refresh route calls this, so rotation,
// the grace window and reuse detection behave the same on all of them.
func (s *Service) Refresh(ctx context.Context, db *storage.DB, raw string, only SubjectType, load SubjectLoader) (*Pair, *Claims, error) {
	claims, err := s.signer.ParseRefresh(raw)
	if err != nil {
		return nil, nil, err
	}
	if only != "" && claims.UserType != only {
		return nil, claims, fmt.Errorf("%w: %s token where %s was expected", ErrWrongType, claims.UserType, only)
	}
	var pair *Pair
	var outcome error
	// The transaction commits even when the outcome is a refusal, because
	// revoking a family on reuse or deactivation must stick.
	err = db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		pair, outcome, err = s.rotate(ctx, tx, raw, claims, load)
		return err
	})
	if err != nil {
		return nil, claims, fmt.Errorf("refresh token rotation: %w", err)
	}
	return pair, claims, outcome
}

// rotate returns either a pair, or an outcome error that refuses the token,
// or a database error that rolls the transaction back.
func (s *Service) rotate(ctx context.Context, tx bun.IDB, raw string, claims *Claims, load SubjectLoader) (*Pair, error, error) {
	now := s.now().UTC()
	row, err := s.findToken(ctx, tx, claims.JTI)
	if errors.Is(err, storage.ErrNotFound) {
		row, err = s.adoptLegacy(ctx, tx, claims)
		if row == nil && err == nil {
			return nil, fmt.Errorf("%w: unknown refresh token", ErrInvalid), nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	f := &family{}
	if err := tx.NewSelect().Model(f).Where("id = ?", row.FamilyID).Scan(ctx); err != nil {
		return nil, nil, storage.NotFound(err)
	}
	if f.RevokedAt != nil || !now.Before(f.AbsoluteExpiresAt) {
		return nil, ErrRevoked, nil
	}
	subject, err := load(ctx, tx, f.SubjectType, f.SubjectID)
	if errors.Is(err, ErrSubjectNotFound) || errors.Is(err, ErrSubjectInactive) {
		if rerr := s.RevokeFamily(ctx, tx, f.ID, ReasonDeactivated); rerr != nil {
			return nil, nil, rerr
		}
		return nil, err, nil
	}
	if err != nil {
		return nil, nil, err
	}

	if row.UsedAt == nil {
		res, err := tx.NewUpdate().Model((*refreshToken)(nil)).Set("used_at = ?", now).
			Where("jti = ?", row.JTI).Where("used_at IS NULL").Exec(ctx)
		if err != nil {
			return nil, nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			pair, err := s.rotateInto(ctx, tx, raw, f, row, subject)
			return pair, nil, err
		}
		// A concurrent refresh of the same token won; read what it stored.
		if row, err = s.findToken(ctx, tx, claims.JTI); err != nil {
			return nil, nil, err
		}
	}

	if pair := s.graceReplay(ctx, tx, raw, row); pair != nil {
		return pair, nil, nil
	}
	if err := s.RevokeFamily(ctx, tx, f.ID, ReasonReuseDetected); err != nil {
		return nil, nil, err
	}
	event := audit.Event{Name: "token.reuse_detected", Outcome: audit.Failure, Details: map[string]any{"family_id": f.ID}}.
		Subject(string(f.SubjectType), f.SubjectID)
	if err := audit.Record(ctx, tx, now, event); err != nil {
		return nil, nil, err
	}
	return nil, ErrReused, nil
}

// rotateInto issues the successor pair of row and keeps it, encrypted under a
// key only the presented token yields, for the grace window.
func (s *Service) rotateInto(ctx context.Context, tx bun.IDB, raw string, f *family, row *refreshToken, subject *Subject) (*Pair, error) {
	now := s.now().UTC()
	pair, err := s.issue(ctx, tx, f, subject, &row.JTI)
	if err != nil {
		return nil, err
	}
	plaintext, err := json.Marshal(pair)
	if err != nil {
		return nil, err
	}
	sealed := secrets.Seal(secrets.Derive([]byte(raw), secrets.InfoGracePair), plaintext, []byte(row.JTI))
	graceEnd := now.Add(s.life.Grace)
	_, err = tx.NewUpdate().Model((*refreshToken)(nil)).
		Set("successor_jti = ?", pair.RefreshJTI).Set("grace_ciphertext = ?", sealed).Set("grace_expires_at = ?", graceEnd).
		Where("jti = ?", row.JTI).Exec(ctx)
	if err != nil {
		return nil, err
	}
	_, err = tx.NewUpdate().Model((*family)(nil)).Set("last_used_at = ?", now).Where("id = ?", f.ID).Exec(ctx)
	return pair, err
}

// graceReplay returns the successor pair of an already used token when the
// replay comes within the grace window and the successor is still unused, so
// two tabs refreshing at once or a lost response do not sign the user out.
func (s *Service) graceReplay(ctx context.Context, tx bun.IDB, raw string, row *refreshToken) *Pair {
	now := s.now().UTC()
	if row.UsedAt == nil || row.SuccessorJTI == nil || row.GraceCiphertext == nil || row.GraceExpiresAt == nil {
		return nil
	}
	if now.Sub(*row.UsedAt) >= s.life.Grace || !now.Before(*row.GraceExpiresAt) {
		return nil
	}
	successor, err := s.findToken(ctx, tx, *row.SuccessorJTI)
	if err != nil || successor.UsedAt != nil {
		return nil
	}
	key := secrets.Derive([]byte(raw), secrets.InfoGracePair)
	plaintext, _, err := secrets.Open([][]byte{key}, row.GraceCiphertext, []byte(row.JTI))
	if err != nil {
		return nil
	}
	var pair Pair
	if json.Unmarshal(plaintext, &pair) != nil {
		return nil
	}
	return &pair
}

// adoptLegacy applies the switch-over rule: a correctly signed refresh token
// with an unknown jti, issued before authd was installed, came from the
// Django service. It becomes the root of a new family, once; a second
// presentation is then ordinary reuse. It returns nil, nil when the rule does
// not apply.
func (s *Service) adoptLegacy(ctx context.Context, tx bun.IDB, claims *Claims) (*refreshToken, error) {
	if claims.IssuedAt.IsZero() || !claims.IssuedAt.Before(s.installedAt) {
		return nil, nil
	}
	now := s.now().UTC()
	f := &family{
		ID: newFamilyID(), SubjectType: claims.UserType, SubjectID: claims.SubjectID(),
		CreatedAt: now, AbsoluteExpiresAt: now.Add(s.life.Absolute), RememberMe: true,
	}
	if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
		return nil, err
	}
	row := &refreshToken{JTI: claims.JTI, FamilyID: f.ID, IssuedAt: claims.IssuedAt, ExpiresAt: claims.ExpiresAt}
	res, err := tx.NewInsert().Model(row).On("CONFLICT (jti) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// A concurrent request adopted the token first: drop this family and
		// continue with the adopted row.
		if _, err := tx.NewDelete().Model(f).WherePK().Exec(ctx); err != nil {
			return nil, err
		}
		return s.findToken(ctx, tx, claims.JTI)
	}
	return row, nil
}

func (s *Service) findToken(ctx context.Context, tx bun.IDB, jti string) (*refreshToken, error) {
	row := &refreshToken{}
	err := tx.NewSelect().Model(row).Where("jti = ?", jti).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return row, err
}
