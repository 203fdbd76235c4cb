package accounts

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/media"
	"github.com/mapactive/authd/internal/model"
)

// ProfileRole is one entry of a UserProfile's system_roles.
type ProfileRole struct {
	ID           int64  `json:"id"`
	SystemName   string `json:"system_name"`
	SystemSlug   string `json:"system_slug"`
	RoleName     string `json:"role_name"`
	AssignedAt   string `json:"assigned_at"`
	LastLoggedOn any    `json:"last_logged_on"`
	IsActive     bool   `json:"is_active"`
}

// UserProfile is the JSON body that describes a staff user to itself and to
// admins.
type UserProfile struct {
	ID             int64         `json:"id"`
	Email          string        `json:"email"`
	Username       *string       `json:"username"`
	FirstName      string        `json:"first_name"`
	MiddleName     *string       `json:"middle_name"`
	LastName       string        `json:"last_name"`
	Suffix         *string       `json:"suffix"`
	PhoneNumber    *string       `json:"phone_number"`
	CompanyID      *string       `json:"company_id"`
	Department     *string       `json:"department"`
	Status         string        `json:"status"`
	Notified       bool          `json:"notified"`
	IsActive       bool          `json:"is_active"`
	ProfilePicture any           `json:"profile_picture"`
	DateJoined     string        `json:"date_joined"`
	LastLogin      any           `json:"last_login"`
	OTPEnabled     bool          `json:"otp_enabled"`
	SystemRoles    []ProfileRole `json:"system_roles"`
	PendingEmail   *string       `json:"pending_email"`
}

// LoginRole is one entry of a LoginUser's system_roles.
type LoginRole struct {
	SystemName string `json:"system_name"`
	SystemSlug string `json:"system_slug"`
	RoleName   string `json:"role_name"`
	AssignedAt string `json:"assigned_at"`
}

// LoginUser is the user object of sign-in responses.
type LoginUser struct {
	ID          int64       `json:"id"`
	Email       string      `json:"email"`
	FirstName   string      `json:"first_name"`
	MiddleName  *string     `json:"middle_name"`
	LastName    string      `json:"last_name"`
	Suffix      *string     `json:"suffix"`
	Username    *string     `json:"username"`
	PhoneNumber *string     `json:"phone_number"`
	CompanyID   *string     `json:"company_id"`
	Department  *string     `json:"department"`
	Status      string      `json:"status"`
	Notified    bool        `json:"notified"`
	IsStaff     bool        `json:"is_staff"`
	IsSuperuser bool        `json:"is_superuser"`
	OTPEnabled  bool        `json:"otp_enabled"`
	DateJoined  string      `json:"date_joined"`
	SystemRoles []LoginRole `json:"system_roles"`
}

// Redirect is the destination of a signed-in user: the primary system's URL
// and the URL of every system the user can reach.
type Redirect struct {
	PrimarySystem    *string           `json:"primary_system"`
	URL              string            `json:"url"`
	AvailableSystems map[string]string `json:"available_systems"`
}

// SecondFactorOn reports whether a user has any second factor on: e-mail
// codes or a confirmed authenticator app.
func SecondFactorOn(ctx context.Context, db bun.IDB, subjectType string, id int64, emailOTP bool) (bool, error) {
	if emailOTP {
		return true, nil
	}
	return db.NewSelect().Table("totp_credentials").
		Where("subject_type = ?", subjectType).Where("subject_id = ?", id).Where("confirmed_at IS NOT NULL").Exists(ctx)
}

// Profile builds the UserProfile of a user.
func Profile(ctx context.Context, db bun.IDB, store *media.Store, u *model.User) (*UserProfile, error) {
	entries, err := Assignments(ctx, db, u.ID, false)
	if err != nil {
		return nil, err
	}
	otp, err := SecondFactorOn(ctx, db, "staff", u.ID, u.OTPEnabled)
	if err != nil {
		return nil, err
	}
	return profileOf(u, entries, otp, store), nil
}

// Profiles builds the UserProfiles of many users with two queries.
func Profiles(ctx context.Context, db bun.IDB, store *media.Store, users []model.User) ([]UserProfile, error) {
	if len(users) == 0 {
		return []UserProfile{}, nil
	}
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	var entries []struct {
		RoleEntry
		UserID int64 `bun:"user_id"`
	}
	err := db.NewSelect().TableExpr("user_system_roles AS a").
		ColumnExpr("a.id, a.user_id, a.system_id, s.name AS system_name, s.slug AS system_slug, a.role_id, r.name AS role_name, a.assigned_at, a.last_logged_on, a.is_active").
		Join("JOIN systems AS s ON s.id = a.system_id").Join("JOIN roles AS r ON r.id = a.role_id").
		Where("a.user_id IN (?)", bun.In(ids)).OrderExpr("a.id").Scan(ctx, &entries)
	if err != nil {
		return nil, err
	}
	byUser := map[int64][]RoleEntry{}
	for _, e := range entries {
		byUser[e.UserID] = append(byUser[e.UserID], e.RoleEntry)
	}
	var totp []int64
	err = db.NewSelect().Table("totp_credentials").Column("subject_id").
		Where("subject_type = 'staff'").Where("confirmed_at IS NOT NULL").Where("subject_id IN (?)", bun.In(ids)).Scan(ctx, &totp)
	if err != nil {
		return nil, err
	}
	hasTOTP := map[int64]bool{}
	for _, id := range totp {
		hasTOTP[id] = true
	}
	out := make([]UserProfile, len(users))
	for i := range users {
		u := &users[i]
		out[i] = *profileOf(u, byUser[u.ID], u.OTPEnabled || hasTOTP[u.ID], store)
	}
	return out, nil
}

func profileOf(u *model.User, entries []RoleEntry, otp bool, store *media.Store) *UserProfile {
	roles := make([]ProfileRole, 0, len(entries))
	for _, e := range entries {
		roles = append(roles, ProfileRole{ID: e.ID, SystemName: e.SystemName, SystemSlug: e.SystemSlug, RoleName: e.RoleName,
			AssignedAt: httpx.Timestamp(e.AssignedAt), LastLoggedOn: httpx.TimestampPtr(e.LastLoggedOn), IsActive: e.IsActive})
	}
	return &UserProfile{
		ID: u.ID, Email: u.Email, Username: u.Username, FirstName: u.FirstName, MiddleName: u.MiddleName, LastName: u.LastName,
		Suffix: u.Suffix, PhoneNumber: u.PhoneNumber, CompanyID: u.CompanyID, Department: u.Department, Status: u.Status,
		Notified: u.Notified, IsActive: u.IsActive, ProfilePicture: store.URL(u.ProfilePicture), DateJoined: httpx.Timestamp(u.DateJoined),
		LastLogin: httpx.TimestampPtr(u.LastLogin), OTPEnabled: otp, SystemRoles: roles, PendingEmail: u.PendingEmail,
	}
}

// LoginUserOf builds the user object of a sign-in response.
func LoginUserOf(ctx context.Context, db bun.IDB, u *model.User) (*LoginUser, []RoleEntry, error) {
	entries, err := Assignments(ctx, db, u.ID, true)
	if err != nil {
		return nil, nil, err
	}
	otp, err := SecondFactorOn(ctx, db, "staff", u.ID, u.OTPEnabled)
	if err != nil {
		return nil, nil, err
	}
	roles := make([]LoginRole, 0, len(entries))
	for _, e := range entries {
		roles = append(roles, LoginRole{SystemName: e.SystemName, SystemSlug: e.SystemSlug, RoleName: e.RoleName, AssignedAt: httpx.Timestamp(e.AssignedAt)})
	}
	return &LoginUser{
		ID: u.ID, Email: u.Email, FirstName: u.FirstName, MiddleName: u.MiddleName, LastName: u.LastName, Suffix: u.Suffix,
		Username: u.Username, PhoneNumber: u.PhoneNumber, CompanyID: u.CompanyID, Department: u.Department, Status: u.Status,
		Notified: u.Notified, IsStaff: u.IsStaff, IsSuperuser: u.IsSuperuser, OTPEnabled: otp, DateJoined: httpx.Timestamp(u.DateJoined),
		SystemRoles: roles,
	}, entries, nil
}

// RedirectOf builds the redirect object from a user's active assignments:
// the first system by assignment id is primary, and every system of the
// user maps to its configured URL.
func RedirectOf(cfg *config.Config, active []RoleEntry) Redirect {
	r := Redirect{URL: cfg.DefaultSystemURL, AvailableSystems: map[string]string{}}
	for _, e := range active {
		r.AvailableSystems[e.SystemSlug] = cfg.SystemURL(e.SystemSlug)
	}
	if len(active) > 0 {
		primary := active[0].SystemSlug
		r.PrimarySystem = &primary
		r.URL = cfg.SystemURL(primary)
	}
	return r
}
