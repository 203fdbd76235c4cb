package accounts_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/mapactive/authd/internal/apptest"
)

// Django hashes of "correct horse battery staple" and of "Ångström café",
// made by Django 3.2 and the reference argon2 command; internal/passwords
// verifies the same strings and documents how each was produced.
const (
	vectorPassword  = "correct horse battery staple"
	vectorNFC       = "\u00c5ngstr\u00f6m caf\u00e9"
	vectorNFD       = "A\u030angstro\u0308m cafe\u0301"
	hashPBKDF2      = "pbkdf2_sha256$1000$S7aLtS7aLt$/NxhoqTMhe/iEgQhbdtTPjSl/sEko063zHcXAlcTW90="
	hashPBKDF2SHA1  = "pbkdf2_sha1$1000$S7aLtS7aLt$hGXR9BnLDGp03SZOGYoxQHjyunY="
	hashBcryptSHA   = "bcrypt_sha256$$2b$04$6lArOpobeYFXV3JgR0KJmeOLx1pNfwzBlJujcaAixEtrM2rkpqPH."
	hashArgon2Other = "argon2$argon2id$v=19$m=64,t=1,p=1$c21hbGxzYWx0c21hbGw$JN43Ax8p5pL4DdSf4acb5w"
	hashArgon2i     = "argon2$argon2i$v=19$m=256,t=3,p=2$c2FsdHNhbHRzYWx0$tOs3gv9bHKq87wkJInTOtP9F5WqCc73qL6VgwFrWwSc"
	hashPBKDF2OfNFD = "pbkdf2_sha256$1000$uNiCoDe$5va3qEef7loGXGxd7ALVaikI/giEOs747jmSsKklua8="
	hashPBKDF2OfNFC = "pbkdf2_sha256$1000$uNiCoDe$in9RWx040w0wWSc091xtgnE4dOSr9enZLh4Fhfu9B1k="
	// currentPrefix is the argon2id encoding prefix of the test servers'
	// parameters (apptest.TestEnv).
	currentPrefix = "argon2$argon2id$v=19$m=1024,t=1,p=1$"
)

func TestRehashOnLogin(t *testing.T) {
	cases := []struct {
		name, stored, password string
	}{
		{"pbkdf2_sha256", hashPBKDF2, vectorPassword},
		{"pbkdf2_sha1", hashPBKDF2SHA1, vectorPassword},
		{"bcrypt_sha256", hashBcryptSHA, vectorPassword},
		{"argon2id with other parameters", hashArgon2Other, vectorPassword},
		{"argon2i", hashArgon2i, vectorPassword},
		{"NFD hash, NFD input", hashPBKDF2OfNFD, vectorNFD},
		{"NFC hash, NFD input", hashPBKDF2OfNFC, vectorNFD},
	}
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				u := createUser(t, s, fmt.Sprintf("legacy%d@example.com", i), nil)
				execSQL(t, s, "UPDATE users SET password = ?, password_nfc = ? WHERE id = ?", tc.stored, false, u.ID)
				for _, path := range []string{"/api/v1/users/login/api/", "/api/v1/token/obtain/"} {
					s.Client().Post(path, credentials(u.Email, tc.password)).Expect(t, http.StatusOK)
					row := readUser(t, s, u.ID)
					if !strings.HasPrefix(row.Password, currentPrefix) || !row.PasswordNFC {
						t.Fatalf("after sign-in at %s: password %q nfc=%v, want argon2id with the current parameters", path, row.Password, row.PasswordNFC)
					}
				}
				// The new hash is of the NFC form, so both spellings still work.
				s.Client().Post("/token/", credentials(u.Email, norm.NFC.String(tc.password))).Expect(t, http.StatusOK)
				s.Client().Post("/token/", credentials(u.Email, norm.NFD.String(tc.password))).Expect(t, http.StatusOK)
			})
		}

		// A hash that is already current is left alone.
		current := createUser(t, s, "current@example.com", nil)
		before := readUser(t, s, current.ID).Password
		s.Client().Post("/token/", credentials(current.Email, testPassword)).Expect(t, http.StatusOK)
		if after := readUser(t, s, current.ID).Password; after != before {
			t.Errorf("a current hash was replaced: %q -> %q", before, after)
		}

		// A wrong password never rehashes.
		wrong := createUser(t, s, "wrong-rehash@example.com", nil)
		execSQL(t, s, "UPDATE users SET password = ?, password_nfc = ? WHERE id = ?", hashPBKDF2, false, wrong.ID)
		s.Client().Post("/token/", credentials(wrong.Email, "not the password")).Expect(t, http.StatusBadRequest)
		if after := readUser(t, s, wrong.ID).Password; after != hashPBKDF2 {
			t.Errorf("a failed sign-in changed the hash to %q", after)
		}

		// An unusable password never matches.
		unusable := createUser(t, s, "unusable@example.com", nil)
		execSQL(t, s, "UPDATE users SET password = '!unusable' WHERE id = ?", unusable.ID)
		s.Client().Post("/token/", credentials(unusable.Email, "!unusable")).Expect(t, http.StatusBadRequest)
	})
}

func TestNewPasswordsAreNFC(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		password := "Gr\u00fcn-" + vectorNFD + "-42"
		resp := s.Client().Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": "nfc@example.com", "password": norm.NFD.String(password)}))
		resp.Expect(t, http.StatusCreated)
		if n := countRows(t, s, "SELECT COUNT(*) FROM users WHERE email = 'nfc@example.com' AND password_nfc = ?", true); n != 1 {
			t.Fatalf("the registered row is not marked password_nfc")
		}
		execSQL(t, s, "UPDATE users SET status = 'Approved' WHERE email = 'nfc@example.com'")
		// Either normal form signs in, because the hash was made from NFC and
		// the input is normalised before checking.
		s.Client().Post("/token/", credentials("nfc@example.com", norm.NFC.String(password))).Expect(t, http.StatusOK)
		s.Client().Post("/token/", credentials("nfc@example.com", norm.NFD.String(password))).Expect(t, http.StatusOK)
	})
}
