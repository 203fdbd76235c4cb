package mail

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/testenv"
)

// sharedMailpit returns a sender and an API client for the Mailpit that
// AUTHD_TEST_SMTP_ADDR and AUTHD_TEST_MAILPIT_URL name.
func sharedMailpit(t testing.TB) (*smtpSender, *mailpittest.Client) {
	t.Helper()
	smtpAddress := testenv.Require(t, testenv.SMTPAddr, "Mailpit")
	host, port := splitHostPort(t, smtpAddress)
	sender := newSMTPSender(smtpConfig{host: host, port: port, timeout: 5 * time.Second},
		Address{Email: "accounts@acme.test", Name: "Acme Accounts"})
	return sender, mailpittest.Shared(t)
}

// splitHostPort splits a host:port test address.
func splitHostPort(t testing.TB, address string) (string, int) {
	t.Helper()
	colon := strings.LastIndexByte(address, ':')
	if colon < 0 {
		t.Fatalf("address %q has no port", address)
	}
	port, err := strconv.Atoi(address[colon+1:])
	if err != nil {
		t.Fatalf("address %q: %v", address, err)
	}
	return address[:colon], port
}

func TestSMTPDeliversToMailpit(t *testing.T) {
	t.Parallel()
	sender, mailpit := sharedMailpit(t)
	recipient := mailpit.Recipient(t, "mail-test")
	m := &Message{
		To:      []string{"Ann Lee <" + recipient + ">"},
		Subject: "Your Verification Code - Acme Desk",
		Text:    "Your code is 482913.\nIt expires in 5 minutes.",
		HTML:    "<p>Your code is <strong>482913</strong>.</p>",
		Headers: map[string]string{"X-Authd-Job": "42"},
	}
	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := mailpit.Only(t, recipient)
	if got.Subject != m.Subject {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.From.Address != "accounts@acme.test" || got.From.Name != "Acme Accounts" {
		t.Errorf("from = %+v", got.From)
	}
	if len(got.To) != 1 || got.To[0].Address != recipient || got.To[0].Name != "Ann Lee" {
		t.Errorf("to = %+v", got.To)
	}
	// SMTP carries lines ending in CRLF.
	if strings.TrimSpace(strings.ReplaceAll(got.Text, "\r\n", "\n")) != m.Text {
		t.Errorf("text part = %q", got.Text)
	}
	if !strings.Contains(got.HTML, "<strong>482913</strong>") {
		t.Errorf("HTML part = %q", got.HTML)
	}
	if "<"+got.MessageID+">" != m.MessageID || !strings.HasSuffix(m.MessageID, "@acme.test>") {
		t.Errorf("Message-ID = %q, sent %q", got.MessageID, m.MessageID)
	}

	headers := mailpit.Headers(t, got.ID)
	if value := headers["Auto-Submitted"]; len(value) != 1 || value[0] != "auto-generated" {
		t.Errorf("Auto-Submitted = %v", value)
	}
	if value := headers["X-Authd-Job"]; len(value) != 1 || value[0] != "42" {
		t.Errorf("X-Authd-Job = %v", value)
	}
	if value := headers["Content-Type"]; len(value) != 1 || !strings.HasPrefix(value[0], "multipart/alternative") {
		t.Errorf("Content-Type = %v", value)
	}
	if len(headers["Date"]) != 1 {
		t.Errorf("Date header missing")
	}
}

func TestSMTPDeliversRenderedTemplate(t *testing.T) {
	t.Parallel()
	sender, mailpit := sharedMailpit(t)
	recipient := mailpit.Recipient(t, "mail-test")
	renderer := newTestRenderer(t, "")
	link := "https://id.acme.test/api/v1/users/password/reset/?token=inv-5"
	subject, text, html, err := renderer.Render(Invitation, map[string]any{
		"first_name": "Dana", "system_name": "TTS", "role_name": "Agent",
		"set_password_url": link, "expiry_days": 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(context.Background(), &Message{To: []string{recipient}, Subject: subject, Text: text, HTML: html}); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := mailpit.Only(t, recipient)
	if got.Subject != "Invitation to TTS" {
		t.Errorf("subject = %q", got.Subject)
	}
	if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, `href="`+link+`"`) {
		t.Errorf("the set-password link is missing from a part:\n%s\n%s", got.Text, got.HTML)
	}
	if !strings.Contains(got.Text, "Hello Dana,") || !strings.Contains(got.HTML, "Hello Dana,") {
		t.Errorf("the greeting is missing from a part")
	}
}

func TestSMTPDeliversToEveryRecipient(t *testing.T) {
	t.Parallel()
	sender, mailpit := sharedMailpit(t)
	first, second := mailpit.Recipient(t, "mail-test"), mailpit.Recipient(t, "mail-test")
	m := &Message{To: []string{first, second}, Subject: "Two recipients", Text: "Hello both"}
	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	for _, recipient := range []string{first, second} {
		if got := len(mailpit.To(t, recipient)); got != 1 {
			t.Errorf("%d messages to %s, want 1", got, recipient)
		}
	}
}

func TestSMTPRequiredStartTLSMissing(t *testing.T) {
	t.Parallel()
	sender, mailpit := sharedMailpit(t)
	config := sender.config
	config.startTLS = true
	recipient := mailpit.Recipient(t, "mail-test")
	err := newSMTPSender(config, sender.from).Send(context.Background(),
		&Message{To: []string{recipient}, Subject: "Needs TLS", Text: "Never sent in clear text"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("error = %v, want a STARTTLS failure", err)
	}
	if IsPermanent(err) {
		t.Errorf("a missing STARTTLS is permanent: %v", err)
	}
	if got := len(mailpit.To(t, recipient)); got != 0 {
		t.Errorf("message was delivered without TLS")
	}
}

func TestSMTPConnectionRefusedIsTemporary(t *testing.T) {
	t.Parallel()
	host, port := splitHostPort(t, unusedLoopbackAddress(t))
	sender := newSMTPSender(smtpConfig{host: host, port: port, timeout: 5 * time.Second}, Address{Email: "a@acme.test"})
	err := sender.Send(context.Background(), validMessage())
	if err == nil {
		t.Fatal("no error")
	}
	if IsPermanent(err) {
		t.Errorf("connection refused is permanent: %v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v", err)
	}
}

func TestSMTPSilentServerTimesOut(t *testing.T) {
	t.Parallel()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Accept connections and hold them open without sending a greeting.
	var acceptLoop sync.WaitGroup
	var mu sync.Mutex
	var connections []net.Conn
	acceptLoop.Go(func() {
		for {
			connection, err := listener.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			connections = append(connections, connection)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = listener.Close()
		acceptLoop.Wait()
		for _, connection := range connections {
			_ = connection.Close()
		}
	})

	host, port := splitHostPort(t, listener.Addr().String())
	sender := newSMTPSender(smtpConfig{host: host, port: port, timeout: 200 * time.Millisecond}, Address{Email: "a@acme.test"})
	started := time.Now()
	err = sender.Send(context.Background(), validMessage())
	if err == nil {
		t.Fatal("no error")
	}
	if IsPermanent(err) {
		t.Errorf("timeout is permanent: %v", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("error is not a deadline error: %v", err)
	}
	if elapsed := time.Since(started); elapsed > 3*time.Second {
		t.Errorf("Send returned after %s with a 200ms timeout", elapsed)
	}
}

func TestSMTPInvalidMessageNotSent(t *testing.T) {
	t.Parallel()
	sender, mailpit := sharedMailpit(t)
	recipient := mailpit.Recipient(t, "mail-test")
	err := sender.Send(context.Background(), &Message{To: []string{recipient}, Subject: "a\r\nBcc: x@example.com", Text: "b"})
	if !IsPermanent(err) {
		t.Fatalf("error = %v, want a permanent error", err)
	}
	if got := len(mailpit.To(t, recipient)); got != 0 {
		t.Errorf("an invalid message was delivered")
	}
}

func TestPlainOrLoginAuthChoosesOfferedMechanism(t *testing.T) {
	cases := []struct {
		offered []string
		tls     bool
		server  string
		want    string // mechanism, or "" for an error
	}{
		{[]string{"CRAM-MD5", "PLAIN", "LOGIN"}, true, "mail.acme.test", "PLAIN"},
		{[]string{"LOGIN"}, true, "mail.acme.test", "LOGIN"},
		{[]string{"CRAM-MD5"}, true, "mail.acme.test", ""},
		{nil, true, "mail.acme.test", ""},
		{[]string{"PLAIN"}, false, "mail.acme.test", ""},
		{[]string{"LOGIN"}, false, "mail.acme.test", ""},
		{[]string{"PLAIN"}, false, "127.0.0.1", "PLAIN"},
	}
	for _, tc := range cases {
		auth := &plainOrLoginAuth{user: "mailer", password: "pw", host: tc.server}
		mechanism, _, err := auth.Start(&gosmtp.ServerInfo{Name: tc.server, TLS: tc.tls, Auth: tc.offered})
		if tc.want == "" {
			if err == nil {
				t.Errorf("offered %v, TLS %v, server %s: chose %s, want an error", tc.offered, tc.tls, tc.server, mechanism)
			}
			continue
		}
		if err != nil || mechanism != tc.want {
			t.Errorf("offered %v, TLS %v, server %s: got (%q, %v), want %s", tc.offered, tc.tls, tc.server, mechanism, err, tc.want)
		}
	}
}
