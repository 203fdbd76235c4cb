package passwords

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// maxPBKDF2Iterations guards against a corrupted row that would make one
// verification run for minutes. It is a limit chosen for this service, about
// 38 times the 260,000 iterations Django 3.2 writes, which leaves room for the
// higher defaults of later Django versions.
const maxPBKDF2Iterations = 10_000_000

// pbkdf2Algorithm is one of Django's PBKDF2 hashers.
type pbkdf2Algorithm struct {
	name    string
	newHash func() hash.Hash
	keyLen  int // the digest size, which Django uses as the key length
}

var (
	pbkdf2SHA256 = pbkdf2Algorithm{name: "pbkdf2_sha256", newHash: sha256.New, keyLen: sha256.Size}
	pbkdf2SHA1   = pbkdf2Algorithm{name: "pbkdf2_sha1", newHash: sha1.New, keyLen: sha1.Size}
)

// base64Padded decodes the key of a PBKDF2 encoding: standard base64 with
// padding, as Django's base64.b64encode writes it. Strict decoding rejects
// stray bits in the last character.
var base64Padded = base64.StdEncoding.Strict()

// pbkdf2Hash is a parsed "pbkdf2_sha256$<iterations>$<salt>$<key>" or
// "pbkdf2_sha1$..." value.
type pbkdf2Hash struct {
	algorithm  pbkdf2Algorithm
	iterations int
	salt       []byte // the salt text's ASCII bytes, used as they are
	key        []byte
}

// parsePBKDF2 parses the part after "<algorithm>$".
func parsePBKDF2(algorithm pbkdf2Algorithm, rest string) (*pbkdf2Hash, error) {
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return nil, malformed(algorithm.name, "expected 3 '$'-separated fields after the algorithm name, got %d", len(fields))
	}

	iterations, ok := parseCanonicalUint(fields[0], 32)
	if !ok || iterations < 1 || iterations > maxPBKDF2Iterations {
		return nil, malformed(algorithm.name, "iteration count is not a decimal number from 1 to %d", maxPBKDF2Iterations)
	}

	key, err := base64Padded.DecodeString(fields[2])
	if err != nil {
		return nil, malformed(algorithm.name, "key is not padded standard base64")
	}
	if len(key) != algorithm.keyLen {
		return nil, malformed(algorithm.name, "key is %d bytes, want %d", len(key), algorithm.keyLen)
	}

	return &pbkdf2Hash{
		algorithm:  algorithm,
		iterations: int(iterations),
		salt:       []byte(fields[1]),
		key:        key,
	}, nil
}

// matches fails when Go runs in FIPS 140-only mode (GODEBUG=fips140=only),
// which rejects SHA-1 and salts shorter than 16 bytes, such as the 12-character
// salts of older Django versions.
func (h *pbkdf2Hash) matches(password []byte) (bool, error) {
	derived, err := pbkdf2.Key(h.algorithm.newHash, string(password), h.salt, h.iterations, h.algorithm.keyLen)
	if err != nil {
		return false, fmt.Errorf("passwords: %s key derivation failed: %w", h.algorithm.name, err)
	}
	return subtle.ConstantTimeCompare(derived, h.key) == 1, nil
}

func (h *pbkdf2Hash) isCurrent(Params) bool {
	return false
}
