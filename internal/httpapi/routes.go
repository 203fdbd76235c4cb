package httpapi

import "net/http"

// Shorthands for the route table.
var (
	open        = access{tier: public}
	staffOnly   = access{tier: staff}
	anyAccess   = access{tier: anyAccount}
	anyUserRead = access{tier: anyAccount, scope: "users:read"}
	adminAccess = access{tier: anyAdmin}
	// Tiers of the user administration and TTS management routes.
	adminOrUserKey = access{tier: anyAdmin, scope: "users:read"}
	ttsAdminAccess = access{tier: ttsAdmin}
)

// routes lists every route authd serves with the access tier it requires.
// This table is the one place a security review reads: a route missing here
// does not exist. Paths respond with and without the trailing slash.
func (s *Server) routes() []route {
	a, ss, e, pg := s.Accounts, s.Sessions, s.Employees, s.Pages
	sec := s.Security
	return []route{
		// Staff sign-in.
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

		// Passwords.
		{pattern: "POST /api/v1/users/password/forgot/", access: open, handler: sec.Forgot},
		{pattern: "POST /api/v1/users/password/request-reset/", access: open, handler: sec.Forgot},
		{pattern: "POST /api/v1/users/password/reset/", access: open, handler: sec.Reset},
		{pattern: "POST /api/v1/users/password/reset/confirm/", access: open, handler: sec.Reset},
		{pattern: "POST /api/v1/users/password/change/", access: staffOnly, handler: sec.Change},
		{pattern: "POST /api/v1/users/profile/reset-password/", access: staffOnly, handler: sec.Change},
		{pattern: "POST /api/v1/users/change-password/", access: staffOnly, handler: sec.ChangeLegacy},
		{pattern: "POST /api/v1/users/verify-password/", access: staffOnly, handler: sec.VerifyPassword},
		{pattern: "POST /api/v1/users/password/verify/", access: staffOnly, handler: sec.VerifyPassword},

		// Two-factor authentication.
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

		// CAPTCHA.
		{pattern: "GET /api/v1/users/captcha/generate/", access: open, handler: s.Captcha.Generate},
		{pattern: "POST /api/v1/users/captcha/generate/", access: open, handler: s.Captcha.Generate},
		{pattern: "POST /api/v1/users/captcha/verify/", access: open, handler: s.Captcha.Verify},
		{pattern: "GET /api/v1/users/captcha/required/", access: open, handler: s.Captcha.Required},

		// Sign-in sessions of the caller, and the audit log.
		{pattern: "GET /api/v1/sessions/", access: anyAccess, handler: s.SecurityAPI.List},
		{pattern: "DELETE /api/v1/sessions/{id}/", access: anyAccess, handler: s.SecurityAPI.Revoke},
		{pattern: "POST /api/v1/sessions/revoke-all/", access: anyAccess, handler: s.SecurityAPI.RevokeAll},
		{pattern: "GET /api/v1/audit/", access: access{tier: superuser}, handler: s.SecurityAPI.Audit},

		// API keys of the internal endpoints.
		{pattern: "GET /api/v1/keys/", access: access{tier: superuser}, handler: s.APIKeys.List},
		{pattern: "POST /api/v1/keys/", access: access{tier: superuser}, handler: s.APIKeys.Create},
		{pattern: "GET /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Get},
		{pattern: "PATCH /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Update},
		{pattern: "DELETE /api/v1/keys/{id}/", access: access{tier: superuser}, handler: s.APIKeys.Revoke},
		{pattern: "POST /api/v1/keys/{id}/rotate/", access: access{tier: superuser}, handler: s.APIKeys.Rotate},

		// Delivery jobs (e-mails, sync messages, events) for superusers.
		{pattern: "GET /api/v1/jobs/", access: access{tier: superuser}, handler: s.Jobs.List},
		{pattern: "POST /api/v1/jobs/{id}/retry/", access: access{tier: superuser}, handler: s.Jobs.Retry},
		{pattern: "POST /api/v1/jobs/{id}/discard/", access: access{tier: superuser}, handler: s.Jobs.Discard},

		// Superadmin portal JSON API. Login checks the
		// origin like every sign-in; session answers its own 401 and 403.
		{pattern: "POST /superadmin/api/login/", access: open, setsCookies: true, handler: s.Portal.Login},
		{pattern: "GET /superadmin/api/session/", access: open, handler: s.Portal.Session},
		{pattern: "POST /superadmin/api/logout/", access: portalAccess, handler: s.Portal.Logout},
		{pattern: "GET /superadmin/api/users/", access: portalAccess, handler: s.Portal.ListUsers},
		{pattern: "POST /superadmin/api/users/create/", access: portalAccess, handler: s.Portal.CreateUser},
		{pattern: "POST /superadmin/api/users/bulk/", access: portalAccess, handler: s.Portal.Bulk},
		{pattern: "POST /superadmin/api/users/import/", access: portalAccess, handler: s.Portal.ImportUsers},
		{pattern: "GET /superadmin/api/users/export/", access: portalAccess, handler: s.Portal.ExportUsers},
		{pattern: "GET /superadmin/api/users/{id}/", access: portalAccess, handler: s.Portal.GetUser},
		{pattern: "PUT /superadmin/api/users/{id}/", access: portalAccess, handler: s.Portal.UpdateUser},
		{pattern: "DELETE /superadmin/api/users/{id}/", access: portalAccess, handler: s.Portal.DeleteUser},
		{pattern: "GET /superadmin/api/stats/", access: portalAccess, handler: s.Portal.Stats},
		{pattern: "GET /superadmin/api/jobs/", access: portalAccess, handler: s.Portal.JobHandlers().List},
		{pattern: "POST /superadmin/api/jobs/{id}/retry/", access: portalAccess, handler: s.Portal.JobHandlers().Retry},
		{pattern: "GET /superadmin/api/keys/", access: portalAccess, handler: s.APIKeys.List},
		{pattern: "POST /superadmin/api/keys/", access: portalAccess, handler: s.APIKeys.Create},
		{pattern: "GET /superadmin/api/keys/{id}/", access: portalAccess, handler: s.APIKeys.Get},
		{pattern: "PATCH /superadmin/api/keys/{id}/", access: portalAccess, handler: s.APIKeys.Update},
		{pattern: "DELETE /superadmin/api/keys/{id}/", access: portalAccess, handler: s.APIKeys.Revoke},
		{pattern: "POST /superadmin/api/keys/{id}/rotate/", access: portalAccess, handler: s.APIKeys.Rotate},

		// Systems, roles and role assignments.
		{pattern: "GET /api/v1/systems/public/", access: open, handler: s.RBAC.PublicSystems},
		{pattern: "GET /api/v1/systems/", access: adminAccess, handler: s.RBAC.ListSystems},
		{pattern: "POST /api/v1/systems/", access: staffOnly, handler: s.RBAC.CreateSystem},
		{pattern: "GET /api/v1/systems/{id}/", access: adminAccess, handler: s.RBAC.GetSystem},
		{pattern: "PUT /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.UpdateSystem},
		{pattern: "PATCH /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.UpdateSystem},
		{pattern: "DELETE /api/v1/systems/{id}/", access: staffOnly, handler: s.RBAC.DeleteSystem},
		{pattern: "GET /api/v1/roles/", access: adminAccess, handler: s.RBAC.ListRoles},
		{pattern: "POST /api/v1/roles/", access: adminAccess, handler: s.RBAC.CreateRole},
		{pattern: "GET /api/v1/roles/{id}/", access: adminAccess, handler: s.RBAC.GetRole},
		{pattern: "PUT /api/v1/roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateRole},
		{pattern: "PATCH /api/v1/roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateRole},
		{pattern: "DELETE /api/v1/roles/{id}/", access: adminAccess, handler: s.RBAC.DeleteRole},
		{pattern: "GET /api/v1/system-roles/user-system-roles/", access: adminAccess, handler: s.RBAC.ListAssignments},
		{pattern: "POST /api/v1/system-roles/user-system-roles/", access: adminAccess, handler: s.RBAC.CreateAssignment},
		{pattern: "GET /api/v1/system-roles/user-system-roles/{id}/", access: adminAccess, handler: s.RBAC.GetAssignment},
		{pattern: "PUT /api/v1/system-roles/user-system-roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateAssignment},
		{pattern: "PATCH /api/v1/system-roles/user-system-roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateAssignment},
		{pattern: "DELETE /api/v1/system-roles/user-system-roles/{id}/", access: adminAccess, handler: s.RBAC.DeleteAssignment},
		{pattern: "GET /api/v1/system-roles/user-system-roles/system/{slug}/roles/", access: adminAccess, handler: s.RBAC.SystemRoles},
		{pattern: "GET /api/v1/system-roles/systems/{slug}/users/", access: adminAccess, handler: s.RBAC.SystemUsers},
		{pattern: "POST /api/v1/system-roles/user-system-roles/edit-settings/", access: adminAccess, handler: s.RBAC.EditSettings},
		{pattern: "GET /api/v1/system-roles/", access: adminAccess, handler: s.RBAC.ListAssignments},
		{pattern: "POST /api/v1/system-roles/", access: adminAccess, handler: s.RBAC.CreateAssignment},
		{pattern: "GET /api/v1/system-roles/{id}/", access: adminAccess, handler: s.RBAC.GetAssignment},
		{pattern: "PUT /api/v1/system-roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateAssignment},
		{pattern: "PATCH /api/v1/system-roles/{id}/", access: adminAccess, handler: s.RBAC.UpdateAssignment},
		{pattern: "DELETE /api/v1/system-roles/{id}/", access: adminAccess, handler: s.RBAC.DeleteAssignment},
		{pattern: "GET /api/v1/system-roles/system/{slug}/roles/", access: adminAccess, handler: s.RBAC.SystemRoles},
		{pattern: "POST /api/v1/system-roles/invite/", access: adminAccess, handler: s.Invitations.Invite},
		{pattern: "POST /api/v1/system-roles/invite/resend/", access: adminAccess, handler: s.Invitations.Resend},

		// Staff user administration.
		{pattern: "GET /api/v1/users/list/", access: anyAccess, handler: s.UserAdmin.ListUsers},
		{pattern: "GET /api/v1/users/agents/", access: anyAccess, handler: s.UserAdmin.ListUsers},
		{pattern: "GET /api/v1/users/management/", access: anyAccess, handler: s.UserAdmin.ListUsers},
		{pattern: "POST /api/v1/users/management/", access: staffOnly, handler: s.UserAdmin.CreateUser},
		{pattern: "GET /api/v1/users/{id}/", access: adminOrUserKey, handler: s.UserAdmin.GetUser},
		{pattern: "PUT /api/v1/users/{id}/", access: adminAccess, handler: s.UserAdmin.UpdateUser},
		{pattern: "PATCH /api/v1/users/{id}/", access: adminAccess, handler: s.UserAdmin.UpdateUser},
		{pattern: "DELETE /api/v1/users/{id}/", access: staffOnly, handler: s.UserAdmin.DeleteUser},
		{pattern: "GET /api/v1/users/management/{id}/", access: adminOrUserKey, handler: s.UserAdmin.GetUser},
		{pattern: "PUT /api/v1/users/management/{id}/", access: adminAccess, handler: s.UserAdmin.UpdateUser},
		{pattern: "PATCH /api/v1/users/management/{id}/", access: adminAccess, handler: s.UserAdmin.UpdateUser},
		{pattern: "DELETE /api/v1/users/management/{id}/", access: staffOnly, handler: s.UserAdmin.DeleteUser},
		{pattern: "GET /api/v1/users/invite-agent/", access: staffOnly, handler: s.UserAdmin.InviteAgentForm},
		{pattern: "POST /api/v1/users/invite-agent/", access: staffOnly, handler: s.UserAdmin.InviteAgent},
		{pattern: "GET /api/v1/users/invite_agent/", access: staffOnly, handler: s.UserAdmin.InviteAgentForm},
		{pattern: "POST /api/v1/users/invite_agent/", access: staffOnly, handler: s.UserAdmin.InviteAgent},
		{pattern: "GET /api/v1/users/management/invite_agent/", access: staffOnly, handler: s.UserAdmin.InviteAgentForm},
		{pattern: "POST /api/v1/users/management/invite_agent/", access: staffOnly, handler: s.UserAdmin.InviteAgent},

		// TTS routes and internal lookups.
		{pattern: "GET /api/v1/tts/", access: open, handler: s.Integration.TTSRoot},
		{pattern: "GET /api/v1/tts/round-robin/", access: access{tier: staff, scope: "assignments:read", legacyOpen: true}, handler: s.Integration.RoundRobin},
		{pattern: "GET /api/v1/tts/user-info/{user_id}/", access: access{tier: staff, scope: "users:read", legacyOpen: true}, handler: s.Integration.UserInfo},
		{pattern: "POST /api/v1/tts/users-info/", access: access{tier: staff, scope: "users:read", legacyOpen: true}, handler: s.Integration.UsersInfo},
		{pattern: "GET /api/v1/tts/assign-agent-to-role/", access: ttsAdminAccess, handler: s.Integration.AssignmentsOfTTS},
		{pattern: "POST /api/v1/tts/assign-agent-to-role/", access: ttsAdminAccess, handler: s.Integration.AssignToTTSRole},
		{pattern: "GET /api/v1/tts/assign-agent-to-role-form/", access: ttsAdminAccess, handler: s.Integration.AssignmentForm, html: pg.AssignRole},
		{pattern: "GET /api/v1/tts/assign-role/", access: ttsAdminAccess, handler: s.Integration.AssignmentForm, html: pg.AssignRole},
		{pattern: "GET /assign-role/", access: ttsAdminAccess, handler: s.Integration.AssignmentForm, html: pg.AssignRole},
		{pattern: "GET /api/v1/tts/create-role/", access: staffOnly, handler: s.Integration.SystemRolesForAdmin},
		{pattern: "POST /api/v1/tts/create-role/", access: staffOnly, handler: s.Integration.CreateRoleForAdmin},
		{pattern: "PUT /api/v1/tts/update-assignment/{id}/", access: staffOnly, handler: s.Integration.UpdateTTSAssignment},
		{pattern: "PATCH /api/v1/tts/update-assignment/{id}/", access: staffOnly, handler: s.Integration.UpdateTTSAssignment},
		{pattern: "DELETE /api/v1/tts/update-assignment/{id}/", access: staffOnly, handler: s.Integration.DeleteTTSAssignment},
		{pattern: "GET /api/v1/users/internal/{id}/", access: access{tier: keyOnly, scope: "users:read", legacyOpen: true}, handler: s.Integration.InternalUser},

		// HDTS employees: registration, sign-in, profile, passwords, 2FA
		//. Staff tokens get 403 wrong_user_type.
		{pattern: "POST /api/v1/hdts/employees/api/register/", access: open, setsCookies: true, handler: e.Register},
		{pattern: "POST /api/v1/hdts/employees/api/login/", access: open, setsCookies: true, handler: e.Login},
		{pattern: "POST /api/v1/hdts/employees/api/token/refresh/", access: open, setsCookies: true, handler: e.Refresh},
		{pattern: "GET /api/v1/hdts/employees/api/me/", access: anyAccess, handler: ss.Me},
		{pattern: "GET /api/v1/hdts/employees/api/profile/", access: access{tier: employee}, handler: e.GetProfile},
		{pattern: "PATCH /api/v1/hdts/employees/api/profile/", access: access{tier: employee}, handler: e.UpdateProfile(false)},
		{pattern: "PUT /api/v1/hdts/employees/api/profile/", access: access{tier: employee}, handler: e.UpdateProfile(true)},
		{pattern: "POST /api/v1/hdts/employees/api/profile/change-password/", access: access{tier: employee}, setsCookies: true, handler: e.ChangePassword},
		{pattern: "POST /api/v1/hdts/employees/api/password/forgot/", access: open, handler: e.ForgotPassword},
		{pattern: "POST /api/v1/hdts/employees/api/password/reset/", access: open, handler: e.ResetPassword},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/enable/", access: access{tier: employee}, handler: e.Enable2FA},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/disable/", access: access{tier: employee}, handler: e.Disable2FA},
		{pattern: "GET /api/v1/hdts/employees/api/2fa/status/", access: access{tier: employee}, handler: e.Status2FA},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/verify-otp/", access: open, setsCookies: true, handler: e.VerifyOTP},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/request-otp/", access: open, handler: e.RequestOTP},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/totp/setup/", access: access{tier: employee}, handler: e.SetupTOTP},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/totp/confirm/", access: access{tier: employee}, handler: e.ConfirmTOTP},
		{pattern: "DELETE /api/v1/hdts/employees/api/2fa/totp/", access: access{tier: employee}, handler: e.RemoveTOTP},
		{pattern: "POST /api/v1/hdts/employees/api/2fa/recovery-codes/", access: access{tier: employee}, handler: e.RecoveryCodes},

		// HDTS user management and lookups.
		{pattern: "GET /api/v1/hdts/user-management/pending/api/", access: access{tier: hdtsStaff}, handler: e.Pending},
		{pattern: "GET /api/v1/hdts/user-management/users/api/", access: access{tier: hdtsStaff}, handler: e.Users},
		{pattern: "POST /api/v1/hdts/user-management/update-status/{id}/", access: access{tier: hdtsAdmin}, handler: e.UpdateStatus},
		{pattern: "PATCH /api/v1/hdts/user-management/update-status/{id}/", access: access{tier: hdtsAdmin}, handler: e.UpdateStatus},
		{pattern: "GET /api/v1/hdts/user-management/update-status/{id}/", access: open, handler: e.UpdateStatusNotAllowed},
		{pattern: "PUT /api/v1/hdts/user-management/update-status/{id}/", access: open, handler: e.UpdateStatusNotAllowed},
		{pattern: "DELETE /api/v1/hdts/user-management/update-status/{id}/", access: open, handler: e.UpdateStatusNotAllowed},
		{pattern: "GET /api/v1/hdts/employees/internal/{id}/", access: access{tier: keyOnly, scope: "employees:read", legacyOpen: true}, handler: e.Internal},
		{pattern: "GET /api/v1/hdts/users/{id}/", access: access{tier: staff, scope: "users:read", legacyOpen: true}, handler: e.HDTSUser},
		{pattern: "GET /api/v1/hdts/", access: open, handler: e.Root},
		{pattern: "GET /api/v1/hdts/employees/", access: open, handler: e.EmployeesRoot},

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
		{pattern: "GET /api/docs/docs.js", access: open, page: true, handler: s.docsScript},
		{pattern: "GET /api/docs/docs.css", access: open, page: true, handler: s.docsStyle},
		{pattern: "GET /media/profile_pics/{file...}", access: open, handler: s.Media.Handler().ServeHTTP},
		{pattern: "GET /admin/{rest...}", access: open, page: true, handler: redirectTo("/superadmin/")},

		// Browser pages. Each page applies its own access rule
		// (internal/web): it redirects to a sign-in page or renders the 403
		// page instead of answering 401/403 JSON.
		{pattern: "GET /static/{path...}", access: open, page: true, handler: pg.ServeStatic},
		{pattern: "GET /favicon.ico", access: open, page: true, handler: pg.Favicon},
		{pattern: "GET /", access: open, page: true, handler: pg.Root},
		{pattern: "GET /forgot-password/", access: open, page: true, handler: pg.ForgotPassword},
		{pattern: "GET /employees/reset-password/", access: open, page: true, handler: pg.LegacyEmployeeReset},
		{pattern: "GET /staff/login/", access: open, page: true, handler: pg.StaffLogin},
		{pattern: "POST /staff/login/", access: open, page: true, setsCookies: true, handler: pg.StaffLoginSubmit},
		{pattern: "GET /api/v1/users/login/ui/", access: open, page: true, handler: pg.StaffLogin},
		{pattern: "POST /api/v1/users/login/ui/", access: open, page: true, setsCookies: true, handler: pg.StaffLoginSubmit},
		{pattern: "POST /staff/request-otp/", access: open, page: true, handler: pg.StaffRequestOTP},
		{pattern: "POST /api/v1/users/login/request-otp/", access: open, page: true, handler: pg.StaffRequestOTP},
		{pattern: "GET /api/v1/users/welcome/", access: open, page: true, handler: pg.Welcome},
		{pattern: "POST /api/v1/users/welcome/", access: open, page: true, handler: pg.WelcomeSubmit},
		{pattern: "GET /staff/settings/profile/", access: open, page: true, handler: pg.StaffProfile},
		{pattern: "POST /staff/settings/profile/", access: open, page: true, handler: pg.StaffProfileSubmit},
		{pattern: "GET /staff/settings/security/", access: open, page: true, handler: pg.StaffSecurity},
		{pattern: "GET /staff/password-change/", access: open, page: true, handler: pg.StaffPasswordChange},
		{pattern: "GET /api/v1/users/password/change/ui/", access: open, page: true, handler: pg.StaffPasswordChange},
		{pattern: "GET /api/v1/users/password/reset/", access: open, page: true, handler: pg.StaffReset},
		{pattern: "GET /email/confirm/", access: open, page: true, handler: pg.EmailConfirm},
		{pattern: "GET /login/", access: open, page: true, handler: pg.EmployeeLogin},
		{pattern: "GET /verify-otp/", access: open, page: true, handler: pg.EmployeeVerifyOTP},
		{pattern: "GET /register/", access: open, page: true, handler: pg.EmployeeRegister},
		{pattern: "POST /register/", access: open, page: true, handler: pg.EmployeeRegisterSubmit},
		{pattern: "GET /api/v1/hdts/register/", access: open, page: true, handler: pg.EmployeeRegister},
		{pattern: "POST /api/v1/hdts/register/", access: open, page: true, handler: pg.EmployeeRegisterSubmit},
		{pattern: "GET /reset-password/", access: open, page: true, handler: pg.EmployeeReset},
		{pattern: "GET /profile-settings/", access: open, page: true, handler: pg.EmployeeProfile},
		{pattern: "GET /change-password/", access: open, page: true, handler: pg.EmployeePasswordChange},
		{pattern: "GET /security-settings/", access: open, page: true, handler: pg.EmployeeSecurity},
		{pattern: "GET /staff/agent-management/", access: open, page: true, handler: pg.AgentManagement},
		{pattern: "GET /staff/invite-agent/", access: open, page: true, handler: pg.InviteAgent},
		{pattern: "GET /staff/role-management/", access: open, page: true, handler: pg.RoleManagement},
		{pattern: "GET /api/v1/tts/role-management/", access: open, page: true, handler: pg.RoleManagement},
		{pattern: "GET /api/v1/tts/manage-assignments/", access: open, page: true, handler: pg.ManageAssignments},
		{pattern: "GET /api/v1/hdts/user-management/pending/", access: open, page: true, handler: pg.PendingRegistrations},
		{pattern: "GET /staff/api-keys/", access: open, page: true, handler: pg.StaffAPIKeys},
		{pattern: "GET /staff/jobs/", access: open, page: true, handler: pg.StaffJobs},
		{pattern: "GET /superadmin/login/", access: open, page: true, handler: pg.PortalLogin},
		{pattern: "POST /superadmin/login/", access: open, page: true, setsCookies: true, handler: pg.PortalLoginSubmit},
		{pattern: "GET /superadmin/logout/", access: open, page: true, handler: pg.PortalLogout},
		{pattern: "POST /superadmin/logout/", access: open, page: true, handler: pg.PortalLogout},
		{pattern: "GET /superadmin/", access: open, page: true, handler: pg.PortalDashboard},
		{pattern: "GET /superadmin/users/", access: open, page: true, handler: pg.PortalUsers},
		{pattern: "GET /superadmin/users/create/", access: open, page: true, handler: pg.PortalCreateUser},
		{pattern: "GET /superadmin/users/{id}/edit/", access: open, page: true, handler: pg.PortalEditUser},
		{pattern: "GET /superadmin/users/import/", access: open, page: true, handler: pg.PortalImport},
		{pattern: "GET /superadmin/api-keys/", access: open, page: true, handler: pg.PortalAPIKeys},
		{pattern: "GET /superadmin/jobs/", access: open, page: true, handler: pg.PortalJobs},
	}
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}
}
