package celery

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPythonRepr(t *testing.T) {
	type ordered struct {
		Zeta  int    `json:"zeta"`
		Alpha string `json:"alpha"`
	}

	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"none", nil, `None`},
		{"true", true, `True`},
		{"false", false, `False`},
		{"int", 42, `42`},
		{"negative int", int64(-7), `-7`},
		{"float", 1.5, `1.5`},
		{"whole float from JSON is int", 3.0, `3`},
		{"large whole float from JSON is int", 1e16, `10000000000000000`},
		{"float in exponent form", 1e21, `1e+21`},
		{"small float", 1.5e-7, `1.5e-07`},
		{"fixed float limit", 0.0001, `0.0001`},
		{"json number", json.Number("12345678901234567890"), `12345678901234567890`},
		{"empty string", "", `''`},
		{"plain string", "abc", `'abc'`},
		{"single quote", "it's", `"it's"`},
		{"double quote", `say "hi"`, `'say "hi"'`},
		{"both quotes", `it's "x"`, `'it\'s "x"'`},
		{"backslash", `a\b`, `'a\\b'`},
		{"whitespace escapes", "l1\nl2\tt\r", `'l1\nl2\tt\r'`},
		{"control characters", "\x01\x7f", `'\x01\x7f'`},
		{"latin-1 control", "\u0085", `'\x85'`},
		{"printable unicode", "é日本", `'é日本'`},
		{"no-break space", "\u00a0", `'\xa0'`},
		{"zero width space", "\u200b", `'\u200b'`},
		{"emoji", "😀", `'😀'`},
		{"private use", "\ue000", `'\ue000'`},
		{"private use plane 16", "\U0010fffd", `'\U0010fffd'`},
		{"html characters", "<a&b>", `'<a&b>'`},
		{"empty list", []any{}, `[]`},
		{"empty dict", map[string]any{}, `{}`},
		{"nested", []any{map[string]any{"a": []any{1, nil, true}, "b": "x"}}, `[{'a': [1, None, True], 'b': 'x'}]`},
		{"map keys sorted", map[string]any{"b": 1, "a": 2}, `{'a': 2, 'b': 1}`},
		{"struct field order", ordered{Zeta: 1, Alpha: "x"}, `{'zeta': 1, 'alpha': 'x'}`},
		{"quoted key", map[string]any{"it's": false}, `{"it's": False}`},
		{"raw message", json.RawMessage(`{"z":[1.0,null],"a":"\u00e9"}`), `{'z': [1.0, None], 'a': 'é'}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PythonRepr(tc.value)
			if err != nil {
				t.Fatalf("PythonRepr(%#v) returned error: %v", tc.value, err)
			}
			if got != tc.want {
				t.Errorf("PythonRepr(%#v) = %s, want %s", tc.value, got, tc.want)
			}
		})
	}
}

func TestPythonReprUnencodable(t *testing.T) {
	if _, err := PythonRepr(make(chan int)); err == nil {
		t.Fatal("PythonRepr(chan) returned no error")
	}
}

func TestPythonNumber(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"0", "0"},
		{"-0", "0"},
		{"10", "10"},
		{"1.0", "1.0"},
		{"-0.0", "-0.0"},
		{"1e3", "1000.0"},
		{"1E3", "1000.0"},
		{"1e15", "1000000000000000.0"},
		{"1e16", "1e+16"},
		{"123456789012345678.0", "1.2345678901234568e+17"},
		{"0.00001", "1e-05"},
		{"1e400", "inf"},
		{"-1e400", "-inf"},
		{"1e-400", "0.0"},
	}
	for _, tc := range tests {
		if got := pythonNumber(json.Number(tc.text)); got != tc.want {
			t.Errorf("pythonNumber(%s) = %s, want %s", tc.text, got, tc.want)
		}
	}
}

func TestTruncateRepr(t *testing.T) {
	t.Run("short string unchanged", func(t *testing.T) {
		s := strings.Repeat("é", MaxReprLength)
		if got := truncateRepr(s, MaxReprLength); got != s {
			t.Errorf("truncateRepr changed a string of exactly %d characters", MaxReprLength)
		}
	})

	t.Run("ascii cut", func(t *testing.T) {
		s := strings.Repeat("a", MaxReprLength+1)
		got := truncateRepr(s, MaxReprLength)
		want := strings.Repeat("a", MaxReprLength-3) + "..."
		if got != want {
			t.Errorf("truncateRepr = %q (%d bytes), want %d a's and ...", got, len(got), MaxReprLength-3)
		}
	})

	// Each case puts a multi-byte character around the cut point, which is
	// after MaxReprLength-3 characters.
	for _, wide := range []string{"é", "日", "😀"} {
		t.Run("multi-byte "+wide, func(t *testing.T) {
			prefix := strings.Repeat("a", MaxReprLength-4)
			s := prefix + wide + wide + strings.Repeat("b", 10)

			got := truncateRepr(s, MaxReprLength)

			if !utf8.ValidString(got) {
				t.Fatalf("truncateRepr returned invalid UTF-8: %q", got[len(got)-8:])
			}
			if n := utf8.RuneCountInString(got); n != MaxReprLength {
				t.Errorf("truncateRepr returned %d characters, want %d", n, MaxReprLength)
			}
			if want := prefix + wide + "..."; got != want {
				t.Errorf("truncateRepr ends with %q, want %q", got[len(prefix):], wide+"...")
			}
		})
	}
}
