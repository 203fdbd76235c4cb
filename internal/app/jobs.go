package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/broker"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/jobs"
	"github.com/mapactive/authd/internal/mail"
	"github.com/mapactive/authd/internal/outbox"
	"github.com/mapactive/authd/internal/secrets"
)

// jobStopTimeout bounds how long closing the App waits for running jobs.
const jobStopTimeout = 15 * time.Second

// buildJobs creates the e-mail sender, the RabbitMQ publisher (when sync is
// on), the job system and the outbox that records into it. It runs before
// build, whose services keep the outbox.
func (a *App) buildJobs(ctx context.Context) error {
	cfg := a.Config
	sender, err := mail.NewSender(MailSettings(cfg), a.Logger)
	if err != nil {
		return err
	}
	renderer, err := mail.NewRenderer(cfg.Email.TemplateDir, mail.Common{
		SiteName: cfg.SiteName, SupportEmail: cfg.SupportEmail, PublicURL: cfg.PublicURL, Now: a.Now,
	})
	if err != nil {
		return fmt.Errorf("e-mail templates: %w", err)
	}

	options := jobs.Options{
		DB: a.DB, Logger: a.Logger, Now: a.Now, Workers: cfg.Sync.JobWorkers, MaxAge: cfg.Sync.JobMaxAge,
		Mail: sender, Keyring: secrets.NewKeyring(cfg.Keys.SecretKey, cfg.Keys.SecretKeyFallbacks),
		AuditRetention: cfg.AuditRetention,
		// Forgot-password and employee code requests, resolved in the background.
		RegisterWorkers: []func(*river.Workers){a.MailRequests.Register},
	}
	if cfg.Sync.Enabled {
		publisher := broker.New(cfg.Sync.BrokerURL, broker.Options{Logger: a.Logger, EventsExchange: cfg.Sync.EventsExchange})
		a.closeFunc = append(a.closeFunc, func() { _ = publisher.Close() })
		options.Publisher = publisher
	}
	system, err := jobs.New(ctx, options)
	if err != nil {
		return err
	}
	// Closing stops the workers before the publisher they use.
	a.closeFunc = append(a.closeFunc, func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), jobStopTimeout)
		defer cancel()
		if err := system.Stop(stopCtx); err != nil {
			a.Logger.Error("stop the job workers", "error", err)
		}
	})
	a.Jobs, a.Mail = system, sender
	a.Outbox = outbox.New(outbox.NewRecorder(outbox.RecorderOptions{
		Queue: system, Sync: cfg.Sync.Enabled, Events: cfg.Sync.EventsEnabled, EventsExchange: cfg.Sync.EventsExchange,
		Renderer: renderer, From: mail.Address{Email: cfg.Email.FromEmail, Name: cfg.Email.FromName}, Now: a.Now,
	}))
	return nil
}

// registerPurges adds the cleanups of services built by build to the
// maintenance job, next to the job system's own.
func (a *App) registerPurges() {
	a.Jobs.AddPurge("refresh_families", func(ctx context.Context, db bun.IDB, _ time.Time) (int64, error) {
		return a.Tokens.PurgeExpired(ctx, db)
	})
}

// StartJobs logs the e-mail provider and starts the job workers of this
// process, unless AUTHD_JOB_WORKERS is 0. Close stops them.
func (a *App) StartJobs(ctx context.Context) error {
	a.logMailProvider()
	return a.Jobs.Start(ctx)
}

// logMailProvider logs the provider that sends this process's e-mail and
// where it sends to, without the SendGrid key or the SMTP credentials.
func (a *App) logMailProvider() {
	settings := MailSettings(a.Config)
	name := a.Mail.Name()
	attrs := []any{"provider", name}
	switch name {
	case mail.ProviderSMTP:
		attrs = append(attrs, "smtp_addr", smtpAddress(settings), "smtp_tls", smtpTLSMode(settings))
	case mail.ProviderSendGrid:
		endpoint := settings.SendGridURL
		if endpoint == "" {
			endpoint = mail.DefaultSendGridURL
		}
		if parsed, err := url.Parse(endpoint); err == nil {
			endpoint = parsed.Redacted()
		}
		attrs = append(attrs, "sendgrid_url", endpoint, "sendgrid_sandbox", settings.SendGridSandbox && !settings.Production)
	case mail.ProviderConsole:
		attrs = append(attrs, "note", "every e-mail, with its codes and links, is written to this log at info level")
	case mail.ProviderMemory:
		attrs = append(attrs, "note", "e-mails are kept in memory and never delivered")
	}
	a.Logger.Info("e-mail provider selected", attrs...)
}

// smtpAddress returns the host:port the SMTP provider dials, with the
// defaults the mail package applies to an empty host or a zero port.
func smtpAddress(s mail.Settings) string {
	defaultHost, defaultPort, _ := mail.SMTPDefaults(strings.TrimSpace(s.DjangoBackend) != "")
	host, port := strings.TrimSpace(s.SMTPHost), s.SMTPPort
	if host == "" {
		host = defaultHost
	}
	if port == 0 {
		port = defaultPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// smtpTLSMode returns "implicit" (TLS from the first byte), "starttls" or
// "none".
func smtpTLSMode(s mail.Settings) string {
	switch {
	case s.SMTPUseSSL:
		return "implicit"
	case s.SMTPUseTLS:
		return "starttls"
	}
	return "none"
}

// MailSettings maps the e-mail configuration to the mail package's
// settings. The config package has applied the defaults already.
func MailSettings(cfg *config.Config) mail.Settings {
	e := cfg.Email
	return mail.Settings{
		Provider: e.Provider, DjangoBackend: e.DjangoBackend,
		SendGridEnabled: e.SendGridEnabled, SendGridAPIKey: e.SendGridAPIKey, SendGridURL: e.SendGridURL,
		SendGridSandbox: e.SendGridSandbox,
		SMTPHost:        e.SMTPHost, SMTPHostSet: e.SMTPHostSet, SMTPPort: e.SMTPPort, SMTPUseTLS: e.SMTPUseTLS,
		SMTPUseSSL: e.SMTPUseSSL, SMTPUser: e.SMTPUser, SMTPPassword: e.SMTPPassword, SMTPTimeout: e.SMTPTimeout,
		From:       mail.Address{Email: e.FromEmail, Name: e.FromName},
		Production: cfg.Production,
	}
}
