package employees

import "net/http"

import "github.com/mapactive/authd/internal/httpx"

// links writes a link map of absolute URLs built from the public URL.
func (h *Handlers) links(w http.ResponseWriter, paths map[string]string) {
	out := make(map[string]string, len(paths))
	for name, path := range paths {
		out[name] = h.svc.cfg.PublicURL + path
	}
	httpx.JSON(w, http.StatusOK, out)
}

// Root serves GET /api/v1/hdts/.
func (h *Handlers) Root(w http.ResponseWriter, r *http.Request) {
	h.links(w, map[string]string{
		"register":           "/api/v1/hdts/register/",
		"pending_users":      "/api/v1/hdts/user-management/pending/",
		"pending_users_api":  "/api/v1/hdts/user-management/pending/api/",
		"all_users_api":      "/api/v1/hdts/user-management/users/api/",
		"update_user_status": "/api/v1/hdts/user-management/update-status/{user_id}/",
		"employees":          "/api/v1/hdts/employees/",
	})
}

// EmployeesRoot serves GET /api/v1/hdts/employees/: the employee routes.
func (h *Handlers) EmployeesRoot(w http.ResponseWriter, r *http.Request) {
	const prefix = "/api/v1/hdts/employees/api/"
	h.links(w, map[string]string{
		"register":           prefix + "register/",
		"login":              prefix + "login/",
		"verify_otp":         prefix + "2fa/verify-otp/",
		"request_otp":        prefix + "2fa/request-otp/",
		"token_refresh":      prefix + "token/refresh/",
		"logout":             prefix + "logout/",
		"me":                 prefix + "me/",
		"profile":            prefix + "profile/",
		"change_password":    prefix + "profile/change-password/",
		"password_forgot":    prefix + "password/forgot/",
		"password_reset":     prefix + "password/reset/",
		"2fa_enable":         prefix + "2fa/enable/",
		"2fa_disable":        prefix + "2fa/disable/",
		"2fa_status":         prefix + "2fa/status/",
		"2fa_totp_setup":     prefix + "2fa/totp/setup/",
		"2fa_totp_confirm":   prefix + "2fa/totp/confirm/",
		"2fa_totp":           prefix + "2fa/totp/",
		"2fa_recovery_codes": prefix + "2fa/recovery-codes/",
		"internal":           "/api/v1/hdts/employees/internal/{id}/",
	})
}
