package celery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReprLength is the maximum length, in characters (Unicode code points),
// of the argsrepr and kwargsrepr headers. Celery uses the same limit for the
// reprs it writes.
const MaxReprLength = 1024

// reprEllipsis ends a repr that was cut to MaxReprLength.
const reprEllipsis = "..."

// PythonRepr returns v written as a Python literal, the way Python's repr()
// writes the value that json.loads would return for v's JSON encoding:
// None, True, False, single-quoted strings with Python escapes, lists and
// dicts. Object keys keep the order of the JSON encoding, so struct fields
// appear in declaration order and map keys sorted. The result is not
// truncated.
func PythonRepr(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode value for repr: %w", err)
	}
	return reprJSON(data)
}

// truncateRepr cuts s to at most limit characters. A cut string ends with
// "..." so that a reader knows it is incomplete. It counts code points, as
// Python's len() does, so a multi-byte character is never split.
func truncateRepr(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}

	keep := limit - len(reprEllipsis)
	count := 0
	for index := range s {
		if count == keep {
			return s[:index] + reprEllipsis
		}
		count++
	}
	return s
}

// reprJSON writes one JSON document as a Python literal.
func reprJSON(data []byte) (string, error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()

	var out strings.Builder
	token, err := decoder.Token()
	if err != nil {
		return "", fmt.Errorf("read JSON for repr: %w", err)
	}
	if err := writeReprValue(&out, decoder, token); err != nil {
		return "", err
	}
	return out.String(), nil
}

// writeReprValue writes the value that starts with token, reading the rest of
// an array or object from decoder.
func writeReprValue(out *strings.Builder, decoder *json.Decoder, token json.Token) error {
	switch value := token.(type) {
	case json.Delim:
		switch value {
		case '[':
			return writeReprList(out, decoder)
		case '{':
			return writeReprDict(out, decoder)
		default:
			return fmt.Errorf("read JSON for repr: unexpected delimiter %q", value)
		}
	case string:
		writePythonString(out, value)
	case json.Number:
		out.WriteString(pythonNumber(value))
	case bool:
		if value {
			out.WriteString("True")
		} else {
			out.WriteString("False")
		}
	case nil:
		out.WriteString("None")
	default:
		return fmt.Errorf("read JSON for repr: unexpected token %T", token)
	}
	return nil
}

func writeReprList(out *strings.Builder, decoder *json.Decoder) error {
	out.WriteByte('[')
	for first := true; decoder.More(); first = false {
		if !first {
			out.WriteString(", ")
		}
		token, err := decoder.Token()
		if err != nil {
			return fmt.Errorf("read JSON for repr: %w", err)
		}
		if err := writeReprValue(out, decoder, token); err != nil {
			return err
		}
	}
	if _, err := decoder.Token(); err != nil {
		return fmt.Errorf("read JSON for repr: %w", err)
	}
	out.WriteByte(']')
	return nil
}

func writeReprDict(out *strings.Builder, decoder *json.Decoder) error {
	out.WriteByte('{')
	for first := true; decoder.More(); first = false {
		if !first {
			out.WriteString(", ")
		}
		keyToken, err := decoder.Token()
		if err != nil {
			return fmt.Errorf("read JSON for repr: %w", err)
		}
		key, ok := keyToken.(string)
		if !ok {
			return errors.New("read JSON for repr: object key is not a string")
		}
		writePythonString(out, key)
		out.WriteString(": ")

		token, err := decoder.Token()
		if err != nil {
			return fmt.Errorf("read JSON for repr: %w", err)
		}
		if err := writeReprValue(out, decoder, token); err != nil {
			return err
		}
	}
	if _, err := decoder.Token(); err != nil {
		return fmt.Errorf("read JSON for repr: %w", err)
	}
	out.WriteByte('}')
	return nil
}

// writePythonString writes s as Python 3's repr(str) does. The quote is a
// single quote unless s contains a single quote and no double quote. Non-ASCII
// characters stay as they are when printable and become \xhh, \uhhhh or
// \Uhhhhhhhh escapes otherwise.
func writePythonString(out *strings.Builder, s string) {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}

	out.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			out.WriteByte('\\')
			out.WriteRune(r)
		case r == '\t':
			out.WriteString(`\t`)
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(out, `\x%02x`, r)
		case r < 0x7f || isPythonPrintable(r):
			out.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(out, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(out, `\u%04x`, r)
		default:
			fmt.Fprintf(out, `\U%08x`, r)
		}
	}
	out.WriteRune(quote)
}

// isPythonPrintable approximates Python's str.isprintable for one non-ASCII
// character. Both treat letters, marks, numbers, punctuation and symbols as
// printable, and separators other than the ASCII space and the categories
// Cc, Cf, Cs, Co and Cn as not printable. They can differ where Go's and
// Python's Unicode versions differ.
func isPythonPrintable(r rune) bool {
	return unicode.IsPrint(r)
}

// pythonNumber writes a JSON number as Python's repr() writes the int or
// float that json.loads returns for it.
func pythonNumber(number json.Number) string {
	text := number.String()
	if !strings.ContainsAny(text, ".eE") {
		if text == "-0" {
			return "0"
		}
		return text
	}

	value, err := strconv.ParseFloat(text, 64)
	switch {
	case math.IsInf(value, 1):
		return "inf"
	case math.IsInf(value, -1):
		return "-inf"
	case err != nil:
		return text
	}
	return pythonFloat(value)
}

// pythonFloat writes value as Python's repr(float): the shortest digits that
// read back to the same value, in fixed notation when the decimal exponent is
// in [-4, 16) and in exponent notation otherwise.
func pythonFloat(value float64) string {
	scientific := strconv.FormatFloat(value, 'e', -1, 64)
	exponent, err := strconv.Atoi(scientific[strings.IndexByte(scientific, 'e')+1:])
	if err != nil || exponent < -4 || exponent >= 16 {
		return scientific
	}

	fixed := strconv.FormatFloat(value, 'f', -1, 64)
	if !strings.Contains(fixed, ".") {
		fixed += ".0"
	}
	return fixed
}
