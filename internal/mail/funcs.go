package mail

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dateTimeLayout formats times in e-mails, always in UTC.
const dateTimeLayout = "2 January 2006 at 15:04 UTC"

// templateFuncs returns the functions that both template kinds can call.
// "link PATH" returns the public URL followed by PATH. "datetime VALUE"
// formats a time.Time in UTC with dateTimeLayout and returns other values
// unchanged. "plural N ONE MANY" returns ONE when N is 1 and MANY otherwise.
// "mask EMAIL" applies MaskEmail.
func templateFuncs(publicURL string) map[string]any {
	return map[string]any{
		"link":     func(path string) string { return publicURL + path },
		"datetime": formatDateTime,
		"plural":   plural,
		"mask":     func(value any) string { return MaskEmail(fmt.Sprint(value)) },
	}
}

func formatDateTime(value any) string {
	switch v := value.(type) {
	case time.Time:
		return v.UTC().Format(dateTimeLayout)
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.UTC().Format(dateTimeLayout)
	}
	return fmt.Sprint(value)
}

func plural(count any, singular, pluralForm string) string {
	number, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(count)), 64)
	if err == nil && number == 1 {
		return singular
	}
	return pluralForm
}

// MaskEmail hides most of the local part of an address:
// "jane.doe@example.com" becomes "j***@example.com". An already masked
// address stays the same.
func MaskEmail(address string) string {
	address = strings.TrimSpace(address)
	at := strings.LastIndexByte(address, '@')
	local, domain := address, ""
	if at >= 0 {
		local, domain = address[:at], address[at:]
	}
	if local == "" {
		return "***" + domain
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "***" + domain
}
