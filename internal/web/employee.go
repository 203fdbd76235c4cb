package web

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/onetime"
)

// EmployeeLogin serves GET /login/, the employee sign-in page. A signed-in
// employee goes straight to the help desk (or to next).
func (p *Pages) EmployeeLogin(w http.ResponseWriter, r *http.Request) {
	who, r, err := p.optionalPrincipal(w, r)
	if err != nil {
		p.ServerError(w, r, err)
		return
	}
	next := p.safeNext(r.URL.Query().Get("next"))
	if who.IsEmployee() {
		p.redirect(w, r, p.employeeLanding(next))
		return
	}
	v := p.newView("Employee Login - HDTS", "js/captcha.js", "js/employee_login.js")
	v.BodyClass = "centered"
	v.Config.Page["landing"] = p.employeeLanding(next)
	if r.URL.Query().Get("logout") == "1" {
		v.toast("info", "You have been signed out.")
	}
	p.render(w, r, http.StatusOK, "employee_login", v)
}

// employeeLanding returns where an employee goes after signing in: next
// when it passes safeNext, else the help desk frontend.
func (p *Pages) employeeLanding(next string) string {
	if target := p.safeNext(next); target != "" {
		return target
	}
	return p.Config.SystemURL("hdts")
}

// EmployeeVerifyOTP serves GET /verify-otp/: it completes the second step
// that the sign-in page left in sessionStorage. Without one it shows a link
// to the sign-in page. The script decides which state to show.
func (p *Pages) EmployeeVerifyOTP(w http.ResponseWriter, r *http.Request) {
	v := p.newView("Verify OTP - HDTS Employee", "js/employee_verify.js")
	v.BodyClass = "centered"
	v.Config.Page["landing"] = p.employeeLanding(r.URL.Query().Get("next"))
	p.render(w, r, http.StatusOK, "employee_verify", v)
}

// EmployeeRegister serves GET /register/ and /api/v1/hdts/register/.
func (p *Pages) EmployeeRegister(w http.ResponseWriter, r *http.Request) {
	p.renderRegister(w, r, http.StatusOK, nil)
}

func (p *Pages) renderRegister(w http.ResponseWriter, r *http.Request, status int, errs httpx.FieldErrors) {
	v := p.newView("Create Account - SmartSupport", "js/cropper.js", "js/employee_register.js")
	v.BodyClass = "centered"
	v.Data = map[string]any{"Suffixes": model.Suffixes, "Departments": model.Departments, "Errors": errs}
	if len(errs) > 0 {
		v.toast("error", errs.First())
	}
	p.render(w, r, status, "employee_register", v)
}

// EmployeeRegisterSubmit serves POST /register/ and /api/v1/hdts/register/,
// the registration form for browsers without scripts: it creates a Pending
// employee with the rules of the JSON registration route.
func (p *Pages) EmployeeRegisterSubmit(w http.ResponseWriter, r *http.Request) {
	if p.Employees == nil {
		p.ServerError(w, r, errors.New("web: the employees service is not installed"))
		return
	}
	if problem := p.Employees.TakeRegistration(r); problem != nil {
		p.renderRegister(w, r, problem.Status, httpx.FieldErrors{"non_field_errors": {problemMessage(problem, "Too many registrations.")}})
		return
	}
	in, ok := p.readForm(w, r)
	if !ok {
		return
	}
	n, errs := employees.ReadNewEmployee(in)
	if !errs.Empty() {
		p.renderRegister(w, r, http.StatusBadRequest, errs)
		return
	}
	if _, err := p.Employees.Register(r.Context(), n); err != nil {
		var problem *httpx.Problem
		if errors.As(err, &problem) && problem.Status < 500 {
			fieldErrs, _ := problem.Body.(httpx.FieldErrors)
			if fieldErrs == nil {
				fieldErrs = httpx.FieldErrors{"non_field_errors": {problemMessage(problem, "The account could not be created.")}}
			}
			p.renderRegister(w, r, problem.Status, fieldErrs)
			return
		}
		p.ServerError(w, r, err)
		return
	}
	p.setFlash(w, "registered")
	p.redirect(w, r, "/login/")
}

// EmployeeReset serves GET /reset-password/?token=.
func (p *Pages) EmployeeReset(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	v := p.newView("Reset Password - HDTS", "js/employee_reset.js")
	v.BodyClass = "centered"
	data := map[string]any{"Valid": false}
	v.Data = data
	valid := false
	if token != "" && len(token) <= 512 {
		row, err := onetime.Lookup(r.Context(), p.DB, p.Now(), token, onetime.Reset)
		switch {
		case err == nil:
			valid = row.SubjectType == "employee"
		case !errors.Is(err, onetime.ErrInvalid):
			p.ServerError(w, r, err)
			return
		}
	}
	if !valid {
		p.render(w, r, http.StatusBadRequest, "employee_reset", v)
		return
	}
	data["Valid"] = true
	v.Config.Page["token"] = token
	p.render(w, r, http.StatusOK, "employee_reset", v)
}

// EmployeeProfile serves GET /profile-settings/.
func (p *Pages) EmployeeProfile(w http.ResponseWriter, r *http.Request) {
	p.employeePage(func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		e := who.Employee
		v := p.newView("Profile Settings - HDTS Employee", "js/cropper.js", "js/employee_profile.js")
		v.Nav = employeeNav(who, "profile")
		picture := ""
		if url, ok := p.Media.URL(e.ProfilePicture).(string); ok {
			picture = url
		}
		v.Data = map[string]any{"Employee": e, "MiddleName": deref(e.MiddleName), "Suffix": deref(e.Suffix),
			"Phone": deref(e.PhoneNumber), "Department": deref(e.Department), "CompanyID": deref(e.CompanyID),
			"Username": deref(e.Username), "PictureURL": picture, "FullName": e.FullName(),
			"Suffixes": model.Suffixes, "Departments": model.Departments}
		p.render(w, r, http.StatusOK, "employee_profile", v)
	})(w, r)
}

// EmployeePasswordChange serves GET /change-password/.
func (p *Pages) EmployeePasswordChange(w http.ResponseWriter, r *http.Request) {
	p.employeePage(func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.newView("Change Password", "js/password_strength.js", "js/employee_password.js")
		v.Nav = employeeNav(who, "password")
		p.render(w, r, http.StatusOK, "employee_password", v)
	})(w, r)
}

// EmployeeSecurity serves GET /security-settings/.
func (p *Pages) EmployeeSecurity(w http.ResponseWriter, r *http.Request) {
	p.employeePage(func(w http.ResponseWriter, r *http.Request, who *httpx.Principal) {
		v := p.newView("Two-Factor Authentication", "js/security.js")
		v.Nav = employeeNav(who, "security")
		v.Config.Page["api"] = "/api/v1/hdts/employees/api"
		v.Config.Page["account"] = "employee"
		v.Config.Page["sessions_api"] = p.SessionsAPI
		v.Data = map[string]any{"Account": "employee", "Sessions": p.SessionsAPI != ""}
		p.render(w, r, http.StatusOK, "security", v)
	})(w, r)
}
