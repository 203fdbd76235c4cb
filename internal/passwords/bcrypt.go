package passwords

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// maxBcryptCost guards against a corrupted row whose cost would make one
// verification run for minutes (each step doubles the time). It is a limit
// chosen for this service, four steps above Django's default of 12.
const maxBcryptCost = 16

// bcryptHashLen is the length of a bcrypt hash in modular crypt format:
// "$2b$", two cost digits, "$", 22 salt and 31 hash characters.
const bcryptHashLen = 60

// bcryptSHA256Hash is a parsed "bcrypt_sha256$<bcrypt hash>" value, for
// example "bcrypt_sha256$$2b$12$...".
type bcryptSHA256Hash struct {
	hash []byte
}

// parseBcryptSHA256 parses the part after "bcrypt_sha256$".
func parseBcryptSHA256(rest string) (*bcryptSHA256Hash, error) {
	const name = "bcrypt_sha256"
	if len(rest) != bcryptHashLen {
		return nil, malformed(name, "bcrypt hash is %d characters, want %d", len(rest), bcryptHashLen)
	}
	cost, err := bcrypt.Cost([]byte(rest))
	if err != nil {
		return nil, malformed(name, "bcrypt hash is invalid: %v", err)
	}
	if cost > maxBcryptCost {
		return nil, malformed(name, "bcrypt cost %d exceeds the maximum %d", cost, maxBcryptCost)
	}
	return &bcryptSHA256Hash{hash: []byte(rest)}, nil
}

// matches runs bcrypt over the lower-case hex SHA-256 digest of password, as
// Django's BCryptSHA256PasswordHasher does to get past bcrypt's 72-byte input
// limit. bcrypt.CompareHashAndPassword compares in constant time.
func (h *bcryptSHA256Hash) matches(password []byte) (bool, error) {
	digest := sha256.Sum256(password)
	prehashed := []byte(hex.EncodeToString(digest[:]))

	err := bcrypt.CompareHashAndPassword(h.hash, prehashed)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, fmt.Errorf("passwords: bcrypt_sha256 verification failed: %w", err)
}

func (h *bcryptSHA256Hash) isCurrent(Params) bool {
	return false
}
