package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// jsonInput decodes a JSON object the way Decode does.
func jsonInput(t *testing.T, body string) *Input {
	t.Helper()
	in, problem := decodeJSON([]byte(body))
	if problem != nil {
		t.Fatalf("decode %s: %v", body, problem)
	}
	return in
}

func TestFieldsString(t *testing.T) {
	cases := []struct {
		name, body string
		rule       StringRule
		value      string
		present    bool
		errs       []string
	}{
		{"present", `{"f": "abc"}`, StringRule{Required: true}, "abc", true, nil},
		{"absent and required", `{}`, StringRule{Required: true}, "", false, []string{MsgRequired}},
		{"absent and optional", `{}`, StringRule{}, "", false, nil},
		{"null not allowed", `{"f": null}`, StringRule{}, "", false, []string{MsgNull}},
		{"null allowed", `{"f": null}`, StringRule{AllowNull: true}, "", false, nil},
		{"blank", `{"f": ""}`, StringRule{Required: true}, "", false, []string{MsgBlank}},
		{"spaces trimmed to blank", `{"f": "  "}`, StringRule{Trim: true}, "", false, []string{MsgBlank}},
		{"spaces kept without trim", `{"f": "  "}`, StringRule{}, "  ", true, nil},
		{"blank allowed", `{"f": ""}`, StringRule{AllowBlank: true}, "", true, nil},
		{"number becomes text", `{"f": 42}`, StringRule{}, "42", true, nil},
		{"boolean", `{"f": true}`, StringRule{}, "", false, []string{MsgNotString}},
		{"list", `{"f": ["a"]}`, StringRule{}, "", false, []string{MsgNotString}},
		{"object", `{"f": {"a": 1}}`, StringRule{}, "", false, []string{MsgNotString}},
		{"NUL", `{"f": "a\u0000b"}`, StringRule{}, "", false, []string{MsgNullChar}},
		{"too long in characters", `{"f": "ééé"}`, StringRule{Max: 2}, "", false, []string{"Ensure this field has no more than 2 characters."}},
		{"multibyte within limit", `{"f": "ééé"}`, StringRule{Max: 3}, "ééé", true, nil},
		{"too short", `{"f": "a"}`, StringRule{Min: 2}, "", false, []string{"Ensure this field has at least 2 characters."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFields(jsonInput(t, tc.body))
			value, present := f.String("f", tc.rule)
			if value != tc.value || present != tc.present {
				t.Errorf("String = (%q, %v), want (%q, %v)", value, present, tc.value, tc.present)
			}
			if !reflect.DeepEqual(f.Errors["f"], tc.errs) {
				t.Errorf("errors = %v, want %v", f.Errors["f"], tc.errs)
			}
		})
	}
}

func TestFieldsBoolFromJSONAndForms(t *testing.T) {
	for _, raw := range []string{"true", "1", "on", "yes", "TRUE", " On "} {
		f := NewFields(fromValues(map[string][]string{"b": {raw}}))
		if v, ok := f.Bool("b"); !v || !ok || !f.Errors.Empty() {
			t.Errorf("form %q: Bool = (%v, %v), errors %v", raw, v, ok, f.Errors)
		}
	}
	for _, raw := range []string{"false", "0", "off", "no", ""} {
		f := NewFields(fromValues(map[string][]string{"b": {raw}}))
		if v, ok := f.Bool("b"); v || !ok || !f.Errors.Empty() {
			t.Errorf("form %q: Bool = (%v, %v), errors %v", raw, v, ok, f.Errors)
		}
	}
	for _, body := range []string{`{"b": "maybe"}`, `{"b": 2}`, `{"b": [true]}`} {
		f := NewFields(jsonInput(t, body))
		if _, ok := f.Bool("b"); ok || !reflect.DeepEqual(f.Errors["b"], []string{MsgNotBool}) {
			t.Errorf("%s: errors %v, want %q", body, f.Errors, MsgNotBool)
		}
	}
	// A repeated form field takes its last value, as a checkbox with a hidden
	// fallback field sends it.
	f := NewFields(fromValues(map[string][]string{"b": {"false", "true"}}))
	if v, _ := f.Bool("b"); !v {
		t.Error("a repeated form field must take its last value")
	}
}

func TestFieldsEmailAndChoice(t *testing.T) {
	f := NewFields(jsonInput(t, `{"c": "Jr.", "d": "Esq.", "e": ""}`))
	if v, ok := f.Choice("c", []string{"Jr.", "Sr."}); v != "Jr." || !ok {
		t.Errorf("Choice = (%q, %v)", v, ok)
	}
	if _, ok := f.Choice("d", []string{"Jr."}); ok || !reflect.DeepEqual(f.Errors["d"], []string{`"Esq." is not a valid choice.`}) {
		t.Errorf("invalid choice errors = %v", f.Errors["d"])
	}
	if v, ok := f.Choice("e", []string{"Jr."}); v != "" || !ok {
		t.Errorf("a blank choice must read as present and empty: (%q, %v)", v, ok)
	}
}

func TestDecodeBodies(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		status                  int
		keys                    []string
	}{
		{"JSON", "application/json", `{"a": 1, "b": "x"}`, 0, []string{"a", "b"}},
		{"JSON with charset", "application/json; charset=utf-8", `{"a": 1}`, 0, []string{"a"}},
		{"vendor JSON", "application/vnd.api+json", `{"a": 1}`, 0, []string{"a"}},
		{"no content type", "", `{"a": 1}`, 0, []string{"a"}},
		{"empty body", "application/json", "", 0, []string{}},
		{"form", "application/x-www-form-urlencoded", "a=1&b=2&b=3", 0, []string{"a", "b"}},
		{"malformed JSON", "application/json", `{"a": `, http.StatusBadRequest, nil},
		{"two JSON values", "application/json", `{} {}`, http.StatusBadRequest, nil},
		{"JSON list", "application/json", `[]`, http.StatusBadRequest, nil},
		{"invalid UTF-8", "application/json", "{\"a\": \"\xff\"}", http.StatusBadRequest, nil},
		{"bad form escape", "application/x-www-form-urlencoded", "a=%zz", http.StatusBadRequest, nil},
		{"XML", "text/xml", "<a/>", http.StatusUnsupportedMediaType, nil},
		{"multipart without boundary", "multipart/form-data", "x", http.StatusBadRequest, nil},
		{"over 1 MiB", "application/json", `{"a": "` + strings.Repeat("x", MaxBody) + `"}`, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			in, problem := Decode(httptest.NewRecorder(), r)
			if tc.status != 0 {
				if problem == nil || problem.Status != tc.status {
					t.Fatalf("problem = %v, want status %d", problem, tc.status)
				}
				if _, err := json.Marshal(problem.Body); err != nil {
					t.Errorf("problem body does not encode: %v", err)
				}
				return
			}
			if problem != nil {
				t.Fatalf("problem = %v", problem)
			}
			if got := in.Keys(); !reflect.DeepEqual(got, tc.keys) {
				t.Errorf("keys = %v, want %v", got, tc.keys)
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	cases := []struct {
		email string
		valid bool
	}{
		{"user@example.com", true},
		{"first.last+tag@sub.example.co", true},
		{"user@localhost", true},
		{"o'brien@example.com", true},
		{"a!#$%&'*+/=?^_`{|}~-z@example.com", true},
		{"user@exämple.com", true},
		{"user@xn--exmple-cua.com", true},
		{strings.Repeat("a", 64) + "@example.com", true},

		{"user", false},
		{"@example.com", false},
		{"user@", false},
		{"a@b@example.com", false},
		{"user@example", false},
		{"us er@example.com", false},
		{".user@example.com", false},
		{"user.@example.com", false},
		{"user..name@example.com", false},
		{"user@-example.com", false},
		{"user@example-.com", false},
		{"user@example..com", false},
		{"user@example.com.", false},
		{`"quoted"@example.com`, false},
		{"user@exa_mple.com", false},
		{strings.Repeat("a", 65) + "@example.com", false},

		// A non-ASCII local part, which Django's EmailValidator rejects.
		{"ünï@exämple.com", false},
		{"ünï@example.com", false},
		{"usér@example.com", false},
		{"пользователь@example.com", false},
		{"user\u00a0name@example.com", false},

		// Control and format characters, and U+FFFD.
		{"\u202eadmin@example.com", false},
		{"admin@example.com\u202c", false},
		{"zw\u200b@example.com", false},
		{"zw@exam\u200bple.com", false},
		{"a\u200d@example.com", false},
		{"\ufeffuser@example.com", false},
		{"user@\ufeffexample.com", false},
		{"user\u2066@example.com", false},
		{"soft\u00adhyphen@example.com", false},
		{"\ufffd@example.com", false},
		{"user@ex\ufffdample.com", false},
		{"user\x01@example.com", false},
		{"user\x7f@example.com", false},
		{"user@example.com\x85", false},
		{"user\xff@example.com", false},
	}
	for _, tc := range cases {
		if got := ValidEmail(tc.email); got != tc.valid {
			t.Errorf("ValidEmail(%q) = %v, want %v", tc.email, got, tc.valid)
		}
	}
}

func TestValidLookupEmail(t *testing.T) {
	// Addresses that earlier versions accepted for new accounts still sign
	// in.
	for _, email := range []string{"user@example.com", "ünï@exämple.com", "zw\u200b@example.com", "\u202eadmin@example.com", "\ufffd@example.com"} {
		if !ValidLookupEmail(email) {
			t.Errorf("ValidLookupEmail(%q) = false, want true", email)
		}
	}
	for _, email := range []string{"user", "user@example", "us er@example.com", "user..name@example.com", `"quoted"@example.com`, "user@exa_mple.com"} {
		if ValidLookupEmail(email) {
			t.Errorf("ValidLookupEmail(%q) = true, want false", email)
		}
	}
}

func TestFieldsEmailRejectsLookAlikes(t *testing.T) {
	// \ud800 is a lone surrogate, which the JSON decoder turns into U+FFFD.
	body := `{"rtl": "\u202eadmin@example.com", "zero_width": "zw\u200b@example.com", "non_ascii": "ünï@exämple.com",
		"surrogate": "\ud800@example.com", "bom": "\ufeffuser@example.com", "idn": " user@exämple.com ",
		"long": "` + strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + `.com"}`
	f := NewFields(jsonInput(t, body))
	for _, name := range []string{"rtl", "zero_width", "non_ascii", "surrogate", "bom"} {
		if v, ok := f.Email(name, true); ok || v != "" {
			t.Errorf("Email(%s) = (%q, %v), want a rejection", name, v, ok)
		}
		if !reflect.DeepEqual(f.Errors[name], []string{MsgInvalidEmail}) {
			t.Errorf("Email(%s) errors = %v, want [%s]", name, f.Errors[name], MsgInvalidEmail)
		}
	}
	if v, ok := f.Email("idn", true); !ok || v != "user@exämple.com" {
		t.Errorf("Email(idn) = (%q, %v), want the trimmed address", v, ok)
	}
	if _, ok := f.Email("long", true); ok || !reflect.DeepEqual(f.Errors["long"], []string{"Ensure this field has no more than 254 characters."}) {
		t.Errorf("Email(long) errors = %v", f.Errors["long"])
	}

	lookup := NewFields(jsonInput(t, body))
	for _, name := range []string{"rtl", "zero_width", "non_ascii", "surrogate", "bom"} {
		if _, ok := lookup.LookupEmail(name, true); !ok {
			t.Errorf("LookupEmail(%s) rejected an address that existing accounts may have: %v", name, lookup.Errors[name])
		}
	}
	if _, ok := lookup.LookupEmail("long", true); ok {
		t.Error("LookupEmail accepted an address over 254 characters")
	}
}

func TestHiddenRune(t *testing.T) {
	for _, r := range []rune{'\u202e', '\u2066', '\u200b', '\u200d', '\ufeff', '\u00ad', '\ufffd', '\x01', '\x7f', '\u0085'} {
		if !hiddenRune(r) {
			t.Errorf("hiddenRune(%U) = false, want true", r)
		}
	}
	for _, r := range []rune{'a', '.', 'ä', '\u00a0', '\u3000'} {
		if hiddenRune(r) {
			t.Errorf("hiddenRune(%U) = true, want false", r)
		}
	}
}
