package throttle

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Limit is one kind of bucket: at most Max events per key in Window. When
// Block is set, reaching Max blocks the key for Block from that event, even
// if the window ends sooner.
type Limit struct {
	Bucket string
	Max    int
	Window time.Duration
	Block  time.Duration
}

// State is a bucket as read or updated: the events counted in the current
// window and the end of a block.
type State struct {
	Count        int
	WindowStart  time.Time
	BlockedUntil *time.Time
}

// row is a row of throttle_buckets.
type row struct {
	bun.BaseModel `bun:"table:throttle_buckets,alias:b"`

	Bucket          string     `bun:"bucket,pk"`
	Key             string     `bun:"key,pk"`
	Count           int        `bun:"count"`
	WindowStartedAt time.Time  `bun:"window_started_at"`
	BlockedUntil    *time.Time `bun:"blocked_until"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// maxKeyLength is the width of throttle_buckets.key.
const maxKeyLength = 320

func clampKey(key string) string {
	if len(key) > maxKeyLength {
		return key[:maxKeyLength]
	}
	return key
}

// hit counts one event in one atomic upsert and returns the bucket after
// it. A window older than limit.Window starts over at this event. When the
// count reaches limit.Max and limit.Block is set, the key is blocked until
// now + Block; an existing block is never shortened.
func hit(ctx context.Context, db bun.IDB, now time.Time, limit Limit, key string) (State, error) {
	now = now.UTC()
	cutoff := now.Add(-limit.Window)
	var blockUntil *time.Time
	if limit.Block > 0 && limit.Max <= 1 {
		until := now.Add(limit.Block)
		blockUntil = &until
	}
	r := &row{Bucket: limit.Bucket, Key: clampKey(key), Count: 1, WindowStartedAt: now, BlockedUntil: blockUntil, UpdatedAt: now}
	q := db.NewInsert().Model(r).
		On("CONFLICT (bucket, key) DO UPDATE").
		Set("count = CASE WHEN b.window_started_at <= ? THEN 1 ELSE b.count + 1 END", cutoff).
		Set("window_started_at = CASE WHEN b.window_started_at <= ? THEN ? ELSE b.window_started_at END", cutoff, now).
		Set("updated_at = ?", now)
	if limit.Block > 0 {
		// The new count is computed again here because SET expressions all
		// read the row as it was before the update.
		q = q.Set(`blocked_until = CASE
			WHEN b.blocked_until IS NOT NULL AND b.blocked_until > ? THEN b.blocked_until
			WHEN (CASE WHEN b.window_started_at <= ? THEN 1 ELSE b.count + 1 END) >= ? THEN ?
			ELSE NULL END`, now, cutoff, limit.Max, now.Add(limit.Block))
	}
	var state State
	err := q.Returning("count, window_started_at, blocked_until").
		Scan(ctx, &state.Count, &state.WindowStart, &state.BlockedUntil)
	if err != nil {
		return State{}, err
	}
	return state, nil
}

// peek returns the current state of a bucket without counting: a zero
// count when the bucket does not exist or its window has ended.
func peek(ctx context.Context, db bun.IDB, now time.Time, limit Limit, key string) (State, error) {
	r := &row{}
	err := db.NewSelect().Model(r).Where("bucket = ?", limit.Bucket).Where("key = ?", clampKey(key)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	state := State{Count: r.Count, WindowStart: r.WindowStartedAt, BlockedUntil: r.BlockedUntil}
	if !r.WindowStartedAt.After(now.UTC().Add(-limit.Window)) {
		state.Count = 0
	}
	return state, nil
}

// reset deletes a bucket.
func reset(ctx context.Context, db bun.IDB, bucket, key string) error {
	_, err := db.NewDelete().Model((*row)(nil)).Where("bucket = ?", bucket).Where("key = ?", clampKey(key)).Exec(ctx)
	return err
}

// blockedFor returns how long a key is still blocked: by an explicit block,
// or because its window already holds Max events. Zero means not blocked.
func (s State) blockedFor(now time.Time, limit Limit) time.Duration {
	if s.BlockedUntil != nil && now.Before(*s.BlockedUntil) {
		return s.BlockedUntil.Sub(now)
	}
	if limit.Block == 0 && s.Count >= limit.Max && s.Count > 0 {
		return s.WindowStart.Add(limit.Window).Sub(now)
	}
	return 0
}

// windowLeft returns the time until the current window ends.
func (s State) windowLeft(now time.Time, limit Limit) time.Duration {
	left := s.WindowStart.Add(limit.Window).Sub(now)
	if left < time.Second {
		return time.Second
	}
	return left
}
