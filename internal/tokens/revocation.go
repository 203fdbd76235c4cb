package tokens

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// CheckRevoked returns ErrRevoked when a verified access or refresh token
// may no longer be used inside authd: its account's tokens_valid_after
// (validAfter, nil when unset) is later than the token's iat, or the family
// it belongs to is revoked. Downstream systems cannot see either and accept
// an access token until it expires.
func (s *Service) CheckRevoked(ctx context.Context, db bun.IDB, c *Claims, validAfter *time.Time) error {
	if validAfter != nil && c.IssuedAt.Before(validAfter.UTC().Truncate(time.Second)) {
		return ErrRevoked
	}
	q := db.NewSelect().TableExpr("refresh_families AS f").
		ColumnExpr("f.revoked_at").
		Join("JOIN refresh_tokens AS t ON t.family_id = f.id")
	if c.TokenType == TypeRefresh {
		q = q.Where("t.jti = ?", c.JTI)
	} else {
		q = q.Where("t.access_jti = ?", c.JTI)
	}
	var revokedAt *time.Time
	err := q.Limit(1).Scan(ctx, &revokedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// An access token of a pair made by the Django service has no row.
		// A refresh token without a row is valid only under the legacy rule.
		if c.TokenType == TypeRefresh && !c.IssuedAt.Before(s.installedAt) {
			return ErrRevoked
		}
		return nil
	case err != nil:
		return err
	case revokedAt != nil:
		return ErrRevoked
	}
	return nil
}
