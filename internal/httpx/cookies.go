package httpx

import (
	"net/http"
	"time"

	"github.com/mapactive/authd/internal/tokens"
)

// Cookie names shared with the downstream frontends.
const (
	AccessCookie   = "access_token"
	RefreshCookie  = "refresh_token"
	SelectedSystem = "selected_system"
	CSRFCookie     = "csrftoken"
	// AdminCookie holds the superadmin portal session id (Path /superadmin/).
	AdminCookie = "authd_admin"
)

// Cookies writes and clears the authentication cookies with the configured
// attributes.
type Cookies struct {
	Domain         string // COOKIE_DOMAIN; empty gives host-only cookies
	Secure         bool
	AccessHTTPOnly bool // false lets frontend scripts read access_token (AMS)
	Now            func() time.Time
}

// SetPair sets access_token and refresh_token for a pair. A family signed in
// without "remember me" gets session cookies.
func (c Cookies) SetPair(w http.ResponseWriter, pair *tokens.Pair) {
	now := c.Now()
	access := &http.Cookie{Name: AccessCookie, Value: pair.Access, Path: "/", Domain: c.Domain,
		HttpOnly: c.AccessHTTPOnly, Secure: c.Secure, SameSite: http.SameSiteLaxMode}
	refresh := &http.Cookie{Name: RefreshCookie, Value: pair.Refresh, Path: "/", Domain: c.Domain,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode}
	if pair.RememberMe {
		access.MaxAge = positiveSeconds(pair.AccessExpiresAt.Sub(now))
		refresh.MaxAge = positiveSeconds(pair.RefreshExpiresAt.Sub(now))
	}
	http.SetCookie(w, access)
	http.SetCookie(w, refresh)
}

// ClearAuth expires access_token, refresh_token and selected_system. With a
// cookie domain configured, host-only cookies of the same names are expired
// too, because a browser keeps both kinds side by side.
func (c Cookies) ClearAuth(w http.ResponseWriter) {
	for _, name := range []string{AccessCookie, RefreshCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", Domain: c.Domain, MaxAge: -1,
			HttpOnly: name == RefreshCookie || c.AccessHTTPOnly, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
		if c.Domain != "" {
			http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode})
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SelectedSystem, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// positiveSeconds rounds d up to whole seconds, at least 1, so a cookie
// set a fraction of a second after issue still lives the full lifetime.
func positiveSeconds(d time.Duration) int {
	seconds := int((d + time.Second - 1) / time.Second)
	if seconds < 1 {
		return 1
	}
	return seconds
}
