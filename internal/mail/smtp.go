package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// smtpConfig holds the resolved SMTP settings.
type smtpConfig struct {
	host     string
	port     int
	startTLS bool
	implicit bool
	user     string
	password string
	timeout  time.Duration
	// rootCAs replaces the system roots. Only tests set it, to trust the
	// certificate of a local test server.
	rootCAs *x509.CertPool
}

// smtpSender delivers each message over a new SMTP connection.
type smtpSender struct {
	config smtpConfig
	from   Address
}

func newSMTPSender(config smtpConfig, from Address) *smtpSender {
	return &smtpSender{config: config, from: from}
}

// Name returns "smtp".
func (s *smtpSender) Name() string { return ProviderSMTP }

// Send opens a connection, delivers m and closes the connection. An invalid
// message and a 5xx reply at any step are permanent failures. Every other
// failure (4xx replies, timeouts, TLS and connection failures) is temporary.
//
// ctx bounds only the dial, including the TLS handshake of implicit TLS.
// The greeting and every later command are bounded by the configured timeout
// instead, because go-mail v0.8.1 does not watch the context after dialing.
func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	if err := prepareForSend(ProviderSMTP, m, s.from); err != nil {
		return err
	}
	message, err := buildSMTPMessage(m)
	if err != nil {
		return permanentError(ProviderSMTP, err)
	}
	client, err := s.newClient()
	if err != nil {
		return permanentError(ProviderSMTP, err)
	}
	if err := client.DialAndSendWithContext(ctx, message); err != nil {
		return classifySMTPError(err)
	}
	return nil
}

func (s *smtpSender) newClient() (*gomail.Client, error) {
	config := s.config
	options := []gomail.Option{
		gomail.WithPort(config.port),
		gomail.WithTimeout(config.timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName: config.host,
			MinVersion: tls.VersionTLS12,
			RootCAs:    config.rootCAs,
		}),
	}
	switch {
	case config.implicit:
		options = append(options, gomail.WithSSL())
	case config.startTLS:
		options = append(options, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		options = append(options, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if config.user != "" {
		options = append(options, gomail.WithSMTPAuthCustom(&plainOrLoginAuth{
			user:     config.user,
			password: config.password,
			host:     config.host,
		}))
	}
	client, err := gomail.NewClient(config.host, options...)
	if err != nil {
		return nil, fmt.Errorf("configure SMTP client for %s:%d: %w", config.host, config.port, err)
	}
	return client, nil
}

func buildSMTPMessage(m *Message) (*gomail.Msg, error) {
	message := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := message.FromFormat(m.From.Name, m.From.Email); err != nil {
		return nil, fmt.Errorf("sender %q: %w", m.From.Email, err)
	}
	for _, to := range m.To {
		address, err := parseRecipient(to)
		if err != nil {
			return nil, err
		}
		message.AddToMailAddress(address)
	}
	message.Subject(m.Subject)
	message.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	message.SetDate()
	for name, value := range m.Headers {
		message.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(name)), value)
	}
	message.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		message.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return message, nil
}

// classifySMTPError wraps a go-mail error in a *SendError, permanent for a
// 5xx reply code. go-mail v0.8.1 reports a failure after the connection is
// set up as a *gomail.SendError with the reply code. A reply that fails the
// greeting, EHLO, STARTTLS or AUTH arrives as a *textproto.Error.
func classifySMTPError(err error) error {
	code := 0
	var sendErr *gomail.SendError
	var replyErr *textproto.Error
	switch {
	case errors.As(err, &sendErr):
		code = sendErr.ErrorCode()
	case errors.As(err, &replyErr):
		code = replyErr.Code
	}
	return &SendError{
		Provider:  ProviderSMTP,
		Status:    code,
		Permanent: code >= 500 && code < 600,
		Err:       err,
	}
}

// plainOrLoginAuth authenticates with PLAIN when the server offers it and
// with LOGIN otherwise. Both send the password in clear text, so they refuse
// to run on an unencrypted connection unless the server is localhost,
// 127.0.0.1 or ::1, the rule of go-mail's own PLAIN and LOGIN mechanisms.
type plainOrLoginAuth struct {
	user, password, host string
	selected             gosmtp.Auth
}

// Start picks the mechanism from the server's AUTH list.
func (a *plainOrLoginAuth) Start(server *gosmtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && server.Name != "localhost" && server.Name != "127.0.0.1" && server.Name != "::1" {
		return "", nil, fmt.Errorf("SMTP AUTH over an unencrypted connection to %s rejected: "+
			"set DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL", server.Name)
	}
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.selected = gosmtp.PlainAuth("", a.user, a.password, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.selected = gosmtp.LoginAuth(a.user, a.password, a.host, false)
	default:
		return "", nil, fmt.Errorf("SMTP server offers neither AUTH PLAIN nor AUTH LOGIN (offered: %s)",
			strings.Join(server.Auth, " "))
	}
	return a.selected.Start(server)
}

// Next continues the selected mechanism.
func (a *plainOrLoginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.selected.Next(fromServer, more)
}
