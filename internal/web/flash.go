package web

import (
	"net/http"
)

// flashCookie carries a notice across a redirect. It holds a code from
// flashes, never free text, so nothing a request sends is shown back.
const flashCookie = "authd_flash"

// flashes are the notices a redirect can carry.
var flashes = map[string]toast{
	"no-systems":      {"error", "No systems are assigned to your account. Please contact support."},
	"admin-only":      {"error", "You do not have permission to access that page."},
	"profile-saved":   {"success", "Profile updated successfully."},
	"otp-requested":   {"info", "If the account exists and has two-factor authentication enabled, a code has been sent."},
	"signed-out":      {"info", "You have been signed out."},
	"session-expired": {"warning", "Your session has ended. Please sign in again."},
	"registered":      {"success", "Your account has been created. An administrator will review it; you can sign in once it is approved."},
}

// setFlash makes the next page the browser renders show a notice.
func (p *Pages) setFlash(w http.ResponseWriter, code string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: code, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: p.Cookies.Secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the pending notice and clears it.
func (p *Pages) takeFlash(w http.ResponseWriter, r *http.Request) *toast {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: p.Cookies.Secure, SameSite: http.SameSiteLaxMode})
	if t, ok := flashes[c.Value]; ok {
		return &t
	}
	return nil
}
