package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
)

const testPassword = "Blue-Harbor-Lantern-42"

// newUser creates an approved staff user with testPassword.
func newUser(t testing.TB, s *apptest.Server, email string) *model.User {
	t.Helper()
	var u *model.User
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.App.Accounts.CreateUser(ctx, tx, &accounts.NewUser{Email: email, Password: testPassword,
			Status: model.StatusApproved, IsActive: true, IsStaff: true}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// jsonEqual fails unless the response has status and a JSON object body
// with exactly the keys and values of want.
func jsonEqual(t *testing.T, r *apptest.Response, status int, want map[string]any) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
		return
	}
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("body %q is not a JSON object: %v", r.Body, err)
		return
	}
	encoded, _ := json.Marshal(want)
	var normalized map[string]any
	json.Unmarshal(encoded, &normalized)
	if !reflect.DeepEqual(got, normalized) {
		t.Errorf("body %s, want %s", strings.TrimSpace(string(r.Body)), encoded)
	}
}

// rawDo sends a request outside the apptest client, for what the OpenAPI
// contract does not describe (preflights, pages) and for a Host header of
// the test's choice. header pairs are "Name", "value".
func rawDo(t *testing.T, s *apptest.Server, method, path, host string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var csrfFailed = map[string]any{"detail": "CSRF check failed: untrusted origin.", "code": "csrf_failed"}

func TestCSRFOriginCheck(t *testing.T) {
	env := map[string]string{"AUTHD_CSRF_TRUSTED_ORIGINS": "https://trusted.example.test"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "csrf@example.com")
		browser := s.Client()
		browser.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "csrf@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		profile := apptest.JSON(map[string]any{"first_name": "Changed"})

		cases := []struct {
			name   string
			header []string
			status int
		}{
			{"cross origin", []string{"Origin", "https://evil.example.test"}, http.StatusForbidden},
			{"null origin", []string{"Origin", "null"}, http.StatusForbidden},
			{"cross-origin referer", []string{"Referer", "https://evil.example.test/page"}, http.StatusForbidden},
			{"same origin", []string{"Origin", s.URL}, http.StatusOK},
			{"trusted origin", []string{"Origin", "https://trusted.example.test"}, http.StatusOK},
			{"CORS origin", []string{"Origin", "http://localhost:3000"}, http.StatusOK},
			{"same-origin referer", []string{"Referer", s.URL + "/staff/settings/"}, http.StatusOK},
			{"no origin or referer", nil, http.StatusOK},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp := browser.Do(http.MethodPatch, "/api/v1/users/profile/", &profile, tc.header...)
				if tc.status == http.StatusForbidden {
					jsonEqual(t, resp, http.StatusForbidden, csrfFailed)
					return
				}
				resp.Expect(t, tc.status)
			})
		}

		// Safe methods are never checked.
		browser.Get("/api/v1/users/profile/", "Origin", "https://evil.example.test").Expect(t, http.StatusOK)

		// Bearer-only calls carry no ambient credential and are not checked.
		login := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "csrf@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		bearer := &apptest.Client{}
		*bearer = *s.Client()
		bearer.Header.Set("Authorization", "Bearer "+login.String("access"))
		bearer.Do(http.MethodPatch, "/api/v1/users/profile/", &profile, "Origin", "https://evil.example.test").Expect(t, http.StatusOK)

		// Sign-in, refresh and registration routes are checked without cookies.
		anonymous := s.Client()
		for _, path := range []string{"/api/v1/users/login/api/", "/token/", "/api/v1/token/obtain/", "/api/v1/users/login/",
			"/api/v1/token/refresh/", "/api/v1/token/refresh/cookie/", "/api/v1/users/token/refresh/", "/api/v1/users/register/"} {
			jsonEqual(t, anonymous.Post(path, apptest.JSON(map[string]any{"email": "csrf@example.com", "password": testPassword}),
				"Origin", "https://evil.example.test"), http.StatusForbidden, csrfFailed)
		}
		// Other public routes without cookies are not.
		anonymous.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": login.String("access")}), "Origin", "https://evil.example.test").Expect(t, http.StatusOK)

		// A logout from another site with the cookies is refused too.
		jsonEqual(t, browser.Post("/api/v1/users/logout/", apptest.JSON(map[string]any{}), "Origin", "https://evil.example.test"), http.StatusForbidden, csrfFailed)
		browser.Get("/api/me/").Expect(t, http.StatusOK)
	})
}

func TestCORS(t *testing.T) {
	env := map[string]string{"DJANGO_CORS_ALLOWED_ORIGINS": "https://app.example.test", "TTS_SYSTEM_URL": "https://tts.example.test/dashboard"}
	s := apptest.New(t, storage.SQLite, env)
	c := s.Client()
	for _, origin := range []string{"https://app.example.test", "https://tts.example.test", "http://localhost:3000"} {
		resp := c.Get("/api/", "Origin", origin).Expect(t, http.StatusOK)
		if resp.Header.Get("Access-Control-Allow-Origin") != origin || resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			!strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("allowed origin %s: headers %v", origin, resp.Header)
		}
	}
	for _, origin := range []string{"https://evil.example.test", "https://app.example.test:8443", "http://app.example.test", "null"} {
		resp := c.Get("/api/", "Origin", origin).Expect(t, http.StatusOK)
		for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods"} {
			if resp.Header.Get(name) != "" {
				t.Errorf("origin %s must get no CORS headers, got %s: %q", origin, name, resp.Header.Get(name))
			}
		}
	}

	preflight := rawDo(t, s, http.MethodOptions, "/api/v1/users/profile/", "", "Origin", "https://app.example.test",
		"Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "content-type")
	if preflight.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status %d, want 204", preflight.StatusCode)
	}
	for name, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.test",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, POST, PUT, PATCH, DELETE, OPTIONS",
		"Access-Control-Allow-Headers":     "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, x-api-key",
		"Access-Control-Max-Age":           "86400",
	} {
		if got := preflight.Header.Get(name); got != want {
			t.Errorf("preflight %s = %q, want %q", name, got, want)
		}
	}
	// A preflight is answered before authentication, on sign-in routes too.
	if resp := rawDo(t, s, http.MethodOptions, "/token/", "", "Origin", "https://app.example.test", "Access-Control-Request-Method", "POST"); resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight of /token/: status %d, want 204", resp.StatusCode)
	}
	denied := rawDo(t, s, http.MethodOptions, "/api/me/", "", "Origin", "https://evil.example.test", "Access-Control-Request-Method", "GET")
	if denied.Header.Get("Access-Control-Allow-Origin") != "" || denied.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("a preflight from a disallowed origin got CORS headers: %v", denied.Header)
	}

	// Pages never send CORS headers.
	for _, path := range []string{"/staff/login/", "/superadmin/", "/media/profile_pics/none.png"} {
		resp := rawDo(t, s, http.MethodGet, path, "", "Origin", "https://app.example.test")
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s sent CORS headers", path)
		}
	}
}

func TestAllowedHosts(t *testing.T) {
	s := apptest.New(t, storage.SQLite, map[string]string{"AUTHD_ALLOWED_HOSTS": "127.0.0.1,.example.test"})
	for host, want := range map[string]int{
		"evil.test": http.StatusBadRequest, "localhost": http.StatusBadRequest, "example.test.evil.test": http.StatusBadRequest,
		"auth.example.test": http.StatusOK, "example.test:8000": http.StatusOK, "AUTH.EXAMPLE.TEST": http.StatusOK, "": http.StatusOK,
	} {
		if got := rawDo(t, s, http.MethodGet, "/health/", host).StatusCode; got != want {
			t.Errorf("Host %q: status %d, want %d", host, got, want)
		}
	}
	resp := rawDo(t, s, http.MethodGet, "/api/me/", "evil.test")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("a forged host on an API route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	s := apptest.New(t, storage.SQLite, nil)
	for _, path := range []string{"/health/", "/api/me/", "/api/nowhere/", "/staff/login/"} {
		resp := rawDo(t, s, http.MethodGet, path, "")
		for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if id := resp.Header.Get("X-Request-ID"); len(id) < 16 {
			t.Errorf("%s: X-Request-ID = %q", path, id)
		}
		if resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS in development over HTTP", path)
		}
	}
	if got := rawDo(t, s, http.MethodGet, "/health/", "", "X-Request-ID", "client-chosen-id-42").Header.Get("X-Request-ID"); got != "client-chosen-id-42" {
		t.Errorf("a valid client request id was replaced by %q", got)
	}
	for _, bad := range []string{strings.Repeat("x", 65), "has space", "new\u00e9"} {
		if got := rawDo(t, s, http.MethodGet, "/health/", "", "X-Request-ID", bad).Header.Get("X-Request-ID"); got == bad || got == "" {
			t.Errorf("request id %q was echoed as %q", bad, got)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	cases := []struct {
		name    string
		proxies string
		header  []string
		want    string
	}{
		{"untrusted peer ignores headers", "", []string{"X-Forwarded-For", "203.0.113.9", "X-Real-IP", "203.0.113.8"}, "127.0.0.1"},
		{"trusted peer, one hop", "127.0.0.1", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"walks from the right past trusted hops", "127.0.0.0/8,10.0.0.0/8", []string{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"a spoofed left entry is not used", "127.0.0.1", []string{"X-Forwarded-For", "1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"all trusted takes the leftmost", "127.0.0.1,10.0.0.0/8", []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"garbage entries are skipped", "127.0.0.1", []string{"X-Forwarded-For", "203.0.113.9, not-an-ip"}, "203.0.113.9"},
		{"X-Real-IP without X-Forwarded-For", "127.0.0.1", []string{"X-Real-IP", "203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped address", "127.0.0.1", []string{"X-Forwarded-For", "::ffff:203.0.113.5"}, "203.0.113.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}
			if tc.proxies != "" {
				env["AUTHD_TRUSTED_PROXIES"] = tc.proxies
			}
			s := apptest.New(t, storage.SQLite, env)
			// A failed sign-in records the client address in the audit log.
			s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "who@example.com", "password": "x"}), tc.header...).Expect(t, http.StatusBadRequest)
			var ip string
			err := s.App.DB.NewRaw("SELECT ip FROM audit_events WHERE event = 'login.failed' ORDER BY id DESC LIMIT 1").Scan(context.Background(), &ip)
			if err != nil {
				t.Fatal(err)
			}
			if ip != tc.want {
				t.Errorf("client IP = %q, want %q", ip, tc.want)
			}
		})
	}
}

func TestAPIResponsesAreNotCached(t *testing.T) {
	s := apptest.New(t, storage.SQLite, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"})
	u := newUser(t, s, "cache@example.com")
	c := s.Client()
	login := c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "cache@example.com", "password": testPassword}))
	responses := map[string]*apptest.Response{
		"login/api":       login,
		"token obtain":    c.Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "cache@example.com", "password": testPassword})),
		"failed sign-in":  c.Post("/token/", apptest.JSON(map[string]any{"email": "cache@example.com", "password": "wrong"})),
		"refresh":         c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")})),
		"refresh cookie":  c.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})),
		"validate":        c.Get("/api/v1/users/token/validate/"),
		"me":              c.Get("/api/me/"),
		"profile":         c.Get("/api/v1/users/profile/"),
		"profile update":  c.Do(http.MethodPatch, "/api/v1/users/profile/", &apptest.Body{ContentType: "application/json", Data: []byte(`{"username": "cached"}`)}),
		"by company":      c.Get("/api/v1/users/profile/by-company/" + *u.CompanyID + "/"),
		"unauthenticated": s.Client().Get("/api/me/"),
	}
	for name, resp := range responses {
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s (%d): Cache-Control = %q, want no-store", name, resp.Status, got)
		}
	}
}

func TestProductionHTTPSHeaders(t *testing.T) {
	s := apptest.New(t, storage.SQLite, map[string]string{
		"AUTHD_ENV": "production", "AUTHD_PUBLIC_URL": "https://auth.example.test", "AUTHD_ALLOWED_HOSTS": "127.0.0.1",
		"AUTHD_TRUSTED_PROXIES": "127.0.0.1",
	})
	newUser(t, s, "tls@example.com")
	c := s.Client()
	overTLS := c.Post("/token/", apptest.JSON(map[string]any{"email": "tls@example.com", "password": testPassword}), "X-Forwarded-Proto", "https")
	overTLS.Expect(t, http.StatusOK)
	if got := overTLS.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("HSTS over HTTPS = %q, want max-age=31536000", got)
	}
	for _, line := range overTLS.Header.Values("Set-Cookie") {
		if !strings.Contains(line, "; Secure") {
			t.Errorf("production cookie without Secure: %q", line)
		}
	}
	if got := c.Get("/health/").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS over plain HTTP = %q, want none", got)
	}
	if got := c.Get("/api/schema/"); got.Status != http.StatusNotFound {
		t.Errorf("the API document is public in production by default (%d)", got.Status)
	}
}
