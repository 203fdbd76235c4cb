package employees_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/testenv"
)

// mailWait bounds how long a test polls the memory provider for an e-mail
// job to be sent.
const mailWait = 20 * time.Second

// delivered is an e-mail as a test reads it back.
type delivered mailpittest.Message

// inbox reads the e-mails a test server sent: from the memory provider,
// or from Mailpit when the server sends by SMTP.
type inbox struct {
	t       *testing.T
	memory  *mail.MemorySender
	mailpit *mailpittest.Client
}

// startMail starts the job workers of s so queued e-mails are sent, and
// returns the inbox that reads them. An empty mailpitURL reads the memory
// provider.
func startMail(t *testing.T, s *apptest.Server, mailpitURL string) *inbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.App.StartJobs(ctx); err != nil {
		t.Fatalf("start the job workers: %v", err)
	}
	box := &inbox{t: t}
	box.memory, _ = s.App.Mail.(*mail.MemorySender)
	if mailpitURL != "" {
		box.mailpit = mailpittest.New(mailpitURL)
	}
	if box.memory == nil && box.mailpit == nil {
		t.Fatal("the server sends e-mail neither to memory nor to Mailpit")
	}
	return box
}

// mailpitEnv makes a server send e-mail by SMTP to the Mailpit of the test
// environment and returns Mailpit's API URL, or skips the test when none is
// configured (fails under CI=true).
func mailpitEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	env := mailpittest.ServerEnv(t)
	env["AUTHD_CAPTCHA_PROVIDER"] = "none"
	return env, testenv.Require(t, testenv.MailpitURL, "Mailpit (HTTP API)")
}

// uniqueAddress returns an address no other test run uses, so tests that
// share one Mailpit read only their own messages.
func uniqueAddress(name string) string {
	return mailpittest.UniqueAddress(name)
}

// wait returns the e-mail with subject sent to address, polling until
// mailWait has passed.
func (b *inbox) wait(address, subject string) delivered {
	b.t.Helper()
	if b.memory == nil {
		return delivered(b.mailpit.WaitSubject(b.t, address, subject))
	}
	deadline := time.Now().Add(mailWait)
	for {
		if m, ok := b.findInMemory(address, subject); ok {
			return m
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("no e-mail %q to %s within %s", subject, address, mailWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *inbox) findInMemory(address, subject string) (delivered, bool) {
	for _, m := range b.memory.Messages() {
		if m.Subject == subject && len(m.To) > 0 && strings.Contains(strings.ToLower(m.To[0]), strings.ToLower(address)) {
			return delivered{Subject: m.Subject, Text: m.Text}, true
		}
	}
	return delivered{}, false
}

var (
	codePattern = regexp.MustCompile(`\b\d{6}\b`)
	linkPattern = regexp.MustCompile(`https?://\S+/reset-password/\?token=[A-Za-z0-9_-]+`)
)

// code returns the one-time code of an OTP e-mail.
func (m delivered) code(t *testing.T) string {
	t.Helper()
	return mailpittest.Message(m).Find(t, codePattern)[0]
}

// resetLink returns the reset link of a reset e-mail.
func (m delivered) resetLink(t *testing.T) string {
	t.Helper()
	return mailpittest.Message(m).Find(t, linkPattern)[0]
}

func TestEmployeeEmailsArriveInMailpit(t *testing.T) {
	env, apiURL := mailpitEnv(t)
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		box := startMail(t, s, apiURL)
		root := staffUser(t, s, uniqueAddress("root"), true)
		admin := staffClient(t, s, root.Email)
		address := uniqueAddress("emma")
		reg := register(t, s, address, nil)
		id := int64(reg.Get("id").(float64))
		if welcome := box.wait(address, "Welcome to HDTS"); !strings.Contains(welcome.Text, "Eva Reyes") {
			t.Errorf("welcome e-mail does not name the employee:\n%s", welcome.Text)
		}
		admin.Post(statusPath(id), apptest.JSON(map[string]any{"action": "approve"})).Expect(t, http.StatusOK)
		box.wait(address, "Your HDTS account has been approved")

		c, login := employeeLogin(t, s, address, testPassword)
		login.Expect(t, http.StatusOK)
		c.Post(enablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		box.wait(address, "Two-Factor Authentication Enabled")

		browser, challenge := employeeLogin(t, s, address, testPassword)
		challenge.Expect(t, http.StatusOK)
		code := box.wait(address, "Your OTP Code").code(t)
		browser.Post(verifyPath, apptest.JSON(map[string]any{"temporary_token": challenge.String("temporary_token"), "otp_code": code})).Expect(t, http.StatusOK)

		browser.Post(disablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		box.wait(address, "Two-Factor Authentication Disabled")

		browser.Post(changePath, apptest.JSON(map[string]any{"old_password": testPassword, "new_password": otherPassword,
			"confirm_password": otherPassword})).Expect(t, http.StatusOK)
		box.wait(address, "Password Changed")

		s.Client().Post(forgotPath, apptest.JSON(map[string]any{"email": address})).Expect(t, http.StatusOK)
		link := box.wait(address, "Password Reset Request").resetLink(t)
		if !strings.HasPrefix(link, s.URL+"/reset-password/?token=") {
			t.Errorf("reset link %s", link)
		}
		token := link[strings.Index(link, "token=")+len("token="):]
		third := "Silver-Canyon-Ledger-19"
		s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": third, "confirm_password": third})).Expect(t, http.StatusOK)
		_, again := employeeLogin(t, s, address, third)
		again.Expect(t, http.StatusOK)

		rejected := uniqueAddress("ray")
		pending := register(t, s, rejected, nil)
		admin.Post(statusPath(int64(pending.Get("id").(float64))), apptest.JSON(map[string]any{"action": "reject"})).Expect(t, http.StatusOK)
		notice := box.wait(rejected, "Your HDTS account registration was not approved")
		if !strings.Contains(notice.Text, s.App.Config.SupportEmail) {
			t.Errorf("the rejection e-mail does not name %s:\n%s", s.App.Config.SupportEmail, notice.Text)
		}
	})
}
