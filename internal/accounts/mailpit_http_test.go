package accounts_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
)

// waitForPrefix polls mp until a message to recipient whose subject starts
// with prefix arrives, and returns it. authd appends the site name to most
// subjects.
func waitForPrefix(t *testing.T, mp *mailpittest.Client, recipient, prefix string) mailpittest.Message {
	t.Helper()
	return mp.Wait(t, recipient, fmt.Sprintf("a subject starting with %q", prefix),
		func(m mailpittest.Message) bool { return strings.HasPrefix(m.Subject, prefix) })
}

// mailpitServer starts authd on PostgreSQL with SMTP delivery to Mailpit
// and running job workers.
func mailpitServer(t *testing.T, extra map[string]string) (*apptest.Server, *mailpittest.Client) {
	t.Helper()
	env := mailpittest.ServerEnv(t)
	mp := mailpittest.Shared(t)
	maps.Copy(env, extra)
	s := apptest.New(t, storage.Postgres, env)
	if err := s.App.StartJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, mp
}

var (
	resetLink = regexp.MustCompile(`/api/v1/users/password/reset/\?token=([A-Za-z0-9_-]+)`)
	sixDigits = regexp.MustCompile(`\b(\d{6})\b`)
)

func TestForgotAndResetFromMailpit(t *testing.T) {
	s, mp := mailpitServer(t, nil)
	email := "reset-" + secrets.HexID()[:12] + "@example.com"
	createUser(t, s, email, nil)
	api := s.Client()
	oldRefresh := api.Post("/token/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK).String("refresh")
	browser, _ := signedIn(t, s, email)

	s.Client().Post("/api/v1/users/password/forgot/", apptest.JSON(map[string]any{"email": email})).Expect(t, http.StatusOK)
	msg := waitForPrefix(t, mp, email, "Password Reset Request")
	match := msg.Find(t, resetLink)
	if !strings.Contains(msg.Text, s.URL+"/api/v1/users/password/reset/?token=") {
		t.Errorf("reset link is not built from AUTHD_PUBLIC_URL: %s", msg.Text)
	}
	s.Client().Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": match[1], "password": newPassword, "password_confirm": newPassword})).Expect(t, http.StatusOK)

	if r := s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": oldRefresh})); r.Status != http.StatusUnauthorized {
		r.Errorf(t, "refresh token from before the reset")
	}
	if r := browser.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})); r.Status != http.StatusUnauthorized {
		r.Errorf(t, "browser refresh cookie from before the reset")
	}
	s.Client().Post("/token/", apptest.JSON(map[string]any{"email": email, "password": newPassword})).Expect(t, http.StatusOK)
}

func TestSignInCodeAndLockMailsFromMailpit(t *testing.T) {
	s, mp := mailpitServer(t, noCaptchaEnv(nil))
	email := "otp-" + secrets.HexID()[:12] + "@example.com"
	createUser(t, s, email, nil)
	owner, _ := signedIn(t, s, email)
	owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)

	login := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
	msg := waitForPrefix(t, mp, email, "Your Verification Code")
	code := msg.Find(t, sixDigits)
	s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": login.String("temporary_token"), "otp_code": code[1]})).Expect(t, http.StatusOK)

	for i := 0; i < 10; i++ {
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": email, "password": "guess"})).Expect(t, http.StatusBadRequest)
	}
	waitForPrefix(t, mp, email, "Failed Login Attempt")
	locked := waitForPrefix(t, mp, email, "Account Locked")
	if !strings.Contains(locked.Text, "15 minutes") {
		t.Errorf("locked e-mail does not state the lock duration: %s", locked.Text)
	}
	s.Clock.Advance(15 * time.Minute)
	s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": "guess"})).Expect(t, http.StatusBadRequest)
	waitForPrefix(t, mp, email, "Account Unlocked")
}
