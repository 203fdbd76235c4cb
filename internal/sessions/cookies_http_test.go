package sessions_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
)

// cookieAttributes returns the attributes of the one Set-Cookie line of a
// cookie, lower-cased, with the value left out.
func cookieAttributes(t *testing.T, r *apptest.Response, name string) []string {
	t.Helper()
	lines := setCookieLines(r, name)
	if len(lines) != 1 {
		t.Fatalf("Set-Cookie lines for %s: %v", name, r.Header.Values("Set-Cookie"))
	}
	parts := strings.Split(lines[0], "; ")
	out := make([]string, 0, len(parts)-1)
	for _, p := range parts[1:] {
		out = append(out, strings.ToLower(p))
	}
	return out
}

func hasAttribute(attributes []string, want string) bool {
	for _, a := range attributes {
		if a == strings.ToLower(want) {
			return true
		}
	}
	return false
}

func hasAttributePrefix(attributes []string, prefix string) bool {
	for _, a := range attributes {
		if strings.HasPrefix(a, strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

func TestCookieDefaults(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "cookies@example.com")
		for _, path := range []string{"/api/v1/users/login/api/", "/token/", "/api/v1/token/obtain/", "/api/v1/users/login/"} {
			resp := s.Client().Post(path, apptest.JSON(map[string]any{"email": "cookies@example.com", "password": testPassword})).Expect(t, http.StatusOK)
			access := cookieAttributes(t, resp, "access_token")
			refresh := cookieAttributes(t, resp, "refresh_token")
			for _, want := range []string{"Path=/", "HttpOnly", "SameSite=Lax"} {
				if !hasAttribute(access, want) || !hasAttribute(refresh, want) {
					t.Errorf("%s: cookies lack %s: %v / %v", path, want, access, refresh)
				}
			}
			if !hasAttribute(access, "Max-Age=300") {
				t.Errorf("%s: access cookie %v, want Max-Age=300", path, access)
			}
			if !hasAttribute(refresh, "Max-Age=604800") {
				t.Errorf("%s: refresh cookie %v, want Max-Age=604800 (seven days)", path, refresh)
			}
			for _, forbidden := range []string{"Secure", "Domain="} {
				if hasAttributePrefix(access, forbidden) || hasAttributePrefix(refresh, forbidden) {
					t.Errorf("%s: development cookies carry %s: %v / %v", path, forbidden, access, refresh)
				}
			}
		}
	})
}

func TestSessionCookiesWithoutRememberMe(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "session@example.com")
		for _, remember := range []any{false, "false", "off", "0"} {
			browser := s.Client()
			var resp *apptest.Response
			if b, ok := remember.(bool); ok {
				resp = browser.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "session@example.com", "password": testPassword, "remember_me": b}))
			} else {
				resp = browser.Post("/api/v1/users/login/api/", apptest.Form(map[string]string{"email": "session@example.com", "password": testPassword, "remember_me": remember.(string)}))
			}
			resp.Expect(t, http.StatusOK)
			for _, name := range []string{"access_token", "refresh_token"} {
				if attrs := cookieAttributes(t, resp, name); hasAttributePrefix(attrs, "Max-Age") || hasAttributePrefix(attrs, "Expires") {
					t.Errorf("remember_me=%v: %s is not a session cookie: %v", remember, name, attrs)
				}
			}
			// The family keeps the choice on every refresh path.
			for _, path := range []string{"/api/v1/token/refresh/cookie/", "/api/v1/users/token/refresh/", "/api/v1/token/refresh/"} {
				s.Clock.Advance(time.Second)
				refreshed := browser.Post(path, apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
				for _, name := range []string{"access_token", "refresh_token"} {
					if attrs := cookieAttributes(t, refreshed, name); hasAttributePrefix(attrs, "Max-Age") {
						t.Errorf("%s after remember_me=false: %s has %v", path, name, attrs)
					}
				}
			}
		}

		// remember_me true keeps persistent cookies through a refresh.
		browser, _ := signIn(t, s, "session@example.com", map[string]any{"remember_me": true})
		s.Clock.Advance(time.Minute)
		refreshed := browser.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if attrs := cookieAttributes(t, refreshed, "refresh_token"); !hasAttribute(attrs, "Max-Age=604800") {
			t.Errorf("refresh cookie after rotation: %v, want a fresh seven-day Max-Age", attrs)
		}
	})
}

func TestCookieDomainAndClearing(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"COOKIE_DOMAIN": ".example.test"}, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "domain@example.com")
		c := s.Client()
		resp := c.Post("/token/", apptest.JSON(map[string]any{"email": "domain@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		for _, name := range []string{"access_token", "refresh_token"} {
			if attrs := cookieAttributes(t, resp, name); !hasAttribute(attrs, "Domain=example.test") {
				t.Errorf("%s: %v, want Domain=example.test", name, attrs)
			}
		}
		out := c.Post("/api/v1/users/logout/", apptest.JSON(map[string]any{}), "Authorization", "Bearer "+resp.String("access")).Expect(t, http.StatusOK)
		for _, name := range []string{"access_token", "refresh_token"} {
			lines := setCookieLines(out, name)
			var withDomain, hostOnly bool
			for _, line := range lines {
				if !strings.Contains(line, "Max-Age=0") {
					t.Errorf("clearing line %q lacks Max-Age=0", line)
				}
				if strings.Contains(line, "Domain=example.test") {
					withDomain = true
				} else {
					hostOnly = true
				}
			}
			if !withDomain || !hostOnly {
				t.Errorf("%s: clearing must expire the domain cookie and its host-only twin: %v", name, lines)
			}
		}
	})
}

func TestCookieSettings(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, access, refresh []string)
	}{
		{"localhost domain is ignored", map[string]string{"COOKIE_DOMAIN": "localhost"}, func(t *testing.T, access, refresh []string) {
			if hasAttributePrefix(access, "Domain=") || hasAttributePrefix(refresh, "Domain=") {
				t.Errorf("COOKIE_DOMAIN=localhost must give host-only cookies: %v / %v", access, refresh)
			}
		}},
		{"readable access cookie", map[string]string{"AUTHD_ACCESS_COOKIE_HTTPONLY": "false"}, func(t *testing.T, access, refresh []string) {
			if hasAttribute(access, "HttpOnly") {
				t.Errorf("access cookie %v must be readable by scripts", access)
			}
			if !hasAttribute(refresh, "HttpOnly") {
				t.Errorf("refresh cookie %v must stay HttpOnly", refresh)
			}
		}},
		{"secure cookies", map[string]string{"AUTHD_COOKIE_SECURE": "true"}, func(t *testing.T, access, refresh []string) {
			if !hasAttribute(access, "Secure") || !hasAttribute(refresh, "Secure") {
				t.Errorf("AUTHD_COOKIE_SECURE=true: %v / %v", access, refresh)
			}
		}},
		{"Django secure alias", map[string]string{"DJANGO_SESSION_COOKIE_SECURE": "True"}, func(t *testing.T, access, refresh []string) {
			if !hasAttribute(access, "Secure") || !hasAttribute(refresh, "Secure") {
				t.Errorf("DJANGO_SESSION_COOKIE_SECURE=True: %v / %v", access, refresh)
			}
		}},
		{"AUTHD_COOKIE_DOMAIN alias", map[string]string{"AUTHD_COOKIE_DOMAIN": "auth.example.test"}, func(t *testing.T, access, refresh []string) {
			if !hasAttribute(access, "Domain=auth.example.test") || !hasAttribute(refresh, "Domain=auth.example.test") {
				t.Errorf("AUTHD_COOKIE_DOMAIN: %v / %v", access, refresh)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := apptest.New(t, "sqlite", tc.env)
			staffUser(t, s, "settings@example.com")
			resp := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "settings@example.com", "password": testPassword})).Expect(t, http.StatusOK)
			tc.check(t, cookieAttributes(t, resp, "access_token"), cookieAttributes(t, resp, "refresh_token"))
		})
	}
}
