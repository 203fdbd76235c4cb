package passwords

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Policy defaults and limits.
const (
	// MinLengthFloor is the lowest minimum length a policy accepts; smaller
	// values of MinLength are raised to it.
	MinLengthFloor = 8
	// DefaultMaxLength is the maximum length used when MaxLength is zero.
	DefaultMaxLength = 128
	// DefaultBreachURL is the Have I Been Pwned range API.
	DefaultBreachURL = "https://api.pwnedpasswords.com/range/"
	// DefaultBreachTimeout bounds one breach-check request.
	DefaultBreachTimeout = 5 * time.Second
)

// Messages returned by [Policy.Check]. Clients of the Django service match
// on this text, so it must not change.
const (
	msgTooShort      = "Password must be at least %d characters long."
	msgTooLong       = "Password must be at most %d characters long."
	msgHasUsername   = "Password must not contain your username."
	msgHasEmailLocal = "Password must not contain part of your email address."
	msgCommon        = "Password is too common."
	msgBreached      = "This password has been found in data breaches. Please choose a different password."
)

// minContainedRunes is the length, in code points, from which a username or
// e-mail local part is looked for in the password.
const minContainedRunes = 3

// Policy is the password policy for every password set through authd. The
// zero value is usable: zero fields take the defaults named below.
type Policy struct {
	// MinLength is the minimum length in code points after NFC. Values below
	// MinLengthFloor (8), including zero, are raised to it.
	MinLength int
	// MaxLength is the maximum length in code points after NFC; zero means
	// DefaultMaxLength (128).
	MaxLength int

	// BreachCheck turns on the Have I Been Pwned range-API check.
	BreachCheck bool
	// BreachURL is the range API base URL; the 5-character prefix is appended
	// to it. Empty means DefaultBreachURL.
	BreachURL string
	// BreachTimeout bounds the range-API request; zero means
	// DefaultBreachTimeout (5 s).
	BreachTimeout time.Duration
	// HTTPClient sends the range-API request; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives the warning when the breach check fails; nil means
	// slog.Default().
	Logger *slog.Logger
}

// foldCase applies Unicode full case folding, so that "STRASSE" and "straße"
// compare equal. A fold Caser is stateless and safe for concurrent use.
var foldCase = cases.Fold()

// Check returns the message of every rule password breaks, in this order:
// minimum length, maximum length, username, e-mail local part, common
// password, breach check. It returns nil when the password is acceptable.
// username and email may be empty, which skips their rules.
//
// Lengths count code points of the NFC form. The username and e-mail rules
// compare case-folded NFC forms and apply only to usernames and local parts
// of 3 or more code points. The breach check runs only when BreachCheck is
// set, and fails open: when the API cannot be reached or responds with an
// error, the rule passes and one warning is logged.
func (p *Policy) Check(ctx context.Context, password, username, email string) []string {
	normalized := norm.NFC.String(password)
	var violations []string

	length := utf8.RuneCountInString(normalized)
	if minLength := p.minLength(); length < minLength {
		violations = append(violations, fmt.Sprintf(msgTooShort, minLength))
	}
	if maxLength := p.maxLength(); length > maxLength {
		violations = append(violations, fmt.Sprintf(msgTooLong, maxLength))
	}

	folded := fold(normalized)
	if containsPart(folded, username) {
		violations = append(violations, msgHasUsername)
	}
	if containsPart(folded, emailLocalPart(email)) {
		violations = append(violations, msgHasEmailLocal)
	}

	if IsCommon(normalized) {
		violations = append(violations, msgCommon)
	}

	if p.BreachCheck && p.isBreached(ctx, normalized) {
		violations = append(violations, msgBreached)
	}
	return violations
}

func (p *Policy) minLength() int {
	return max(p.MinLength, MinLengthFloor)
}

func (p *Policy) maxLength() int {
	if p.MaxLength == 0 {
		return DefaultMaxLength
	}
	return p.MaxLength
}

// fold returns the NFC form of s after Unicode case folding. Folding can
// undo composition, so the result is normalized again.
func fold(s string) string {
	return norm.NFC.String(foldCase.String(norm.NFC.String(s)))
}

// containsPart reports whether foldedPassword contains part, compared
// without case. A part shorter than minContainedRunes code points after NFC
// never matches.
func containsPart(foldedPassword, part string) bool {
	part = norm.NFC.String(part)
	if utf8.RuneCountInString(part) < minContainedRunes {
		return false
	}
	return strings.Contains(foldedPassword, fold(part))
}

// emailLocalPart returns the part of email before its last "@", or the whole
// value when it has no "@".
func emailLocalPart(email string) string {
	if i := strings.LastIndex(email, "@"); i >= 0 {
		return email[:i]
	}
	return email
}
