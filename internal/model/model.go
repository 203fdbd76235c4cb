// Package model defines the rows of the accounts and authorization tables
// that several domain packages read: staff users, employees, systems, roles
// and role assignments. Queries live with the domain that owns them.
package model

import (
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Enumerations of the data model.
var (
	Suffixes    = []string{"Jr.", "Sr.", "II", "III", "IV", "V"}
	Departments = []string{"IT Department", "Asset Department", "Budget Department"}
	Statuses    = []string{StatusPending, StatusApproved, StatusRejected}
)

// Account statuses.
const (
	StatusPending  = "Pending"
	StatusApproved = "Approved"
	StatusRejected = "Rejected"
)

// Lock reasons.
const (
	LockFailures = "failures"
	LockAdmin    = "admin"
)

// User is a staff account (table users).
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID                   int64      `bun:"id,pk,autoincrement"`
	Email                string     `bun:"email"`
	EmailNormalized      string     `bun:"email_normalized"`
	Username             *string    `bun:"username"`
	UsernameNormalized   *string    `bun:"username_normalized"`
	Password             string     `bun:"password"`
	PasswordNFC          bool       `bun:"password_nfc"`
	FirstName            string     `bun:"first_name"`
	MiddleName           *string    `bun:"middle_name"`
	LastName             string     `bun:"last_name"`
	Suffix               *string    `bun:"suffix"`
	PhoneNumber          *string    `bun:"phone_number"`
	CompanyID            *string    `bun:"company_id"`
	CompanyNumber        *int64     `bun:"company_number"`
	Department           *string    `bun:"department"`
	Status               string     `bun:"status"`
	StatusByID           *int64     `bun:"status_by_id"`
	StatusAt             *time.Time `bun:"status_at"`
	Notified             bool       `bun:"notified"`
	ProfilePicture       *string    `bun:"profile_picture"`
	IsActive             bool       `bun:"is_active"`
	IsStaff              bool       `bun:"is_staff"`
	IsSuperuser          bool       `bun:"is_superuser"`
	OTPEnabled           bool       `bun:"otp_enabled"`
	OTPDisableGrantUntil *time.Time `bun:"otp_disable_grant_until"`
	FailedLoginAttempts  int        `bun:"failed_login_attempts"`
	SecondFactorFailures int        `bun:"second_factor_failures"`
	IsLocked             bool       `bun:"is_locked"`
	LockReason           *string    `bun:"lock_reason"`
	LockoutTime          *time.Time `bun:"lockout_time"`
	LockedUntil          *time.Time `bun:"locked_until"`
	TokensValidAfter     *time.Time `bun:"tokens_valid_after"`
	PendingEmail         *string    `bun:"pending_email"`
	LastLogin            *time.Time `bun:"last_login"`
	DateJoined           time.Time  `bun:"date_joined"`
	UpdatedAt            time.Time  `bun:"updated_at"`
}

// FullName returns first and last name joined by a space and trimmed, the
// full_name claim of staff tokens.
func (u *User) FullName() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// DisplayName returns the full name, or the username, or the e-mail address.
func (u *User) DisplayName() string {
	if name := u.FullName(); name != "" {
		return name
	}
	if u.Username != nil && *u.Username != "" {
		return *u.Username
	}
	return u.Email
}

// Employee is an HDTS employee account (table employees).
type Employee struct {
	bun.BaseModel `bun:"table:employees"`

	ID                   int64      `bun:"id,pk,autoincrement"`
	Email                string     `bun:"email"`
	EmailNormalized      string     `bun:"email_normalized"`
	Username             *string    `bun:"username"`
	UsernameNormalized   *string    `bun:"username_normalized"`
	Password             string     `bun:"password"`
	PasswordNFC          bool       `bun:"password_nfc"`
	FirstName            string     `bun:"first_name"`
	MiddleName           *string    `bun:"middle_name"`
	LastName             string     `bun:"last_name"`
	Suffix               *string    `bun:"suffix"`
	PhoneNumber          *string    `bun:"phone_number"`
	CompanyID            *string    `bun:"company_id"`
	CompanyNumber        *int64     `bun:"company_number"`
	Department           *string    `bun:"department"`
	Status               string     `bun:"status"`
	StatusByID           *int64     `bun:"status_by_id"`
	StatusAt             *time.Time `bun:"status_at"`
	Notified             bool       `bun:"notified"`
	ProfilePicture       *string    `bun:"profile_picture"`
	OTPEnabled           bool       `bun:"otp_enabled"`
	FailedLoginAttempts  int        `bun:"failed_login_attempts"`
	SecondFactorFailures int        `bun:"second_factor_failures"`
	IsLocked             bool       `bun:"is_locked"`
	LockReason           *string    `bun:"lock_reason"`
	LockoutTime          *time.Time `bun:"lockout_time"`
	LockedUntil          *time.Time `bun:"locked_until"`
	TokensValidAfter     *time.Time `bun:"tokens_valid_after"`
	LastLogin            *time.Time `bun:"last_login"`
	UserID               *int64     `bun:"user_id"`
	CreatedAt            time.Time  `bun:"created_at"`
	UpdatedAt            time.Time  `bun:"updated_at"`
}

// FullName returns first and last name joined by a space and trimmed.
func (e *Employee) FullName() string {
	return strings.TrimSpace(e.FirstName + " " + e.LastName)
}

// TokenFullName returns first, middle and last name joined by single spaces
// with empty parts skipped, the full_name claim of employee tokens.
func (e *Employee) TokenFullName() string {
	parts := []string{e.FirstName}
	if e.MiddleName != nil {
		parts = append(parts, *e.MiddleName)
	}
	parts = append(parts, e.LastName)
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// TokenUsername returns the username, or the e-mail local part when the
// username is empty.
func (e *Employee) TokenUsername() string {
	if e.Username != nil && *e.Username != "" {
		return *e.Username
	}
	local, _, _ := strings.Cut(e.Email, "@")
	return local
}

// System is a downstream system (table systems).
type System struct {
	bun.BaseModel `bun:"table:systems"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name"`
	Slug      string    `bun:"slug"`
	CreatedAt time.Time `bun:"created_at"`
}

// Role is a role within one system (table roles).
type Role struct {
	bun.BaseModel `bun:"table:roles"`

	ID          int64     `bun:"id,pk,autoincrement"`
	SystemID    int64     `bun:"system_id"`
	Name        string    `bun:"name"`
	Description *string   `bun:"description"`
	IsCustom    bool      `bun:"is_custom"`
	CreatedAt   time.Time `bun:"created_at"`

	System *System `bun:"rel:belongs-to,join:system_id=id"`
}

// Assignment gives a staff user a role in a system (table
// user_system_roles).
type Assignment struct {
	bun.BaseModel `bun:"table:user_system_roles"`

	ID           int64          `bun:"id,pk,autoincrement"`
	UserID       int64          `bun:"user_id"`
	SystemID     int64          `bun:"system_id"`
	RoleID       int64          `bun:"role_id"`
	AssignedAt   time.Time      `bun:"assigned_at"`
	IsActive     bool           `bun:"is_active"`
	Settings     map[string]any `bun:"settings,type:jsonb"`
	LastLoggedOn *time.Time     `bun:"last_logged_on"`

	User   *User   `bun:"rel:belongs-to,join:user_id=id"`
	System *System `bun:"rel:belongs-to,join:system_id=id"`
	Role   *Role   `bun:"rel:belongs-to,join:role_id=id"`
}

// AdminRole is the role name whose active assignment makes a staff user the
// administrator of a system.
const AdminRole = "Admin"

var fold = cases.Fold()

// NormalizeEmail returns the key e-mail addresses are unique under: NFC, then
// Unicode case folding, computed here because SQLite's lower() folds ASCII
// only.
func NormalizeEmail(email string) string {
	return fold.String(norm.NFC.String(strings.TrimSpace(email)))
}

// NormalizeUsername returns the key usernames are unique under.
func NormalizeUsername(username string) string {
	return fold.String(norm.NFC.String(username))
}
