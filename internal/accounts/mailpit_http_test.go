package accounts_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/testenv"
)

// mailpit reads the messages authd delivered through the shared Mailpit.
type mailpit struct {
	t       *testing.T
	baseURL string
}

type mailpitMessage struct {
	ID      string
	Subject string
	Text    string
}

func (m mailpit) getJSON(path string, into any) {
	m.t.Helper()
	resp, err := http.Get(m.baseURL + path)
	if err != nil {
		m.t.Fatalf("Mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("Mailpit GET %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		m.t.Fatalf("Mailpit GET %s: %v", path, err)
	}
}

// waitFor polls Mailpit until a message to recipient whose subject starts
// with subject arrives, and returns it with its text part.
func (m mailpit) waitFor(recipient, subject string) mailpitMessage {
	m.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var result struct{ Messages []mailpitMessage }
		m.getJSON("/api/v1/search?query="+url.QueryEscape(`to:"`+recipient+`"`), &result)
		for _, msg := range result.Messages {
			if strings.HasPrefix(msg.Subject, subject) {
				var full mailpitMessage
				m.getJSON("/api/v1/message/"+msg.ID, &full)
				return full
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("no e-mail %q to %s arrived in Mailpit", subject, recipient)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailpitServer starts authd on PostgreSQL with SMTP delivery to Mailpit
// and running job workers.
func mailpitServer(t *testing.T, extra map[string]string) (*apptest.Server, mailpit) {
	t.Helper()
	smtpAddr := testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	apiURL := testenv.Require(t, testenv.MailpitURL, "Mailpit (HTTP API)")
	host, port, err := net.SplitHostPort(smtpAddr)
	if err != nil {
		t.Fatalf("%s=%q: %v", testenv.SMTPAddr, smtpAddr, err)
	}
	env := map[string]string{"AUTHD_EMAIL_PROVIDER": "smtp", "DJANGO_EMAIL_HOST": host, "DJANGO_EMAIL_PORT": port, "DJANGO_EMAIL_USE_TLS": "false"}
	for k, v := range extra {
		env[k] = v
	}
	s := apptest.New(t, storage.Postgres, env)
	if err := s.App.StartJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, mailpit{t: t, baseURL: strings.TrimRight(apiURL, "/")}
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
	msg := mp.waitFor(email, "Password Reset Request")
	match := resetLink.FindStringSubmatch(msg.Text)
	if match == nil {
		t.Fatalf("reset e-mail has no link: %s", msg.Text)
	}
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
	msg := mp.waitFor(email, "Your Verification Code")
	code := sixDigits.FindStringSubmatch(msg.Text)
	if code == nil {
		t.Fatalf("code e-mail without a code: %s", msg.Text)
	}
	s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": login.String("temporary_token"), "otp_code": code[1]})).Expect(t, http.StatusOK)

	for i := 0; i < 10; i++ {
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": email, "password": "guess"})).Expect(t, http.StatusBadRequest)
	}
	mp.waitFor(email, "Failed Login Attempt")
	locked := mp.waitFor(email, "Account Locked")
	if !strings.Contains(locked.Text, "15 minutes") {
		t.Errorf("locked e-mail does not state the lock duration: %s", locked.Text)
	}
	s.Clock.Advance(15 * time.Minute)
	s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": "guess"})).Expect(t, http.StatusBadRequest)
	mp.waitFor(email, "Account Unlocked")
}
