package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

func loginError(t *testing.T, s *apptest.Server, body map[string]any, status int, message string) *apptest.Response {
	t.Helper()
	got := s.Client().Post("/superadmin/api/login/", apptest.JSON(body)).Expect(t, status)
	if got.String("error") != message {
		got.Errorf(t, "login error = %q, want %q", got.String("error"), message)
	}
	if _, set := got.SetCookies()["authd_admin"]; set {
		t.Errorf("a refused login set the session cookie")
	}
	return got
}

func TestPortalLoginErrorsInOrder(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		newUser(t, s, "staff@example.com", false, nil)
		locked := newUser(t, s, "locked@example.com", true, nil)
		newUser(t, s, "inactive@example.com", true, func(n *accounts.NewUser) { n.IsActive = false })
		_, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_locked = ?", true).Set("lock_reason = ?", model.LockAdmin).
			Where("id = ?", locked.ID).Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}

		loginError(t, s, map[string]any{}, http.StatusBadRequest, "Email and password are required")
		loginError(t, s, map[string]any{"email": "root@example.com"}, http.StatusBadRequest, "Email and password are required")
		loginError(t, s, map[string]any{"email": "  ", "password": "x"}, http.StatusBadRequest, "Email and password are required")
		loginError(t, s, map[string]any{"email": 5, "password": true}, http.StatusBadRequest, "Email and password are required")
		loginError(t, s, map[string]any{"email": "nobody@example.com", "password": testPassword}, http.StatusUnauthorized, "Invalid email or password")
		loginError(t, s, map[string]any{"email": "root@example.com", "password": strings.Repeat("p", 5000)}, http.StatusUnauthorized, "Invalid email or password")
		loginError(t, s, map[string]any{"email": "root@example.com", "password": "wrong-password"}, http.StatusUnauthorized, "Invalid email or password")
		// The superuser and lock messages appear only after a correct password.
		loginError(t, s, map[string]any{"email": "staff@example.com", "password": "wrong-password"}, http.StatusUnauthorized, "Invalid email or password")
		loginError(t, s, map[string]any{"email": "staff@example.com", "password": testPassword}, http.StatusForbidden, "Access denied. Superuser privileges required.")
		loginError(t, s, map[string]any{"email": "locked@example.com", "password": "wrong-password"}, http.StatusUnauthorized, "Invalid email or password")
		loginError(t, s, map[string]any{"email": "locked@example.com", "password": testPassword}, http.StatusForbidden, "Account is locked. Please contact an administrator.")
		loginError(t, s, map[string]any{"email": "inactive@example.com", "password": testPassword}, http.StatusUnauthorized, "Invalid email or password")
		s.Client().Post("/superadmin/api/login/", apptest.Raw("application/json", []byte(`{"email":`))).Expect(t, http.StatusBadRequest)
		crossSite := s.Client().Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword}),
			"Origin", "http://evil.example").Expect(t, http.StatusForbidden)
		if crossSite.String("code") != "csrf_failed" {
			crossSite.Errorf(t, "cross-site login not rejected by the origin check")
		}

		if n := count(t, s, "audit_events", "event = ?", "portal.login.failed"); n != 8 {
			t.Errorf("portal.login.failed recorded %d times, want 8", n)
		}
		if n := count(t, s, "audit_events", "event = ?", "login.failed"); n != 0 {
			t.Errorf("portal failures recorded as login.failed %d times", n)
		}
		ok := s.Client().Post("/superadmin/api/login/", apptest.Form(map[string]string{"email": "ROOT@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		if ok.String("message") != "Login successful" || ok.Get("user.is_superuser") != true {
			ok.Errorf(t, "wrong success body")
		}
		if count(t, s, "audit_events", "event = ?", "portal.login.succeeded") != 1 {
			t.Errorf("portal.login.succeeded not recorded")
		}
	})
}

func TestPortalLoginCountsFailuresAndLocks(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		for i := range 10 {
			got := s.Client().Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": "wrong-password"}))
			if got.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d answered %d", i+1, got.Status)
			}
		}
		u := reload(t, s, root.ID)
		if !u.IsLocked || u.LockReason == nil || *u.LockReason != model.LockFailures {
			t.Fatalf("ten wrong portal passwords did not lock the account: %+v", u)
		}
		loginError(t, s, map[string]any{"email": "root@example.com", "password": testPassword}, http.StatusForbidden, "Account is locked. Please contact an administrator.")
		s.Clock.Advance(16 * time.Minute)
		login(t, s, "root@example.com")
		if u := reload(t, s, root.ID); u.FailedLoginAttempts != 0 || u.IsLocked || u.LastLogin == nil {
			t.Errorf("a successful portal login left counters %d, lock %v, last_login %v", u.FailedLoginAttempts, u.IsLocked, u.LastLogin)
		}
	})
}

func TestPortalLoginCaptchaEscalation(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		for range 3 {
			loginError(t, s, map[string]any{"email": "root@example.com", "password": "wrong-password"}, http.StatusUnauthorized, "Invalid email or password")
		}
		got := loginError(t, s, map[string]any{"email": "root@example.com", "password": testPassword}, http.StatusBadRequest, "CAPTCHA verification is required.")
		if got.Get("captcha_required") != true {
			got.Errorf(t, "captcha_required missing")
		}
	})
}

func TestPortalLoginSecondFactor(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		ctx := context.Background()
		subject := accounts.StaffSubject(root)
		enrollment, err := s.App.MFA.SetupTOTP(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(enrollment.Secret, s.Clock.Now())
		if _, err := s.App.MFA.ConfirmTOTP(ctx, subject, code); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Minute)

		required := loginError(t, s, map[string]any{"email": "root@example.com", "password": testPassword}, http.StatusUnauthorized, "OTP code required")
		if required.Get("otp_required") != true {
			required.Errorf(t, "otp_required missing")
		}
		loginError(t, s, map[string]any{"email": "root@example.com", "password": testPassword, "otp_code": "000000"}, http.StatusUnauthorized, "Invalid or expired OTP code")
		// A wrong password with a second factor still gets the generic message.
		loginError(t, s, map[string]any{"email": "root@example.com", "password": "wrong", "otp_code": "000000"}, http.StatusUnauthorized, "Invalid email or password")
		code, _ = totp.GenerateCode(enrollment.Secret, s.Clock.Now())
		s.Client().Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword, "otp_code": code})).
			Expect(t, http.StatusOK)
	})
}

func TestPortalSessionCookieAndCSRF(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		c := s.Client()
		resp := c.Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		cookie := resp.SetCookies()["authd_admin"]
		if cookie == nil {
			t.Fatal("no authd_admin cookie")
		}
		if cookie.Path != "/superadmin/" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure || cookie.MaxAge != 0 || cookie.Domain != "" {
			t.Errorf("authd_admin cookie attributes = %+v", cookie)
		}
		if len(cookie.Value) != 43 {
			t.Errorf("session id %q is not 32 random bytes in base64url", cookie.Value)
		}
		if count(t, s, "admin_sessions", "id_sha256 = ? AND user_id = ?", secrets.SHA256Hex(cookie.Value), root.ID) != 1 {
			t.Errorf("session not stored as the SHA-256 of its id")
		}
		if count(t, s, "admin_sessions", "id_sha256 = ?", cookie.Value) != 0 {
			t.Errorf("session id stored in clear")
		}
		if resp.SetCookies()["csrftoken"] == nil {
			t.Errorf("login set no csrftoken cookie")
		}

		session := c.Get("/superadmin/api/session/").Expect(t, http.StatusOK)
		if session.Get("authenticated") != true || session.Get("user.email") != "root@example.com" || session.Get("user.is_staff") != true {
			session.Errorf(t, "wrong session body")
		}
		// Unsafe requests need the header; safe ones do not.
		c.Get("/superadmin/api/stats/").Expect(t, http.StatusOK)
		missing := c.Post("/superadmin/api/logout/", apptest.JSON(map[string]any{})).Expect(t, http.StatusForbidden)
		if missing.String("code") != "csrf_failed" {
			missing.Errorf(t, "missing CSRF header not rejected with csrf_failed")
		}
		c.Post("/superadmin/api/logout/", apptest.JSON(map[string]any{}), "X-CSRFToken", "forged").Expect(t, http.StatusForbidden)
		c.Header.Set("X-CSRFToken", c.Cookie("csrftoken"))
		// The origin check applies too.
		c.Post("/superadmin/api/users/bulk/", apptest.JSON(map[string]any{"action": "activate", "user_ids": []int{1}}), "Origin", "http://evil.example").
			Expect(t, http.StatusForbidden)
		// No CORS headers, even for an allowed origin.
		cors := c.Get("/superadmin/api/stats/", "Origin", "http://localhost:3000")
		if cors.Header.Get("Access-Control-Allow-Origin") != "" || cors.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("portal route sent CORS headers: %v", cors.Header)
		}

		bye := c.Post("/superadmin/api/logout/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if bye.String("message") != "Logged out successfully" {
			bye.Errorf(t, "wrong logout message")
		}
		if cleared := bye.SetCookies()["authd_admin"]; cleared == nil || cleared.MaxAge >= 0 {
			t.Errorf("logout did not expire the cookie: %+v", cleared)
		}
		if count(t, s, "admin_sessions", "user_id = ?", root.ID) != 0 {
			t.Errorf("logout left the session row")
		}
		// The old id no longer works even if a client kept it.
		replay := s.Client()
		replay.SetCookie("authd_admin", cookie.Value)
		gone := replay.Get("/superadmin/api/users/").Expect(t, http.StatusUnauthorized)
		if gone.String("code") != "not_authenticated" || gone.Header.Get("WWW-Authenticate") == "" {
			gone.Errorf(t, "no standard 401 without a session")
		}
		anonymous := s.Client().Get("/superadmin/api/session/").Expect(t, http.StatusUnauthorized)
		if anonymous.Get("authenticated") != false || anonymous.String("error") != "Not authenticated" {
			anonymous.Errorf(t, "wrong session body without a session")
		}
		s.Client().Get("/superadmin/api/no-such-route/").Expect(t, http.StatusNotFound)
		// A staff access token does not open the portal.
		token := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword})).
			Expect(t, http.StatusOK).String("access")
		s.Client().Get("/superadmin/api/users/", "Authorization", "Bearer "+token).Expect(t, http.StatusUnauthorized)
	})
}

func TestPortalCookieSecureWhenConfigured(t *testing.T) {
	s := apptest.New(t, "sqlite", map[string]string{"AUTHD_COOKIE_SECURE": "true"})
	newUser(t, s, "root@example.com", true, nil)
	resp := s.Client().Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": "root@example.com", "password": testPassword})).Expect(t, http.StatusOK)
	if cookie := resp.SetCookies()["authd_admin"]; cookie == nil || !cookie.Secure {
		t.Errorf("authd_admin not Secure with AUTHD_COOKIE_SECURE=true: %+v", cookie)
	}
}

func TestPortalSessionIdleAndAbsoluteExpiry(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		s.Clock.Advance(29 * time.Minute)
		c.Get("/superadmin/api/stats/").Expect(t, http.StatusOK)
		s.Clock.Advance(29 * time.Minute)
		c.Get("/superadmin/api/stats/").Expect(t, http.StatusOK)
		s.Clock.Advance(30 * time.Minute)
		c.Get("/superadmin/api/stats/").Expect(t, http.StatusUnauthorized)
		if count(t, s, "admin_sessions", "1 = 1") != 0 {
			t.Errorf("an idle session was not deleted")
		}

		c = login(t, s, "root@example.com")
		for elapsed := 25 * time.Minute; elapsed < 12*time.Hour; elapsed += 25 * time.Minute {
			s.Clock.Advance(25 * time.Minute)
			c.Get("/superadmin/api/stats/").Expect(t, http.StatusOK)
		}
		s.Clock.Advance(12*time.Hour - 28*25*time.Minute)
		expired := c.Get("/superadmin/api/session/").Expect(t, http.StatusUnauthorized)
		if expired.String("error") != "Not authenticated" {
			expired.Errorf(t, "session not ended after 12 hours")
		}
	})
}

func TestPortalDemotionEndsSession(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		first := newUser(t, s, "first@example.com", true, nil)
		newUser(t, s, "second@example.com", true, nil)
		a := login(t, s, "first@example.com")
		b := login(t, s, "second@example.com")

		// Demoted through the portal: the session is deleted at once.
		b.Do(http.MethodPut, "/superadmin/api/users/"+itoa(first.ID)+"/", jsonBody(map[string]any{"is_superuser": false})).Expect(t, http.StatusOK)
		if count(t, s, "admin_sessions", "user_id = ?", first.ID) != 0 {
			t.Errorf("demotion left the session row")
		}
		a.Get("/superadmin/api/stats/").Expect(t, http.StatusUnauthorized)

		// Demoted by another path: the next request ends the session.
		b.Do(http.MethodPut, "/superadmin/api/users/"+itoa(first.ID)+"/", jsonBody(map[string]any{"is_superuser": true})).Expect(t, http.StatusOK)
		a = login(t, s, "first@example.com")
		_, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_superuser = ?", false).Where("id = ?", first.ID).Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		demoted := a.Get("/superadmin/api/session/").Expect(t, http.StatusForbidden)
		if demoted.String("error") != "Not a superuser" || demoted.Get("authenticated") != false {
			demoted.Errorf(t, "wrong body for a demoted session")
		}
		a.Get("/superadmin/api/session/").Expect(t, http.StatusUnauthorized)

		// Deactivation and an admin lock end sessions too.
		_, err = s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_superuser = ?", true).Where("id = ?", first.ID).Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		a = login(t, s, "first@example.com")
		b.Do(http.MethodPut, "/superadmin/api/users/"+itoa(first.ID)+"/", jsonBody(map[string]any{"is_locked": true})).Expect(t, http.StatusOK)
		a.Get("/superadmin/api/stats/").Expect(t, http.StatusUnauthorized)
		b.Do(http.MethodPut, "/superadmin/api/users/"+itoa(first.ID)+"/", jsonBody(map[string]any{"unlock": true})).Expect(t, http.StatusOK)
		a = login(t, s, "first@example.com")
		b.Post("/superadmin/api/users/bulk/", apptest.JSON(map[string]any{"action": "deactivate", "user_ids": []int64{first.ID}})).Expect(t, http.StatusOK)
		a.Get("/superadmin/api/stats/").Expect(t, http.StatusUnauthorized)
		if !strings.Contains(string(b.Get("/superadmin/api/stats/").Expect(t, http.StatusOK).Body), "inactive_users") {
			t.Errorf("stats body lacks inactive_users")
		}
	})
}
