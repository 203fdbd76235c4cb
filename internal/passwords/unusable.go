package passwords

import (
	"crypto/rand"
	"strings"
)

const (
	// unusablePrefix starts Django's marker for an account without a
	// password (UNUSABLE_PASSWORD_PREFIX).
	unusablePrefix = "!"
	// unusableSuffixLen is Django's UNUSABLE_PASSWORD_SUFFIX_LENGTH.
	unusableSuffixLen = 40
	// unusableAlphabet is the alphabet of Django's get_random_string: ASCII
	// letters and digits, all of them URL-safe.
	unusableAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// Unusable returns a new unusable-password marker: "!" followed by 40 random
// letters and digits, the form Django's make_password(None) writes. The
// random part keeps two such rows from looking alike.
func Unusable() string {
	var b strings.Builder
	b.Grow(len(unusablePrefix) + unusableSuffixLen)
	b.WriteString(unusablePrefix)

	// Rejection sampling keeps the characters uniform: bytes from 248 up
	// (4*62) are dropped instead of being folded onto the first letters.
	const limit = 256 - 256%len(unusableAlphabet)
	buf := make([]byte, 64)
	for b.Len() < len(unusablePrefix)+unusableSuffixLen {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			if int(c) >= limit {
				continue
			}
			b.WriteByte(unusableAlphabet[int(c)%len(unusableAlphabet)])
			if b.Len() == len(unusablePrefix)+unusableSuffixLen {
				break
			}
		}
	}
	return b.String()
}

// IsUsable reports whether encoded can ever match a password: it is false for
// an empty value and for Django's unusable marker (anything starting with
// "!"). It does not check that the rest is a well-formed hash.
func IsUsable(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, unusablePrefix)
}
