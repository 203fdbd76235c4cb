package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/mail"
	"net/textproto"
	"strings"
)

// Address is an e-mail address with an optional display name.
type Address struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// Message is one e-mail ready for a Sender. The JSON form lets the job queue
// store a message and send it later.
type Message struct {
	// To lists the recipients, each a bare address or "Name <address>".
	To []string `json:"to"`
	// From is the sender. Senders fill it from their settings when empty.
	From    Address `json:"from"`
	Subject string  `json:"subject"`
	// Text is the plain-text part. It is required.
	Text string `json:"text"`
	// HTML is the HTML part. It may be empty.
	HTML string `json:"html,omitempty"`
	// Headers are extra header fields. The fields that other members or the
	// transport set (From, To, Cc, Bcc, Reply-To, Subject, Date, Message-ID
	// and the MIME fields) are rejected.
	Headers map[string]string `json:"headers,omitempty"`
	// MessageID is the Message-ID field with its angle brackets. Prepare
	// fills it when empty.
	MessageID string `json:"message_id,omitempty"`
}

// Sender delivers messages through one provider.
type Sender interface {
	// Send delivers m. It first fills m.From from the sender's settings when
	// empty and calls Prepare, so m carries the Message-ID that was sent.
	// Errors are *SendError values. IsPermanent reports whether a retry can
	// succeed.
	Send(ctx context.Context, m *Message) error
	// Name returns the provider name: "sendgrid", "smtp", "console" or
	// "memory".
	Name() string
}

// AutoSubmittedHeader marks every message as machine-generated (RFC 3834),
// so auto-responders do not reply to it.
const AutoSubmittedHeader = "Auto-Submitted"

// reservedHeaders are set from Message fields or by the transport and must
// not appear in Message.Headers. Reply-To is included because SendGrid only
// accepts it as a separate field.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true,
}

// Prepare fills the fields every authd e-mail carries when they are missing:
// a random Message-ID under the domain of m.From.Email (or "localhost" when
// the sender has no domain) and the header "Auto-Submitted: auto-generated".
// An Auto-Submitted field already present, in any letter case, is kept.
// Calling Prepare again changes nothing.
func Prepare(m *Message) {
	if m.MessageID == "" {
		m.MessageID = newMessageID(domainOf(m.From.Email))
	}
	if m.Headers == nil {
		m.Headers = make(map[string]string)
	}
	if _, ok := lookupHeader(m.Headers, AutoSubmittedHeader); !ok {
		m.Headers[AutoSubmittedHeader] = "auto-generated"
	}
}

// newMessageID returns "<128 random bits in hex@domain>".
func newMessageID(domain string) string {
	var random [16]byte
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(random[:])
	return "<" + hex.EncodeToString(random[:]) + "@" + domain + ">"
}

func domainOf(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return "localhost"
	}
	return strings.ToLower(email[at+1:])
}

// lookupHeader finds a header field by name in any letter case.
func lookupHeader(headers map[string]string, name string) (string, bool) {
	canonical := textproto.CanonicalMIMEHeaderKey(name)
	for key, value := range headers {
		if textproto.CanonicalMIMEHeaderKey(key) == canonical {
			return value, true
		}
	}
	return "", false
}

// prepareForSend fills the sender's default From address, calls Prepare and
// validates the result. A validation failure is a permanent *SendError.
func prepareForSend(provider string, m *Message, from Address) error {
	if m == nil {
		return permanentError(provider, fmt.Errorf("invalid message: nil"))
	}
	if m.From.Email == "" {
		m.From = from
	}
	Prepare(m)
	if err := validateMessage(m); err != nil {
		return permanentError(provider, fmt.Errorf("invalid message: %w", err))
	}
	return nil
}

// validateMessage rejects what no provider can send and anything that could
// inject a header line: a line break in the subject, a name, a header field
// or the Message-ID.
func validateMessage(m *Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("no recipient")
	}
	for _, recipient := range m.To {
		if _, err := parseRecipient(recipient); err != nil {
			return err
		}
	}
	if _, err := mail.ParseAddress(m.From.Email); err != nil || strings.ContainsAny(m.From.Email, "<>") {
		return fmt.Errorf("sender address %q is not a bare e-mail address", m.From.Email)
	}
	if hasLineBreak(m.From.Name) {
		return fmt.Errorf("sender name contains a line break")
	}
	if strings.TrimSpace(m.Subject) == "" {
		return fmt.Errorf("empty subject")
	}
	if hasLineBreak(m.Subject) {
		return fmt.Errorf("subject contains a line break")
	}
	if strings.TrimSpace(m.Text) == "" {
		return fmt.Errorf("empty plain-text part")
	}
	if err := validateMessageID(m.MessageID); err != nil {
		return err
	}
	for name, value := range m.Headers {
		if err := validateHeader(name, value); err != nil {
			return err
		}
	}
	return nil
}

// parseRecipient parses "address" or "Name <address>".
func parseRecipient(recipient string) (*mail.Address, error) {
	if hasLineBreak(recipient) {
		return nil, fmt.Errorf("recipient %q contains a line break", recipient)
	}
	address, err := mail.ParseAddress(recipient)
	if err != nil {
		return nil, fmt.Errorf("recipient %q is not a valid e-mail address: %w", recipient, err)
	}
	return address, nil
}

func validateMessageID(id string) error {
	if len(id) < 5 || id[0] != '<' || id[len(id)-1] != '>' || !strings.Contains(id, "@") {
		return fmt.Errorf("message ID %q is not of the form <left@right>", id)
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("message ID %q contains a space, control or non-ASCII character", id)
		}
	}
	return nil
}

func validateHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("empty header name")
	}
	for _, r := range name {
		// RFC 5322 field names are printable ASCII without the colon.
		if r <= ' ' || r >= 0x7f || r == ':' {
			return fmt.Errorf("header name %q contains an invalid character", name)
		}
	}
	if reservedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("header %q is set from the message fields and cannot be given in Headers", name)
	}
	if hasLineBreak(value) {
		return fmt.Errorf("header %q contains a line break", name)
	}
	return nil
}

func hasLineBreak(s string) bool {
	return strings.ContainsAny(s, "\r\n")
}

// cloneMessage returns a deep copy of m.
func cloneMessage(m *Message) Message {
	copied := *m
	copied.To = append([]string(nil), m.To...)
	copied.Headers = maps.Clone(m.Headers)
	return copied
}
