package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
)

// staffProfileData is the content of the staff profile page.
type staffProfileData struct {
	User        *model.User
	Privileged  bool // is_staff or superuser: may change names and suffix
	FullName    string
	Username    string
	MiddleName  string
	Suffix      string
	Phone       string
	CompanyID   string
	Department  string
	PictureURL  string
	OTPEnabled  bool
	LastLogin   string
	DateJoined  string
	Suffixes    []string
	Departments []string
}

// StaffProfile serves GET /staff/settings/profile/.
func (p *Pages) StaffProfile(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		p.renderStaffProfile(w, r, who, who.User, http.StatusOK, "")
	})(w, r)
}

func (p *Pages) renderStaffProfile(w http.ResponseWriter, r *http.Request, who *httpx.Principal, u *model.User, status int, failure string) {
	otp, err := accounts.SecondFactorOn(r.Context(), p.DB, "staff", u.ID, u.OTPEnabled)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	d := &staffProfileData{User: u, Privileged: u.IsStaff || u.IsSuperuser, FullName: u.DisplayName(),
		Username: deref(u.Username), MiddleName: deref(u.MiddleName), Suffix: deref(u.Suffix), Phone: deref(u.PhoneNumber),
		CompanyID: deref(u.CompanyID), Department: deref(u.Department), OTPEnabled: otp,
		LastLogin: formatTime(u.LastLogin), DateJoined: formatTime(&u.DateJoined),
		Suffixes: model.Suffixes, Departments: model.Departments}
	if url, ok := p.Media.URL(u.ProfilePicture).(string); ok {
		d.PictureURL = url
	}
	v := p.newView("Profile Settings", "js/cropper.js", "js/staff_profile.js")
	v.Nav = staffNav(who, "profile")
	v.Data = d
	if failure != "" {
		v.toast("error", failure)
	}
	p.render(w, r, status, "staff_profile", v)
}

// StaffProfileSubmit serves POST /staff/settings/profile/: the classic
// multipart form, with the rules of PATCH /api/v1/users/profile/.
func (p *Pages) StaffProfileSubmit(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		in, ok := p.readForm(w, r)
		if !ok {
			return
		}
		if _, err := p.Accounts.UpdateOwnProfile(r.Context(), who.User, in); err != nil {
			var problem *httpx.Problem
			if errors.As(err, &problem) && problem.Status < 500 {
				p.renderStaffProfile(w, r, who, who.User, problem.Status, problemMessage(problem, "The profile could not be saved."))
				return
			}
			p.ServerError(w, r, err)
			return
		}
		p.setFlash(w, "profile-saved")
		p.redirect(w, r, "/staff/settings/profile/")
	})(w, r)
}

// StaffSecurity serves GET /staff/settings/security/: authenticator app,
// recovery codes, e-mail codes and sessions, all driven by the 2FA API.
func (p *Pages) StaffSecurity(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.newView("Two-Factor Authentication", "js/security.js")
		v.Nav = staffNav(who, "security")
		v.Config.Page["api"] = "/api/v1/users"
		v.Config.Page["account"] = "staff"
		v.Config.Page["sessions_api"] = p.SessionsAPI
		v.Data = map[string]any{"Account": "staff", "Sessions": p.SessionsAPI != ""}
		p.render(w, r, http.StatusOK, "security", v)
	})(w, r)
}

// StaffPasswordChange serves GET /staff/password-change/ and
// /api/v1/users/password/change/ui/.
func (p *Pages) StaffPasswordChange(w http.ResponseWriter, r *http.Request) {
	p.staffPage(anyStaff, func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.newView("Change Password", "js/password_strength.js", "js/staff_password.js")
		v.Nav = staffNav(who, "password")
		p.render(w, r, http.StatusOK, "staff_password", v)
	})(w, r)
}

// EmailConfirm serves GET /email/confirm/?token=: a button that applies a
// pending e-mail change. The token is checked when the button posts it.
func (p *Pages) EmailConfirm(w http.ResponseWriter, r *http.Request) {
	v := p.newView("Confirm Email Change", "js/email_confirm.js")
	v.BodyClass = "centered"
	token := r.URL.Query().Get("token")
	v.Config.Page["token"] = token
	v.Data = map[string]any{"HasToken": token != ""}
	status := http.StatusOK
	if token == "" {
		status = http.StatusBadRequest
	}
	p.render(w, r, status, "email_confirm", v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// formatTime writes a timestamp for a read-only field, in UTC.
func formatTime(t *time.Time) string {
	if t == nil {
		return "Never"
	}
	return t.UTC().Format("2 Jan 2006 15:04 MST")
}
