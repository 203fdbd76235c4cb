// Package identity holds the account rules that staff users and employees
// share: phone number normalisation, usernames and company ids.
package identity

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/model"
)

// Messages of the shared field rules.
const (
	MsgPhoneFormat    = "Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."
	MsgUsernameFormat = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
)

var (
	e164Pattern     = regexp.MustCompile(`^\+\d{1,3}\d{10,14}$`)
	localPattern    = regexp.MustCompile(`^09\d{9}$`)
	usernamePattern = regexp.MustCompile(`^[\p{L}\p{N}.@+\-_]+$`)
)

// NormalizePhone returns a phone number in E.164 form. Local Philippine
// numbers (09XXXXXXXXX) become +639XXXXXXXXX. Spaces, dashes and brackets
// are ignored. ok is false when the number fits neither form.
func NormalizePhone(raw string) (phone string, ok bool) {
	cleaned := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, strings.TrimSpace(raw))
	switch {
	case e164Pattern.MatchString(cleaned):
		return cleaned, true
	case localPattern.MatchString(cleaned):
		return "+63" + cleaned[1:], true
	}
	return "", false
}

// ValidUsername reports whether s is 1 to 150 characters of letters, digits
// and . @ + - _.
func ValidUsername(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 150 && usernamePattern.MatchString(s)
}

// UniqueUsername returns base, or base with the smallest numeric suffix
// (base1, base2, ...) that no row of table uses, case-insensitively. base is
// cut so the result fits maxLen characters.
func UniqueUsername(ctx context.Context, db bun.IDB, table, base string, maxLen int) (string, error) {
	base = strings.Map(func(r rune) rune {
		if strings.ContainsRune(".@+-_", r) || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return r
		}
		return -1
	}, base)
	if base == "" {
		base = "user"
	}
	for suffix := 0; suffix < 10000; suffix++ {
		candidate := base
		if suffix > 0 {
			tail := strconv.Itoa(suffix)
			if len(candidate)+len(tail) > maxLen {
				candidate = candidate[:maxLen-len(tail)]
			}
			candidate += tail
		} else if len(candidate) > maxLen {
			candidate = candidate[:maxLen]
		}
		taken, err := db.NewSelect().Table(table).Where("username_normalized = ?", model.NormalizeUsername(candidate)).Exists(ctx)
		if err != nil {
			return "", err
		}
		if !taken {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("no free username for %q after 10000 suffixes", base)
}

var companyPattern = regexp.MustCompile(`^MA(\d{4,})$`)

// CompanyNumber returns the numeric part of an MA company id.
func CompanyNumber(companyID string) (int64, bool) {
	m := companyPattern.FindStringSubmatch(companyID)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}

// FormatCompanyID returns MA followed by n with at least 4 digits.
func FormatCompanyID(n int64) string {
	return fmt.Sprintf("MA%04d", n)
}

// NextCompanyID returns one more than the highest MA company number in
// either the users or the employees table, inside tx. Writers take a lock on
// one installation row first, so two transactions never pick the same number
// and generated ids never collide between the tables.
func NextCompanyID(ctx context.Context, tx bun.IDB) (string, int64, error) {
	_, err := tx.NewRaw("INSERT INTO installation (key, value) VALUES ('company_id_lock', '0') ON CONFLICT (key) DO UPDATE SET value = installation.value").Exec(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("lock company ids: %w", err)
	}
	var highest struct {
		Users     *int64 `bun:"users_max"`
		Employees *int64 `bun:"employees_max"`
	}
	err = tx.NewRaw("SELECT (SELECT MAX(company_number) FROM users) AS users_max, (SELECT MAX(company_number) FROM employees) AS employees_max").Scan(ctx, &highest)
	if err != nil {
		return "", 0, fmt.Errorf("read the highest company id: %w", err)
	}
	var next int64 = 1
	for _, v := range []*int64{highest.Users, highest.Employees} {
		if v != nil && *v+1 > next {
			next = *v + 1
		}
	}
	return FormatCompanyID(next), next, nil
}
