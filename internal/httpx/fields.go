package httpx

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field messages that existing frontends match byte for byte.
const (
	MsgRequired     = "This field is required."
	MsgBlank        = "This field may not be blank."
	MsgNull         = "This field may not be null."
	MsgNotString    = "Not a valid string."
	MsgNotBool      = "Must be a valid boolean."
	MsgNotInteger   = "A valid integer is required."
	MsgInvalidEmail = "Enter a valid email address."
	MsgNullChar     = "Null characters are not allowed."
	MsgNotObject    = "Expected an object."
	MsgNotList      = "Expected a list of items."
)

// FieldErrors maps field names to their messages, the 400 body shape
// {"<field>": ["message", ...]}.
type FieldErrors map[string][]string

// Add appends a message to a field.
func (fe FieldErrors) Add(field, message string) {
	fe[field] = append(fe[field], message)
}

// Has reports whether a field has an error.
func (fe FieldErrors) Has(field string) bool { return len(fe[field]) > 0 }

// Empty reports whether no field has an error.
func (fe FieldErrors) Empty() bool { return len(fe) == 0 }

// First returns the first message in field order, for bodies that carry one
// message.
func (fe FieldErrors) First() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(fe[k]) > 0 {
			return fe[k][0]
		}
	}
	return ""
}

// Fields reads typed fields from an Input and collects DRF-style errors.
type Fields struct {
	In     *Input
	Errors FieldErrors
}

// NewFields returns a reader over in.
func NewFields(in *Input) *Fields {
	return &Fields{In: in, Errors: FieldErrors{}}
}

// StringRule configures String.
type StringRule struct {
	Required   bool // absent gives "This field is required."
	AllowBlank bool // "" (after trimming) is allowed
	AllowNull  bool // JSON null is allowed and reads as absent
	Trim       bool // strip surrounding white space
	Max        int  // maximum length in characters (0: no limit)
	Min        int  // minimum length in characters
}

// String reads a string field. present is false when the field is absent,
// null (when allowed) or has an error.
func (f *Fields) String(name string, rule StringRule) (value string, present bool) {
	raw, ok := f.In.Raw(name)
	if !ok {
		if rule.Required {
			f.Errors.Add(name, MsgRequired)
		}
		return "", false
	}
	if list, isList := raw.([]any); isList && f.In.form && len(list) > 0 {
		raw = list[len(list)-1] // a repeated form field: the last value wins
	}
	var s string
	switch v := raw.(type) {
	case nil:
		if rule.AllowNull {
			return "", false
		}
		f.Errors.Add(name, MsgNull)
		return "", false
	case string:
		s = v
	case json.Number:
		s = v.String() // DRF accepts numbers for string fields
	case bool:
		f.Errors.Add(name, MsgNotString)
		return "", false
	default:
		f.Errors.Add(name, MsgNotString)
		return "", false
	}
	if strings.ContainsRune(s, 0) {
		f.Errors.Add(name, MsgNullChar)
		return "", false
	}
	if !utf8.ValidString(s) {
		f.Errors.Add(name, MsgNotString)
		return "", false
	}
	if rule.Trim {
		s = strings.TrimSpace(s)
	}
	// Like DRF, a value is blank when it is empty after the optional trim, so
	// a password of spaces is not blank.
	if s == "" && !rule.AllowBlank {
		f.Errors.Add(name, MsgBlank)
		return "", false
	}
	length := utf8.RuneCountInString(s)
	if rule.Max > 0 && length > rule.Max {
		f.Errors.Add(name, fmt.Sprintf("Ensure this field has no more than %d characters.", rule.Max))
		return "", false
	}
	if rule.Min > 0 && length < rule.Min && s != "" {
		f.Errors.Add(name, fmt.Sprintf("Ensure this field has at least %d characters.", rule.Min))
		return "", false
	}
	return s, true
}

// OptionalText reads an optional free-text field such as a name: trimmed,
// blank allowed, control characters rejected. A present blank value returns
// ("", true).
func (f *Fields) OptionalText(name string, max int) (string, bool) {
	s, ok := f.String(name, StringRule{AllowBlank: true, AllowNull: true, Trim: true, Max: max})
	if ok && strings.IndexFunc(s, unicode.IsControl) >= 0 {
		f.Errors.Add(name, "Control characters are not allowed.")
		return "", false
	}
	return s, ok
}

// Email reads the e-mail address of a new account, invitation or address
// change: trimmed, at most 254 characters, and valid by ValidEmail.
func (f *Fields) Email(name string, required bool) (string, bool) {
	return f.email(name, required, ValidEmail)
}

// LookupEmail reads an e-mail address that only looks up an existing
// account, as sign-in and password reset do. It applies the looser rules that
// Email applied before it rejected format characters and non-ASCII local
// parts, so accounts registered with such addresses can still sign in. Any
// other address of that kind finds no account.
func (f *Fields) LookupEmail(name string, required bool) (string, bool) {
	return f.email(name, required, ValidLookupEmail)
}

func (f *Fields) email(name string, required bool, valid func(string) bool) (string, bool) {
	s, ok := f.String(name, StringRule{Required: required, Trim: true})
	if !ok {
		return "", false
	}
	if utf8.RuneCountInString(s) > MaxEmailLength {
		f.Errors.Add(name, fmt.Sprintf("Ensure this field has no more than %d characters.", MaxEmailLength))
		return "", false
	}
	if !valid(s) {
		f.Errors.Add(name, MsgInvalidEmail)
		return "", false
	}
	return s, true
}

// MaxEmailLength is the maximum length of an e-mail address in characters,
// the size of the email columns.
const MaxEmailLength = 254

// emailLocalASCII matches a dot-atom local part of RFC 5322 section 3.2.3:
// ASCII letters, digits and the other atext characters, in runs separated by
// single dots. Django's EmailValidator (django/core/validators.py) accepts
// the same, and quoted strings too.
var emailLocalASCII = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")

// emailLocalLoose matches the local parts that Email accepted before it
// required ASCII: anything but white space and the specials.
var emailLocalLoose = regexp.MustCompile(`^[^\s@"(),:;<>\[\\\]]+$`)

// ValidEmail reports whether s is a plain addr-spec, such as
// name@example.com, that a new account may have. The local part is an ASCII
// dot-atom of at most 64 characters. The domain is localhost or letter, digit
// and hyphen labels with a dot, so an internationalized name such as
// exämple.com passes. Django's EmailValidator accepts such a domain too,
// after converting it with Python's idna codec. No control or format
// character (Unicode categories Cc and Cf, such as bidirectional controls,
// zero-width characters and the byte order mark) and no U+FFFD may appear,
// because they make one address look like another.
func ValidEmail(s string) bool {
	if strings.IndexFunc(s, hiddenRune) >= 0 {
		return false
	}
	local, domain, ok := splitEmail(s)
	return ok && emailLocalASCII.MatchString(local) && validEmailDomain(domain) && parsesAsItself(s)
}

// ValidLookupEmail reports whether s is shaped like an address that an
// earlier version accepted for a new account. Code that only looks an
// account up by address uses it in place of ValidEmail.
func ValidLookupEmail(s string) bool {
	local, domain, ok := splitEmail(s)
	if !ok || !emailLocalLoose.MatchString(local) {
		return false
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	return validEmailDomain(domain) && parsesAsItself(s)
}

// hiddenRune reports whether r is a control or format character, or the
// replacement character that a lone UTF-16 surrogate in JSON decodes to.
func hiddenRune(r rune) bool {
	return r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf)
}

// splitEmail splits s at its only @ into a non-empty local part of at most
// 64 bytes and a non-empty domain.
func splitEmail(s string) (local, domain string, ok bool) {
	local, domain, ok = strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(local) > 64 {
		return "", "", false
	}
	return local, domain, true
}

// validEmailDomain reports whether domain is localhost or dot-separated
// labels of Unicode letters, digits and inner hyphens, each at most 63
// bytes.
// NOTE: labels are not checked against IDNA 2008, which needs
// golang.org/x/net/idna, so a letter that IDNA disallows still passes, and a
// combining mark, which IDNA allows, does not.
func validEmailDomain(domain string) bool {
	if domain != "localhost" && !strings.Contains(domain, ".") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	return true
}

// parsesAsItself reports whether net/mail reads s as exactly the address s,
// a second check of the addr-spec syntax.
func parsesAsItself(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s
}

// Bool reads a boolean: JSON true/false, or in forms true/false/1/0/on/off.
func (f *Fields) Bool(name string) (value, present bool) {
	raw, ok := f.In.Raw(name)
	if !ok || raw == nil {
		return false, false
	}
	if list, isList := raw.([]any); isList && f.In.form && len(list) > 0 {
		raw = list[len(list)-1]
	}
	switch v := raw.(type) {
	case bool:
		return v, true
	case json.Number:
		if v == "1" {
			return true, true
		}
		if v == "0" {
			return false, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "on", "yes", "t", "y":
			return true, true
		case "false", "0", "off", "no", "f", "n", "":
			return false, true
		}
	}
	f.Errors.Add(name, MsgNotBool)
	return false, false
}

// Int reads an integer (a JSON number or a numeric string).
func (f *Fields) Int(name string, required bool) (int64, bool) {
	raw, ok := f.In.Raw(name)
	if !ok || raw == nil || raw == "" {
		if required {
			f.Errors.Add(name, MsgRequired)
		}
		return 0, false
	}
	n, ok := AsInt(raw)
	if !ok {
		f.Errors.Add(name, MsgNotInteger)
		return 0, false
	}
	return n, true
}

// AsInt converts a decoded JSON or form value to an integer.
func AsInt(raw any) (int64, bool) {
	switch v := raw.(type) {
	case json.Number:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		if err != nil {
			f, ferr := v.Float64()
			if ferr != nil || f != float64(int64(f)) {
				return 0, false
			}
			return int64(f), true
		}
		return n, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// Choice reads an optional string that must be one of choices. A blank value
// returns ("", true) so the caller can clear the field.
func (f *Fields) Choice(name string, choices []string) (string, bool) {
	s, ok := f.String(name, StringRule{AllowBlank: true, AllowNull: true, Trim: true})
	if !ok || s == "" {
		return s, ok
	}
	if !slices.Contains(choices, s) {
		f.Errors.Add(name, fmt.Sprintf("%q is not a valid choice.", s))
		return "", false
	}
	return s, true
}

// Object reads a JSON object field (a form value must hold JSON text).
func (f *Fields) Object(name string) (map[string]any, bool) {
	raw, ok := f.In.Raw(name)
	if !ok || raw == nil {
		return nil, false
	}
	if s, isString := raw.(string); isString && f.In.form {
		var parsed any
		if err := json.Unmarshal([]byte(s), &parsed); err == nil {
			raw = parsed
		}
	}
	object, isObject := raw.(map[string]any)
	if !isObject {
		f.Errors.Add(name, MsgNotObject)
		return nil, false
	}
	return object, true
}
