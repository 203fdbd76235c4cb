package mailpittest_test

import (
	"fmt"
	"net/smtp"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/testenv"
)

// send delivers a plain-text message to the shared Mailpit over SMTP.
func send(t *testing.T, recipient, subject, text string) {
	t.Helper()
	address := testenv.Require(t, testenv.SMTPAddr, "Mailpit (SMTP)")
	message := "From: tests@authd.test\r\nTo: " + recipient + "\r\nSubject: " + subject +
		"\r\nX-Test-Header: mailpittest\r\n\r\n" + text + "\r\n"
	if err := smtp.SendMail(address, nil, "tests@authd.test", []string{recipient}, []byte(message)); err != nil {
		t.Fatalf("send an e-mail to %s through the SMTP server at %s: %v", recipient, address, err)
	}
}

// fatalRecorder replaces the Fatalf of a test, so a test can check the
// message a helper fails with. Fatalf records the message and unwinds with
// a panic.
type fatalRecorder struct {
	testing.TB
	message string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.message = fmt.Sprintf(format, args...)
	panic(r)
}

// failure runs fn with a fatalRecorder and returns the message fn failed
// with, or "" when it did not fail.
func failure(t *testing.T, fn func(testing.TB)) (message string) {
	recorder := &fatalRecorder{TB: t}
	defer func() {
		if value := recover(); value != nil {
			if value != recorder {
				panic(value)
			}
			message = recorder.message
		}
	}()
	fn(recorder)
	return ""
}

func TestClientReadsMessagesByRecipient(t *testing.T) {
	client := mailpittest.Shared(t)
	recipient := client.Recipient(t, "mailpittest")
	other := client.Recipient(t, "mailpittest-other")
	send(t, recipient, "First", "Open https://id.example.test/reset/?token=abc-123 to continue.")
	send(t, other, "Not for the first recipient", "none")

	only := client.Only(t, recipient)
	if only.Subject != "First" {
		t.Errorf("subject %q, want First", only.Subject)
	}
	if only.From.Address != "tests@authd.test" {
		t.Errorf("from %+v", only.From)
	}
	if len(only.To) != 1 || only.To[0].Address != recipient {
		t.Errorf("to %+v, want %s", only.To, recipient)
	}
	if headers := client.Headers(t, only.ID); len(headers["X-Test-Header"]) != 1 || headers["X-Test-Header"][0] != "mailpittest" {
		t.Errorf("X-Test-Header = %v", headers["X-Test-Header"])
	}

	link := regexp.MustCompile(`https://\S+/reset/\?token=([A-Za-z0-9_-]+)`)
	if match := only.Find(t, link); match[1] != "abc-123" {
		t.Errorf("token %q, want abc-123", match[1])
	}
	message := failure(t, func(tb testing.TB) { only.Find(tb, regexp.MustCompile(`\b\d{6}\b`)) })
	if !strings.Contains(message, `"First"`) || !strings.Contains(message, "abc-123") {
		t.Errorf("failure without a match: %q, want the subject and the text", message)
	}
}

func TestClientWaitsForSubject(t *testing.T) {
	client := mailpittest.Shared(t)
	recipient := client.Recipient(t, "mailpittest-wait")
	send(t, recipient, "Welcome", "hello")
	send(t, recipient, "Your code", "123456")

	if got := client.WaitSubject(t, recipient, "Welcome"); got.Text == "" || !strings.HasPrefix(got.Text, "hello") {
		t.Errorf("text %q, want hello", got.Text)
	}
	if got := client.Wait(t, recipient, "any e-mail", nil); got.Subject != "Your code" {
		t.Errorf("Wait with a nil match returned %q, want the newest message", got.Subject)
	}
	if subjects := client.Subjects(t, recipient); len(subjects) != 2 || subjects[0] != "Your code" || subjects[1] != "Welcome" {
		t.Errorf("subjects %q, want newest first", subjects)
	}

	client.WaitTimeout = 200 * time.Millisecond
	message := failure(t, func(tb testing.TB) { client.WaitSubject(tb, recipient, "Never sent") })
	for _, want := range []string{recipient, `subject "Never sent"`, "2 messages", `"Welcome"`, `"Your code"`} {
		if !strings.Contains(message, want) {
			t.Errorf("timeout failure %q does not contain %s", message, want)
		}
	}
}

func TestClientDeletesRecipientMessages(t *testing.T) {
	client := mailpittest.Shared(t)
	recipient := mailpittest.UniqueAddress("mailpittest-delete")
	untouched := client.Recipient(t, "mailpittest-untouched")
	send(t, recipient, "Delete me", "gone")
	send(t, untouched, "Keep me", "still here")

	client.DeleteTo(t, recipient)

	if got := client.To(t, recipient); len(got) != 0 {
		t.Errorf("%d messages to %s after DeleteTo, want 0", len(got), recipient)
	}
	if got := client.To(t, untouched); len(got) != 1 {
		t.Errorf("%d messages to %s, want the 1 not deleted", len(got), untouched)
	}
}

func TestUniqueAddressDiffers(t *testing.T) {
	first, second := mailpittest.UniqueAddress("ann"), mailpittest.UniqueAddress("ann")
	if first == second {
		t.Errorf("two calls returned %s", first)
	}
	if !regexp.MustCompile(`^ann\.[0-9a-f]{12}@example\.com$`).MatchString(first) {
		t.Errorf("address %s, want ann.<12 hex digits>@example.com", first)
	}
}
