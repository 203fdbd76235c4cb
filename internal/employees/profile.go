package employees

import (
	"context"
	"database/sql"
	"errors"
	"github.com/mapactive/authd/internal/accounts"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
)

// fallbackSystemName is the system_name of the synthetic hdts role while
// no hdts system row exists.
const fallbackSystemName = "HDTS"

// SystemRole is the one synthetic system_roles entry of an employee: the
// hdts Employee role, which no assignment row backs. Its id is the
// employee id, and its fields are those of a staff user's entries.
type SystemRole = accounts.ProfileRole

// EmployeeProfile is the JSON body that describes an employee.
type EmployeeProfile struct {
	ID             int64        `json:"id"`
	Email          string       `json:"email"`
	Username       *string      `json:"username"`
	FirstName      string       `json:"first_name"`
	MiddleName     *string      `json:"middle_name"`
	LastName       string       `json:"last_name"`
	Suffix         *string      `json:"suffix"`
	PhoneNumber    *string      `json:"phone_number"`
	CompanyID      *string      `json:"company_id"`
	Department     *string      `json:"department"`
	Status         string       `json:"status"`
	ProfilePicture any          `json:"profile_picture"`
	OTPEnabled     bool         `json:"otp_enabled"`
	LastLogin      any          `json:"last_login"`
	CreatedAt      string       `json:"created_at"`
	UpdatedAt      string       `json:"updated_at"`
	FullName       string       `json:"full_name"`
	SystemRoles    []SystemRole `json:"system_roles"`
}

// ListEntry is an employee as the all_users list of HDTS user management
// shows it, next to staff UserProfiles.
type ListEntry struct {
	ID             int64        `json:"id"`
	Email          string       `json:"email"`
	Username       *string      `json:"username"`
	FirstName      string       `json:"first_name"`
	MiddleName     *string      `json:"middle_name"`
	LastName       string       `json:"last_name"`
	Suffix         *string      `json:"suffix"`
	PhoneNumber    *string      `json:"phone_number"`
	CompanyID      *string      `json:"company_id"`
	Department     *string      `json:"department"`
	Status         string       `json:"status"`
	Notified       bool         `json:"notified"`
	IsActive       bool         `json:"is_active"`
	ProfilePicture any          `json:"profile_picture"`
	DateJoined     string       `json:"date_joined"`
	OTPEnabled     bool         `json:"otp_enabled"`
	SystemRoles    []SystemRole `json:"system_roles"`
	UserType       string       `json:"user_type"`
}

// hdtsSystemName returns the name of the hdts system row.
func hdtsSystemName(ctx context.Context, db bun.IDB) (string, error) {
	var name string
	err := db.NewSelect().Table("systems").Column("name").Where("slug = ?", SystemSlug).Limit(1).Scan(ctx, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return fallbackSystemName, nil
	}
	return name, err
}

// secondFactorOn reports whether an employee has e-mail codes or a
// confirmed authenticator app on.
func secondFactorOn(ctx context.Context, db bun.IDB, e *model.Employee) (bool, error) {
	if e.OTPEnabled {
		return true, nil
	}
	return db.NewSelect().Table("totp_credentials").
		Where("subject_type = ?", subjectType).Where("subject_id = ?", e.ID).Where("confirmed_at IS NOT NULL").Exists(ctx)
}

// withTOTP returns the ids among ids that have a confirmed authenticator
// app.
func withTOTP(ctx context.Context, db bun.IDB, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	err := db.NewSelect().Table("totp_credentials").Column("subject_id").
		Where("subject_type = ?", subjectType).Where("confirmed_at IS NOT NULL").Where("subject_id IN (?)", bun.In(ids)).
		Scan(ctx, &found)
	for _, id := range found {
		out[id] = true
	}
	return out, err
}

// Profile builds the EmployeeProfile of an employee (the sessions.Employees
// directory).
func (s *Service) Profile(ctx context.Context, db bun.IDB, e *model.Employee) (any, error) {
	return ProfileOf(ctx, db, s.media, e)
}

// ProfileOf builds the EmployeeProfile of an employee.
func ProfileOf(ctx context.Context, db bun.IDB, store *media.Store, e *model.Employee) (*EmployeeProfile, error) {
	systemName, err := hdtsSystemName(ctx, db)
	if err != nil {
		return nil, err
	}
	otp, err := secondFactorOn(ctx, db, e)
	if err != nil {
		return nil, err
	}
	return profileOf(e, systemName, otp, store), nil
}

// ProfilesOf builds the EmployeeProfiles of many employees with two
// queries.
func ProfilesOf(ctx context.Context, db bun.IDB, store *media.Store, list []model.Employee) ([]EmployeeProfile, error) {
	systemName, err := hdtsSystemName(ctx, db)
	if err != nil {
		return nil, err
	}
	totp, err := withTOTP(ctx, db, ids(list))
	if err != nil {
		return nil, err
	}
	out := make([]EmployeeProfile, len(list))
	for i := range list {
		e := &list[i]
		out[i] = *profileOf(e, systemName, e.OTPEnabled || totp[e.ID], store)
	}
	return out, nil
}

// ListEntriesOf builds the all_users entries of many employees.
func ListEntriesOf(ctx context.Context, db bun.IDB, store *media.Store, list []model.Employee) ([]ListEntry, error) {
	systemName, err := hdtsSystemName(ctx, db)
	if err != nil {
		return nil, err
	}
	totp, err := withTOTP(ctx, db, ids(list))
	if err != nil {
		return nil, err
	}
	out := make([]ListEntry, len(list))
	for i := range list {
		e := &list[i]
		out[i] = ListEntry{
			ID: e.ID, Email: e.Email, Username: e.Username, FirstName: e.FirstName, MiddleName: e.MiddleName,
			LastName: e.LastName, Suffix: e.Suffix, PhoneNumber: e.PhoneNumber, CompanyID: e.CompanyID,
			Department: e.Department, Status: e.Status, Notified: e.Notified, IsActive: true,
			ProfilePicture: store.URL(e.ProfilePicture), DateJoined: httpx.Timestamp(e.CreatedAt),
			OTPEnabled: e.OTPEnabled || totp[e.ID], SystemRoles: systemRoles(e, systemName), UserType: subjectType,
		}
	}
	return out, nil
}

func ids(list []model.Employee) []int64 {
	out := make([]int64, len(list))
	for i := range list {
		out[i] = list[i].ID
	}
	return out
}

func systemRoles(e *model.Employee, systemName string) []SystemRole {
	var lastLoggedOn any
	if e.LastLogin != nil {
		lastLoggedOn = httpx.PythonTimestamp(*e.LastLogin)
	}
	return []SystemRole{{
		ID: e.ID, SystemName: systemName, SystemSlug: SystemSlug, RoleName: EmployeeRole,
		AssignedAt: httpx.PythonTimestamp(e.CreatedAt), LastLoggedOn: lastLoggedOn, IsActive: true,
	}}
}

func profileOf(e *model.Employee, systemName string, otp bool, store *media.Store) *EmployeeProfile {
	return &EmployeeProfile{
		ID: e.ID, Email: e.Email, Username: e.Username, FirstName: e.FirstName, MiddleName: e.MiddleName,
		LastName: e.LastName, Suffix: e.Suffix, PhoneNumber: e.PhoneNumber, CompanyID: e.CompanyID,
		Department: e.Department, Status: e.Status, ProfilePicture: store.URL(e.ProfilePicture), OTPEnabled: otp,
		LastLogin: httpx.TimestampPtr(e.LastLogin), CreatedAt: httpx.Timestamp(e.CreatedAt),
		UpdatedAt: httpx.Timestamp(e.UpdatedAt), FullName: e.FullName(), SystemRoles: systemRoles(e, systemName),
	}
}
