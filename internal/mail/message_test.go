package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var messageIDPattern = regexp.MustCompile(`^<[0-9a-f]{32}@acme\.test>$`)

func validMessage() *Message {
	return &Message{
		To:      []string{"ann@example.com"},
		From:    Address{Email: "accounts@Acme.test", Name: "Acme"},
		Subject: "Hello",
		Text:    "Plain body",
		HTML:    "<p>HTML body</p>",
	}
}

func TestPrepareFillsMessageIDAndAutoSubmitted(t *testing.T) {
	m := validMessage()
	Prepare(m)
	if !messageIDPattern.MatchString(m.MessageID) {
		t.Errorf("MessageID = %q, want a random ID under acme.test", m.MessageID)
	}
	if m.Headers[AutoSubmittedHeader] != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", m.Headers[AutoSubmittedHeader])
	}

	first := m.MessageID
	Prepare(m)
	if m.MessageID != first || len(m.Headers) != 1 {
		t.Errorf("second Prepare changed the message: %q %v", m.MessageID, m.Headers)
	}

	other := validMessage()
	Prepare(other)
	if other.MessageID == first {
		t.Errorf("two messages got the same ID %q", first)
	}
}

func TestPrepareKeepsExistingValues(t *testing.T) {
	m := validMessage()
	m.MessageID = "<fixed@acme.test>"
	m.Headers = map[string]string{"auto-submitted": "auto-replied"}
	Prepare(m)
	if m.MessageID != "<fixed@acme.test>" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if len(m.Headers) != 1 || m.Headers["auto-submitted"] != "auto-replied" {
		t.Errorf("Headers = %v", m.Headers)
	}
}

func TestPrepareWithoutSenderDomain(t *testing.T) {
	m := &Message{}
	Prepare(m)
	if !strings.HasSuffix(m.MessageID, "@localhost>") {
		t.Errorf("MessageID = %q", m.MessageID)
	}
}

func TestSendRejectsInvalidMessages(t *testing.T) {
	cases := map[string]func(m *Message){
		"no recipient":             func(m *Message) { m.To = nil },
		"invalid recipient":        func(m *Message) { m.To = []string{"not an address"} },
		"recipient with CRLF":      func(m *Message) { m.To = []string{"a@example.com\r\nBcc: b@example.com"} },
		"sender with name":         func(m *Message) { m.From.Email = "Acme <a@acme.test>" },
		"sender name with newline": func(m *Message) { m.From.Name = "Acme\nBcc: x@example.com" },
		"empty subject":            func(m *Message) { m.Subject = " " },
		"subject with newline":     func(m *Message) { m.Subject = "Hi\r\nBcc: x@example.com" },
		"empty text part":          func(m *Message) { m.Text = "" },
		"header with newline":      func(m *Message) { m.Headers = map[string]string{"X-Tag": "a\nBcc: x@example.com"} },
		"header name with colon":   func(m *Message) { m.Headers = map[string]string{"X-Tag:": "a"} },
		"reserved header":          func(m *Message) { m.Headers = map[string]string{"bcc": "x@example.com"} },
		"message ID without @":     func(m *Message) { m.MessageID = "<abc>" },
		"message ID with space":    func(m *Message) { m.MessageID = "<a b@acme.test>" },
	}
	sender := NewMemorySender(Address{Email: "default@acme.test"})
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			m := validMessage()
			mutate(m)
			err := sender.Send(context.Background(), m)
			if err == nil {
				t.Fatal("no error")
			}
			if !IsPermanent(err) {
				t.Errorf("error is not permanent: %v", err)
			}
		})
	}
	if err := sender.Send(context.Background(), nil); !IsPermanent(err) {
		t.Errorf("nil message: error = %v", err)
	}
	if len(sender.Messages()) != 0 {
		t.Errorf("invalid messages were stored")
	}
}

func TestIsPermanent(t *testing.T) {
	permanent := &SendError{Provider: "smtp", Status: 550, Permanent: true, Err: errors.New("550 no such user")}
	temporary := &SendError{Provider: "smtp", Status: 451, Err: errors.New("451 try later")}
	if !IsPermanent(permanent) || !IsPermanent(fmt.Errorf("job 7: %w", permanent)) {
		t.Errorf("permanent error not recognised")
	}
	if IsPermanent(temporary) || IsPermanent(errors.New("plain")) || IsPermanent(nil) {
		t.Errorf("temporary error reported as permanent")
	}
	if permanent.Error() != "smtp: 550 no such user" {
		t.Errorf("Error() = %q", permanent.Error())
	}
}

func TestMemorySenderStoresCopies(t *testing.T) {
	sender := NewMemorySender(Address{Email: "default@acme.test", Name: "Acme"})
	m := validMessage()
	m.From = Address{}
	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if m.From.Email != "default@acme.test" || m.MessageID == "" {
		t.Errorf("Send did not fill the caller's message: %+v", m)
	}
	m.To[0] = "changed@example.com"
	m.Headers["X-Later"] = "1"

	stored := sender.Messages()
	if len(stored) != 1 || stored[0].To[0] != "ann@example.com" || stored[0].Headers["X-Later"] != "" {
		t.Fatalf("stored message changed with the caller's copy: %+v", stored)
	}
	stored[0].Subject = "edited"
	if sender.Messages()[0].Subject != "Hello" {
		t.Errorf("Messages returned shared storage")
	}
	sender.Reset()
	if len(sender.Messages()) != 0 {
		t.Errorf("Reset left messages")
	}
}

func TestMemorySenderConcurrentSends(t *testing.T) {
	sender := NewMemorySender(Address{Email: "default@acme.test"})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			m := validMessage()
			m.Subject = fmt.Sprintf("message %d", i)
			if err := sender.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
			_ = sender.Messages()
		})
	}
	wg.Wait()
	if got := len(sender.Messages()); got != 50 {
		t.Errorf("stored %d messages, want 50", got)
	}
}

func TestConsoleSenderLogsHeadersAndText(t *testing.T) {
	var buffer bytes.Buffer
	sender := NewConsoleSender(slog.New(slog.NewJSONHandler(&buffer, nil)), Address{Email: "default@acme.test"})
	m := validMessage()
	m.Text = "Your code is 482913"
	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	output := buffer.String()
	for _, want := range []string{`"level":"INFO"`, "Subject: Hello", "To: ann@example.com", "From: Acme <accounts@Acme.test>",
		"Message-ID: " + m.MessageID, "Auto-Submitted: auto-generated", "Your code is 482913"} {
		if !strings.Contains(output, want) {
			t.Errorf("log lacks %q: %s", want, output)
		}
	}
	if strings.Contains(output, "HTML body") {
		t.Errorf("log contains the HTML part: %s", output)
	}
}
