package mail

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// ConsoleSender writes each message to a logger instead of sending it. It is
// the development default.
//
// The log records contain the whole plain-text part, including one-time
// codes and reset links. Production mode only uses this provider when
// AUTHD_EMAIL_PROVIDER=console names it explicitly.
type ConsoleSender struct {
	logger *slog.Logger
	from   Address
}

// NewConsoleSender returns a sender that logs to logger at info level, using
// from for messages without a sender.
func NewConsoleSender(logger *slog.Logger, from Address) *ConsoleSender {
	return &ConsoleSender{logger: logger, from: from}
}

// Name returns "console".
func (c *ConsoleSender) Name() string { return ProviderConsole }

// Send logs the header fields and the plain-text part of m as one record.
// The HTML part is left out.
func (c *ConsoleSender) Send(ctx context.Context, m *Message) error {
	if err := prepareForSend(ProviderConsole, m, c.from); err != nil {
		return err
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "e-mail written to the log by the console provider",
		slog.String("provider", ProviderConsole),
		slog.String("message_id", m.MessageID),
		slog.String("to", strings.Join(m.To, ", ")),
		slog.String("subject", m.Subject),
		slog.String("message", formatConsoleMessage(m)),
	)
	return nil
}

// formatConsoleMessage returns m as header lines, a blank line and the
// plain-text part.
func formatConsoleMessage(m *Message) string {
	var b strings.Builder
	from := m.From.Email
	if m.From.Name != "" {
		from = m.From.Name + " <" + m.From.Email + ">"
	}
	b.WriteString("From: " + from + "\n")
	b.WriteString("To: " + strings.Join(m.To, ", ") + "\n")
	b.WriteString("Subject: " + m.Subject + "\n")
	b.WriteString("Message-ID: " + m.MessageID + "\n")
	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b.WriteString(name + ": " + m.Headers[name] + "\n")
	}
	b.WriteString("\n")
	b.WriteString(m.Text)
	return b.String()
}
