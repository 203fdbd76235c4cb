package mail

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSelectProvider(t *testing.T) {
	const key = "SG.test-key"
	cases := []struct {
		name         string
		settings     Settings
		wantName     string
		wantExplicit bool
	}{
		{"rule 1 explicit provider wins over everything",
			Settings{Provider: "smtp", DjangoBackend: "django.core.mail.backends.console.EmailBackend", SendGridEnabled: true, SendGridAPIKey: key},
			"smtp", true},
		{"rule 1 is case and space insensitive", Settings{Provider: " Console "}, "console", true},
		{"rule 1 memory", Settings{Provider: "memory", Production: true}, "memory", true},
		{"rule 1 unknown name is returned", Settings{Provider: "pigeon"}, "pigeon", true},
		{"rule 2 console backend", Settings{DjangoBackend: "django.core.mail.backends.console.EmailBackend", SendGridEnabled: true, SendGridAPIKey: key},
			"console", false},
		{"rule 2 smtp backend", Settings{DjangoBackend: "django.core.mail.backends.smtp.EmailBackend"}, "smtp", false},
		{"rule 2 sendgrid backend", Settings{DjangoBackend: "sendgrid_backend.SendgridBackend"}, "sendgrid", false},
		{"rule 2 locmem backend", Settings{DjangoBackend: "django.core.mail.backends.locmem.EmailBackend"}, "memory", false},
		{"rule 2 unknown backend", Settings{DjangoBackend: "django.core.mail.backends.filebased.EmailBackend", SendGridEnabled: true, SendGridAPIKey: key},
			"", false},
		{"rule 3 sendgrid key", Settings{SendGridEnabled: true, SendGridAPIKey: key}, "sendgrid", false},
		{"rule 3 sendgrid key in production", Settings{SendGridEnabled: true, SendGridAPIKey: key, Production: true}, "sendgrid", false},
		{"rule 3 skipped when disabled", Settings{SendGridEnabled: false, SendGridAPIKey: key}, "console", false},
		{"rule 3 skipped without key", Settings{SendGridEnabled: true, SendGridAPIKey: "  "}, "console", false},
		{"rule 4 development", Settings{SendGridEnabled: true}, "console", false},
		{"rule 5 production", Settings{SendGridEnabled: true, Production: true}, "smtp", false},
		{"rule 5 production with sendgrid disabled", Settings{SendGridAPIKey: key, Production: true}, "smtp", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name, explicit := SelectProvider(tc.settings)
			if name != tc.wantName || explicit != tc.wantExplicit {
				t.Errorf("SelectProvider = (%q, %v), want (%q, %v)", name, explicit, tc.wantName, tc.wantExplicit)
			}
		})
	}
}

func TestSMTPDefaults(t *testing.T) {
	host, port, useTLS := SMTPDefaults(false)
	if host != "smtp.gmail.com" || port != 587 || !useTLS {
		t.Errorf("SMTPDefaults(false) = %s, %d, %v", host, port, useTLS)
	}
	host, port, useTLS = SMTPDefaults(true)
	if host != "localhost" || port != 25 || useTLS {
		t.Errorf("SMTPDefaults(true) = %s, %d, %v", host, port, useTLS)
	}
}

func TestCheckSettingsProblems(t *testing.T) {
	from := Address{Email: "accounts@acme.test"}
	cases := []struct {
		name     string
		settings Settings
		want     string // a fragment of the only expected problem, "" for none
	}{
		{"development console is fine", Settings{From: from}, ""},
		{"placeholder sender is fine in development", Settings{}, ""},
		{"unknown provider", Settings{Provider: "pigeon", From: from}, `AUTHD_EMAIL_PROVIDER "pigeon"`},
		{"unknown django backend", Settings{DjangoBackend: "x.filebased.EmailBackend", From: from}, "DJANGO_EMAIL_BACKEND"},
		{"explicit sendgrid without key", Settings{Provider: "sendgrid", From: from}, "SENDGRID_API_KEY is empty"},
		{"sendgrid URL not absolute", Settings{Provider: "sendgrid", SendGridAPIKey: "k", SendGridURL: "/v3/mail/send", From: from}, "AUTHD_SENDGRID_API_URL"},
		{"both TLS modes", Settings{Provider: "smtp", SMTPUseTLS: true, SMTPUseSSL: true, From: from}, "DJANGO_EMAIL_USE_SSL"},
		{"port out of range", Settings{Provider: "smtp", SMTPPort: 70000, From: from}, "DJANGO_EMAIL_PORT"},
		{"negative timeout", Settings{Provider: "smtp", SMTPTimeout: -1, From: from}, "AUTHD_SMTP_TIMEOUT"},
		{"host with a path", Settings{Provider: "smtp", SMTPHost: "mail.acme.test/x", From: from}, "DJANGO_EMAIL_HOST"},
		{"sender not an address", Settings{From: Address{Email: "Acme <a@acme.test>"}}, "not a bare e-mail address"},
		{"sender name with line break", Settings{From: Address{Email: "a@acme.test", Name: "A\nB"}}, "SENDGRID_FROM_NAME"},
		{"production explicit console", Settings{Provider: "console", Production: true, From: from}, ""},
		{"production console from django backend", Settings{DjangoBackend: "django.core.mail.backends.console.EmailBackend", Production: true, From: from},
			"unless AUTHD_EMAIL_PROVIDER=console"},
		{"production memory from django backend", Settings{DjangoBackend: "django.core.mail.backends.locmem.EmailBackend", Production: true, From: from},
			"unless AUTHD_EMAIL_PROVIDER=memory"},
		{"production smtp fallback without host", Settings{Production: true, SendGridEnabled: true, From: from}, "set DJANGO_EMAIL_HOST"},
		{"production smtp fallback with host", Settings{Production: true, SMTPHostSet: true, SMTPHost: "mail.acme.test", From: from}, ""},
		{"production smtp backend without host", Settings{Production: true, DjangoBackend: "django.core.mail.backends.smtp.EmailBackend", From: from}, ""},
		{"production sendgrid", Settings{Production: true, SendGridEnabled: true, SendGridAPIKey: "k", From: from}, ""},
		{"production placeholder sender", Settings{Production: true, SendGridEnabled: true, SendGridAPIKey: "k", From: Address{Email: "NoReply@YourApp.com"}},
			"placeholder noreply@yourapp.com"},
		{"production empty sender means placeholder", Settings{Production: true, SendGridEnabled: true, SendGridAPIKey: "k"},
			"placeholder noreply@yourapp.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := CheckSettings(tc.settings)
			if tc.want == "" {
				if len(problems) != 0 {
					t.Errorf("unexpected problems: %v", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), tc.want) {
				t.Errorf("problems = %v, want one containing %q", problems, tc.want)
			}
		})
	}
}

func TestCheckSettingsReportsEveryProblem(t *testing.T) {
	problems := CheckSettings(Settings{Production: true})
	if len(problems) != 2 {
		t.Fatalf("problems = %v, want the SMTP fallback and the placeholder sender", problems)
	}
}

func TestNewSenderProviders(t *testing.T) {
	from := Address{Email: "accounts@acme.test"}
	for _, tc := range []struct {
		settings Settings
		want     string
	}{
		{Settings{From: from}, "console"},
		{Settings{Provider: "memory", From: from}, "memory"},
		{Settings{SendGridEnabled: true, SendGridAPIKey: "k", From: from}, "sendgrid"},
		{Settings{Provider: "smtp", From: from}, "smtp"},
	} {
		sender, err := NewSender(tc.settings, nil)
		if err != nil {
			t.Fatalf("NewSender(%s): %v", tc.want, err)
		}
		if sender.Name() != tc.want {
			t.Errorf("Name() = %q, want %q", sender.Name(), tc.want)
		}
	}
}

func TestNewSenderRejectsInvalidSettings(t *testing.T) {
	_, err := NewSender(Settings{Provider: "smtp", SMTPUseTLS: true, SMTPUseSSL: true, SMTPPort: -1}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"DJANGO_EMAIL_USE_SSL", "DJANGO_EMAIL_PORT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
}

func TestNewSenderAppliesDefaults(t *testing.T) {
	sender, err := NewSender(Settings{Provider: "smtp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	smtp := sender.(*smtpSender)
	if smtp.config.host != "smtp.gmail.com" || smtp.config.port != 587 || smtp.config.timeout != DefaultSMTPTimeout {
		t.Errorf("config = %+v", smtp.config)
	}
	if smtp.from != (Address{Email: DefaultFromEmail, Name: DefaultFromName}) {
		t.Errorf("from = %+v", smtp.from)
	}

	sender, err = NewSender(Settings{DjangoBackend: "django.core.mail.backends.smtp.EmailBackend"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	smtp = sender.(*smtpSender)
	if smtp.config.host != "localhost" || smtp.config.port != 25 {
		t.Errorf("config with DJANGO_EMAIL_BACKEND = %+v", smtp.config)
	}

	sender, err = NewSender(Settings{SendGridEnabled: true, SendGridAPIKey: "k", SendGridSandbox: true, Production: true,
		From: Address{Email: "a@acme.test"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sendGrid := sender.(*sendGridSender)
	if sendGrid.endpoint != DefaultSendGridURL {
		t.Errorf("endpoint = %q", sendGrid.endpoint)
	}
	if sendGrid.sandbox {
		t.Errorf("sandbox mode is on in production")
	}
}

func TestSettingsLogValueHidesSecrets(t *testing.T) {
	var buffer bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buffer, nil))
	logger.Info("mail settings", "settings", Settings{SendGridAPIKey: "SG.secret-key", SMTPPassword: "hunter2", SMTPUser: "mailer"})
	output := buffer.String()
	if strings.Contains(output, "SG.secret-key") || strings.Contains(output, "hunter2") {
		t.Errorf("log output contains a secret: %s", output)
	}
	if !strings.Contains(output, "settings.smtp_password_set=true") || !strings.Contains(output, "mailer") {
		t.Errorf("log output lacks the settings: %s", output)
	}
}
