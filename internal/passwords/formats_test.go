package passwords

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func newTestHasher(t testing.TB) *Hasher {
	t.Helper()
	return NewHasher(DefaultParams(), 4, time.Minute)
}

func TestVerifyKnownVectors(t *testing.T) {
	tests := []struct {
		name       string
		encoded    string
		password   string
		wantRehash bool
	}{
		{"django pbkdf2_sha256 default iterations", djangoPBKDF2SHA256Default, vectorPassword, true},
		{"django pbkdf2_sha256", djangoPBKDF2SHA256, vectorPassword, true},
		{"django pbkdf2_sha1", djangoPBKDF2SHA1, vectorPassword, true},
		{"rfc6070 pbkdf2_sha1 c=1", rfc6070SHA1Iter1, "password", true},
		{"rfc6070 pbkdf2_sha1 c=4096", rfc6070SHA1Iter4096, "password", true},
		{"django argon2id default params", djangoArgon2idDefault, vectorPassword, true},
		{"django argon2id 16-byte key", djangoArgon2idSmall, vectorPassword, true},
		{"libargon2 argon2id current params", refArgon2idCurrent, vectorPassword, false},
		{"libargon2 argon2id cheap params", refArgon2idCheap, vectorPassword, true},
		{"libargon2 argon2id 24-byte key", refArgon2idReadme, "password", true},
		{"libargon2 argon2i", refArgon2i, vectorPassword, true},
		{"argon2-cffi argon2i legacy", cffiArgon2iLegacy, vectorPassword, true},
		{"django bcrypt_sha256 cost 12", djangoBcryptSHA256Default, vectorPassword, true},
		{"django bcrypt_sha256 cost 4", djangoBcryptSHA256, vectorPassword, true},
		{"htpasswd bcrypt 2y", htpasswdBcryptSHA256, vectorPassword, true},
	}
	h := newTestHasher(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, tt.encoded, tt.password, true)
			if err != nil {
				t.Fatalf("Verify(right password) error = %v", err)
			}
			if !ok {
				t.Errorf("Verify(right password) ok = false, want true")
			}
			if rehash != tt.wantRehash {
				t.Errorf("Verify(right password) needsRehash = %v, want %v", rehash, tt.wantRehash)
			}

			ok, rehash, err = h.Verify(ctx, tt.encoded, tt.password+"x", true)
			if err != nil {
				t.Fatalf("Verify(wrong password) error = %v", err)
			}
			if ok {
				t.Errorf("Verify(wrong password) ok = true, want false")
			}
			if rehash {
				t.Errorf("Verify(wrong password) needsRehash = true, want false")
			}
		})
	}
}

func TestVerifyTamperedEncodings(t *testing.T) {
	tests := []struct {
		name    string
		encoded string
	}{
		{"argon2 t changed", strings.Replace(refArgon2idCheap, "t=1", "t=2", 1)},
		{"argon2 m changed", strings.Replace(refArgon2idCheap, "m=64", "m=72", 1)},
		{"argon2 p changed", strings.Replace(refArgon2idCheap, "p=1", "p=2", 1)},
		{"argon2id read as argon2i", strings.Replace(refArgon2idCheap, "argon2id", "argon2i", 1)},
		{"argon2i read as argon2id", strings.Replace(refArgon2i, "argon2i", "argon2id", 1)},
		{"argon2 salt changed", strings.Replace(refArgon2idCheap, "$MDEy", "$NDEy", 1)},
		{"argon2 key changed", strings.Replace(refArgon2idCheap, "$aq42", "$bq42", 1)},
		{"pbkdf2 iterations changed", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$1001$", 1)},
		{"pbkdf2 salt changed", strings.Replace(djangoPBKDF2SHA256, "S7aLtS7aLt", "S7aLtS7aLu", 1)},
		{"pbkdf2 key changed", strings.Replace(djangoPBKDF2SHA256, "$/Nxh", "$+Nxh", 1)},
		{"bcrypt cost changed", strings.Replace(djangoBcryptSHA256, "$04$", "$05$", 1)},
		{"bcrypt salt changed", strings.Replace(djangoBcryptSHA256, "$04$6lAr", "$04$7lAr", 1)},
		{"bcrypt hash changed", strings.TrimSuffix(djangoBcryptSHA256, "pqPH.") + "pqPHa"},
	}
	h := newTestHasher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, vectorPassword, true)
			if err != nil {
				t.Fatalf("Verify() error = %v, want a well-formed mismatch", err)
			}
			if ok || rehash {
				t.Errorf("Verify() = (%v, %v), want (false, false)", ok, rehash)
			}
		})
	}
}

func TestVerifyMalformedEncodings(t *testing.T) {
	const (
		salt     = "MDEyMzQ1Njc4OWFiY2RlZg"
		key      = "aq42HBL+IPAitHspChw/8mx5JRX2jFDkTmlsBskwH/0"
		bcrypt53 = "6lArOpobeYFXV3JgR0KJmeOLx1pNfwzBlJujcaAixEtrM2rkpqPH."
	)
	argon2With := func(params string) string {
		return "argon2$argon2id$v=19$" + params + "$" + salt + "$" + key
	}
	tests := []struct {
		name    string
		encoded string
		want    error
	}{
		{"empty", "", ErrMalformedHash},
		{"no separator", "argon2", ErrMalformedHash},
		{"unsalted md5", "5f4dcc3b5aa765d61d8327deb882cf99", ErrMalformedHash},
		{"md5", "md5$salt$1bc29b36f623ba82aaf6724fd3b16718", ErrUnknownAlgorithm},
		{"plain bcrypt", "bcrypt$$2b$04$" + bcrypt53, ErrUnknownAlgorithm},
		{"not an algorithm name", "Hunter2 $x", ErrUnknownAlgorithm},

		{"argon2 without fields", "argon2$", ErrMalformedHash},
		{"argon2 without version", "argon2$argon2i$m=512,t=2,p=2$" + salt + "$" + key, ErrUnknownAlgorithm},
		{"argon2 version 1.0", refArgon2idVersion1, ErrUnknownAlgorithm},
		{"argon2 version garbage", strings.Replace(refArgon2idCheap, "v=19", "v=x", 1), ErrMalformedHash},
		{"argon2 version missing prefix", strings.Replace(refArgon2idCheap, "v=19", "19", 1), ErrMalformedHash},
		{"argon2d", strings.Replace(refArgon2idCheap, "argon2id", "argon2d", 1), ErrUnknownAlgorithm},
		{"argon2 unknown variant", strings.Replace(refArgon2idCheap, "argon2id", "argon2x", 1), ErrMalformedHash},
		{"argon2 two params", argon2With("m=64,t=1"), ErrMalformedHash},
		{"argon2 params out of order", argon2With("t=1,m=64,p=1"), ErrMalformedHash},
		{"argon2 m not a number", argon2With("m=abc,t=1,p=1"), ErrMalformedHash},
		{"argon2 m negative", argon2With("m=-64,t=1,p=1"), ErrMalformedHash},
		{"argon2 m overflows uint32", argon2With("m=4294967296,t=1,p=1"), ErrMalformedHash},
		{"argon2 m below 8 per lane", argon2With("m=15,t=1,p=2"), ErrMalformedHash},
		{"argon2 m over 1 GiB", argon2With("m=1048577,t=1,p=1"), ErrMalformedHash},
		{"argon2 t zero", argon2With("m=64,t=0,p=1"), ErrMalformedHash},
		{"argon2 t over limit", argon2With("m=64,t=65,p=1"), ErrMalformedHash},
		{"argon2 p zero", argon2With("m=64,t=1,p=0"), ErrMalformedHash},
		{"argon2 p over 255", argon2With("m=4096,t=1,p=256"), ErrMalformedHash},
		{"argon2 padded salt", strings.Replace(refArgon2idCheap, salt, salt+"==", 1), ErrMalformedHash},
		{"argon2 salt not base64", strings.Replace(refArgon2idCheap, salt, "!!!!", 1), ErrMalformedHash},
		{"argon2 salt 4 bytes", strings.Replace(refArgon2idCheap, salt, "c2FsdA", 1), ErrMalformedHash},
		{"argon2 key 3 bytes", strings.Replace(refArgon2idCheap, key, "YWJj", 1), ErrMalformedHash},
		{"argon2 key stray bits", strings.TrimSuffix(refArgon2idCheap, "/0") + "/1", ErrMalformedHash},
		{"argon2 extra field", refArgon2idCheap + "$extra", ErrMalformedHash},
		{"argon2 empty key", strings.TrimSuffix(refArgon2idCheap, key), ErrMalformedHash},

		{"pbkdf2 two fields", "pbkdf2_sha256$1000$S7aLtS7aLt", ErrMalformedHash},
		{"pbkdf2 four fields", djangoPBKDF2SHA256 + "$x", ErrMalformedHash},
		{"pbkdf2 leading zero", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$01000$", 1), ErrMalformedHash},
		{"pbkdf2 plus sign", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$+1000$", 1), ErrMalformedHash},
		{"pbkdf2 space", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$ 1000$", 1), ErrMalformedHash},
		{"pbkdf2 zero iterations", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$0$", 1), ErrMalformedHash},
		{"pbkdf2 negative iterations", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$-5$", 1), ErrMalformedHash},
		{"pbkdf2 iterations over limit", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$10000001$", 1), ErrMalformedHash},
		{"pbkdf2 iterations overflow", strings.Replace(djangoPBKDF2SHA256, "$1000$", "$99999999999$", 1), ErrMalformedHash},
		{"pbkdf2 key not base64", "pbkdf2_sha256$1000$S7aLtS7aLt$%%%%", ErrMalformedHash},
		{"pbkdf2 key without padding", strings.TrimSuffix(djangoPBKDF2SHA256, "="), ErrMalformedHash},
		{"pbkdf2 sha1 key in sha256", "pbkdf2_sha256$1$salt$DGDID5YfDnHzqbUkr2ASBi/gN6Y=", ErrMalformedHash},
		{"pbkdf2 sha256 key in sha1", "pbkdf2_sha1" + strings.TrimPrefix(djangoPBKDF2SHA256, "pbkdf2_sha256"), ErrMalformedHash},

		{"bcrypt empty", "bcrypt_sha256$", ErrMalformedHash},
		{"bcrypt single dollar", "bcrypt_sha256$2b$04$" + bcrypt53, ErrMalformedHash},
		{"bcrypt too long", djangoBcryptSHA256 + "x", ErrMalformedHash},
		{"bcrypt cost below 4", "bcrypt_sha256$$2b$03$" + bcrypt53, ErrMalformedHash},
		{"bcrypt cost over limit", "bcrypt_sha256$$2b$31$" + bcrypt53, ErrMalformedHash},
		{"bcrypt version 3", "bcrypt_sha256$$3b$04$" + bcrypt53, ErrMalformedHash},
		{"bcrypt no leading dollar", "bcrypt_sha256$x2b$04$" + bcrypt53, ErrMalformedHash},
	}
	h := newTestHasher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), tt.encoded, vectorPassword, true)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() error = %v, want one wrapping %v", err, tt.want)
			}
			if ok || rehash {
				t.Errorf("Verify() = (%v, %v), want (false, false)", ok, rehash)
			}
			if strings.Contains(err.Error(), salt) || strings.Contains(err.Error(), key) {
				t.Errorf("Verify() error %q contains the stored salt or key", err)
			}
		})
	}
}

func TestVerifyTruncatedEncodings(t *testing.T) {
	vectors := []string{
		refArgon2idCheap, refArgon2i, djangoArgon2idSmall,
		djangoPBKDF2SHA256, djangoPBKDF2SHA1, rfc6070SHA1Iter1,
		djangoBcryptSHA256, htpasswdBcryptSHA256,
	}
	h := newTestHasher(t)
	for _, encoded := range vectors {
		for n := range len(encoded) {
			truncated := encoded[:n]
			ok, _, _ := h.Verify(context.Background(), truncated, vectorPassword, true)
			if ok {
				t.Errorf("Verify(%q) matched a truncated encoding", truncated)
			}
		}
	}
}

func TestVerifyUnusableMarker(t *testing.T) {
	h := newTestHasher(t)
	// djangoUnusable is the output of Django 3.2.25's make_password(None).
	const djangoUnusable = "!kQroC7v085BbXlpUXp9XypSlbeT3FSW8UXMqPka7"
	for _, encoded := range []string{djangoUnusable, Unusable(), "!", "!" + djangoPBKDF2SHA256} {
		for _, password := range []string{vectorPassword, "", encoded, strings.TrimPrefix(encoded, "!")} {
			ok, rehash, err := h.Verify(context.Background(), encoded, password, false)
			if err != nil {
				t.Fatalf("Verify(%q) error = %v", encoded, err)
			}
			if ok || rehash {
				t.Errorf("Verify(%q, %q) = (%v, %v), want (false, false)", encoded, password, ok, rehash)
			}
		}
	}
}
