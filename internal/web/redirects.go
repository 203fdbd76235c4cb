package web

import "net/http"

// Root serves GET /: the staff sign-in page is authd's front door.
func (p *Pages) Root(w http.ResponseWriter, r *http.Request) {
	p.redirect(w, r, "/staff/login/")
}

// ForgotPassword serves GET /forgot-password/: the sign-in page opens in
// its forgot-password mode.
func (p *Pages) ForgotPassword(w http.ResponseWriter, r *http.Request) {
	p.redirect(w, r, "/staff/login/?mode=forgot")
}

// LegacyEmployeeReset serves GET /employees/reset-password/, the path older
// reset e-mails linked to, with a permanent redirect that keeps the query.
func (p *Pages) LegacyEmployeeReset(w http.ResponseWriter, r *http.Request) {
	target := "/reset-password/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}
