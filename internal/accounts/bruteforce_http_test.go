package accounts_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/throttle"
)

func TestConcurrentFailuresLockAtThresholdOnPostgres(t *testing.T) {
	s := apptest.New(t, storage.Postgres, noCaptchaEnv(map[string]string{"AUTHD_THROTTLE_LOGIN_IP_MAX": "1000"}))
	u := createUser(t, s, "stormed@example.com", nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "stormed@example.com", "password": "guess"}))
			if r.Status != http.StatusBadRequest || nonFieldError(r) != accounts.ErrInvalidCredentials.Error() {
				r.Errorf(t, "concurrent wrong password")
			}
		}()
	}
	wg.Wait()
	after := userRow(t, s, u.ID)
	if !after.IsLocked || after.FailedLoginAttempts != 10 {
		t.Errorf("after 20 concurrent failures: locked=%v failed_login_attempts=%d, want locked at exactly 10", after.IsLocked, after.FailedLoginAttempts)
	}
	if got := auditCount(t, s, "account.locked", u.ID); got != 1 {
		t.Errorf("account.locked events = %d, want 1", got)
	}
	if got := auditCount(t, s, "login.failed", u.ID); got != 20 {
		t.Errorf("login.failed events = %d, want 20", got)
	}
}

func TestPerIPThrottleOnEverySignInRoute(t *testing.T) {
	env := noCaptchaEnv(map[string]string{"AUTHD_THROTTLE_LOGIN_IP_MAX": "5"})
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "victim@example.com", nil)
		c := s.Client()
		for i := 0; i < 5; i++ {
			// Unknown e-mails count too, and change no account.
			c.Post("/token/", apptest.JSON(map[string]any{"email": "guess" + string(rune('a'+i)) + "@example.com", "password": "guess"})).Expect(t, http.StatusBadRequest)
		}
		blocked := c.Post("/token/", apptest.JSON(map[string]any{"email": "victim@example.com", "password": testPassword})).Expect(t, http.StatusTooManyRequests)
		if blocked.String("code") != "throttled" || blocked.Get("retry_after") != float64(900) || blocked.Header.Get("Retry-After") != "900" {
			blocked.Errorf(t, "/token/ throttle body")
		}
		api := c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "victim@example.com", "password": testPassword})).Expect(t, http.StatusTooManyRequests)
		if nonFieldError(api) != throttle.MsgLoginThrottled || api.Get("success") != false || api.Get("retry_after") == nil {
			api.Errorf(t, "login/api throttle body")
		}
		c.Post("/api/v1/users/2fa/request-otp/", apptest.JSON(map[string]any{"email": "victim@example.com", "password": testPassword})).Expect(t, http.StatusTooManyRequests)

		// Spoofed X-Forwarded-For from an untrusted peer changes nothing.
		spoofed := c.Post("/token/", apptest.JSON(map[string]any{"email": "victim@example.com", "password": testPassword}), "X-Forwarded-For", "203.0.113.77")
		if spoofed.Status != http.StatusTooManyRequests {
			spoofed.Errorf(t, "X-Forwarded-For from an untrusted peer escaped the throttle")
		}
		s.Clock.Advance(15 * time.Minute)
		c.Post("/token/", apptest.JSON(map[string]any{"email": "victim@example.com", "password": testPassword})).Expect(t, http.StatusOK)
	})
}

func TestTrustedProxyClientAddress(t *testing.T) {
	env := noCaptchaEnv(map[string]string{"AUTHD_THROTTLE_LOGIN_IP_MAX": "2", "AUTHD_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"})
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "proxied@example.com", nil)
		c := s.Client()
		for i := 0; i < 2; i++ {
			c.Post("/token/", apptest.JSON(map[string]any{"email": "proxied@example.com", "password": "guess"}), "X-Forwarded-For", "198.51.100.10").Expect(t, http.StatusBadRequest)
		}
		c.Post("/token/", apptest.JSON(map[string]any{"email": "proxied@example.com", "password": testPassword}), "X-Forwarded-For", "198.51.100.10").Expect(t, http.StatusTooManyRequests)
		// Another client behind the same proxy is not blocked; a forged
		// left-most hop does not hide the real client either.
		c.Post("/token/", apptest.JSON(map[string]any{"email": "proxied@example.com", "password": testPassword}), "X-Forwarded-For", "198.51.100.10, 198.51.100.20").Expect(t, http.StatusOK)
		var ip string
		err := s.App.DB.NewSelect().Table("audit_events").Column("ip").Where("event = 'login.succeeded'").OrderExpr("id DESC").Limit(1).Scan(context.Background(), &ip)
		if err != nil || ip != "198.51.100.20" {
			t.Errorf("audit ip = %q (%v), want the first untrusted hop from the right", ip, err)
		}
	})
}

// solveCaptcha fetches a built-in challenge, replaces its answer with a
// known one (the image cannot be read by a test) and answers it.
func solveCaptcha(t *testing.T, s *apptest.Server, c *apptest.Client) string {
	t.Helper()
	challenge := c.Get("/api/v1/users/captcha/generate/").Expect(t, http.StatusOK)
	id := challenge.String("captcha_id")
	key := secrets.NewKeyring(apptest.TestEnv()["AUTHD_SECRET_KEY"], nil).Key(secrets.InfoCaptcha)
	_, err := s.App.DB.NewUpdate().Table("captcha_challenges").Set("answer_hmac = ?", secrets.HMACHex(key, id+":424242")).Where("id = ?", id).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.Post("/api/v1/users/captcha/verify/", apptest.JSON(map[string]any{"captcha_id": id, "answer": "000000"})).Expect(t, http.StatusBadRequest)
	pass := c.Post("/api/v1/users/captcha/verify/", apptest.JSON(map[string]any{"captcha_id": id, "answer": "424242"})).Expect(t, http.StatusOK)
	return pass.String("captcha_token")
}

func TestCaptchaEscalationWithBuiltinProvider(t *testing.T) {
	// Clients get their own addresses through X-Forwarded-For from the
	// trusted loopback peer.
	env := map[string]string{"AUTHD_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "escalate@example.com", nil)
		c := s.Client()
		c.Header.Set("X-Forwarded-For", "198.51.100.1")
		required := c.Get("/api/v1/users/captcha/required/?email=escalate@example.com").Expect(t, http.StatusOK)
		if required.Get("captcha_required") != false || required.String("provider") != "builtin" {
			required.Errorf(t, "before any failure")
		}
		for i := 0; i < 3; i++ {
			c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "escalate@example.com", "password": "guess"})).Expect(t, http.StatusBadRequest)
		}
		if r := c.Get("/api/v1/users/captcha/required/?email=ESCALATE@example.com"); r.Get("captcha_required") != true {
			r.Errorf(t, "after 3 failures")
		}
		// Another address, same e-mail: still required (captcha_account).
		other := s.Client()
		other.Header.Set("X-Forwarded-For", "198.51.100.2")
		asked := other.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "escalate@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		if asked.Get("captcha_required") != true {
			asked.Errorf(t, "sign-in without the required CAPTCHA")
		}
		if msg := toStrings(asked.Get("errors.g_recaptcha_response")); len(msg) != 1 || msg[0] != throttle.MsgCaptchaRequired {
			asked.Errorf(t, "CAPTCHA message")
		}
		tokenRoute := other.Post("/token/", apptest.JSON(map[string]any{"email": "escalate@example.com", "password": testPassword, "captcha_token": "forged"})).Expect(t, http.StatusBadRequest)
		if nonFieldError(tokenRoute) != throttle.MsgCaptchaFailed || tokenRoute.Get("captcha_required") != true {
			tokenRoute.Errorf(t, "forged pass token")
		}
		if got := userRow(t, s, u.ID).FailedLoginAttempts; got != 3 {
			t.Errorf("CAPTCHA refusals counted as password failures: %d, want 3", got)
		}
		pass := solveCaptcha(t, s, other)
		other.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "escalate@example.com", "password": testPassword, "captcha_token": pass})).Expect(t, http.StatusOK)
		// The pass token was single use, but success reset captcha_account.
		third := s.Client()
		third.Header.Set("X-Forwarded-For", "198.51.100.3")
		if r := third.Get("/api/v1/users/captcha/required/?email=escalate@example.com"); r.Get("captcha_required") != false {
			r.Errorf(t, "after a successful sign-in from another address")
		}
		// The first address keeps its own counter (captcha_ip).
		if r := c.Get("/api/v1/users/captcha/required/?email=fresh@example.com"); r.Get("captcha_required") != true {
			r.Errorf(t, "address with 3 failures")
		}
		bad := other.Post("/api/v1/users/captcha/verify/", apptest.JSON(map[string]any{"captcha_id": "unknown", "answer": "1"})).Expect(t, http.StatusBadRequest)
		if bad.Get("valid") != false || bad.String("error") != "CAPTCHA expired. Request a new one." {
			bad.Errorf(t, "unknown challenge")
		}
	})
}

func TestCaptchaGenerateThrottled(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		for i := 0; i < 30; i++ {
			c.Get("/api/v1/users/captcha/generate/").Expect(t, http.StatusOK)
		}
		c.Post("/api/v1/users/captcha/generate/", apptest.JSON(map[string]any{})).Expect(t, http.StatusTooManyRequests)
		s.Clock.Advance(time.Minute)
		c.Get("/api/v1/users/captcha/generate/").Expect(t, http.StatusOK)
	})
}

func TestCaptchaExternalProviderStub(t *testing.T) {
	var mu sync.Mutex
	down := false
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.ParseForm()
		if r.PostForm.Get("secret") == "stub-secret" && r.PostForm.Get("response") == "widget-ok" {
			w.Write([]byte(`{"success": true}`))
			return
		}
		w.Write([]byte(`{"success": false}`))
	}))
	defer stub.Close()
	env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "turnstile", "AUTHD_CAPTCHA_SECRET_KEY": "stub-secret",
		"AUTHD_CAPTCHA_SITE_KEY": "stub-site", "AUTHD_CAPTCHA_VERIFY_URL": stub.URL}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "widget@example.com", nil)
		c := s.Client()
		info := c.Get("/api/v1/users/captcha/generate/").Expect(t, http.StatusOK)
		if info.String("provider") != "turnstile" || info.String("site_key") != "stub-site" {
			info.Errorf(t, "external provider info")
		}
		for i := 0; i < 3; i++ {
			c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "widget@example.com", "password": "guess"}))
		}
		creds := func(response string) apptest.Body {
			return apptest.JSON(map[string]any{"email": "widget@example.com", "password": testPassword, "g_recaptcha_response": response})
		}
		if r := c.Post("/api/v1/users/login/api/", creds("widget-bad")).Expect(t, http.StatusBadRequest); toStrings(r.Get("errors.g_recaptcha_response"))[0] != throttle.MsgCaptchaFailed {
			r.Errorf(t, "rejected widget response")
		}
		mu.Lock()
		down = true
		mu.Unlock()
		if r := c.Post("/api/v1/users/login/api/", creds("widget-ok")).Expect(t, http.StatusBadRequest); toStrings(r.Get("errors.g_recaptcha_response"))[0] != throttle.MsgCaptchaUnavailable {
			r.Errorf(t, "provider down: want fail closed")
		}
		mu.Lock()
		down = false
		mu.Unlock()
		c.Post("/api/v1/users/login/api/", creds("widget-ok")).Expect(t, http.StatusOK)
	})
}

func TestRegistrationLimitedPerAddress(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_THROTTLE_REGISTER_IP_MAX": "2"}, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		for _, email := range []string{"one@example.com", "two@example.com"} {
			c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusCreated)
		}
		r := c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": "three@example.com", "password": testPassword})).Expect(t, http.StatusTooManyRequests)
		if r.String("code") != "throttled" {
			r.Errorf(t, "third registration")
		}
		s.Clock.Advance(time.Hour)
		c.Post("/api/v1/users/register/", apptest.JSON(map[string]any{"email": "three@example.com", "password": testPassword})).Expect(t, http.StatusCreated)
	})
}

func TestCrossOriginPostWithCookieRefused(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "csrf@example.com", nil)
		browser, _ := signedIn(t, s, "csrf@example.com")
		for _, path := range []string{"/api/v1/users/password/change/", "/api/v1/users/2fa/disable/", "/api/v1/sessions/revoke-all/"} {
			r := browser.Post(path, apptest.JSON(map[string]any{"current_password": testPassword, "new_password": newPassword, "new_password_confirm": newPassword}),
				"Origin", "https://evil.example")
			if r.Status != http.StatusForbidden || r.String("code") != "csrf_failed" {
				r.Errorf(t, "cross-origin POST to %s with the cookie", path)
			}
			r = browser.Post(path, apptest.JSON(map[string]any{}), "Referer", "https://evil.example/page")
			if r.Status != http.StatusForbidden {
				r.Errorf(t, "cross-site Referer to %s", path)
			}
			r = browser.Post(path, apptest.JSON(map[string]any{}), "Origin", "null")
			if r.Status != http.StatusForbidden {
				r.Errorf(t, "Origin null to %s", path)
			}
		}
		// Sign-in routes set cookies, so they are checked without cookies too.
		login := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"otp_code": "1"}), "Origin", "https://evil.example")
		if login.Status != http.StatusForbidden {
			login.Errorf(t, "cross-origin verify-otp")
		}
		browser.Get("/api/me/").Expect(t, http.StatusOK)
		browser.Post("/api/v1/users/password/change/", apptest.JSON(map[string]any{"current_password": testPassword, "new_password": newPassword, "new_password_confirm": newPassword}),
			"Origin", s.URL).Expect(t, http.StatusOK)
	})
}
