package passwords

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// The expected messages, written out so that a change to the constants in
// policy.go fails the tests: clients match on this text.
const (
	wantTooShort8  = "Password must be at least 8 characters long."
	wantTooShort12 = "Password must be at least 12 characters long."
	wantTooLong128 = "Password must be at most 128 characters long."
	wantTooLong20  = "Password must be at most 20 characters long."
	wantUsername   = "Password must not contain your username."
	wantEmail      = "Password must not contain part of your email address."
	wantCommon     = "Password is too common."
	wantBreached   = "This password has been found in data breaches. Please choose a different password."
)

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		name     string
		policy   Policy
		password string
		username string
		email    string
		want     []string
	}{
		{"acceptable", Policy{}, "violet-kettle-93", "jdoe", "jane.doe@example.com", nil},
		{"empty", Policy{}, "", "", "", []string{wantTooShort8}},
		{"seven characters", Policy{}, "vk3#pz9", "", "", []string{wantTooShort8}},
		{"eight characters", Policy{}, "vk3#pz9q", "", "", nil},
		{"min length clamped up to 8", Policy{MinLength: 4}, "vk3#pz9", "", "", []string{wantTooShort8}},
		{"custom min length", Policy{MinLength: 12}, "vk3#pz9qwl", "", "", []string{wantTooShort12}},
		{"128 characters", Policy{}, strings.Repeat("vk3#", 32), "", "", nil},
		{"129 characters", Policy{}, strings.Repeat("vk3#", 32) + "x", "", "", []string{wantTooLong128}},
		{"custom max length", Policy{MaxLength: 20}, strings.Repeat("vk3#", 6), "", "", []string{wantTooLong20}},
		// Nine code points in NFC, eleven in the NFD form given.
		{"length counts nfc code points", Policy{MinLength: 10}, "A\u030angstro\u0308m!", "", "",
			[]string{"Password must be at least 10 characters long."}},
		{"length counts code points not bytes", Policy{}, "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "", "",
			[]string{wantTooShort8}},

		{"contains username", Policy{}, "xxjdoe-secret", "jdoe", "", []string{wantUsername}},
		{"contains username other case", Policy{}, "xxJDoE-secret", "jdoe", "", []string{wantUsername}},
		{"contains username case folded", Policy{}, "my-stra\u00dfe-99", "STRASSE", "", []string{wantUsername}},
		{"contains nfd username", Policy{}, "my-\u00c5sa-1234", "A\u030asa", "", []string{wantUsername}},
		{"username of two characters ignored", Policy{}, "xxjd-secret-1", "jd", "", nil},
		{"username of three characters", Policy{}, "xxjdo-secret-1", "jdo", "", []string{wantUsername}},
		{"contains email local part", Policy{}, "jane.doe-rocks", "", "Jane.Doe@example.com", []string{wantEmail}},
		{"contains email domain only", Policy{}, "example.com-99", "", "jane@example.com", nil},
		{"email local part of two characters ignored", Policy{}, "xxjd-secret-1", "", "jd@example.com", nil},
		{"email local part before last at", Policy{}, "a@b-secret-99", "", "a@b@example.com", []string{wantEmail}},

		{"common", Policy{}, "password", "", "", []string{wantCommon}},
		{"common any case", Policy{}, "PassWord123", "", "", []string{wantCommon}},
		{"common and short", Policy{}, "qwerty", "", "", []string{wantTooShort8, wantCommon}},
		{"every local rule in order", Policy{}, "admin", "admin", "admin@example.com",
			[]string{wantTooShort8, wantUsername, wantEmail, wantCommon}},
		{"too long and username", Policy{MaxLength: 20}, strings.Repeat("jdoe", 6), "jdoe", "",
			[]string{wantTooLong20, wantUsername}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Check(context.Background(), tt.password, tt.username, tt.email)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCommonPasswordsList(t *testing.T) {
	required := []string{"password", "12345678", "qwerty", "letmein", "admin", "welcome", "admin123", "password123"}
	for _, password := range required {
		if !IsCommon(password) {
			t.Errorf("IsCommon(%q) = false, want true", password)
		}
	}
	if IsCommon("violet-kettle-93") {
		t.Errorf("IsCommon(violet-kettle-93) = true, want false")
	}
	if got := len(commonPasswords()); got != 9914 {
		t.Errorf("common password list has %d entries, want 9914", got)
	}
	for entry := range commonPasswords() {
		if entry != strings.ToLower(entry) || strings.TrimSpace(entry) != entry || entry == "" {
			t.Errorf("common password list entry %q is not a lower-cased, trimmed, non-empty line", entry)
		}
	}
}
