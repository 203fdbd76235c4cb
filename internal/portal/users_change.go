package portal

import (
	"slices"
	"time"

	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/model"
)

// change is an Edit applied to a copy of a user row: the new row, the
// columns to write, and the audit events and e-mail the change causes.
type change struct {
	after        model.User
	columns      []string
	events       []audit.Event
	unlockedMail bool // the "account unlocked" e-mail is due
}

// set marks column as written when changed is true.
func (c *change) set(column string, changed bool) {
	if changed && !slices.Contains(c.columns, column) {
		c.columns = append(c.columns, column)
	}
}

// profile applies the username and the profile fields.
func (c *change) profile(edit Edit) {
	if edit.Username != nil {
		changed := c.after.Username == nil || *c.after.Username != *edit.Username
		normalized := model.NormalizeUsername(*edit.Username)
		c.after.Username, c.after.UsernameNormalized = edit.Username, &normalized
		c.set("username", changed)
		c.set("username_normalized", changed)
	}
	if edit.FirstName != nil {
		c.set("first_name", c.after.FirstName != *edit.FirstName)
		c.after.FirstName = *edit.FirstName
	}
	if edit.LastName != nil {
		c.set("last_name", c.after.LastName != *edit.LastName)
		c.after.LastName = *edit.LastName
	}
	for _, field := range []struct {
		column string
		value  **string
		target **string
	}{
		{"middle_name", edit.MiddleName, &c.after.MiddleName},
		{"suffix", edit.Suffix, &c.after.Suffix},
		{"phone_number", edit.PhoneNumber, &c.after.PhoneNumber},
		{"department", edit.Department, &c.after.Department},
	} {
		if field.value != nil {
			c.set(field.column, !sameText(*field.target, *field.value))
			*field.target = *field.value
		}
	}
}

// flags applies the status (recording who changed it and when), the staff
// and superuser flags and a new password hash.
func (c *change) flags(edit Edit, actor *int64, now time.Time) {
	if edit.Status != nil && *edit.Status != c.after.Status {
		c.events = append(c.events, audit.Event{Name: "user.status_changed", Details: map[string]any{"from": c.after.Status, "to": *edit.Status}})
		c.after.Status, c.after.StatusByID, c.after.StatusAt = *edit.Status, actor, &now
		c.set("status", true)
		c.set("status_by_id", true)
		c.set("status_at", true)
	}
	wasStaff := c.after.IsStaff
	if edit.IsSuperuser != nil {
		c.set("is_superuser", c.after.IsSuperuser != *edit.IsSuperuser)
		c.after.IsSuperuser = *edit.IsSuperuser
	}
	if edit.IsStaff != nil {
		c.after.IsStaff = *edit.IsStaff
	}
	if c.after.IsSuperuser {
		c.after.IsStaff = true // a superuser is always staff
	}
	c.set("is_staff", c.after.IsStaff != wasStaff)
	if edit.PasswordHash != nil {
		c.after.Password, c.after.PasswordNFC = *edit.PasswordHash, true
		c.set("password", true)
		c.set("password_nfc", true)
		c.events = append(c.events, audit.Event{Name: "password.changed", Details: map[string]any{"by": "admin"}})
	}
}

// lock sets an admin lock (lock true) or lifts every lock and both failure
// counters. Lifting a lock that was in force makes the "account unlocked"
// e-mail due.
func (c *change) lock(lock bool, now time.Time) {
	u := &c.after
	if lock {
		if u.IsLocked && u.LockReason != nil && *u.LockReason == model.LockAdmin {
			return
		}
		reason := model.LockAdmin
		u.IsLocked, u.LockReason, u.LockoutTime, u.LockedUntil = true, &reason, &now, nil
		c.events = append(c.events, audit.Event{Name: "account.admin_locked"})
		for _, column := range []string{"is_locked", "lock_reason", "lockout_time", "locked_until"} {
			c.set(column, true)
		}
		return
	}
	if !u.IsLocked && u.FailedLoginAttempts == 0 && u.SecondFactorFailures == 0 {
		return
	}
	c.unlockedMail = lockedAt(u, now)
	u.IsLocked, u.LockReason, u.LockoutTime, u.LockedUntil = false, nil, nil, nil
	u.FailedLoginAttempts, u.SecondFactorFailures = 0, 0
	c.events = append(c.events, audit.Event{Name: "account.unlocked", Details: map[string]any{"by": "admin"}})
	for _, column := range []string{"is_locked", "lock_reason", "lockout_time", "locked_until", "failed_login_attempts", "second_factor_failures"} {
		c.set(column, true)
	}
}

// changedFields returns the written columns a reader of user.updated
// cares about, without the bookkeeping columns.
func (c *change) changedFields() []string {
	return slices.DeleteFunc(slices.Clone(c.columns), func(column string) bool {
		return column == "updated_at" || column == "username_normalized" || column == "password_nfc" ||
			column == "status_by_id" || column == "status_at"
	})
}
