package mail

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Provider names accepted by AUTHD_EMAIL_PROVIDER and returned by Sender.Name.
const (
	ProviderSendGrid = "sendgrid"
	ProviderSMTP     = "smtp"
	ProviderConsole  = "console"
	ProviderMemory   = "memory"
)

// Defaults that NewSender applies to empty Settings fields.
const (
	DefaultSendGridURL = "https://api.sendgrid.com/v3/mail/send"
	DefaultSMTPTimeout = 10 * time.Second
	// DefaultFromEmail is the Django service's placeholder sender. Production
	// mode rejects it.
	DefaultFromEmail = "noreply@yourapp.com"
	DefaultFromName  = "TicketFlow"
)

// Settings are the e-mail settings read from the environment. The config
// package fills them. NewSender applies only the defaults it can tell from
// zero values (see NewSender), so the caller applies the others.
type Settings struct {
	// Provider is AUTHD_EMAIL_PROVIDER.
	Provider string
	// DjangoBackend is DJANGO_EMAIL_BACKEND, a Django backend class path.
	DjangoBackend string

	// SendGridEnabled is SENDGRID_ENABLED, true when the variable is unset.
	SendGridEnabled bool
	SendGridAPIKey  string
	// SendGridURL is AUTHD_SENDGRID_API_URL. Empty means DefaultSendGridURL.
	SendGridURL string
	// SendGridSandbox turns on SendGrid's sandbox mode, which validates
	// messages without delivering them. It is ignored in production mode.
	SendGridSandbox bool

	SMTPHost string
	// SMTPPort is DJANGO_EMAIL_PORT. Zero means the default of SMTPDefaults.
	SMTPPort int
	// SMTPUseTLS is DJANGO_EMAIL_USE_TLS: STARTTLS is required.
	SMTPUseTLS bool
	// SMTPUseSSL is DJANGO_EMAIL_USE_SSL or AUTHD_SMTP_IMPLICIT_TLS: TLS
	// from the first byte.
	SMTPUseSSL   bool
	SMTPUser     string
	SMTPPassword string
	// SMTPTimeout bounds the dial and each SMTP command. Zero means
	// DefaultSMTPTimeout.
	SMTPTimeout time.Duration
	// SMTPHostSet reports that DJANGO_EMAIL_HOST was given explicitly.
	SMTPHostSet bool

	// From is the sender of every message that does not set its own.
	From Address
	// Production is true in production mode.
	Production bool
}

// LogValue hides the SendGrid key and the SMTP password when Settings are
// logged with log/slog.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", s.Provider),
		slog.String("django_backend", s.DjangoBackend),
		slog.Bool("sendgrid_enabled", s.SendGridEnabled),
		slog.Bool("sendgrid_api_key_set", s.SendGridAPIKey != ""),
		slog.String("sendgrid_url", s.SendGridURL),
		slog.Bool("sendgrid_sandbox", s.SendGridSandbox),
		slog.String("smtp_host", s.SMTPHost),
		slog.Int("smtp_port", s.SMTPPort),
		slog.Bool("smtp_use_tls", s.SMTPUseTLS),
		slog.Bool("smtp_use_ssl", s.SMTPUseSSL),
		slog.String("smtp_user", s.SMTPUser),
		slog.Bool("smtp_password_set", s.SMTPPassword != ""),
		slog.Duration("smtp_timeout", s.SMTPTimeout),
		slog.String("from", s.From.Email),
		slog.Bool("production", s.Production),
	)
}

// SMTPDefaults returns the SMTP host, port and STARTTLS setting that apply
// when DJANGO_EMAIL_HOST, DJANGO_EMAIL_PORT and DJANGO_EMAIL_USE_TLS are
// unset. The Django service used localhost:25 without TLS when
// DJANGO_EMAIL_BACKEND was set, and smtp.gmail.com:587 with STARTTLS
// otherwise.
func SMTPDefaults(djangoBackendSet bool) (host string, port int, useTLS bool) {
	if djangoBackendSet {
		return "localhost", 25, false
	}
	return "smtp.gmail.com", 587, true
}

// selectionRule identifies which selection rule chose the provider.
type selectionRule int

const (
	ruleExplicit selectionRule = iota + 1
	ruleDjangoBackend
	ruleSendGridKey
	ruleDevelopment
	ruleProductionFallback
)

// SelectProvider returns the provider that the settings select, first match
// wins:
//
//  1. AUTHD_EMAIL_PROVIDER when set (explicit is true only here);
//  2. DJANGO_EMAIL_BACKEND when set, by the end of the class path:
//     console.EmailBackend, smtp.EmailBackend, SendgridBackend or
//     locmem.EmailBackend (memory);
//  3. sendgrid when SENDGRID_ENABLED is true and SENDGRID_API_KEY is set;
//  4. console in development mode;
//  5. smtp in production mode.
//
// The name is "" when DJANGO_EMAIL_BACKEND names another backend, and it is
// returned lowercased but unchecked for rule 1. CheckSettings reports both.
func SelectProvider(s Settings) (name string, explicit bool) {
	name, rule := selectProvider(s)
	return name, rule == ruleExplicit
}

func selectProvider(s Settings) (string, selectionRule) {
	if provider := strings.ToLower(strings.TrimSpace(s.Provider)); provider != "" {
		return provider, ruleExplicit
	}
	if backend := strings.TrimSpace(s.DjangoBackend); backend != "" {
		return providerForDjangoBackend(backend), ruleDjangoBackend
	}
	if s.SendGridEnabled && strings.TrimSpace(s.SendGridAPIKey) != "" {
		return ProviderSendGrid, ruleSendGridKey
	}
	if !s.Production {
		return ProviderConsole, ruleDevelopment
	}
	return ProviderSMTP, ruleProductionFallback
}

func providerForDjangoBackend(backend string) string {
	switch {
	case strings.HasSuffix(backend, "console.EmailBackend"):
		return ProviderConsole
	case strings.HasSuffix(backend, "smtp.EmailBackend"):
		return ProviderSMTP
	case strings.HasSuffix(backend, "SendgridBackend"):
		return ProviderSendGrid
	case strings.HasSuffix(backend, "locmem.EmailBackend"):
		return ProviderMemory
	}
	return ""
}

// CheckSettings returns every problem that keeps the settings from building a
// sender, each naming the environment variable to fix. In production mode it
// also rejects what the Django service let through: a console or memory
// provider not named by AUTHD_EMAIL_PROVIDER, the smtp.gmail.com fallback
// without DJANGO_EMAIL_HOST, and the noreply@yourapp.com placeholder sender.
func CheckSettings(s Settings) []error {
	var problems []error
	report := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf(format, args...))
	}

	name, rule := selectProvider(s)
	switch {
	case name == "" && rule == ruleDjangoBackend:
		report("DJANGO_EMAIL_BACKEND %q is not supported: use a class ending in console.EmailBackend, "+
			"smtp.EmailBackend, SendgridBackend or locmem.EmailBackend, or set AUTHD_EMAIL_PROVIDER", s.DjangoBackend)
	case name == ProviderSendGrid:
		if strings.TrimSpace(s.SendGridAPIKey) == "" {
			report("SENDGRID_API_KEY is empty but the sendgrid e-mail provider is selected")
		}
		if s.SendGridURL != "" {
			if u, err := url.Parse(s.SendGridURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				report("AUTHD_SENDGRID_API_URL %q is not an absolute http or https URL", s.SendGridURL)
			}
		}
	case name == ProviderSMTP:
		if s.SMTPUseTLS && s.SMTPUseSSL {
			report("DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL (AUTHD_SMTP_IMPLICIT_TLS) are both true: " +
				"set only one, STARTTLS or implicit TLS")
		}
		if s.SMTPPort < 0 || s.SMTPPort > 65535 {
			report("DJANGO_EMAIL_PORT %d is not a port number between 1 and 65535", s.SMTPPort)
		}
		if s.SMTPTimeout < 0 {
			report("AUTHD_SMTP_TIMEOUT %s is negative", s.SMTPTimeout)
		}
		if strings.ContainsAny(s.SMTPHost, " /\r\n") {
			report("DJANGO_EMAIL_HOST %q is not a host name", s.SMTPHost)
		}
	case name == ProviderConsole, name == ProviderMemory:
	default:
		report("AUTHD_EMAIL_PROVIDER %q is not one of sendgrid, smtp, console, memory", s.Provider)
	}

	from := s.From.Email
	if from == "" {
		from = DefaultFromEmail
	}
	if address, err := mail.ParseAddress(from); err != nil || address.Address != from {
		report("sender address %q (DJANGO_DEFAULT_FROM_EMAIL or SENDGRID_FROM_EMAIL) is not a bare e-mail address", from)
	}
	if hasLineBreak(s.From.Name) {
		report("sender name (SENDGRID_FROM_NAME) contains a line break")
	}

	if s.Production {
		if (name == ProviderConsole || name == ProviderMemory) && rule != ruleExplicit {
			report("production mode does not send e-mail through the %s provider unless AUTHD_EMAIL_PROVIDER=%s is set",
				name, name)
		}
		if rule == ruleProductionFallback && !s.SMTPHostSet {
			report("production mode needs an e-mail provider: set DJANGO_EMAIL_HOST for SMTP, " +
				"SENDGRID_API_KEY for SendGrid, or AUTHD_EMAIL_PROVIDER")
		}
		if strings.EqualFold(from, DefaultFromEmail) {
			report("production mode does not send e-mail from the placeholder %s: "+
				"set DJANGO_DEFAULT_FROM_EMAIL or SENDGRID_FROM_EMAIL", DefaultFromEmail)
		}
	}
	return problems
}

// NewSender builds the sender that SelectProvider chooses. It returns every
// problem of CheckSettings as one error. It fills these zero values: an empty
// sender address or name with DefaultFromEmail and DefaultFromName, an empty
// SMTP host or a zero port with SMTPDefaults, a zero SMTP timeout with
// DefaultSMTPTimeout and an empty SendGrid URL with DefaultSendGridURL. The
// caller must apply the STARTTLS default (SMTPDefaults) and SENDGRID_ENABLED's
// default of true, because a false bool cannot be distinguished from an unset
// one.
// A nil logger means slog.Default() for the console provider.
func NewSender(s Settings, logger *slog.Logger) (Sender, error) {
	if problems := CheckSettings(s); len(problems) > 0 {
		return nil, fmt.Errorf("invalid e-mail settings: %w", errors.Join(problems...))
	}
	from := s.From
	if from.Email == "" {
		from.Email = DefaultFromEmail
	}
	if from.Name == "" {
		from.Name = DefaultFromName
	}

	name, _ := selectProvider(s)
	switch name {
	case ProviderSendGrid:
		endpoint := s.SendGridURL
		if endpoint == "" {
			endpoint = DefaultSendGridURL
		}
		return newSendGridSender(endpoint, s.SendGridAPIKey, s.SendGridSandbox && !s.Production, from), nil
	case ProviderSMTP:
		return newSMTPSender(smtpConfigFromSettings(s), from), nil
	case ProviderConsole:
		if logger == nil {
			logger = slog.Default()
		}
		return NewConsoleSender(logger, from), nil
	default:
		return NewMemorySender(from), nil
	}
}

func smtpConfigFromSettings(s Settings) smtpConfig {
	defaultHost, defaultPort, _ := SMTPDefaults(strings.TrimSpace(s.DjangoBackend) != "")
	config := smtpConfig{
		host:     strings.TrimSpace(s.SMTPHost),
		port:     s.SMTPPort,
		startTLS: s.SMTPUseTLS,
		implicit: s.SMTPUseSSL,
		user:     s.SMTPUser,
		password: s.SMTPPassword,
		timeout:  s.SMTPTimeout,
	}
	if config.host == "" {
		config.host = defaultHost
	}
	if config.port == 0 {
		config.port = defaultPort
	}
	if config.timeout == 0 {
		config.timeout = DefaultSMTPTimeout
	}
	return config
}
