package invitations_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
	"github.com/mapactive/authd/internal/testenv"
)

// mailWait bounds how long a test polls Mailpit for an e-mail.
const mailWait = 20 * time.Second

// mailpitEnv makes a server send e-mail by SMTP to the Mailpit of the test
// environment and returns Mailpit's API URL, or skips the test when none is
// configured (fails under CI=true).
func mailpitEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	smtpAddr := testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	apiURL := testenv.Require(t, testenv.MailpitURL, "Mailpit (HTTP API)")
	host, port, _ := strings.Cut(smtpAddr, ":")
	return map[string]string{"AUTHD_EMAIL_PROVIDER": "smtp", "DJANGO_EMAIL_HOST": host, "DJANGO_EMAIL_PORT": port,
		"DJANGO_EMAIL_USE_TLS": "false"}, strings.TrimRight(apiURL, "/")
}

// startJobs runs the job workers of s until the test ends, so recorded
// e-mails are sent.
func startJobs(t *testing.T, s *apptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.App.StartJobs(ctx); err != nil {
		t.Fatalf("start the job workers: %v", err)
	}
}

// uniqueAddress returns an address no other run uses, so tests sharing one
// Mailpit read only their own messages.
func uniqueAddress(name string) string {
	return name + "." + strings.ToLower(secrets.HexID()[:10]) + "@example.com"
}

// mailpitMessage is an e-mail read back from Mailpit.
type mailpitMessage struct {
	Subject string
	Text    string
}

// waitForMail polls Mailpit until an e-mail with subject reaches address.
func waitForMail(t *testing.T, apiURL, address, subject string) mailpitMessage {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		var list struct {
			Messages []struct {
				ID      string
				Subject string
			} `json:"messages"`
		}
		mailpitGet(t, apiURL+"/api/v1/search?limit=50&query="+url.QueryEscape(`to:"`+address+`"`), &list)
		for _, m := range list.Messages {
			if m.Subject == subject {
				var full mailpitMessage
				mailpitGet(t, apiURL+"/api/v1/message/"+m.ID, &full)
				return full
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no e-mail %q to %s within %s", subject, address, mailWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mailpitGet(t *testing.T, rawURL string, into any) {
	t.Helper()
	res, err := http.Get(rawURL)
	if err != nil {
		t.Fatalf("Mailpit GET %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("Mailpit GET %s: HTTP %d: %s", rawURL, res.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("Mailpit GET %s: %v", rawURL, err)
	}
}
