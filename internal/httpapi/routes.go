package httpapi

import "net/http"

// Shorthands for the route table.
var (
	open         = access{tier: public}
	staffOnly    = access{tier: staff}
	anyAccess    = access{tier: anyAccount}
	anyUserRead  = access{tier: anyAccount, scope: "users:read"}
	anyAdminOnly = access{tier: anyAdmin}
)

// routes lists every route authd serves with the access tier it requires.
// This table is the one place a security review reads: a route missing here
// does not exist. Paths respond with and without the trailing slash.
func (s *Server) routes() []route {
	a, ss := s.Accounts, s.Sessions
	sec := s.Security
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
		{pattern: "POST /api/v1/users/register/", access: open, setsCookies: true, handler: s.Security.LimitRegistration(a.Register)},
		{pattern: "GET /api/v1/users/profile/", access: staffOnly, handler: a.GetProfile},
		{pattern: "PATCH /api/v1/users/profile/", access: staffOnly, handler: a.UpdateProfile},
		{pattern: "PUT /api/v1/users/profile/", access: staffOnly, handler: a.UpdateProfile},
		{pattern: "POST /api/v1/users/email/confirm/", access: open, handler: a.ConfirmEmail},
		{pattern: "GET /api/v1/users/profile/by-company/{company_id}/", access: anyUserRead, handler: ss.ByCompany},

		// Passwords (api-auth section 7).
		{pattern: "POST /api/v1/users/password/forgot/", access: open, handler: sec.Forgot},
		{pattern: "POST /api/v1/users/password/request-reset/", access: open, handler: sec.Forgot},
		{pattern: "POST /api/v1/users/password/reset/", access: open, handler: sec.Reset},
		{pattern: "POST /api/v1/users/password/reset/confirm/", access: open, handler: sec.Reset},
		{pattern: "POST /api/v1/users/password/change/", access: staffOnly, handler: sec.Change},
		{pattern: "POST /api/v1/users/profile/reset-password/", access: staffOnly, handler: sec.Change},
		{pattern: "POST /api/v1/users/change-password/", access: staffOnly, handler: sec.ChangeLegacy},
		{pattern: "POST /api/v1/users/verify-password/", access: staffOnly, handler: sec.VerifyPassword},
		{pattern: "POST /api/v1/users/password/verify/", access: staffOnly, handler: sec.VerifyPassword},

		// Two-factor authentication (api-auth sections 2.2 and 8).
		{pattern: "POST /api/v1/users/login/verify-otp/", access: open, setsCookies: true, handler: sec.VerifyOTP},
		{pattern: "POST /api/v1/users/2fa/request-otp/", access: open, handler: sec.RequestOTP},
		{pattern: "POST /api/v1/users/2fa/request-otp-authenticated/", access: staffOnly, handler: sec.RequestOTPAuthenticated},
		{pattern: "GET /api/v1/users/2fa/status/", access: staffOnly, handler: sec.Status},
		{pattern: "POST /api/v1/users/2fa/enable/", access: staffOnly, handler: sec.Enable},
		{pattern: "POST /api/v1/users/2fa/disable/", access: staffOnly, handler: sec.Disable},
		{pattern: "POST /api/v1/users/verify-disable-otp/", access: staffOnly, handler: sec.VerifyDisable},
		{pattern: "POST /api/v1/users/2fa/totp/setup/", access: staffOnly, handler: sec.SetupTOTP},
		{pattern: "POST /api/v1/users/2fa/totp/confirm/", access: staffOnly, handler: sec.ConfirmTOTP},
		{pattern: "DELETE /api/v1/users/2fa/totp/", access: staffOnly, handler: sec.RemoveTOTP},
		{pattern: "POST /api/v1/users/2fa/recovery-codes/", access: staffOnly, handler: sec.RecoveryCodes},

		// CAPTCHA (api-auth section 9).
		{pattern: "GET /api/v1/users/captcha/generate/", access: open, handler: s.Captcha.Generate},
		{pattern: "POST /api/v1/users/captcha/generate/", access: open, handler: s.Captcha.Generate},
		{pattern: "POST /api/v1/users/captcha/verify/", access: open, handler: s.Captcha.Verify},
		{pattern: "GET /api/v1/users/captcha/required/", access: open, handler: s.Captcha.Required},

		// Sign-in sessions of the caller, and the audit log.
		{pattern: "GET /api/v1/sessions/", access: anyAccess, handler: s.SecurityAPI.List},
		{pattern: "DELETE /api/v1/sessions/{id}/", access: anyAccess, handler: s.SecurityAPI.Revoke},
		{pattern: "POST /api/v1/sessions/revoke-all/", access: anyAccess, handler: s.SecurityAPI.RevokeAll},
		{pattern: "GET /api/v1/audit/", access: access{tier: superuser}, handler: s.SecurityAPI.Audit},

		// API keys of the internal endpoints (api-admin section 7).
		{pattern: "GET /api/v1/keys/", access: access{tier: superuser}, handler: s.APIKeys.List},
		{pattern: "POST /api/v1/keys/", access: access{tier: superuser}, handler: s.APIKeys.Create},
		{pattern: "GET /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Get},
		{pattern: "PATCH /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Update},
		{pattern: "DELETE /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Revoke},
		{pattern: "POST /api/v1/keys/{id}/rotate/", access: access{tier: superuser}, handler: s.APIKeys.Rotate},

		// Systems, roles and role assignments (api-admin sections 2 to 4).
		{pattern: "GET /api/v1/systems/public/", access: open, handler: s.RBAC.PublicSystems},
		{pattern: "GET /api/v1/systems/", access: anyAdminOnly, handler: s.RBAC.ListSystems},
		{pattern: "POST /api/v1/systems/", access: staffOnly, handler: s.RBAC.CreateSystem},
		{pattern: "GET /api/v1/systems/{id}/", access: anyAdminOnly, handler: s.RBAC.GetSystem},
		{pattern: "PUT /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.UpdateSystem},
		{pattern: "PATCH /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.UpdateSystem},
		{pattern: "DELETE /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.DeleteSystem},
		{pattern: "GET /api/v1/roles/", access: anyAdminOnly, handler: s.RBAC.ListRoles},
		{pattern: "POST /api/v1/roles/", access: anyAdminOnly, handler: s.RBAC.CreateRole},
		{pattern: "GET /api/v1/roles/{id}/", access: anyAdminOnly, handler: s.RBAC.GetRole},
		{pattern: "PUT /api/v1/roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateRole},
		{pattern: "PATCH /api/v1/roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateRole},
		{pattern: "DELETE /api/v1/roles/{id}/", access: anyAdminOnly, handler: s.RBAC.DeleteRole},
		{pattern: "GET /api/v1/system-roles/user-system-roles/", access: anyAdminOnly, handler: s.RBAC.ListAssignments},
		{pattern: "POST /api/v1/system-roles/user-system-roles/", access: anyAdminOnly, handler: s.RBAC.CreateAssignment},
		{pattern: "GET /api/v1/system-roles/user-system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.GetAssignment},
		{pattern: "PUT /api/v1/system-roles/user-system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateAssignment},
		{pattern: "PATCH /api/v1/system-roles/user-system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateAssignment},
		{pattern: "DELETE /api/v1/system-roles/user-system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.DeleteAssignment},
		{pattern: "GET /api/v1/system-roles/user-system-roles/system/{slug}/roles/", access: anyAdminOnly, handler: s.RBAC.SystemRoles},
		{pattern: "GET /api/v1/system-roles/systems/{slug}/users/", access: anyAdminOnly, handler: s.RBAC.SystemUsers},
		{pattern: "POST /api/v1/system-roles/user-system-roles/edit-settings/", access: anyAdminOnly, handler: s.RBAC.EditSettings},
		{pattern: "GET /api/v1/system-roles/", access: anyAdminOnly, handler: s.RBAC.ListAssignments},
		{pattern: "POST /api/v1/system-roles/", access: anyAdminOnly, handler: s.RBAC.CreateAssignment},
		{pattern: "GET /api/v1/system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.GetAssignment},
		{pattern: "PUT /api/v1/system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateAssignment},
		{pattern: "PATCH /api/v1/system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.UpdateAssignment},
		{pattern: "DELETE /api/v1/system-roles/{id}/", access: anyAdminOnly, handler: s.RBAC.DeleteAssignment},
		{pattern: "GET /api/v1/system-roles/system/{slug}/roles/", access: anyAdminOnly, handler: s.RBAC.SystemRoles},
		{pattern: "POST /api/v1/system-roles/invite/", access: anyAdminOnly, handler: s.Invitations.Invite},
		{pattern: "POST /api/v1/system-roles/invite/resend/", access: anyAdminOnly, handler: s.Invitations.Resend},

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
