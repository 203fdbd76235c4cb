package accounts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

const testPassword = "Blue-Harbor-Lantern-42"

// createUser makes an approved staff user with testPassword through the
// same code path as registration.
func createUser(t *testing.T, s *apptest.Server, email string, mutate func(*accounts.NewUser)) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true, FirstName: "Test", LastName: "User"}
	if mutate != nil {
		mutate(n)
	}
	var u *model.User
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// parseShared verifies a token the way a downstream system does: HS256
// with the shared key, at the server's clock.
func parseShared(t *testing.T, s *apptest.Server, raw string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(s.Clock.Now))
	_, err := parser.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(apptest.TestEnv()["AUTHD_JWT_SIGNING_KEY"]), nil })
	if err != nil {
		t.Fatalf("downstream verification failed: %v", err)
	}
	return claims
}

func TestSignInRefreshLogoutFlow(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "lawrence@example.com", func(n *accounts.NewUser) { n.Username = "lawrence"; n.IsStaff = true })
		browser := s.Client()

		login := browser.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "Lawrence@Example.com", "password": testPassword}))
		login.Expect(t, http.StatusOK)
		if login.Get("success") != true || login.String("user.email") != "lawrence@example.com" {
			login.Errorf(t, "unexpected success body")
		}
		claims := parseShared(t, s, login.String("access_token"))
		for name, want := range map[string]any{"token_type": "access", "email": "lawrence@example.com", "username": "lawrence", "full_name": "Test User", "user_type": "staff"} {
			if claims[name] != want {
				t.Errorf("claim %s = %v, want %v", name, claims[name], want)
			}
		}
		if _, ok := claims["user_id"].(float64); !ok {
			t.Errorf("user_id claim %v is not a number", claims["user_id"])
		}
		cookies := login.SetCookies()
		access, refresh := cookies["access_token"], cookies["refresh_token"]
		if access == nil || refresh == nil || !access.HttpOnly || !refresh.HttpOnly || access.SameSite != http.SameSiteLaxMode || access.MaxAge != 300 {
			t.Fatalf("sign-in cookies = %+v %+v", access, refresh)
		}

		api := s.Client()
		obtained := api.Post("/api/v1/token/obtain/", apptest.Form(map[string]string{"email": "lawrence@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		first := obtained.String("refresh")

		s.Clock.Advance(time.Minute)
		rotated := api.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": first})).Expect(t, http.StatusOK)
		if rotated.String("refresh") == first {
			t.Fatal("refresh did not rotate the refresh token")
		}
		s.Clock.Advance(2 * time.Second)
		replay := api.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": first})).Expect(t, http.StatusOK)
		if replay.String("refresh") != rotated.String("refresh") {
			t.Error("a replay within the grace window must return the same successor")
		}
		s.Clock.Advance(30 * time.Second)
		reused := api.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": first})).Expect(t, http.StatusUnauthorized)
		if reused.String("code") != "token_revoked" {
			reused.Errorf(t, "reuse must answer token_revoked")
		}
		api.Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": rotated.String("refresh")})).Expect(t, http.StatusUnauthorized)

		// The browser's family is another sign-in and must survive the reuse.
		browser.Get("/api/me/").Expect(t, http.StatusOK)
		browser.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		browser.Post("/logout/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if browser.Cookie("access_token") != "" || browser.Cookie("refresh_token") != "" {
			t.Error("logout must clear both cookies")
		}
		stale := s.Client()
		stale.Header.Set("Authorization", "Bearer "+login.String("access_token"))
		stale.Get("/api/me/").Expect(t, http.StatusUnauthorized)
	})
}

func TestUnknownEmailAndWrongPasswordLookAlike(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "known@example.com", nil)
		c := s.Client()
		wrong := c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "known@example.com", "password": "not-it"}))
		unknown := c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "nobody@example.com", "password": "not-it"}))
		if wrong.Status != http.StatusBadRequest || unknown.Status != wrong.Status || string(unknown.Body) != string(wrong.Body) {
			t.Errorf("wrong password: %d %s; unknown e-mail: %d %s", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
		}
	})
}

func TestLockoutAfterTenFailures(t *testing.T) {
	// CAPTCHA escalation would stop the guesses from counting after the
	// third; it has its own tests.
	noCaptcha := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "target@example.com", nil)
		c := s.Client()
		for i := 0; i < 10; i++ {
			c.Post("/token/", apptest.JSON(map[string]any{"email": "target@example.com", "password": "guess"})).Expect(t, http.StatusBadRequest)
		}
		locked := c.Post("/token/", apptest.JSON(map[string]any{"email": "target@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		if got := locked.Get("non_field_errors").([]any)[0]; got != accounts.ErrLocked.Error() {
			t.Errorf("correct password while locked: %v", got)
		}
		wrongWhileLocked := c.Post("/token/", apptest.JSON(map[string]any{"email": "target@example.com", "password": "guess"}))
		if got := wrongWhileLocked.Get("non_field_errors").([]any)[0]; got != accounts.ErrInvalidCredentials.Error() {
			t.Errorf("wrong password while locked: %v, want the generic message", got)
		}
		s.Clock.Advance(15 * time.Minute)
		c.Post("/token/", apptest.JSON(map[string]any{"email": "target@example.com", "password": testPassword})).Expect(t, http.StatusOK)
	})
}
