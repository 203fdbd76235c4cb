package passwords

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsFile is the list of common passwords; its header says where
// it comes from and under which licence.
//
// NOTE: the list has 9,914 entries, not 10,000: it is the 10,000 most frequent
// passwords of one public corpus, and lower-casing merges 87 of them.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords returns the embedded list as a set, parsed on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 10_000)
	for line := range strings.Lines(commonPasswordsFile) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
})

// IsCommon reports whether password, lower-cased, is on the embedded list of
// common passwords. The caller passes the NFC form.
func IsCommon(password string) bool {
	_, found := commonPasswords()[strings.ToLower(password)]
	return found
}
