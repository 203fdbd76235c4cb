package passwords

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// MaxInputBytes is the length limit, in bytes of UTF-8, of a password that is
// hashed. Longer input is never hashed, so a client cannot make the server
// spend time on megabyte-sized passwords.
const MaxInputBytes = 1024

const (
	saltBytes = 16
	keyBytes  = 32
)

var (
	// ErrBusy is returned when no hashing slot became free within the wait
	// given to [NewHasher]. The HTTP layer maps it to status 503.
	ErrBusy = errors.New("passwords: server busy: no hashing slot became free in time")

	// ErrTooLong is returned by [Hasher.Hash] for input longer than
	// [MaxInputBytes], before or after NFC normalization.
	ErrTooLong = fmt.Errorf("passwords: password is longer than %d bytes", MaxInputBytes)
)

// Params are the argon2id cost parameters for new hashes.
type Params struct {
	MemoryKiB   uint32 // memory cost in KiB (m)
	Iterations  uint32 // number of passes over the memory (t)
	Parallelism uint8  // number of lanes (p)
}

// DefaultParams returns m=19456 KiB, t=2, p=1, the defaults of
// AUTHD_ARGON2_MEMORY_KIB, AUTHD_ARGON2_ITERATIONS and AUTHD_ARGON2_PARALLELISM.
func DefaultParams() Params {
	return Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}
}

// Validate reports whether p can be used for new hashes. The limits are the
// ones [Hasher.Verify] accepts in stored encodings, so every hash written can
// also be verified.
func (p Params) Validate() error {
	switch {
	case p.Parallelism < 1:
		return errors.New("passwords: argon2 parallelism must be at least 1")
	case p.Iterations < 1:
		return errors.New("passwords: argon2 iterations must be at least 1")
	case p.Iterations > maxArgon2Iterations:
		return fmt.Errorf("passwords: argon2 iterations %d exceed the maximum %d", p.Iterations, maxArgon2Iterations)
	case p.MemoryKiB < 8*uint32(p.Parallelism):
		return fmt.Errorf("passwords: argon2 memory %d KiB is below 8 KiB per lane (%d KiB for parallelism %d)",
			p.MemoryKiB, 8*uint32(p.Parallelism), p.Parallelism)
	case p.MemoryKiB > maxArgon2MemoryKiB:
		return fmt.Errorf("passwords: argon2 memory %d KiB exceeds the maximum %d KiB", p.MemoryKiB, maxArgon2MemoryKiB)
	}
	return nil
}

// Hasher hashes new passwords with argon2id and verifies stored hashes. It is
// safe for concurrent use.
type Hasher struct {
	params Params
	// slots is a counting semaphore: a send takes a slot, a receive frees it.
	slots chan struct{}
	wait  time.Duration

	// dummySalt and dummyKey feed VerifyDummy. The key is random, so no input
	// matches it.
	dummySalt []byte
	dummyKey  []byte
}

// NewHasher returns a Hasher that writes argon2id hashes with p and runs at
// most maxConcurrent hash computations at once. Callers pass
// 2*runtime.NumCPU(). A call that waits longer than wait for a slot returns
// [ErrBusy]. A wait of zero or less means no waiting, and a maxConcurrent
// below 1 is treated as 1. Zero fields of p take the values of
// [DefaultParams].
//
// NewHasher panics if p is invalid after that, so values from configuration
// should go through [Params.Validate] first.
func NewHasher(p Params, maxConcurrent int, wait time.Duration) *Hasher {
	defaults := DefaultParams()
	if p.MemoryKiB == 0 {
		p.MemoryKiB = defaults.MemoryKiB
	}
	if p.Iterations == 0 {
		p.Iterations = defaults.Iterations
	}
	if p.Parallelism == 0 {
		p.Parallelism = defaults.Parallelism
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	return &Hasher{
		params:    p,
		slots:     make(chan struct{}, maxConcurrent),
		wait:      wait,
		dummySalt: randomBytes(saltBytes),
		dummyKey:  randomBytes(keyBytes),
	}
}

// Params returns the parameters used for new hashes.
func (h *Hasher) Params() Params {
	return h.params
}

// Hash normalizes password to NFC and returns its argon2id hash in Django's
// encoding, with a new 16-byte random salt and a 32-byte key. It returns
// [ErrTooLong] for input over [MaxInputBytes], [ErrBusy] when no slot became
// free in time, and the context's error when ctx ends while waiting.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	normalized, ok := normalizeInput(password)
	if !ok {
		return "", ErrTooLong
	}
	salt := randomBytes(saltBytes)

	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()

	key := argon2.IDKey([]byte(normalized), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, keyBytes)
	return encodeArgon2id(h.params, salt, key), nil
}

// Verify checks password against the stored encoding.
//
// nfc is the row's password_nfc flag. When it is true, only the NFC form of
// password is tried. When it is false, the raw input is tried first and then
// its NFC form if that differs.
//
// needsRehash is true after a match when encoded is not argon2id with the
// hasher's parameters and a 32-byte key, or when nfc is false, because the
// row then has to be marked as hashed from NFC. The caller stores
// Hash(password) in the transaction that records the sign-in.
//
// Input over [MaxInputBytes] is a wrong password: ok is false and err is nil.
// An unusable marker ("!...") never matches, but still costs one dummy
// verification so that such accounts take as long as the others. A malformed
// or unknown encoding returns ok false and an error that wraps
// [ErrMalformedHash] or [ErrUnknownAlgorithm] and names the failed field but
// never the salt or key. Err is also [ErrBusy] or the context's error when no
// slot could be had, and a key-derivation error when Go's FIPS 140-only mode
// rejects a legacy PBKDF2 hash.
func (h *Hasher) Verify(ctx context.Context, encoded, password string, nfc bool) (ok, needsRehash bool, err error) {
	normalized, fits := normalizeInput(password)
	if !fits {
		return false, false, nil
	}
	if strings.HasPrefix(encoded, unusablePrefix) {
		return false, false, h.VerifyDummy(ctx, password)
	}
	stored, err := parseEncoded(encoded)
	if err != nil {
		return false, false, err
	}

	candidates := []string{normalized}
	if !nfc && password != normalized {
		candidates = []string{password, normalized}
	}

	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()

	for _, candidate := range candidates {
		matched, err := stored.matches([]byte(candidate))
		if err != nil {
			return false, false, err
		}
		if matched {
			return true, !nfc || !stored.isCurrent(h.params), nil
		}
	}
	return false, false, nil
}

// VerifyDummy runs one argon2id verification with the hasher's parameters
// against a random key and discards the result. Sign-in calls it for unknown
// accounts, so they take as long as a wrong password on an account whose hash
// has the current parameters. It returns only [ErrBusy] or the context's error.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	normalized, fits := normalizeInput(password)
	if !fits {
		return nil
	}

	release, err := h.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()

	key := argon2.IDKey([]byte(normalized), h.dummySalt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, keyBytes)
	subtle.ConstantTimeCompare(key, h.dummyKey)
	return nil
}

// acquire takes a hashing slot and returns the function that frees it.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release = func() { <-h.slots }

	select {
	case h.slots <- struct{}{}:
		return release, nil
	default:
	}
	if h.wait <= 0 {
		return nil, ErrBusy
	}

	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// normalizeInput returns the NFC form of password, and false when the input
// or its NFC form is longer than MaxInputBytes. NFC can make a string longer
// (U+0958 becomes two code points), so both lengths are checked.
func normalizeInput(password string) (string, bool) {
	if len(password) > MaxInputBytes {
		return "", false
	}
	normalized := norm.NFC.String(password)
	if len(normalized) > MaxInputBytes {
		return "", false
	}
	return normalized, true
}

// randomBytes returns n bytes from crypto/rand. Since Go 1.24 rand.Read never
// returns an error: it crashes the program when the system source fails.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
