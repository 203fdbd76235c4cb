package apikeys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
)

// Errors of the key operations.
var (
	ErrNotFound = errors.New("API key not found")
	ErrRevoked  = errors.New("This API key has been revoked.")
)

// Messages of the key fields.
const (
	MsgNameTaken = "An active API key with this name already exists."
)

// MaxOverlap is the longest time a rotated key keeps working beside its
// successor.
const MaxOverlap = 7 * 24 * time.Hour

// Service creates, lists, updates, rotates and revokes API keys, and checks
// the keys of incoming requests.
type Service struct {
	db      *storage.DB
	now     func() time.Time
	logger  *slog.Logger
	limiter Limiter
}

// Deps are the dependencies of a Service. Limiter may be nil, which turns
// off the throttle on invalid keys.
type Deps struct {
	DB      *storage.DB
	Now     func() time.Time
	Logger  *slog.Logger
	Limiter Limiter
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{db: d.DB, now: d.Now, logger: d.Logger, limiter: d.Limiter}
}

// SetLimiter installs the throttle on invalid keys.
func (s *Service) SetLimiter(l Limiter) { s.limiter = l }

// Spec holds the settable fields of a key. Nil fields are left unchanged
// by Update.
type Spec struct {
	Name      *string
	Scopes    []string
	ExpiresAt **time.Time // set to a nil *time.Time to remove the expiry
}

// Created is a new key with the only copy of its full value.
type Created struct {
	Key   *Key
	Plain string
}

// Actor is the staff user behind a change, nil for the command line.
type Actor = *int64

// Create stores a new key with the validated name, scopes and expiry of
// spec. Name and Scopes are required.
func (s *Service) Create(ctx context.Context, spec Spec, actor Actor) (*Created, error) {
	var out *Created
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lockNames(ctx, tx); err != nil {
			return err
		}
		if err := s.checkNameFree(ctx, tx, *spec.Name, 0); err != nil {
			return err
		}
		var expires *time.Time
		if spec.ExpiresAt != nil {
			expires = *spec.ExpiresAt
		}
		created, err := s.insert(ctx, tx, *spec.Name, spec.Scopes, expires, actor, nil)
		if err != nil {
			return err
		}
		out = created
		event := audit.Event{Name: "api_key.created", Details: map[string]any{
			"key_id": created.Key.ID, "name": created.Key.Name, "prefix": created.Key.Prefix, "scopes": spec.Scopes,
		}}
		return audit.Record(ctx, tx, s.now(), withActor(event, actor))
	})
	return out, err
}

// insert writes a new key row, drawing another prefix in the unlikely case
// that the random one is taken.
func (s *Service) insert(ctx context.Context, tx bun.Tx, name string, scopes []string, expires *time.Time, actor Actor, rotatedFrom *int64) (*Created, error) {
	for attempt := 0; ; attempt++ {
		plain, prefix := generate()
		taken, err := tx.NewSelect().Model((*Key)(nil)).Where("prefix = ?", prefix).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if taken {
			if attempt >= 5 {
				return nil, fmt.Errorf("no free API key prefix after %d attempts", attempt+1)
			}
			continue
		}
		k := &Key{Name: name, Prefix: prefix, KeySHA256: secrets.SHA256Hex(plain), ScopesJSON: encodeScopes(scopes),
			CreatedByID: actor, CreatedAt: s.now().UTC(), ExpiresAt: utcPtr(expires), RotatedFromID: rotatedFrom}
		if _, err := tx.NewInsert().Model(k).Exec(ctx); err != nil {
			return nil, err
		}
		return &Created{Key: k, Plain: plain}, nil
	}
}

// List returns the keys ordered by id. Revoked keys are left out unless
// includeRevoked is set, but keys still inside a rotation overlap are listed.
func (s *Service) List(ctx context.Context, includeRevoked bool) ([]Key, error) {
	keys := []Key{}
	q := s.db.NewSelect().Model(&keys).OrderExpr("id")
	if !includeRevoked {
		q = q.Where("revoked_at IS NULL OR revoked_at > ?", s.now().UTC())
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return keys, nil
}

// Get returns one key, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Key, error) {
	return keyByID(ctx, s.db, id)
}

func keyByID(ctx context.Context, db bun.IDB, id int64) (*Key, error) {
	k := &Key{}
	err := db.NewSelect().Model(k).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return k, err
}

// Update changes the name, scopes or expiry of a key that is not revoked.
func (s *Service) Update(ctx context.Context, id int64, spec Spec, actor Actor) (*Key, error) {
	var out *Key
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lockNames(ctx, tx); err != nil {
			return err
		}
		k, err := keyByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return ErrRevoked
		}
		var changed []string
		if spec.Name != nil && *spec.Name != k.Name {
			if err := s.checkNameFree(ctx, tx, *spec.Name, k.ID); err != nil {
				return err
			}
			k.Name = *spec.Name
			changed = append(changed, "name")
		}
		if spec.Scopes != nil && encodeScopes(spec.Scopes) != k.ScopesJSON {
			k.ScopesJSON = encodeScopes(spec.Scopes)
			changed = append(changed, "scopes")
		}
		if spec.ExpiresAt != nil {
			k.ExpiresAt = utcPtr(*spec.ExpiresAt)
			changed = append(changed, "expires_at")
		}
		out = k
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.NewUpdate().Model(k).Column("name", "scopes", "expires_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		event := audit.Event{Name: "api_key.updated", Details: map[string]any{"key_id": k.ID, "prefix": k.Prefix, "fields": changed}}
		return audit.Record(ctx, tx, s.now(), withActor(event, actor))
	})
	return out, err
}

// Rotate issues a successor with the same name, scopes and expiry and
// schedules the old key's revocation overlap from now, so callers can
// switch without downtime. A revoked key, or one already rotated, returns
// ErrRevoked.
func (s *Service) Rotate(ctx context.Context, id int64, overlap time.Duration, actor Actor) (*Created, error) {
	var out *Created
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		old, err := keyByID(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		until := now.Add(overlap)
		// The condition makes a second, concurrent rotation of the same key
		// fail instead of creating two successors.
		res, err := tx.NewUpdate().Model((*Key)(nil)).Set("revoked_at = ?", until).
			Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrRevoked
		}
		created, err := s.insert(ctx, tx, old.Name, old.Scopes(), old.ExpiresAt, actor, &old.ID)
		if err != nil {
			return err
		}
		out = created
		event := audit.Event{Name: "api_key.rotated", Details: map[string]any{
			"key_id": old.ID, "prefix": old.Prefix, "new_key_id": created.Key.ID, "new_prefix": created.Key.Prefix,
			"overlap_seconds": int64(overlap / time.Second),
		}}
		return audit.Record(ctx, tx, now, withActor(event, actor))
	})
	return out, err
}

// Revoke ends a key now, and a key inside a rotation overlap stops at once.
// Revoking a revoked key changes nothing and is not an error.
func (s *Service) Revoke(ctx context.Context, id int64, actor Actor) (*Key, error) {
	var out *Key
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		k, err := keyByID(ctx, tx, id)
		if err != nil {
			return err
		}
		out = k
		now := s.now().UTC()
		res, err := tx.NewUpdate().Model((*Key)(nil)).Set("revoked_at = ?", now).
			Where("id = ?", id).Where("revoked_at IS NULL OR revoked_at > ?", now).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		k.RevokedAt = &now
		event := audit.Event{Name: "api_key.revoked", Details: map[string]any{"key_id": k.ID, "prefix": k.Prefix}}
		return audit.Record(ctx, tx, now, withActor(event, actor))
	})
	return out, err
}

// checkNameFree rejects a name held by another key that is active and not
// on its way out through a rotation.
func (s *Service) checkNameFree(ctx context.Context, tx bun.Tx, name string, exceptID int64) error {
	now := s.now().UTC()
	taken, err := tx.NewSelect().Model((*Key)(nil)).Where("name = ?", name).Where("id <> ?", exceptID).
		Where("revoked_at IS NULL").Where("expires_at IS NULL OR expires_at > ?", now).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		return httpx.BadRequest(httpx.FieldErrors{"name": {MsgNameTaken}})
	}
	return nil
}

// apiKeyNamesLock is the PostgreSQL advisory lock that serializes the name
// check and the write of creations and renames. SQLite transactions are
// serialized already.
const apiKeyNamesLock = 0x61706b6e // "apkn"

func (s *Service) lockNames(ctx context.Context, tx bun.Tx) error {
	if s.db.Driver != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", apiKeyNamesLock)
	return err
}

func withActor(e audit.Event, actor Actor) audit.Event {
	if actor == nil {
		e.Details["via"] = "command line"
		return e
	}
	return e.Actor("staff", *actor)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
