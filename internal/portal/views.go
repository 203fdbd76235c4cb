package portal

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// PortalUser is the JSON body of a staff user in the portal.
type PortalUser struct {
	ID          int64   `json:"id"`
	Email       string  `json:"email"`
	Username    *string `json:"username"`
	FirstName   string  `json:"first_name"`
	MiddleName  *string `json:"middle_name"`
	LastName    string  `json:"last_name"`
	Suffix      *string `json:"suffix"`
	PhoneNumber *string `json:"phone_number"`
	CompanyID   *string `json:"company_id"`
	Department  *string `json:"department"`
	Status      string  `json:"status"`
	IsActive    bool    `json:"is_active"`
	IsStaff     bool    `json:"is_staff"`
	IsSuperuser bool    `json:"is_superuser"`
	IsLocked    bool    `json:"is_locked"`
	OTPEnabled  bool    `json:"otp_enabled"`
	DateJoined  string  `json:"date_joined"`
	LastLogin   any     `json:"last_login"`
}

// PortalUserDetail is a PortalUser with its password failure counter, the
// body of GET users/<id>/.
type PortalUserDetail struct {
	PortalUser
	FailedLoginAttempts int `json:"failed_login_attempts"`
}

// lockedAt reports whether u has an active lock at now: an admin lock, or a
// failure lock that has not ended.
func lockedAt(u *model.User, now time.Time) bool {
	if !u.IsLocked {
		return false
	}
	if u.LockReason != nil && *u.LockReason == model.LockAdmin {
		return true
	}
	return u.LockedUntil == nil || now.Before(*u.LockedUntil)
}

func viewOf(u *model.User, otp bool, now time.Time) PortalUser {
	return PortalUser{
		ID: u.ID, Email: u.Email, Username: u.Username, FirstName: u.FirstName, MiddleName: u.MiddleName,
		LastName: u.LastName, Suffix: u.Suffix, PhoneNumber: u.PhoneNumber, CompanyID: u.CompanyID,
		Department: u.Department, Status: u.Status, IsActive: u.IsActive, IsStaff: u.IsStaff,
		IsSuperuser: u.IsSuperuser, IsLocked: lockedAt(u, now), OTPEnabled: otp,
		DateJoined: httpx.Timestamp(u.DateJoined), LastLogin: httpx.TimestampPtr(u.LastLogin),
	}
}

// totpUsers returns which of ids have a confirmed authenticator app, which
// counts as a second factor next to e-mail codes.
func totpUsers(ctx context.Context, db bun.IDB, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	err := db.NewSelect().Table("totp_credentials").Column("subject_id").
		Where("subject_type = 'staff'").Where("confirmed_at IS NOT NULL").Where("subject_id IN (?)", bun.In(ids)).
		Scan(ctx, &found)
	for _, id := range found {
		out[id] = true
	}
	return out, err
}

// viewsOf builds the PortalUsers of users with one extra query.
func viewsOf(ctx context.Context, db bun.IDB, users []model.User, now time.Time) ([]PortalUser, error) {
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	totp, err := totpUsers(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]PortalUser, len(users))
	for i := range users {
		out[i] = viewOf(&users[i], users[i].OTPEnabled || totp[users[i].ID], now)
	}
	return out, nil
}

// viewOne builds the PortalUser of one user.
func viewOne(ctx context.Context, db bun.IDB, u *model.User, now time.Time) (PortalUser, error) {
	views, err := viewsOf(ctx, db, []model.User{*u}, now)
	if err != nil {
		return PortalUser{}, err
	}
	return views[0], nil
}
