package secrets

import (
	"bytes"
	"regexp"
	"testing"
)

func TestSealOpensWithFallbackKey(t *testing.T) {
	old := NewKeyring("old-secret", nil)
	sealed := Seal(old.Key(InfoTOTP), []byte("JBSWY3DPEHPK3PXP"), []byte("staff:1"))

	rotated := NewKeyring("new-secret", []string{"old-secret"})
	plaintext, index, err := Open(rotated.Keys(InfoTOTP), sealed, []byte("staff:1"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if string(plaintext) != "JBSWY3DPEHPK3PXP" {
		t.Errorf("plaintext = %q", plaintext)
	}
	if index != 1 {
		t.Errorf("key index = %d, want 1 (the fallback)", index)
	}
}

func TestOpenRejectsWrongBinding(t *testing.T) {
	k := NewKeyring("secret", nil)
	sealed := Seal(k.Key(InfoTOTP), []byte("x"), []byte("staff:1"))
	if _, _, err := Open(k.Keys(InfoTOTP), sealed, []byte("staff:2")); err != ErrDecrypt {
		t.Errorf("other subject: err = %v, want ErrDecrypt", err)
	}
	if _, _, err := Open(k.Keys(InfoCSRF), sealed, []byte("staff:1")); err != ErrDecrypt {
		t.Errorf("other purpose: err = %v, want ErrDecrypt", err)
	}
	if _, _, err := Open(k.Keys(InfoTOTP), sealed[:5], nil); err != ErrDecrypt {
		t.Errorf("truncated: err = %v, want ErrDecrypt", err)
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	if bytes.Equal(Derive([]byte("s"), InfoTOTP), Derive([]byte("s"), InfoCSRF)) {
		t.Error("two purposes derived the same key")
	}
	if len(Derive([]byte("s"), InfoTOTP)) != 32 {
		t.Error("derived key is not 32 bytes")
	}
}

func TestHexIDFormat(t *testing.T) {
	id := HexID()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("HexID = %q, want 32 lowercase hex characters", id)
	}
	if HexID() == id {
		t.Error("two HexID calls returned the same value")
	}
}

func TestEqualAndDigests(t *testing.T) {
	if !Equal("abc", "abc") || Equal("abc", "abd") || Equal("abc", "ab") {
		t.Error("Equal compares wrongly")
	}
	if SHA256Hex("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Error("SHA256Hex does not match the FIPS 180-2 vector for \"abc\"")
	}
	if len(Token(32)) != 43 {
		t.Errorf("Token(32) has %d characters, want 43", len(Token(32)))
	}
}
