package mail

import (
	"context"
	"testing"
)

// BenchmarkSMTPSendToMailpit measures sequential sends to the shared Mailpit,
// each over a new connection as smtpSender does, and reports e-mails per
// second. The message is a rendered invitation with both parts.
func BenchmarkSMTPSendToMailpit(b *testing.B) {
	sender, mailpit := sharedMailpit(b)
	recipient := mailpit.Recipient(b, "mail-test")
	renderer, err := NewRenderer("", Common{PublicURL: "https://id.acme.test"})
	if err != nil {
		b.Fatal(err)
	}
	subject, text, html, err := renderer.Render(Invitation, map[string]any{
		"first_name": "Dana", "system_name": "TTS", "role_name": "Agent",
		"set_password_url": "https://id.acme.test/api/v1/users/password/reset/?token=bench", "expiry_days": 7,
	})
	if err != nil {
		b.Fatal(err)
	}

	ctx := context.Background()
	for b.Loop() {
		m := &Message{To: []string{recipient}, Subject: subject, Text: text, HTML: html}
		if err := sender.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "emails/s")
}
