package apikeys

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"slices"
	"strings"
)

// Scopes an API key may carry. ScopeAll grants every scope.
const (
	ScopeUsersRead       = "users:read"
	ScopeEmployeesRead   = "employees:read"
	ScopeAssignmentsRead = "assignments:read"
	ScopeAll             = "*"
)

// Scopes lists the named scopes, without ScopeAll.
var Scopes = []string{ScopeUsersRead, ScopeEmployeesRead, ScopeAssignmentsRead}

// Lengths of the parts of a key.
const (
	keyPrefix    = "authd_"
	prefixLength = 8  // 5 random bytes in base32
	secretLength = 43 // 32 random bytes in unpadded base64url
	keyLength    = len(keyPrefix) + prefixLength + 1 + secretLength
)

var prefixEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// generate returns a new key and its lookup prefix.
func generate() (key, prefix string) {
	prefixBytes := make([]byte, 5)
	rand.Read(prefixBytes)
	prefix = strings.ToLower(prefixEncoding.EncodeToString(prefixBytes))
	secret := make([]byte, 32)
	rand.Read(secret)
	return keyPrefix + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret), prefix
}

// parsePrefix returns the lookup prefix of a well-formed key. A malformed
// key returns ok false and is never looked up.
func parsePrefix(raw string) (prefix string, ok bool) {
	if len(raw) != keyLength || !strings.HasPrefix(raw, keyPrefix) {
		return "", false
	}
	prefix = raw[len(keyPrefix) : len(keyPrefix)+prefixLength]
	if raw[len(keyPrefix)+prefixLength] != '_' {
		return "", false
	}
	for _, c := range prefix {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return "", false
		}
	}
	for _, c := range raw[len(keyPrefix)+prefixLength+1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
	}
	return prefix, true
}

// validScope reports whether s names a scope a key may carry.
func validScope(s string) bool {
	return s == ScopeAll || slices.Contains(Scopes, s)
}
