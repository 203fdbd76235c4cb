package passwords

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Limits on the parameters of a stored argon2 encoding. The minimums are the
// ones RFC 9106 sets. The maximums are guards chosen for this service, not
// taken from a standard: a corrupted or hostile row must not make one
// verification allocate gigabytes or run for minutes. Django's own defaults
// (m=102400, t=2, p=8 since Django 3.2) are far below them.
const (
	minArgon2SaltBytes  = 8
	minArgon2KeyBytes   = 4
	maxArgon2FieldBytes = 1024
	maxArgon2MemoryKiB  = 1 << 20 // 1 GiB
	maxArgon2Iterations = 64
)

// argon2Version is the only Argon2 version golang.org/x/crypto/argon2
// computes, 1.3 (0x13). Version 1.0 hashes (v=16, or no v= field, which
// libargon2's decoder reads as 1.0) cannot be verified.
const argon2Version = "v=19"

// base64Raw decodes and encodes the salt and key of an argon2 encoding:
// standard alphabet without padding, as libargon2 writes them. Strict
// decoding rejects stray bits in the last character, so a tampered final
// character is reported as malformed instead of decoding to the same bytes.
var base64Raw = base64.RawStdEncoding.Strict()

// argon2Hash is a parsed "argon2$argon2id$..." or "argon2$argon2i$..." value.
type argon2Hash struct {
	variant     string // "argon2id" or "argon2i"
	memoryKiB   uint32
	iterations  uint32
	parallelism uint8
	salt        []byte
	key         []byte
}

// parseArgon2 parses the part after "argon2$", for example
// "argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>".
func parseArgon2(rest string) (*argon2Hash, error) {
	const name = "argon2"
	fields := strings.Split(rest, "$")
	if len(fields) == 4 && strings.HasPrefix(fields[1], "m=") {
		return nil, fmt.Errorf("%w: argon2 hash without a version field is Argon2 version 1.0, only v=19 is supported",
			ErrUnknownAlgorithm)
	}
	if len(fields) != 5 {
		return nil, malformed(name, "expected 5 '$'-separated fields after the algorithm name, got %d", len(fields))
	}

	h := &argon2Hash{variant: fields[0]}
	switch h.variant {
	case "argon2id", "argon2i":
	case "argon2d":
		return nil, fmt.Errorf("%w: argon2d is not supported", ErrUnknownAlgorithm)
	default:
		return nil, malformed(name, "variant is not argon2id or argon2i")
	}

	if fields[1] != argon2Version {
		digits, found := strings.CutPrefix(fields[1], "v=")
		version, err := strconv.ParseUint(digits, 10, 32)
		if !found || err != nil {
			return nil, malformed(name, "second field is not a version (v=19)")
		}
		return nil, fmt.Errorf("%w: argon2 version v=%d is not supported, only v=19 is", ErrUnknownAlgorithm, version)
	}

	if err := h.parseParams(fields[2]); err != nil {
		return nil, err
	}

	var err error
	if h.salt, err = base64Raw.DecodeString(fields[3]); err != nil {
		return nil, malformed(name, "salt is not unpadded standard base64")
	}
	if len(h.salt) < minArgon2SaltBytes || len(h.salt) > maxArgon2FieldBytes {
		return nil, malformed(name, "salt is %d bytes, want %d to %d", len(h.salt), minArgon2SaltBytes, maxArgon2FieldBytes)
	}
	if h.key, err = base64Raw.DecodeString(fields[4]); err != nil {
		return nil, malformed(name, "key is not unpadded standard base64")
	}
	if len(h.key) < minArgon2KeyBytes || len(h.key) > maxArgon2FieldBytes {
		return nil, malformed(name, "key is %d bytes, want %d to %d", len(h.key), minArgon2KeyBytes, maxArgon2FieldBytes)
	}
	return h, nil
}

// parseParams parses "m=<KiB>,t=<passes>,p=<lanes>" in that order, the order
// libargon2 writes. Numbers are parsed like libargon2 does (decimal digits,
// leading zeros allowed) and then checked against the limits above.
func (h *argon2Hash) parseParams(s string) error {
	const name = "argon2"
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return malformed(name, "parameters are not of the form m=<m>,t=<t>,p=<p>")
	}
	values := make([]uint64, 3)
	for i, key := range []string{"m=", "t=", "p="} {
		digits, found := strings.CutPrefix(parts[i], key)
		if !found {
			return malformed(name, "parameter %d does not start with %q", i+1, key)
		}
		n, err := strconv.ParseUint(digits, 10, 32)
		if err != nil {
			return malformed(name, "parameter %s is not a 32-bit unsigned decimal number", strings.TrimSuffix(key, "="))
		}
		values[i] = n
	}
	memory, iterations, parallelism := values[0], values[1], values[2]

	switch {
	case parallelism < 1 || parallelism > 255:
		return malformed(name, "p=%d is outside 1 to 255", parallelism)
	case iterations < 1 || iterations > maxArgon2Iterations:
		return malformed(name, "t=%d is outside 1 to %d", iterations, maxArgon2Iterations)
	case memory < 8*parallelism || memory > maxArgon2MemoryKiB:
		return malformed(name, "m=%d is outside 8*p (%d) to %d", memory, 8*parallelism, maxArgon2MemoryKiB)
	}
	h.memoryKiB = uint32(memory)
	h.iterations = uint32(iterations)
	h.parallelism = uint8(parallelism)
	return nil
}

func (h *argon2Hash) matches(password []byte) (bool, error) {
	keyLen := uint32(len(h.key))
	var derived []byte
	if h.variant == "argon2id" {
		derived = argon2.IDKey(password, h.salt, h.iterations, h.memoryKiB, h.parallelism, keyLen)
	} else {
		derived = argon2.Key(password, h.salt, h.iterations, h.memoryKiB, h.parallelism, keyLen)
	}
	return subtle.ConstantTimeCompare(derived, h.key) == 1, nil
}

func (h *argon2Hash) isCurrent(p Params) bool {
	return h.variant == "argon2id" &&
		h.memoryKiB == p.MemoryKiB &&
		h.iterations == p.Iterations &&
		h.parallelism == p.Parallelism &&
		len(h.key) == keyBytes
}

// encodeArgon2id writes Django's encoding of an argon2id hash.
func encodeArgon2id(p Params, salt, key []byte) string {
	return fmt.Sprintf("argon2$argon2id$%s$m=%d,t=%d,p=%d$%s$%s",
		argon2Version, p.MemoryKiB, p.Iterations, p.Parallelism,
		base64Raw.EncodeToString(salt), base64Raw.EncodeToString(key))
}
