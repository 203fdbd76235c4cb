package web

import (
	"errors"
	"net/http"

	"github.com/mapactive/authd/internal/onetime"
)

// StaffReset serves GET /api/v1/users/password/reset/?token=: the form that
// sets a new password from a reset link or an invitation link. A missing,
// used or expired token shows the invalid-link state with status 400.
func (p *Pages) StaffReset(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	v := p.newView("Reset Your Password", "js/password_strength.js", "js/staff_reset.js")
	v.BodyClass = "centered"
	data := map[string]any{"Valid": false, "Heading": "Reset Your Password"}
	v.Data = data
	if token == "" || len(token) > 512 {
		p.render(w, r, http.StatusBadRequest, "staff_reset", v)
		return
	}
	row, err := onetime.Lookup(r.Context(), p.DB, p.Now(), token, onetime.Reset, onetime.Invite)
	switch {
	case errors.Is(err, onetime.ErrInvalid):
		p.render(w, r, http.StatusBadRequest, "staff_reset", v)
		return
	case err != nil:
		p.ServerError(w, r, err)
		return
	case row.SubjectType != "staff":
		p.render(w, r, http.StatusBadRequest, "staff_reset", v)
		return
	}
	data["Valid"] = true
	if row.Purpose == onetime.Invite {
		data["Heading"] = "Set Your Password"
	}
	v.Config.Page["token"] = token
	p.render(w, r, http.StatusOK, "staff_reset", v)
}
