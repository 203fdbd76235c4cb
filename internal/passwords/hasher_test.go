package passwords

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheapParams keeps tests that hash many times fast.
var cheapParams = Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

func TestHashFormat(t *testing.T) {
	h := newTestHasher(t)
	encoded, err := h.Hash(context.Background(), vectorPassword)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}

	pattern := regexp.MustCompile(`^argon2\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !pattern.MatchString(encoded) {
		t.Fatalf("Hash() = %q, want the Django argon2id encoding with a 16-byte salt and a 32-byte key", encoded)
	}

	ok, rehash, err := h.Verify(context.Background(), encoded, vectorPassword, true)
	if err != nil || !ok || rehash {
		t.Errorf("Verify(Hash()) = (%v, %v, %v), want (true, false, nil)", ok, rehash, err)
	}
}

func TestEncodeArgon2idMatchesLibargon2(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := DefaultParams()
	key := argon2.IDKey([]byte(vectorPassword), salt, p.Iterations, p.MemoryKiB, p.Parallelism, keyBytes)

	if got := encodeArgon2id(p, salt, key); got != refArgon2idCurrent {
		t.Errorf("encodeArgon2id() = %q, want the libargon2 output %q", got, refArgon2idCurrent)
	}
}

func TestHashUsesRandomSalt(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Minute)
	first, err := h.Hash(context.Background(), vectorPassword)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}
	second, err := h.Hash(context.Background(), vectorPassword)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}
	if first == second {
		t.Errorf("two hashes of one password are equal: %q", first)
	}
}

func TestHashCustomParams(t *testing.T) {
	ctx := context.Background()
	cheap := NewHasher(cheapParams, 1, time.Minute)
	encoded, err := cheap.Hash(ctx, vectorPassword)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}
	if !strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash() = %q, want parameters m=64,t=1,p=1", encoded)
	}

	ok, rehash, err := cheap.Verify(ctx, encoded, vectorPassword, true)
	if err != nil || !ok || rehash {
		t.Errorf("same hasher Verify() = (%v, %v, %v), want (true, false, nil)", ok, rehash, err)
	}

	stronger := NewHasher(Params{MemoryKiB: 128, Iterations: 1, Parallelism: 1}, 1, time.Minute)
	ok, rehash, err = stronger.Verify(ctx, encoded, vectorPassword, true)
	if err != nil || !ok || !rehash {
		t.Errorf("hasher with other params Verify() = (%v, %v, %v), want (true, true, nil)", ok, rehash, err)
	}
}

func TestNewHasherDefaults(t *testing.T) {
	h := NewHasher(Params{}, 0, 0)
	if got := h.Params(); got != DefaultParams() {
		t.Errorf("Params() = %+v, want %+v", got, DefaultParams())
	}
	if got := cap(h.slots); got != 1 {
		t.Errorf("slots = %d, want 1 for maxConcurrent 0", got)
	}
}

func TestNewHasherPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("NewHasher(m=4, p=1) did not panic")
		}
	}()
	NewHasher(Params{MemoryKiB: 4, Iterations: 1, Parallelism: 1}, 1, time.Second)
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name    string
		params  Params
		wantErr bool
	}{
		{"defaults", DefaultParams(), false},
		{"smallest", Params{MemoryKiB: 8, Iterations: 1, Parallelism: 1}, false},
		{"largest", Params{MemoryKiB: maxArgon2MemoryKiB, Iterations: maxArgon2Iterations, Parallelism: 255}, false},
		{"zero parallelism", Params{MemoryKiB: 64, Iterations: 1}, true},
		{"zero iterations", Params{MemoryKiB: 64, Parallelism: 1}, true},
		{"too many iterations", Params{MemoryKiB: 64, Iterations: maxArgon2Iterations + 1, Parallelism: 1}, true},
		{"memory below 8 per lane", Params{MemoryKiB: 31, Iterations: 1, Parallelism: 4}, true},
		{"memory over limit", Params{MemoryKiB: maxArgon2MemoryKiB + 1, Iterations: 1, Parallelism: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestHashNormalizesToNFC(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Minute)
	encoded, err := h.Hash(context.Background(), vectorNFD)
	if err != nil {
		t.Fatalf("Hash() error = %v", err)
	}

	stored, err := parseArgon2(strings.TrimPrefix(encoded, "argon2$"))
	if err != nil {
		t.Fatalf("parseArgon2(Hash()) error = %v", err)
	}
	if matched, _ := stored.matches([]byte(vectorNFC)); !matched {
		t.Errorf("Hash(NFD input) is not the hash of the NFC bytes")
	}
	if matched, _ := stored.matches([]byte(vectorNFD)); matched {
		t.Errorf("Hash(NFD input) is the hash of the NFD bytes")
	}
}

func TestVerifyNFCFlag(t *testing.T) {
	tests := []struct {
		name       string
		encoded    string
		password   string
		nfc        bool
		wantOK     bool
		wantRehash bool
	}{
		{"nfc row, nfc input", djangoPBKDF2SHA256OfNFC, vectorNFC, true, true, true},
		{"nfc row, nfd input", djangoPBKDF2SHA256OfNFC, vectorNFD, true, true, true},
		{"nfc row hashed from nfd, nfd input", djangoPBKDF2SHA256OfNFD, vectorNFD, true, false, false},
		{"legacy nfd row, nfd input matches raw", djangoPBKDF2SHA256OfNFD, vectorNFD, false, true, true},
		{"legacy nfd row, nfc input", djangoPBKDF2SHA256OfNFD, vectorNFC, false, false, false},
		{"legacy nfc row, nfd input matches nfc form", djangoPBKDF2SHA256OfNFC, vectorNFD, false, true, true},
		{"legacy nfc row, nfc input", djangoPBKDF2SHA256OfNFC, vectorNFC, false, true, true},
		{"legacy bcrypt row, nfd input", djangoBcryptSHA256OfNFC, vectorNFD, false, true, true},
		{"current argon2id, nfc row", refArgon2idCurrent, vectorPassword, true, true, false},
		{"current argon2id, legacy row", refArgon2idCurrent, vectorPassword, false, true, true},
	}
	h := newTestHasher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, tt.password, tt.nfc)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if ok != tt.wantOK {
				t.Errorf("Verify() ok = %v, want %v", ok, tt.wantOK)
			}
			if rehash != tt.wantRehash {
				t.Errorf("Verify() needsRehash = %v, want %v", rehash, tt.wantRehash)
			}
		})
	}
}

func TestHashRejectsLongInput(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Minute)
	ctx := context.Background()

	if _, err := h.Hash(ctx, strings.Repeat("a", MaxInputBytes)); err != nil {
		t.Errorf("Hash(1024 bytes) error = %v, want nil", err)
	}
	if _, err := h.Hash(ctx, strings.Repeat("a", MaxInputBytes+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Hash(1025 bytes) error = %v, want ErrTooLong", err)
	}
	// U+0958 is 3 bytes in UTF-8 and its NFC form is two code points of 3
	// bytes each, so 1,023 bytes of input become 2,046 after normalization.
	if _, err := h.Hash(ctx, strings.Repeat("\u0958", 341)); !errors.Is(err, ErrTooLong) {
		t.Errorf("Hash(input that NFC makes longer than 1024 bytes) error = %v, want ErrTooLong", err)
	}
}

func TestVerifyRejectsLongInput(t *testing.T) {
	h := newTestHasher(t)
	ctx := context.Background()

	ok, _, err := h.Verify(ctx, hashlibPBKDF2Of1024Bytes, strings.Repeat("a", 1024), true)
	if err != nil || !ok {
		t.Errorf("Verify(1024 bytes) = (%v, %v), want (true, nil)", ok, err)
	}
	ok, rehash, err := h.Verify(ctx, hashlibPBKDF2Of1025Bytes, strings.Repeat("a", 1025), false)
	if err != nil || ok || rehash {
		t.Errorf("Verify(1025 bytes, matching hash) = (%v, %v, %v), want (false, false, nil)", ok, rehash, err)
	}
}

func TestVerifyDummy(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Minute)
	if err := h.VerifyDummy(context.Background(), vectorPassword); err != nil {
		t.Errorf("VerifyDummy() error = %v", err)
	}
	if err := h.VerifyDummy(context.Background(), strings.Repeat("a", 2000)); err != nil {
		t.Errorf("VerifyDummy(2000 bytes) error = %v", err)
	}
	if got := len(h.slots); got != 0 {
		t.Errorf("VerifyDummy left %d slots taken", got)
	}
}

// fillSlots takes every hashing slot of h, as concurrent requests would.
func fillSlots(h *Hasher) {
	for range cap(h.slots) {
		h.slots <- struct{}{}
	}
}

func TestBusyWhenAllSlotsTaken(t *testing.T) {
	h := NewHasher(cheapParams, 2, time.Millisecond)
	fillSlots(h)
	ctx := context.Background()

	if _, err := h.Hash(ctx, vectorPassword); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash() error = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(ctx, refArgon2idCheap, vectorPassword, true); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify() error = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(ctx, Unusable(), vectorPassword, true); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify(unusable) error = %v, want ErrBusy", err)
	}
	if err := h.VerifyDummy(ctx, vectorPassword); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyDummy() error = %v, want ErrBusy", err)
	}

	<-h.slots
	if _, err := h.Hash(ctx, vectorPassword); err != nil {
		t.Errorf("Hash() after a slot was freed: error = %v", err)
	}
	if got := len(h.slots); got != 1 {
		t.Errorf("slots taken after Hash() = %d, want 1 (the one the test still holds)", got)
	}
}

func TestBusyWithoutWait(t *testing.T) {
	h := NewHasher(cheapParams, 1, 0)
	fillSlots(h)
	if _, err := h.Hash(context.Background(), vectorPassword); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash() error = %v, want ErrBusy", err)
	}
}

func TestWaiterGetsFreedSlot(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Minute)
	fillSlots(h)

	result := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), vectorPassword)
		result <- err
	}()
	<-h.slots

	if err := <-result; err != nil {
		t.Errorf("Hash() waiting for a slot: error = %v, want nil", err)
	}
}

func TestCanceledContextWhileBusy(t *testing.T) {
	h := NewHasher(cheapParams, 1, time.Hour)
	fillSlots(h)

	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := h.Hash(ctx, vectorPassword); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash() error = %v, want context.Canceled", err)
	}
	if _, _, err := h.Verify(ctx, refArgon2idCheap, vectorPassword, true); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify() error = %v, want context.Canceled", err)
	}
}

func TestUnusable(t *testing.T) {
	pattern := regexp.MustCompile(`^![A-Za-z0-9]{40}$`)
	seen := make(map[string]bool)
	for range 100 {
		marker := Unusable()
		if !pattern.MatchString(marker) {
			t.Fatalf("Unusable() = %q, want \"!\" and 40 letters or digits", marker)
		}
		if seen[marker] {
			t.Fatalf("Unusable() returned %q twice", marker)
		}
		seen[marker] = true
		if IsUsable(marker) {
			t.Errorf("IsUsable(%q) = true", marker)
		}
	}
}

func TestIsUsable(t *testing.T) {
	tests := []struct {
		encoded string
		want    bool
	}{
		{"", false},
		{"!", false},
		{"!kQroC7v085BbXlpUXp9XypSlbeT3FSW8UXMqPka7", false},
		{refArgon2idCurrent, true},
		{djangoPBKDF2SHA256, true},
		{djangoBcryptSHA256, true},
	}
	for _, tt := range tests {
		if got := IsUsable(tt.encoded); got != tt.want {
			t.Errorf("IsUsable(%q) = %v, want %v", tt.encoded, got, tt.want)
		}
	}
}
