package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/portal"
)

// portalPage guards a superadmin portal page: without a portal session the
// browser goes to the portal sign-in with next.
func (p *Pages) portalPage(current, title string, h func(w http.ResponseWriter, r *http.Request, v *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p.Portal == nil {
			p.ServerError(w, r, errors.New("web: the portal is not installed"))
			return
		}
		u, err := p.Portal.Sessions().Superuser(w, r)
		if err != nil {
			p.ServerError(w, r, err)
			return
		}
		if u == nil {
			p.redirect(w, r, "/superadmin/login/?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		}
		v := p.newView(title, "js/admin_common.js", "js/portal.js")
		v.Nav = &nav{Kind: "portal", Name: u.DisplayName(), Current: current}
		v.Config.Page["portal"] = current
		v.Config.Page["self_id"] = u.ID
		h(w, r, v)
	}
}

// PortalLogin serves GET /superadmin/login/. ?error= shows a message, for
// links from older portal pages.
func (p *Pages) PortalLogin(w http.ResponseWriter, r *http.Request) {
	if p.Portal != nil {
		if u, err := p.Portal.Sessions().Superuser(w, r); err == nil && u != nil {
			p.redirect(w, r, "/superadmin/")
			return
		}
	}
	q := r.URL.Query()
	message := q.Get("error")
	if len(message) > 200 {
		message = message[:200]
	}
	p.renderPortalLogin(w, r, http.StatusOK, portalLoginData{Next: p.portalNext(q.Get("next"))}, message)
}

// portalLoginData is the state of the portal sign-in form.
type portalLoginData struct {
	Email   string
	Next    string
	NeedOTP bool
}

func (p *Pages) renderPortalLogin(w http.ResponseWriter, r *http.Request, status int, data portalLoginData, failure string) {
	v := p.newView("Superuser Login - Admin Portal", "js/portal_login.js")
	v.BodyClass = "centered"
	v.Data = data
	v.Config.Page["next"] = data.Next
	if failure != "" {
		v.toast("error", failure)
	}
	p.render(w, r, status, "portal_login", v)
}

// portalNext keeps next only when it is a portal path.
func (p *Pages) portalNext(next string) string {
	if target := p.safeNext(next); strings.HasPrefix(target, "/superadmin/") {
		return target
	}
	return "/superadmin/"
}

// PortalLoginSubmit serves POST /superadmin/login/: the portal sign-in
// form, with an otp_code field once the account needs a second factor.
func (p *Pages) PortalLoginSubmit(w http.ResponseWriter, r *http.Request) {
	in, ok := p.readForm(w, r)
	if !ok {
		return
	}
	f := httpx.NewFields(in)
	text := func(name string, max int) string {
		v, _ := f.String(name, httpx.StringRule{AllowBlank: true, AllowNull: true, Trim: name != "password", Max: max})
		return v
	}

	data := portalLoginData{Email: text("email", 254), Next: p.portalNext(text("next", 2048))}
	password, code := text("password", 1024), text("otp_code", 32)
	data.NeedOTP = code != ""
	if !f.Errors.Empty() || data.Email == "" || password == "" {
		p.renderPortalLogin(w, r, http.StatusBadRequest, data, "Please enter your email and password.")
		return
	}
	if p.Portal == nil {
		p.ServerError(w, r, errors.New("web: the portal is not installed"))
		return
	}

	_, id, err := p.Portal.SignIn(r.Context(), portal.Credentials{Email: data.Email, Password: password, OTPCode: code})
	if err != nil {
		var problem *httpx.Problem
		if errors.As(err, &problem) && problem.Status < 500 {
			if need, _ := problemField(problem, "otp_required").(bool); need {
				data.NeedOTP = true
			}
			p.renderPortalLogin(w, r, problem.Status, data, problemMessage(problem, "Sign-in failed."))
			return
		}
		p.ServerError(w, r, err)
		return
	}
	p.Portal.Sessions().SetCookie(w, id)
	p.redirect(w, r, data.Next)
}

// PortalLogout serves GET and POST /superadmin/logout/.
func (p *Pages) PortalLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if _, ok := p.readForm(w, r); !ok {
			return
		}
	}
	if p.Portal != nil {
		if err := p.Portal.Sessions().End(r.Context(), w, r); err != nil {
			p.ServerError(w, r, err)
			return
		}
	}
	p.redirect(w, r, "/superadmin/login/")
}

// PortalDashboard serves GET /superadmin/.
func (p *Pages) PortalDashboard(w http.ResponseWriter, r *http.Request) {
	p.portalPage("dashboard", "Dashboard", func(w http.ResponseWriter, r *http.Request, v *view) {
		p.render(w, r, http.StatusOK, "portal_dashboard", v)
	})(w, r)
}

// PortalUsers serves GET /superadmin/users/.
func (p *Pages) PortalUsers(w http.ResponseWriter, r *http.Request) {
	p.portalPage("users", "Users", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Data = map[string]any{"Statuses": model.Statuses}
		p.render(w, r, http.StatusOK, "portal_users", v)
	})(w, r)
}

// PortalCreateUser serves GET /superadmin/users/create/.
func (p *Pages) PortalCreateUser(w http.ResponseWriter, r *http.Request) {
	p.portalPage("create", "Create User", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Data = map[string]any{"Edit": false, "Statuses": model.Statuses, "Suffixes": model.Suffixes, "Departments": model.Departments}
		p.render(w, r, http.StatusOK, "portal_user_form", v)
	})(w, r)
}

// PortalEditUser serves GET /superadmin/users/<id>/edit/.
func (p *Pages) PortalEditUser(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.NotFound(w, r)
		return
	}
	p.portalPage("users", "Edit User", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Config.Page["user_id"] = id
		v.Data = map[string]any{"Edit": true, "Statuses": model.Statuses, "Suffixes": model.Suffixes, "Departments": model.Departments}
		p.render(w, r, http.StatusOK, "portal_user_form", v)
	})(w, r)
}

// PortalImport serves GET /superadmin/users/import/.
func (p *Pages) PortalImport(w http.ResponseWriter, r *http.Request) {
	p.portalPage("import", "Import Users", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Data = map[string]any{"Columns": "email, username, password, first_name, middle_name, last_name, suffix, phone_number, department, status, is_active, is_staff"}
		p.render(w, r, http.StatusOK, "portal_import", v)
	})(w, r)
}

// PortalAPIKeys serves GET /superadmin/api-keys/.
func (p *Pages) PortalAPIKeys(w http.ResponseWriter, r *http.Request) {
	p.portalPage("keys", "API Keys", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Scripts = []string{"js/admin_common.js", "js/api_keys.js"}
		v.Config.Page["keys_api"] = "/superadmin/api/keys/"
		p.render(w, r, http.StatusOK, "api_keys", v)
	})(w, r)
}

// PortalJobs serves GET /superadmin/jobs/.
func (p *Pages) PortalJobs(w http.ResponseWriter, r *http.Request) {
	p.portalPage("jobs", "Delivery Jobs", func(w http.ResponseWriter, r *http.Request, v *view) {
		v.Scripts = []string{"js/admin_common.js", "js/jobs.js"}
		v.Config.Page["jobs_api"] = "/superadmin/api/jobs/"
		p.render(w, r, http.StatusOK, "jobs", v)
	})(w, r)
}
