package sessions_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
)

func TestVerify(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "verify@example.com")
		_, login := signIn(t, s, "verify@example.com", nil)
		c := s.Client()
		for _, path := range []string{"/api/v1/token/verify/", "/api/v1/token/verify"} {
			expectBody(t, c.Post(path, apptest.JSON(map[string]any{"token": login.String("access_token")})), http.StatusOK, map[string]any{})
			expectBody(t, c.Post(path, apptest.Form(map[string]string{"token": login.String("refresh_token")})), http.StatusOK, map[string]any{})
			expectBody(t, c.Post(path, apptest.JSON(map[string]any{})), http.StatusBadRequest, map[string]any{"token": []string{"This field is required."}})
			expectBody(t, c.Post(path, apptest.JSON(map[string]any{"token": "abc.def.ghi"})), http.StatusUnauthorized, bodyInvalidOrExpired)
		}

		now := s.Clock.Now()
		challenge, err := s.App.Tokens.Signer().SignChallenge("staff", u.ID, secrets.HexID(), []string{"email"}, now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": challenge})), http.StatusUnauthorized, bodyInvalidOrExpired)

		// Revoked: the family logged out.
		other, otherLogin := signIn(t, s, "verify@example.com", nil)
		other.Post("/api/v1/users/logout/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		blacklisted := map[string]any{"detail": "Token is blacklisted", "code": "token_not_valid"}
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": otherLogin.String("access_token")})), http.StatusUnauthorized, blacklisted)
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": otherLogin.String("refresh_token")})), http.StatusUnauthorized, blacklisted)

		// The revocation epoch voids tokens issued before it.
		s.Clock.Advance(2 * time.Second)
		exec(t, s, "UPDATE users SET tokens_valid_after = ? WHERE id = ?", s.Clock.Now(), u.ID)
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": login.String("access_token")})), http.StatusUnauthorized, blacklisted)
		_, fresh := signIn(t, s, "verify@example.com", nil)
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": fresh.String("access_token")})), http.StatusOK, map[string]any{})

		// Expired.
		s.Clock.Advance(6 * time.Minute)
		expectBody(t, c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": fresh.String("access_token")})), http.StatusUnauthorized, bodyInvalidOrExpired)
	})
}

func TestValidateAndMe(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "me@example.com")
		browser, login := signIn(t, s, "me@example.com", nil)
		for _, path := range []string{"/api/v1/users/token/validate/", "/api/v1/users/token/validate", "/api/v1/token/validate/", "/api/v1/token/validate"} {
			resp := browser.Get(path).Expect(t, http.StatusOK)
			if resp.Get("valid") != true || resp.Get("user_type") != "staff" || resp.Get("user_id") != float64(u.ID) || resp.Get("email") != u.Email {
				resp.Errorf(t, "%s: unexpected body", path)
			}
			if resp.String("expires_at") != "2026-03-02T10:35:00.000000Z" {
				t.Errorf("%s: expires_at = %q, want exp in API form", path, resp.String("expires_at"))
			}
			if !strings.HasSuffix(resp.String("token_validated_at"), "+00:00") {
				t.Errorf("%s: token_validated_at = %q, want a Python-style timestamp", path, resp.String("token_validated_at"))
			}
			if _, ok := resp.JSON["system_roles"]; !ok {
				resp.Errorf(t, "%s: the UserProfile fields are missing", path)
			}
		}
		bearer := s.Client()
		bearer.Header.Set("Authorization", "Bearer "+login.String("access_token"))
		for _, path := range []string{"/api/me/", "/api/me"} {
			resp := bearer.Get(path).Expect(t, http.StatusOK)
			if resp.Get("type") != "user" || resp.Get("data.email") != u.Email || resp.Get("data.id") != float64(u.ID) {
				resp.Errorf(t, "%s: unexpected body", path)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control = %q", path, resp.Header.Get("Cache-Control"))
			}
			anonymous := s.Client().Get(path)
			expectBody(t, anonymous, http.StatusUnauthorized, bodyNotAuthenticated)
			if got := anonymous.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		}

		// The revocation epoch is honoured by validate and /api/me/.
		s.Clock.Advance(time.Second)
		exec(t, s, "UPDATE users SET tokens_valid_after = ? WHERE id = ?", s.Clock.Now(), u.ID)
		expectBody(t, browser.Get("/api/v1/users/token/validate/"), http.StatusUnauthorized, bodyTokenRevoked)
		expectBody(t, bearer.Get("/api/me/"), http.StatusUnauthorized, bodyTokenRevoked)
	})
}

func TestMeForEmployee(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "emp-me@example.com")
		c, _ := employeeSignIn(t, s, "emp-me@example.com")
		resp := c.Get("/api/me/").Expect(t, http.StatusOK)
		if resp.Get("type") != "employee" || resp.Get("data.id") != float64(e.ID) {
			resp.Errorf(t, "unexpected /api/me/ body for an employee")
		}
		validated := c.Get("/api/v1/token/validate/").Expect(t, http.StatusOK)
		if validated.Get("user_type") != "employee" || validated.Get("user_id") != float64(e.ID) {
			validated.Errorf(t, "unexpected validate body for an employee")
		}
		// An employee token on a staff-only route.
		expectBody(t, c.Get("/api/v1/users/profile/"), http.StatusForbidden, bodyWrongUserType)
	})
}

func TestTokenLookupOrder(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "order@example.com")
		_, login := signIn(t, s, "order@example.com", nil)
		good := login.String("access_token")
		expired := mint(t, sharedKey(), staffClaims(u, "access", s.Clock.Now().Add(-time.Hour), time.Minute))
		cases := []struct {
			name, cookie, authorization string
			status                      int
			body                        map[string]any
		}{
			{"nothing", "", "", http.StatusUnauthorized, bodyNotAuthenticated},
			{"cookie", good, "", http.StatusOK, nil},
			{"bearer", "", "Bearer " + good, http.StatusOK, nil},
			{"bearer scheme in lower case", "", "bearer " + good, http.StatusOK, nil},
			{"bad cookie, good bearer", "garbage", "Bearer " + good, http.StatusOK, nil},
			{"expired cookie, bad bearer", expired, "Bearer garbage", http.StatusUnauthorized, bodyTokenExpired},
			{"bad cookie, expired bearer", "garbage", "Bearer " + expired, http.StatusUnauthorized, bodyTokenNotValid},
			{"expired bearer", "", "Bearer " + expired, http.StatusUnauthorized, bodyTokenExpired},
			{"basic scheme", "", "Basic b3JkZXI6cGFzcw==", http.StatusUnauthorized, bodyNotAuthenticated},
			{"token scheme", "", "Token " + good, http.StatusUnauthorized, bodyNotAuthenticated},
			{"bearer without a token", "", "Bearer", http.StatusUnauthorized, bodyNotAuthenticated},
			{"refresh token as bearer", "", "Bearer " + login.String("refresh_token"), http.StatusUnauthorized, bodyTokenNotValid},
			{"alg none", "", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.", http.StatusUnauthorized, bodyTokenNotValid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := s.Client()
				if tc.cookie != "" {
					c.SetCookie("access_token", tc.cookie)
				}
				var header []string
				if tc.authorization != "" {
					header = []string{"Authorization", tc.authorization}
				}
				resp := c.Get("/api/me/", header...)
				if tc.body == nil {
					resp.Expect(t, tc.status)
					return
				}
				expectBody(t, resp, tc.status, tc.body)
				if resp.Header.Get("Location") != "" {
					t.Errorf("an API 401 must not redirect: Location %q", resp.Header.Get("Location"))
				}
			})
		}
	})
}

func TestAccessTokenOfUnusableAccount(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		inactive := staffUser(t, s, "inactive-me@example.com")
		_, inactiveLogin := signIn(t, s, inactive.Email, nil)
		deleted := staffUser(t, s, "deleted-me@example.com")
		_, deletedLogin := signIn(t, s, deleted.Email, nil)
		exec(t, s, "UPDATE users SET is_active = ? WHERE id = ?", false, inactive.ID)
		exec(t, s, "DELETE FROM users WHERE id = ?", deleted.ID)
		for _, token := range []string{inactiveLogin.String("access_token"), deletedLogin.String("access_token")} {
			expectBody(t, s.Client().Get("/api/me/", "Authorization", "Bearer "+token), http.StatusUnauthorized, bodyTokenRevoked)
			expectBody(t, s.Client().Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": token})), http.StatusUnauthorized,
				map[string]any{"detail": "Token is blacklisted", "code": "token_not_valid"})
		}

		// A token without exp is refused, even with a valid signature.
		noExp := staffClaims(inactive, "access", s.Clock.Now(), time.Hour)
		delete(noExp, "exp")
		expectBody(t, s.Client().Get("/api/me/", "Authorization", "Bearer "+mint(t, sharedKey(), noExp)), http.StatusUnauthorized, bodyTokenNotValid)
	})
}

func TestRevokedFamilyAccessTokenRefused(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "family@example.com")
		browser, login := signIn(t, s, "family@example.com", nil)
		browser.Post("/api/v1/token/logout/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		c := s.Client()
		c.Header.Set("Authorization", "Bearer "+login.String("access_token"))
		expectBody(t, c.Get("/api/me/"), http.StatusUnauthorized, bodyTokenRevoked)
		expectBody(t, c.Get("/api/v1/users/profile/"), http.StatusUnauthorized, bodyTokenRevoked)
		expectBody(t, c.Get("/api/v1/token/validate/"), http.StatusUnauthorized, bodyTokenRevoked)
	})
}
