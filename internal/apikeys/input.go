package apikeys

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mapactive/authd/internal/httpx"
)

// Field messages of the key routes.
const (
	MsgScopesEmpty    = "This list may not be empty."
	MsgScopeAllAlone  = `Use ["*"] alone: it already grants every scope.`
	MsgExpiryFormat   = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	MsgExpiryPast     = "The expiry must be in the future."
	MsgControlChars   = "Control characters are not allowed."
	maxOverlapSeconds = int64(MaxOverlap / time.Second)
)

// ReadSpec reads name, scopes and expires_at from a request body. With
// partial unset (creation) name and scopes are required; with partial set
// (PATCH) every field is optional.
func ReadSpec(in *httpx.Input, now time.Time, partial bool) (Spec, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	var spec Spec
	if name, ok := f.String("name", httpx.StringRule{Required: !partial, Trim: true, Max: 100}); ok {
		if strings.IndexFunc(name, unicode.IsControl) >= 0 {
			f.Errors.Add("name", MsgControlChars)
		} else {
			spec.Name = &name
		}
	}
	if scopes, ok := readScopes(f, !partial); ok {
		spec.Scopes = scopes
	}
	if raw, present := in.Raw("expires_at"); present {
		expires, message := parseExpiry(raw, now)
		if message != "" {
			f.Errors.Add("expires_at", message)
		} else {
			spec.ExpiresAt = &expires
		}
	}
	return spec, f.Errors
}

// readScopes reads a non-empty list of scope names: a JSON list, a repeated
// form field, or one comma-separated form value.
func readScopes(f *httpx.Fields, required bool) ([]string, bool) {
	raw, present := f.In.Raw("scopes")
	if !present {
		if required {
			f.Errors.Add("scopes", httpx.MsgRequired)
		}
		return nil, false
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case string:
		if !f.In.IsForm() {
			f.Errors.Add("scopes", notListMessage(v))
			return nil, false
		}
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				items = append(items, part)
			}
		}
	case nil:
		f.Errors.Add("scopes", httpx.MsgNull)
		return nil, false
	default:
		f.Errors.Add("scopes", notListMessage(v))
		return nil, false
	}
	if len(items) == 0 {
		f.Errors.Add("scopes", MsgScopesEmpty)
		return nil, false
	}
	var scopes []string
	for _, item := range items {
		name, isString := item.(string)
		if !isString {
			f.Errors.Add("scopes", httpx.MsgNotString)
			return nil, false
		}
		name = strings.TrimSpace(name)
		if !validScope(name) {
			f.Errors.Add("scopes", fmt.Sprintf("%q is not a valid choice.", name))
			return nil, false
		}
		if !slices.Contains(scopes, name) {
			scopes = append(scopes, name)
		}
	}
	if slices.Contains(scopes, ScopeAll) && len(scopes) > 1 {
		f.Errors.Add("scopes", MsgScopeAllAlone)
		return nil, false
	}
	return scopes, true
}

// notListMessage is DRF's message for a list field given another JSON type.
func notListMessage(v any) string {
	kind := "dict"
	switch v.(type) {
	case string:
		kind = "str"
	case bool:
		kind = "bool"
	case json.Number:
		kind = "int"
	}
	return fmt.Sprintf("Expected a list of items but got type %q.", kind)
}

// expiryLayouts are the accepted forms of expires_at. A time without an
// offset is UTC.
var expiryLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}

// parseExpiry reads expires_at: null or "" removes the expiry, a time must
// lie in the future. It returns a field message on failure.
func parseExpiry(raw any, now time.Time) (*time.Time, string) {
	if raw == nil {
		return nil, ""
	}
	text, ok := raw.(string)
	if !ok {
		return nil, MsgExpiryFormat
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ""
	}
	for _, layout := range expiryLayouts {
		t, err := time.ParseInLocation(layout, text, time.UTC)
		if err != nil {
			continue
		}
		if !t.After(now) {
			return nil, MsgExpiryPast
		}
		t = t.UTC()
		return &t, ""
	}
	return nil, MsgExpiryFormat
}

// ReadOverlap reads overlap_seconds, 0 to 604800, 0 when absent.
func ReadOverlap(in *httpx.Input) (time.Duration, httpx.FieldErrors) {
	f := httpx.NewFields(in)
	seconds, ok := f.Int("overlap_seconds", false)
	if !ok {
		return 0, f.Errors
	}
	switch {
	case seconds < 0:
		f.Errors.Add("overlap_seconds", "Ensure this value is greater than or equal to 0.")
	case seconds > maxOverlapSeconds:
		f.Errors.Add("overlap_seconds", fmt.Sprintf("Ensure this value is less than or equal to %d.", maxOverlapSeconds))
	}
	return time.Duration(seconds) * time.Second, f.Errors
}
