package employees_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
)

const (
	registerPath = "/api/v1/hdts/employees/api/register/"
	loginPath    = "/api/v1/hdts/employees/api/login/"
	refreshPath  = "/api/v1/hdts/employees/api/token/refresh/"
	profilePath  = "/api/v1/hdts/employees/api/profile/"
	changePath   = "/api/v1/hdts/employees/api/profile/change-password/"
	forgotPath   = "/api/v1/hdts/employees/api/password/forgot/"
	resetPath    = "/api/v1/hdts/employees/api/password/reset/"
	logoutPath   = "/api/v1/hdts/employees/api/logout/"
	pendingPath  = "/api/v1/hdts/user-management/pending/api/"
	usersPath    = "/api/v1/hdts/user-management/users/api/"
)

func statusPath(id int64) string {
	return fmt.Sprintf("/api/v1/hdts/user-management/update-status/%d/", id)
}

func TestEmployeeLifeCycle(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		box := startMail(t, s, "")
		admin := staffUser(t, s, "hdts.admin@example.com", false, "hdts/Admin")
		adminClient := staffClient(t, s, admin.Email)

		// Registration with a picture.
		reg := s.Client().Post(registerPath, apptest.Multipart(map[string]string{
			"email": "Maria.Santos@Example.com", "password": testPassword, "first_name": "Maria", "middle_name": "Luz",
			"last_name": "Santos", "phone_number": "09171234567", "company_id": "0042", "department": "IT Department",
		}, apptest.File{Field: "profile_picture", Name: "me.png", Data: pngImage(t, 16, 16)})).Expect(t, http.StatusCreated)
		for path, want := range map[string]any{"status": "Pending", "phone_number": "+639171234567", "company_id": "MA0042",
			"full_name": "Maria Santos", "middle_name": "Luz", "department": "IT Department"} {
			if got := reg.Get(path); got != want {
				reg.Errorf(t, "%s = %v, want %v", path, got, want)
			}
		}
		roles, _ := reg.Get("system_roles").([]any)
		if len(roles) != 1 || roles[0].(map[string]any)["system_slug"] != "hdts" || roles[0].(map[string]any)["role_name"] != "Employee" {
			reg.Errorf(t, "system_roles = %v, want one hdts Employee entry", roles)
		}
		picture := reg.String("profile_picture")
		if !strings.HasPrefix(picture, s.URL+"/media/profile_pics/") {
			t.Fatalf("profile_picture = %q, want a URL under %s/media/profile_pics/", picture, s.URL)
		}
		s.Client().Get(strings.TrimPrefix(picture, s.URL)).Expect(t, http.StatusOK)
		id := int64(reg.Get("id").(float64))

		// Pending: refused with the pending message only after the right password.
		_, pending := employeeLogin(t, s, "maria.santos@example.com", testPassword)
		pending.Expect(t, http.StatusBadRequest)
		if got := loginError(pending); got != employees.ErrPending.Error() {
			t.Errorf("pending sign-in: %q, want %q", got, employees.ErrPending.Error())
		}
		_, wrong := employeeLogin(t, s, "maria.santos@example.com", "Not-The-Password-1")
		if got := loginError(wrong.Expect(t, http.StatusBadRequest)); got != employees.ErrInvalidCredentials.Error() {
			t.Errorf("wrong password while pending: %q, want the generic message", got)
		}

		// Approval by an HDTS admin.
		list := adminClient.Get(pendingPath).Expect(t, http.StatusOK)
		if users, _ := list.Get("users").([]any); list.Get("count") != float64(1) || len(users) != 1 || users[0].(map[string]any)["id"] != float64(id) {
			list.Errorf(t, "pending list should hold the new employee")
		}
		decided := adminClient.Post(statusPath(id), apptest.JSON(map[string]any{"action": "approve"})).Expect(t, http.StatusOK)
		if decided.String("message") != "User approved successfully" || decided.String("status") != "Approved" || decided.Get("user_id") != float64(id) {
			decided.Errorf(t, "unexpected approval body")
		}
		row := loadEmployee(t, s, id)
		if row.StatusByID == nil || *row.StatusByID != admin.ID || row.StatusAt == nil {
			t.Errorf("status_by_id %v status_at %v, want the admin and a time", row.StatusByID, row.StatusAt)
		}
		if n := auditCount(t, s, "employee.approved", id); n != 1 {
			t.Errorf("employee.approved events = %d, want 1", n)
		}
		again := adminClient.Post(statusPath(id), apptest.JSON(map[string]any{"action": "approve"})).Expect(t, http.StatusBadRequest)
		if again.String("error") != "User is no longer pending" {
			again.Errorf(t, "second decision")
		}

		// Sign-in and the help-desk style token check.
		browser, login := employeeLogin(t, s, "maria.santos@example.com", testPassword)
		login.Expect(t, http.StatusOK)
		if login.Get("success") != true || login.Get("employee.id") != float64(id) || login.Get("employee.last_login") == nil {
			login.Errorf(t, "unexpected sign-in body")
		}
		cookies := login.SetCookies()
		if cookies["access_token"] == nil || cookies["refresh_token"] == nil || !cookies["refresh_token"].HttpOnly {
			t.Fatalf("sign-in cookies = %v", cookies)
		}
		claims := parseShared(t, s, login.String("access"))
		for name, want := range map[string]any{"token_type": "access", "user_type": "employee", "employee_id": float64(id),
			"user_id": float64(id), "email": "Maria.Santos@Example.com", "username": "Maria.Santos", "full_name": "Maria Luz Santos"} {
			if claims[name] != want {
				t.Errorf("claim %s = %v, want %v", name, claims[name], want)
			}
		}
		if got := fmt.Sprint(claims["roles"]); got != "[map[role:Employee system:hdts]]" {
			t.Errorf("roles claim = %s, want [{system: hdts, role: Employee}]", got)
		}
		refreshClaims := parseShared(t, s, login.String("refresh"))
		for _, absent := range []string{"username", "full_name", "roles"} {
			if _, ok := refreshClaims[absent]; ok {
				t.Errorf("the employee refresh token carries %s", absent)
			}
		}
		me := browser.Get("/api/v1/hdts/employees/api/me/").Expect(t, http.StatusOK)
		if me.String("type") != "employee" || me.Get("data.id") != float64(id) {
			me.Errorf(t, "unexpected current account")
		}

		// Refresh rotation, then reuse of the first token revokes the family.
		first := browser.Cookie("refresh_token")
		s.Clock.Advance(time.Minute)
		browser.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if rotated := browser.Cookie("refresh_token"); rotated == "" || rotated == first {
			t.Fatal("the refresh did not rotate the refresh_token cookie")
		}
		s.Clock.Advance(30 * time.Second)
		replayer := s.Client()
		replayer.SetCookie("refresh_token", first)
		if got := replayer.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized).String("detail"); got != "Invalid refresh token" {
			t.Errorf("reuse answer %q", got)
		}
		browser.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)

		// Profile edit with a new picture; the old file goes away.
		browser, login = employeeLogin(t, s, "maria.santos@example.com", testPassword)
		login.Expect(t, http.StatusOK)
		patch := browser.Do(http.MethodPatch, profilePath, ptr(apptest.Multipart(map[string]string{"first_name": "Mia", "phone_number": ""},
			apptest.File{Field: "profile_picture", Name: "new.png", Data: pngImage(t, 32, 32)}))).Expect(t, http.StatusOK)
		if got := fmt.Sprint(patch.Get("updated_fields")); got != "[first_name phone_number profile_picture]" {
			patch.Errorf(t, "updated_fields = %s", got)
		}
		if patch.String("message") != "Successfully updated 3 field(s)" || patch.String("employee.first_name") != "Mia" || patch.Get("employee.phone_number") != nil {
			patch.Errorf(t, "unexpected profile update")
		}
		if newPicture := patch.String("employee.profile_picture"); newPicture == picture || newPicture == "" {
			t.Errorf("profile_picture was not replaced: %q", newPicture)
		}
		s.Client().Get(strings.TrimPrefix(picture, s.URL)).Expect(t, http.StatusNotFound)

		// Password change keeps the cookie caller signed in and revokes the rest.
		s.Clock.Advance(time.Second)
		oldAccess := browser.Cookie("access_token")
		browser.Post(changePath, apptest.JSON(map[string]any{"old_password": testPassword, "new_password": otherPassword,
			"confirm_password": otherPassword})).Expect(t, http.StatusOK)
		browser.Get(profilePath).Expect(t, http.StatusOK)
		stale := s.Client()
		stale.Header.Set("Authorization", "Bearer "+oldAccess)
		if code := stale.Get(profilePath).Expect(t, http.StatusUnauthorized).String("code"); code != "token_revoked" {
			t.Errorf("old access token after the password change: %s", code)
		}
		_, oldLogin := employeeLogin(t, s, "maria.santos@example.com", testPassword)
		oldLogin.Expect(t, http.StatusBadRequest)

		// Reset by link.
		s.Client().Post(forgotPath, apptest.JSON(map[string]any{"email": "MARIA.SANTOS@example.com"})).Expect(t, http.StatusOK)
		link := box.wait("Maria.Santos@Example.com", "Password Reset Request").resetLink(t)
		if !strings.HasPrefix(link, s.URL+"/reset-password/?token=") {
			t.Fatalf("reset link %q does not point at /reset-password/", link)
		}
		token := strings.TrimPrefix(link, s.URL+"/reset-password/?token=")
		thirdPassword := "Silver-Canyon-Ledger-19"
		s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": thirdPassword,
			"confirm_password": thirdPassword})).Expect(t, http.StatusOK)
		reused := s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": thirdPassword,
			"confirm_password": thirdPassword})).Expect(t, http.StatusBadRequest)
		if got := fmt.Sprint(reused.Get("token")); got != "[Invalid or expired reset token.]" {
			reused.Errorf(t, "second use of the link")
		}
		browser.Get(profilePath).Expect(t, http.StatusUnauthorized)

		// Two-factor sign-in with an authenticator app and a recovery code.
		browser, login = employeeLogin(t, s, "maria.santos@example.com", thirdPassword)
		login.Expect(t, http.StatusOK)
		setup := browser.Post("/api/v1/hdts/employees/api/2fa/totp/setup/", apptest.JSON(map[string]any{"password": thirdPassword})).Expect(t, http.StatusOK)
		secret := setup.String("secret")
		confirm := browser.Post("/api/v1/hdts/employees/api/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": totpCode(t, secret, s.Clock.Now())})).Expect(t, http.StatusOK)
		recovery, _ := confirm.Get("recovery_codes").([]any)
		if len(recovery) != 10 {
			t.Fatalf("recovery codes = %v, want 10", recovery)
		}
		status := browser.Get("/api/v1/hdts/employees/api/2fa/status/").Expect(t, http.StatusOK)
		if status.Get("otp_enabled") != true || status.Get("methods.totp") != true || status.Get("recovery_codes_remaining") != float64(10) {
			status.Errorf(t, "unexpected 2FA status")
		}

		s.Clock.Advance(time.Minute)
		second, challenge := employeeLogin(t, s, "maria.santos@example.com", thirdPassword)
		challenge.Expect(t, http.StatusOK)
		if challenge.Get("requires_otp") != true || challenge.String("message") != "Enter the code from your authenticator app to complete login." {
			challenge.Errorf(t, "expected an authenticator challenge")
		}
		if second.Cookie("access_token") != "" {
			t.Error("a challenge must not set cookies")
		}
		verify := second.Post("/api/v1/hdts/employees/api/2fa/verify-otp/", apptest.JSON(map[string]any{
			"temporary_token": challenge.String("temporary_token"), "otp_code": totpCode(t, secret, s.Clock.Now())})).Expect(t, http.StatusOK)
		if verify.Get("employee.id") != float64(id) || second.Cookie("access_token") == "" {
			verify.Errorf(t, "verify-otp did not sign in")
		}
		if parseShared(t, s, verify.String("access"))["employee_id"] != float64(id) {
			t.Error("verify-otp issued a token without the employee_id claim")
		}

		third, challenge := employeeLogin(t, s, "maria.santos@example.com", thirdPassword)
		challenge.Expect(t, http.StatusOK)
		third.Post("/api/v1/hdts/employees/api/2fa/verify-otp/", apptest.JSON(map[string]any{
			"email": "maria.santos@example.com", "otp_code": recovery[0]})).Expect(t, http.StatusOK)

		// Logout revokes the family and clears the cookies.
		refreshBefore := third.Cookie("refresh_token")
		out := third.Post(logoutPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if out.String("message") != "Successfully logged out" || third.Cookie("access_token") != "" {
			out.Errorf(t, "logout did not clear the cookies")
		}
		replay := s.Client()
		replay.SetCookie("refresh_token", refreshBefore)
		replay.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)
		if got := loadEmployee(t, s, id).Status; got != model.StatusApproved {
			t.Errorf("status %s after the flow", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// totpCode returns the authenticator code of secret at now.
func totpCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}
