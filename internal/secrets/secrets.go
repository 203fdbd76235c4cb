// Package secrets derives purpose-bound keys from the secret key and provides
// the small primitives authd uses to keep secrets at rest: AES-256-GCM
// sealing, SHA-256 and HMAC digests, random tokens and constant-time
// comparison.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Key derivation labels. Each purpose gets its own key, so a key leaked or
// misused in one place opens nothing else.
const (
	InfoOTPChallenge = "authd/otp-challenge"
	InfoTOTP         = "authd/totp"
	InfoOTPCode      = "authd/otp-code"
	InfoCSRF         = "authd/csrf"
	InfoCaptcha      = "authd/captcha"
	InfoGracePair    = "authd/refresh-grace"
)

// Keyring holds the current secret key and the previous ones that are still
// accepted when verifying or decrypting older data.
type Keyring struct {
	current   string
	fallbacks []string
}

// NewKeyring returns a keyring for the current secret key and its fallbacks.
func NewKeyring(current string, fallbacks []string) *Keyring {
	return &Keyring{current: current, fallbacks: fallbacks}
}

// Key returns the 32-byte key for info derived from the current secret key.
func (k *Keyring) Key(info string) []byte {
	return Derive([]byte(k.current), info)
}

// Keys returns the key for info under the current secret key first, then
// under each fallback.
func (k *Keyring) Keys(info string) [][]byte {
	keys := [][]byte{k.Key(info)}
	for _, old := range k.fallbacks {
		keys = append(keys, Derive([]byte(old), info))
	}
	return keys
}

// Derive returns a 32-byte key for info derived from secret with
// HKDF-SHA256 and no salt.
func Derive(secret []byte, info string) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, info, 32)
	if err != nil {
		// hkdf.Key fails only for lengths above 255*32 bytes.
		panic(fmt.Sprintf("hkdf: %v", err))
	}
	return key
}

// ErrDecrypt reports a ciphertext that does not open under any key.
var ErrDecrypt = errors.New("ciphertext does not decrypt with any known key")

// Seal encrypts plaintext with AES-256-GCM under key, binding it to
// additionalData. The random nonce is prepended to the result.
func Seal(key, plaintext, additionalData []byte) []byte {
	aead := newGCM(key)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, additionalData)
}

// Open decrypts a Seal result with the first key that authenticates it and
// returns the plaintext and the index of that key.
func Open(keys [][]byte, sealed, additionalData []byte) ([]byte, int, error) {
	for i, key := range keys {
		aead := newGCM(key)
		if len(sealed) < aead.NonceSize() {
			return nil, -1, ErrDecrypt
		}
		nonce, ciphertext := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
		if plaintext, err := aead.Open(nil, nonce, ciphertext, additionalData); err == nil {
			return plaintext, i, nil
		}
	}
	return nil, -1, ErrDecrypt
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(fmt.Sprintf("aes: %v", err)) // keys come from Derive and are always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(fmt.Sprintf("gcm: %v", err))
	}
	return aead
}

// SHA256Hex returns the lowercase hex SHA-256 of s.
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// HMACHex returns the lowercase hex HMAC-SHA-256 of message under key.
func HMACHex(key []byte, message string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(message))
	return hex.EncodeToString(mac.Sum(nil))
}

// Equal compares two strings with crypto/subtle, whose time depends only on
// the lengths, so the position of a mismatch does not leak through timing.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Token returns n random bytes encoded as unpadded base64url.
func Token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HexID returns 16 random bytes as 32 lowercase hex characters, the form of
// token ids (jti).
func HexID() string {
	b := make([]byte, 16)
	rand.Read(b)
	// Version 4 UUID bits, so the value is a random UUID without dashes.
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return hex.EncodeToString(b)
}
