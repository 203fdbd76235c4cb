package apikeys

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
)

// Key is a row of api_keys. KeySHA256 is the hex SHA-256 of the whole key,
// and the key itself is never stored.
type Key struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Name          string     `bun:"name"`
	Prefix        string     `bun:"prefix"`
	KeySHA256     string     `bun:"key_sha256"`
	ScopesJSON    string     `bun:"scopes"` // a JSON array of scope names
	CreatedByID   *int64     `bun:"created_by_id"`
	CreatedAt     time.Time  `bun:"created_at"`
	ExpiresAt     *time.Time `bun:"expires_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	LastUsedIP    *string    `bun:"last_used_ip"`
	RevokedAt     *time.Time `bun:"revoked_at"` // a future time while a rotation overlap runs
	RotatedFromID *int64     `bun:"rotated_from_id"`
}

// Scopes returns the scopes of the key.
func (k *Key) Scopes() []string {
	var scopes []string
	if err := json.Unmarshal([]byte(k.ScopesJSON), &scopes); err != nil {
		return []string{}
	}
	return scopes
}

func encodeScopes(scopes []string) string {
	data, _ := json.Marshal(scopes)
	return string(data)
}

// Revoked reports whether the key was revoked at or before now. A key
// rotated with an overlap has a revocation time in the future and is not
// revoked yet.
func (k *Key) Revoked(now time.Time) bool {
	return k.RevokedAt != nil && !now.Before(*k.RevokedAt)
}

// Expired reports whether the key's expiry has passed.
func (k *Key) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// Active reports whether the key is accepted at now.
func (k *Key) Active(now time.Time) bool {
	return !k.Revoked(now) && !k.Expired(now)
}

// View is the ApiKey JSON body. Key is set only in the responses of
// creation and rotation, the one time the full key is shown.
type View struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"created_at"`
	CreatedBy  *int64   `json:"created_by"`
	ExpiresAt  any      `json:"expires_at"`
	LastUsedAt any      `json:"last_used_at"`
	LastUsedIP *string  `json:"last_used_ip"`
	RevokedAt  any      `json:"revoked_at"`
	IsActive   bool     `json:"is_active"`
	Key        string   `json:"key,omitempty"`
}

// ViewOf returns the ApiKey JSON of k at now, without the full key.
func ViewOf(k *Key, now time.Time) View {
	return View{
		ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes(), CreatedAt: httpx.Timestamp(k.CreatedAt),
		CreatedBy: k.CreatedByID, ExpiresAt: httpx.TimestampPtr(k.ExpiresAt), LastUsedAt: httpx.TimestampPtr(k.LastUsedAt),
		LastUsedIP: k.LastUsedIP, RevokedAt: httpx.TimestampPtr(k.RevokedAt), IsActive: k.Active(now),
	}
}
