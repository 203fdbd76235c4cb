package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// startJobsLog builds an App on SQLite from the test environment with env
// applied ("" deletes a variable), runs StartJobs without workers and
// returns the JSON log lines it wrote.
func startJobsLog(t *testing.T, env map[string]string) string {
	t.Helper()
	values := apptest.TestEnv()
	values["AUTHD_MEDIA_DIR"] = t.TempDir()
	values["AUTHD_JOB_WORKERS"] = "0"
	for name, value := range env {
		if value == "" {
			delete(values, name)
			continue
		}
		values[name] = value
	}
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := values[name]; return v, ok })
	if err != nil {
		t.Fatalf("test configuration: %v", err)
	}

	var output bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&output, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(context.Background(), cfg, app.Options{Logger: logger, DB: storagetest.OpenSQLite(t)})
	if err != nil {
		t.Fatalf("build authd: %v", err)
	}
	t.Cleanup(a.Close)
	if err := a.StartJobs(context.Background()); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	return output.String()
}

// providerRecord returns the attributes of the one "e-mail provider
// selected" record in logs.
func providerRecord(t *testing.T, logs string) map[string]any {
	t.Helper()
	var found []map[string]any
	for line := range strings.Lines(logs) {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if record["msg"] == "e-mail provider selected" {
			found = append(found, record)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d e-mail provider records, want 1; logs:\n%s", len(found), logs)
	}
	if found[0]["level"] != "INFO" {
		t.Errorf("e-mail provider record level = %v, want INFO", found[0]["level"])
	}
	return found[0]
}

func TestStartJobsLogsMailProvider(t *testing.T) {
	const smtpPassword, sendGridKey = "smtp-password-do-not-log", "SG.sendgrid-key-do-not-log"
	tests := []struct {
		name string
		env  map[string]string
		want map[string]any
	}{
		{
			name: "console by default in development",
			env:  map[string]string{"AUTHD_EMAIL_PROVIDER": ""},
			want: map[string]any{"provider": "console",
				"note": "every e-mail, with its codes and links, is written to this log at info level"},
		},
		{
			name: "smtp with its defaults",
			env:  map[string]string{"AUTHD_EMAIL_PROVIDER": "smtp"},
			want: map[string]any{"provider": "smtp", "smtp_addr": "smtp.gmail.com:587", "smtp_tls": "starttls"},
		},
		{
			name: "smtp from the Django backend",
			env: map[string]string{
				"AUTHD_EMAIL_PROVIDER":       "",
				"DJANGO_EMAIL_BACKEND":       "django.core.mail.backends.smtp.EmailBackend",
				"DJANGO_EMAIL_HOST":          "mail.example.com",
				"DJANGO_EMAIL_PORT":          "2525",
				"DJANGO_EMAIL_HOST_USER":     "relay-user",
				"DJANGO_EMAIL_HOST_PASSWORD": smtpPassword,
			},
			want: map[string]any{"provider": "smtp", "smtp_addr": "mail.example.com:2525", "smtp_tls": "none"},
		},
		{
			name: "smtp with implicit TLS",
			env:  map[string]string{"AUTHD_EMAIL_PROVIDER": "smtp", "DJANGO_EMAIL_USE_TLS": "false", "AUTHD_SMTP_IMPLICIT_TLS": "true", "DJANGO_EMAIL_PORT": "465"},
			want: map[string]any{"provider": "smtp", "smtp_addr": "smtp.gmail.com:465", "smtp_tls": "implicit"},
		},
		{
			name: "sendgrid selected by its key",
			env:  map[string]string{"AUTHD_EMAIL_PROVIDER": "", "SENDGRID_API_KEY": sendGridKey},
			want: map[string]any{"provider": "sendgrid", "sendgrid_url": "https://api.sendgrid.com/v3/mail/send", "sendgrid_sandbox": false},
		},
		{
			name: "memory named explicitly",
			env:  map[string]string{"AUTHD_EMAIL_PROVIDER": "memory"},
			want: map[string]any{"provider": "memory", "note": "e-mails are kept in memory and never delivered"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			logs := startJobsLog(t, test.env)
			record := providerRecord(t, logs)
			for key, want := range test.want {
				if record[key] != want {
					t.Errorf("%s = %v, want %v", key, record[key], want)
				}
			}
			for _, secret := range []string{smtpPassword, sendGridKey} {
				if strings.Contains(logs, secret) {
					t.Errorf("the start-up log contains the secret %q:\n%s", secret, logs)
				}
			}
		})
	}
}
