package sessions_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
)

func TestRefreshBodyPath(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "body@example.com")
		_, login := signIn(t, s, "body@example.com", nil)
		first := login.String("refresh_token")

		for _, path := range []string{"/api/v1/token/refresh/", "/api/v1/token/refresh"} {
			t.Run(path, func(t *testing.T) {
				c := s.Client()
				expectBody(t, c.Post(path, apptest.JSON(map[string]any{})), http.StatusBadRequest,
					map[string]any{"refresh": []string{"This field is required."}})
				expectBody(t, c.Post(path, apptest.JSON(map[string]any{"refresh": ""})), http.StatusBadRequest,
					map[string]any{"refresh": []string{"This field is required."}})
				expectBody(t, c.Post(path, apptest.JSON(map[string]any{"refresh": "garbage"})), http.StatusUnauthorized, bodyInvalidOrExpired)
				expectBody(t, c.Post(path, apptest.JSON(map[string]any{"refresh": login.String("access_token")})), http.StatusUnauthorized, bodyInvalidOrExpired)
				expectBody(t, c.Post(path, apptest.JSON(map[string]any{"refresh": 42})), http.StatusUnauthorized, bodyInvalidOrExpired)
			})
		}

		c := s.Client()
		rotated := c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": first})).Expect(t, http.StatusOK)
		if rotated.String("access") == "" || rotated.String("refresh") == "" || rotated.String("refresh") == first {
			rotated.Errorf(t, "refresh must return a new pair")
		}
		if len(rotated.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("a refresh from the body must not set cookies: %v", rotated.Header.Values("Set-Cookie"))
		}
		if got := rotated.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})
}

func TestRefreshBodyPathFallsBackToCookie(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "cookie@example.com")
		browser, login := signIn(t, s, "cookie@example.com", nil)
		s.Clock.Advance(time.Minute)
		for _, body := range []apptest.Body{apptest.JSON(map[string]any{}), apptest.Raw("application/json", nil)} {
			resp := browser.Post("/api/v1/token/refresh/", body).Expect(t, http.StatusOK)
			cookies := resp.SetCookies()
			if cookies["access_token"] == nil || cookies["refresh_token"] == nil {
				t.Fatalf("a refresh from the cookie must set both cookies: %v", resp.Header.Values("Set-Cookie"))
			}
			if cookies["refresh_token"].Value != resp.String("refresh") {
				t.Error("the refresh cookie must hold the new refresh token")
			}
		}
		if browser.Cookie("refresh_token") == login.String("refresh_token") {
			t.Error("the cookie still holds the first refresh token")
		}
	})
}

func TestRefreshBodyPathAccountErrors(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		inactive := staffUser(t, s, "inactive@example.com")
		_, login := signIn(t, s, "inactive@example.com", nil)
		exec(t, s, "UPDATE users SET is_active = ? WHERE id = ?", false, inactive.ID)
		c := s.Client()
		noAccount := map[string]any{"detail": "No active account found with the given credentials", "code": "no_active_account"}
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")})),
			http.StatusUnauthorized, noAccount)
		// The failed refresh revoked the family, so the token stays dead after
		// the account is reactivated.
		exec(t, s, "UPDATE users SET is_active = ? WHERE id = ?", true, inactive.ID)
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")})),
			http.StatusUnauthorized, bodyTokenRevoked)

		gone := staffUser(t, s, "gone@example.com")
		_, goneLogin := signIn(t, s, "gone@example.com", nil)
		exec(t, s, "DELETE FROM users WHERE id = ?", gone.ID)
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": goneLogin.String("refresh_token")})),
			http.StatusUnauthorized, noAccount)

		staffUser(t, s, "expired@example.com")
		_, expiredLogin := signIn(t, s, "expired@example.com", nil)
		s.Clock.Advance(8 * 24 * time.Hour)
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": expiredLogin.String("refresh_token")})),
			http.StatusUnauthorized, bodyInvalidOrExpired)
	})
}

func TestRefreshCookiePaths(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "paths@example.com")
		for _, path := range []string{"/api/v1/token/refresh/cookie/", "/api/v1/token/refresh/cookie",
			"/api/v1/users/token/refresh/", "/api/v1/users/token/refresh"} {
			t.Run(path, func(t *testing.T) {
				staffOnly := strings.HasPrefix(path, "/api/v1/users/")
				empty := s.Client()
				expectBody(t, empty.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized,
					map[string]any{"detail": "No refresh token in cookies"})

				browser, _ := signIn(t, s, "paths@example.com", nil)
				s.Clock.Advance(time.Second)
				resp := browser.Post(path, apptest.JSON(map[string]any{}))
				want := map[string]any{"message": "Token refreshed successfully", "expires_in": 300}
				if !staffOnly {
					want["user_type"] = "user"
				}
				expectBody(t, resp, http.StatusOK, want)
				if cookies := resp.SetCookies(); cookies["access_token"] == nil || cookies["refresh_token"] == nil {
					t.Errorf("both cookies must be set: %v", resp.Header.Values("Set-Cookie"))
				}

				// Every refresh path works after the access cookie expired.
				s.Clock.Advance(10 * time.Minute)
				browser.Post(path, apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)

				wrongType := s.Client()
				wrongType.SetCookie("refresh_token", browser.Cookie("access_token"))
				expectBody(t, wrongType.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Invalid token type"})

				garbage := s.Client()
				garbage.SetCookie("refresh_token", "not.a.jwt")
				expectBody(t, garbage.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Invalid refresh token"})

				forged := s.Client()
				forged.SetCookie("refresh_token", mint(t, []byte("another-key-entirely-0123456789abcdef"), staffClaims(u, "refresh", s.Clock.Now(), time.Hour)))
				expectBody(t, forged.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Invalid refresh token"})

				expired := s.Client()
				expired.SetCookie("refresh_token", mint(t, sharedKey(), staffClaims(u, "refresh", s.Clock.Now().Add(-2*time.Hour), time.Hour)))
				expectBody(t, expired.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Refresh token has expired"})

				// A correctly signed token with an unknown jti issued after
				// installation is not a legacy token.
				unknown := s.Client()
				unknown.SetCookie("refresh_token", mint(t, sharedKey(), staffClaims(u, "refresh", s.Clock.Now(), time.Hour)))
				expectBody(t, unknown.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Invalid refresh token"})

				// Reuse after the grace window revokes the family.
				reused, _ := signIn(t, s, "paths@example.com", nil)
				old := reused.Cookie("refresh_token")
				reused.Post(path, apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
				s.Clock.Advance(11 * time.Second)
				replay := s.Client()
				replay.SetCookie("refresh_token", old)
				expectBody(t, replay.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Token has been revoked"})
				expectBody(t, reused.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "Token has been revoked"})
			})
		}
	})
}

func TestRefreshCookieAccountMissing(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		for i, path := range []string{"/api/v1/token/refresh/cookie/", "/api/v1/users/token/refresh/"} {
			u := staffUser(t, s, fmt.Sprintf("missing%d@example.com", i))
			inactive, _ := signIn(t, s, u.Email, nil)
			exec(t, s, "UPDATE users SET is_active = ? WHERE id = ?", false, u.ID)
			resp := inactive.Post(path, apptest.JSON(map[string]any{}))
			expectBody(t, resp, http.StatusUnauthorized, map[string]any{"detail": "User not found"})
			if lines := setCookieLines(resp, "refresh_token"); len(lines) != 1 || !strings.Contains(lines[0], "Max-Age=0") {
				t.Errorf("a refresh that revoked the family must clear the cookies: %v", lines)
			}

			exec(t, s, "UPDATE users SET is_active = ? WHERE id = ?", true, u.ID)
			deleted, _ := signIn(t, s, u.Email, nil)
			exec(t, s, "DELETE FROM users WHERE id = ?", u.ID)
			expectBody(t, deleted.Post(path, apptest.JSON(map[string]any{})), http.StatusUnauthorized, map[string]any{"detail": "User not found"})
		}
	})
}

func TestRefreshCookieEmployee(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "worker@example.com")
		c, _ := employeeSignIn(t, s, "worker@example.com")
		s.Clock.Advance(time.Second)
		expectBody(t, c.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})), http.StatusOK,
			map[string]any{"message": "Token refreshed successfully", "user_type": "employee", "expires_in": 300})

		// The staff-only path refuses an employee refresh token.
		expectBody(t, c.Post("/api/v1/users/token/refresh/", apptest.JSON(map[string]any{})), http.StatusUnauthorized,
			map[string]any{"detail": "Invalid token type"})

		exec(t, s, "UPDATE employees SET status = 'Rejected' WHERE id = ?", e.ID)
		expectBody(t, c.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})), http.StatusUnauthorized,
			map[string]any{"detail": "Employee not found"})
	})
}

func TestRefreshRejectsChallengeAndAlgNone(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "alg@example.com")
		now := s.Clock.Now()
		challenge, err := s.App.Tokens.Signer().SignChallenge("staff", u.ID, secrets.HexID(), []string{"email"}, now, now.Add(5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		none, err := jwt.NewWithClaims(jwt.SigningMethodNone, staffClaims(u, "refresh", now, time.Hour)).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		hs512 := mint512(t, staffClaims(u, "refresh", now, time.Hour))
		for name, raw := range map[string]string{"challenge": challenge, "alg none": none, "HS512": hs512} {
			t.Run(name, func(t *testing.T) {
				c := s.Client()
				expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": raw})), http.StatusUnauthorized, bodyInvalidOrExpired)
				c.SetCookie("refresh_token", raw)
				expectBody(t, c.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})), http.StatusUnauthorized,
					map[string]any{"detail": "Invalid refresh token"})
				expectBody(t, s.Client().Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": raw})), http.StatusUnauthorized, bodyInvalidOrExpired)
			})
		}
	})
}

func TestLegacyRefreshAdoption(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "legacy@example.com")
		// A token the Django service issued a day before authd was installed,
		// lacking user_type like simplejwt tokens do.
		claims := staffClaims(u, "refresh", apptest.Start.Add(-25*time.Hour), 7*24*time.Hour)
		delete(claims, "user_type")
		legacy := mint(t, sharedKey(), claims)
		c := s.Client()
		adopted := c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": legacy})).Expect(t, http.StatusOK)
		if adopted.String("refresh") == "" {
			adopted.Errorf(t, "no pair for an adopted legacy token")
		}
		if n := count(t, s, "SELECT COUNT(*) FROM refresh_families WHERE subject_id = ? AND subject_type = 'staff'", u.ID); n != 1 {
			t.Errorf("families after adoption = %d, want 1", n)
		}
		c.Get("/api/me/", "Authorization", "Bearer "+adopted.String("access")).Expect(t, http.StatusOK)

		// Presenting it again after the grace window is reuse.
		s.Clock.Advance(time.Minute)
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": legacy})), http.StatusUnauthorized, bodyTokenRevoked)
		expectBody(t, c.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": adopted.String("refresh")})), http.StatusUnauthorized, bodyTokenRevoked)
	})
}

func TestRefreshRotationClaimsFromDatabase(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "claims@example.com")
		_, login := signIn(t, s, "claims@example.com", nil)
		exec(t, s, "UPDATE users SET first_name = 'Renamed' WHERE id = ?", u.ID)
		s.Clock.Advance(time.Second)
		rotated := s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": login.String("refresh_token")})).Expect(t, http.StatusOK)
		claims := jwt.MapClaims{}
		if _, err := jwt.NewParser(jwt.WithTimeFunc(s.Clock.Now)).ParseWithClaims(rotated.String("access"), claims, func(*jwt.Token) (any, error) { return sharedKey(), nil }); err != nil {
			t.Fatal(err)
		}
		if claims["full_name"] != "Renamed Lopez" {
			t.Errorf("full_name after refresh = %v, want the current name", claims["full_name"])
		}
	})
}

func mint512(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString(sharedKey())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
