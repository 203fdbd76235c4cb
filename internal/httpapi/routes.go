package httpapi

import "net/http"

// Shorthands for the route table.
var (
	open        = access{tier: public}
	staffOnly   = access{tier: staff}
	anyAccess   = access{tier: anyAccount}
	anyUserRead = access{tier: anyAccount, scope: "users:read"}
)

// routes lists every route authd serves with the access tier it requires.
// This table is the one place a security review reads: a route missing here
// does not exist. Paths respond with and without the trailing slash.
func (s *Server) routes() []route {
	a, ss := s.Accounts, s.Sessions
	return []route{
		// Staff sign-in (api-auth section 2).
		{pattern: "POST /api/v1/users/login/api/", access: open, setsCookies: true, handler: a.LoginAPI},
		{pattern: "POST /token/", access: open, setsCookies: true, handler: a.TokenObtain},
		{pattern: "POST /api/v1/token/obtain/", access: open, setsCookies: true, handler: a.TokenObtain},
		{pattern: "POST /api/v1/users/login/", access: open, setsCookies: true, handler: a.TokenObtain},

		// Refresh, verification, the current account (sections 3 and 4).
		{pattern: "POST /api/v1/token/refresh/", access: open, setsCookies: true, handler: ss.Refresh},
		{pattern: "POST /api/v1/token/refresh/cookie/", access: open, setsCookies: true, handler: ss.RefreshCookie(false)},
		{pattern: "POST /api/v1/users/token/refresh/", access: open, setsCookies: true, handler: ss.RefreshCookie(true)},
		{pattern: "POST /api/v1/token/verify/", access: open, handler: ss.Verify},
		{pattern: "GET /api/v1/users/token/validate/", access: anyAccess, handler: ss.Validate},
		{pattern: "GET /api/v1/token/validate/", access: anyAccess, handler: ss.Validate},
		{pattern: "GET /api/me/", access: anyAccess, handler: ss.Me},

		// Logout (section 5).
		{pattern: "POST /api/v1/users/logout/", access: open, handler: ss.Logout("Logout successful")},
		{pattern: "POST /api/v1/token/logout/", access: open, handler: ss.Logout("Logout successful")},
		{pattern: "POST /logout/", access: open, handler: ss.Logout("Logout successful")},
		{pattern: "GET /logout/", access: open, handler: ss.LogoutRedirect},
		{pattern: "GET /api/v1/users/logout/ui/", access: open, handler: ss.LogoutRedirect},
		{pattern: "POST /api/v1/hdts/employees/api/logout/", access: open, handler: ss.Logout("Successfully logged out")},

		// Registration and profile (section 6).
		{pattern: "POST /api/v1/users/register/", access: open, setsCookies: true, handler: a.Register},
		{pattern: "GET /api/v1/users/profile/", access: staffOnly, handler: a.GetProfile},
		{pattern: "PATCH /api/v1/users/profile/", access: staffOnly, handler: a.UpdateProfile},
		{pattern: "PUT /api/v1/users/profile/", access: staffOnly, handler: a.UpdateProfile},
		{pattern: "POST /api/v1/users/email/confirm/", access: open, handler: a.ConfirmEmail},
		{pattern: "GET /api/v1/users/profile/by-company/{company_id}/", access: anyUserRead, handler: ss.ByCompany},

		// Link maps, health, the API description, uploaded pictures (section 10).
		{pattern: "GET /api/", access: open, handler: s.apiRoot},
		{pattern: "GET /api/v1/", access: open, handler: s.apiV1Root},
		{pattern: "GET /api/v1/token/", access: open, handler: s.tokenRoot},
		{pattern: "GET /api/v1/users/", access: open, handler: s.usersRoot},
		{pattern: "GET /health/", access: open, handler: s.health},
		{pattern: "GET /health/ready/", access: open, handler: s.ready},
		{pattern: "GET /api/schema/", access: open, handler: s.schema},
		{pattern: "GET /api/docs/", access: open, handler: s.docs},
		{pattern: "GET /docs/", access: open, handler: s.docs},
		{pattern: "GET /media/profile_pics/{file...}", access: open, handler: s.Media.Handler().ServeHTTP},
		{pattern: "GET /admin/{rest...}", access: open, page: true, handler: redirectTo("/superadmin/")},
	}
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}
}
