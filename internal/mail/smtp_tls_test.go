package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/mailpittest"
)

var testFrom = Address{Email: "accounts@acme.test", Name: "Acme Accounts"}

func TestSMTPStartTLSVerifiesCertificate(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeTestCertificate(t, t.TempDir())
	mailpit := startMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls")
	base := smtpConfig{host: mailpit.smtpHost, port: mailpit.smtpPort, startTLS: true, timeout: 5 * time.Second}

	t.Run("trusted certificate", func(t *testing.T) {
		config := base
		config.rootCAs = pool
		recipient := mailpittest.UniqueAddress("mail-test")
		if err := newSMTPSender(config, testFrom).Send(context.Background(),
			&Message{To: []string{recipient}, Subject: "Over STARTTLS", Text: "encrypted"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := mailpit.api.Only(t, recipient); got.Subject != "Over STARTTLS" {
			t.Errorf("subject = %q", got.Subject)
		}
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		recipient := mailpittest.UniqueAddress("mail-test")
		err := newSMTPSender(base, testFrom).Send(context.Background(),
			&Message{To: []string{recipient}, Subject: "Self-signed", Text: "must not be sent"})
		if err == nil || !errorsAsUnknownAuthority(err) {
			t.Fatalf("error = %v, want a certificate verification failure", err)
		}
		if IsPermanent(err) {
			t.Errorf("certificate failure is permanent: %v", err)
		}
		if got := len(mailpit.api.To(t, recipient)); got != 0 {
			t.Errorf("message delivered despite an untrusted certificate")
		}
	})

	t.Run("plain connection rejected by server", func(t *testing.T) {
		config := base
		config.startTLS = false
		err := newSMTPSender(config, testFrom).Send(context.Background(),
			&Message{To: []string{mailpittest.UniqueAddress("mail-test")}, Subject: "Plain", Text: "refused"})
		if err == nil {
			t.Fatal("no error")
		}
		var sendErr *SendError
		if !errors.As(err, &sendErr) || sendErr.Status < 500 || !IsPermanent(err) {
			t.Errorf("error = %v, want a permanent 5xx reply", err)
		}
	})
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeTestCertificate(t, t.TempDir())
	mailpit := startMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-tls")
	config := smtpConfig{host: mailpit.smtpHost, port: mailpit.smtpPort, implicit: true, timeout: 5 * time.Second, rootCAs: pool}

	recipient := mailpittest.UniqueAddress("mail-test")
	if err := newSMTPSender(config, testFrom).Send(context.Background(),
		&Message{To: []string{recipient}, Subject: "Over implicit TLS", Text: "encrypted"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := mailpit.api.Only(t, recipient); got.Subject != "Over implicit TLS" {
		t.Errorf("subject = %q", got.Subject)
	}

	config.rootCAs = nil
	err := newSMTPSender(config, testFrom).Send(context.Background(),
		&Message{To: []string{mailpittest.UniqueAddress("mail-test")}, Subject: "Self-signed", Text: "must not be sent"})
	if err == nil || !errorsAsUnknownAuthority(err) {
		t.Errorf("error = %v, want a certificate verification failure", err)
	}
}

func TestSMTPAuthAndReplyCodes(t *testing.T) {
	t.Parallel()
	mailpit := startMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--enable-chaos")
	config := smtpConfig{host: mailpit.smtpHost, port: mailpit.smtpPort, user: "mailer", password: "s3cret-pass", timeout: 5 * time.Second}
	sender := newSMTPSender(config, testFrom)

	// The subtests share the instance's chaos triggers, so they run in order.
	t.Run("authenticated delivery", func(t *testing.T) {
		recipient := mailpittest.UniqueAddress("mail-test")
		if err := sender.Send(context.Background(), &Message{To: []string{recipient}, Subject: "With AUTH", Text: "hi"}); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got := mailpit.api.Only(t, recipient); got.Username != "mailer" {
			t.Errorf("Mailpit recorded user %q, want mailer", got.Username)
		}
	})

	replyCases := []struct {
		trigger   string
		code      int
		permanent bool
	}{
		{"Recipient", 550, true},
		{"Recipient", 452, false},
		{"Sender", 451, false},
		{"Sender", 553, true},
		{"Authentication", 535, true},
		{"Authentication", 454, false},
	}
	for _, tc := range replyCases {
		t.Run(fmt.Sprintf("%s %d", tc.trigger, tc.code), func(t *testing.T) {
			mailpit.api.SetChaos(t, map[string]mailpittest.ChaosTrigger{tc.trigger: {ErrorCode: tc.code, Probability: 100}})
			t.Cleanup(func() { mailpit.api.SetChaos(t, map[string]mailpittest.ChaosTrigger{}) })

			recipient := mailpittest.UniqueAddress("mail-test")
			err := sender.Send(context.Background(), &Message{To: []string{recipient}, Subject: "Chaos", Text: "hi"})
			if err == nil {
				t.Fatal("no error")
			}
			var sendErr *SendError
			if !errors.As(err, &sendErr) || sendErr.Status != tc.code {
				t.Errorf("error = %v, want reply code %d", err, tc.code)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v (%v)", IsPermanent(err), tc.permanent, err)
			}
			if strings.Contains(err.Error(), "s3cret-pass") {
				t.Errorf("error text contains the password")
			}
			if got := len(mailpit.api.To(t, recipient)); got != 0 {
				t.Errorf("message delivered despite the %d reply", tc.code)
			}
		})
	}
}
