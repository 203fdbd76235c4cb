package passwords

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	// ErrMalformedHash is wrapped by the error [Hasher.Verify] returns for a
	// stored encoding it cannot parse or whose parameters are out of range.
	ErrMalformedHash = errors.New("passwords: malformed password hash")

	// ErrUnknownAlgorithm is wrapped by the error [Hasher.Verify] returns for
	// a stored encoding whose algorithm prefix it does not support, such as
	// Django's unsalted md5 or plain bcrypt.
	ErrUnknownAlgorithm = errors.New("passwords: unsupported password hash algorithm")
)

// storedHash is a parsed stored encoding.
type storedHash interface {
	// matches recomputes the key from password and compares it in constant
	// time. An error means the key could not be computed at all.
	matches(password []byte) (bool, error)
	// isCurrent reports whether the encoding is what Hash writes with p.
	isCurrent(p Params) bool
}

// parseEncoded parses a stored encoding by its algorithm prefix. The unusable
// marker is handled by the caller.
func parseEncoded(encoded string) (storedHash, error) {
	algorithm, rest, found := strings.Cut(encoded, "$")
	if !found {
		if encoded == "" {
			return nil, fmt.Errorf("%w: empty value", ErrMalformedHash)
		}
		return nil, fmt.Errorf("%w: no '$' after the algorithm name", ErrMalformedHash)
	}

	switch algorithm {
	case "argon2":
		return parseArgon2(rest)
	case "pbkdf2_sha256":
		return parsePBKDF2(pbkdf2SHA256, rest)
	case "pbkdf2_sha1":
		return parsePBKDF2(pbkdf2SHA1, rest)
	case "bcrypt_sha256":
		return parseBcryptSHA256(rest)
	}
	if !isAlgorithmName(algorithm) {
		return nil, fmt.Errorf("%w: the text before the first '$' is not an algorithm name", ErrUnknownAlgorithm)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, algorithm)
}

// malformed returns an error that wraps ErrMalformedHash and names the
// algorithm and the problem.
func malformed(algorithm, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformedHash, algorithm, fmt.Sprintf(format, args...))
}

// parseCanonicalUint parses a decimal number in the form Django writes it:
// no sign, no leading zeros, no spaces. Django verifies by re-encoding the
// whole string, so a number written any other way never matched there.
func parseCanonicalUint(s string, bitSize int) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, bitSize)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, false
	}
	return n, true
}

// isAlgorithmName reports whether s looks like a Django hasher name
// (lower-case letters, digits and underscores, at most 32 bytes). Only such
// names go into errors, so a stored value that is not a hash, such as a
// plain-text password, never reaches a log.
func isAlgorithmName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
