package rbac

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/mapactive/authd/internal/httpx"
)

// readName reads a required or optional single-line name: trimmed, not
// blank, at most max characters, without control characters.
func readName(f *httpx.Fields, field string, max int, required bool) (string, bool) {
	value, ok := f.String(field, httpx.StringRule{Required: required, Trim: true, Max: max})
	if !ok {
		return "", false
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		f.Errors.Add(field, "Control characters are not allowed.")
		return "", false
	}
	return value, true
}

// readDescription reads an optional free-text description. present is
// false when the field is absent; null clears it.
func readDescription(f *httpx.Fields, in *httpx.Input) (value *string, present bool) {
	if !in.Has("description") {
		return nil, false
	}
	raw, _ := in.Raw("description")
	if raw == nil {
		return nil, true
	}
	text, ok := f.String("description", httpx.StringRule{AllowBlank: true, Trim: true, Max: 10000})
	if !ok {
		return nil, false
	}
	if strings.IndexFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		f.Errors.Add("description", "Control characters are not allowed.")
		return nil, false
	}
	return &text, true
}

// readPK reads a primary key field with the Django REST framework's
// messages for a missing, null or non-integer value.
func readPK(f *httpx.Fields, in *httpx.Input, field string, required bool) (int64, bool) {
	raw, ok := in.Raw(field)
	if !ok || (in.IsForm() && raw == "") {
		if required {
			f.Errors.Add(field, httpx.MsgRequired)
		}
		return 0, false
	}
	if raw == nil {
		f.Errors.Add(field, httpx.MsgNull)
		return 0, false
	}
	if list, isList := raw.([]any); isList && in.IsForm() && len(list) > 0 {
		raw = list[len(list)-1]
	}
	id, ok := httpx.AsInt(raw)
	if !ok {
		f.Errors.Add(field, "Incorrect type. Expected pk value, received "+pythonTypeName(raw)+".")
		return 0, false
	}
	if id <= 0 {
		f.Errors.Add(field, MsgInvalidPK(id))
		return 0, false
	}
	return id, true
}

// MsgInvalidPK returns the Django REST framework's message for a primary
// key that names no object.
func MsgInvalidPK(id int64) string {
	return fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", id)
}

func pythonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case json.Number:
		return "float"
	}
	return "NoneType"
}
