package sessions_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

// expectCleared fails unless the response expires access_token,
// refresh_token and selected_system.
func expectCleared(t *testing.T, r *apptest.Response) {
	t.Helper()
	for _, name := range []string{"access_token", "refresh_token", "selected_system"} {
		lines := setCookieLines(r, name)
		if len(lines) == 0 {
			t.Errorf("%s is not cleared; Set-Cookie: %v", name, r.Header.Values("Set-Cookie"))
			continue
		}
		for _, line := range lines {
			if !strings.HasPrefix(line, name+"=;") || !strings.Contains(line, "Max-Age=0") || !strings.Contains(line, "Path=/") ||
				!strings.Contains(line, "SameSite=Lax") {
				t.Errorf("clearing line %q lacks an empty value, Max-Age=0, Path=/ or SameSite=Lax", line)
			}
		}
	}
}

func TestLogoutPaths(t *testing.T) {
	cases := []struct {
		method, path string
		status       int
		message      string
	}{
		{http.MethodPost, "/api/v1/users/logout/", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/api/v1/users/logout", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/api/v1/token/logout/", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/api/v1/token/logout", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/logout/", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/logout", http.StatusOK, "Logout successful"},
		{http.MethodPost, "/api/v1/hdts/employees/api/logout/", http.StatusOK, "Successfully logged out"},
		{http.MethodPost, "/api/v1/hdts/employees/api/logout", http.StatusOK, "Successfully logged out"},
		{http.MethodGet, "/logout/", http.StatusFound, ""},
		{http.MethodGet, "/logout", http.StatusFound, ""},
		{http.MethodGet, "/api/v1/users/logout/ui/", http.StatusFound, ""},
		{http.MethodGet, "/api/v1/users/logout/ui", http.StatusFound, ""},
	}
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "bye@example.com")
		for _, tc := range cases {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				browser, login := signIn(t, s, "bye@example.com", nil)
				var resp *apptest.Response
				if tc.method == http.MethodGet {
					resp = browser.Get(tc.path)
				} else {
					resp = browser.Post(tc.path, apptest.JSON(map[string]any{}))
				}
				if tc.status == http.StatusFound {
					resp.Expect(t, http.StatusFound)
					if got := resp.Header.Get("Location"); got != "/staff/login/?logout=1" {
						t.Errorf("Location = %q, want /staff/login/?logout=1", got)
					}
				} else {
					expectBody(t, resp, tc.status, map[string]any{"message": tc.message})
				}
				expectCleared(t, resp)
				if browser.Cookie("access_token") != "" || browser.Cookie("refresh_token") != "" {
					t.Error("the browser still holds auth cookies")
				}
				expectBody(t, s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")})),
					http.StatusUnauthorized, bodyTokenRevoked)

				// Without any token the route still succeeds and clears.
				var anonymous *apptest.Response
				if tc.method == http.MethodGet {
					anonymous = s.Client().Get(tc.path)
				} else {
					anonymous = s.Client().Post(tc.path, apptest.Raw("text/plain", []byte("junk")))
				}
				anonymous.Expect(t, tc.status)
				expectCleared(t, anonymous)
			})
		}
	})
}

func TestLogoutRevokesOnlyThatFamily(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "two@example.com")
		_, first := signIn(t, s, "two@example.com", nil)
		second, _ := signIn(t, s, "two@example.com", nil)

		// The body refresh token is revoked even without cookies.
		api := s.Client()
		expectBody(t, api.Post("/api/v1/token/logout/", apptest.JSON(map[string]any{"refresh": first.String("refresh_token")})),
			http.StatusOK, map[string]any{"message": "Logout successful"})
		expectBody(t, api.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": first.String("refresh_token")})),
			http.StatusUnauthorized, bodyTokenRevoked)
		second.Get("/api/me/").Expect(t, http.StatusOK)

		// An access token alone (Bearer, the scheme in any case) revokes its
		// family too.
		_, third := signIn(t, s, "two@example.com", nil)
		bearer := s.Client()
		bearer.Post("/logout/", apptest.JSON(map[string]any{}), "Authorization", "BEARER "+third.String("access_token")).Expect(t, http.StatusOK)
		expectBody(t, s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": third.String("refresh_token")})),
			http.StatusUnauthorized, bodyTokenRevoked)
		second.Get("/api/me/").Expect(t, http.StatusOK)
	})
}

func TestLogoutRedirectForEmployee(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		approvedEmployee(t, s, "leaving@example.com")
		for _, path := range []string{"/logout/", "/api/v1/users/logout/ui/"} {
			c, _ := employeeSignIn(t, s, "leaving@example.com")
			resp := c.Get(path).Expect(t, http.StatusFound)
			if got := resp.Header.Get("Location"); got != "/login/?logout=1" {
				t.Errorf("%s: Location = %q, want /login/?logout=1", path, got)
			}
			expectCleared(t, resp)
		}
	})
}
