package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(pairs map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := pairs[name]
		return v, ok
	}
}

func mustLoad(t *testing.T, pairs map[string]string) *Config {
	t.Helper()
	c, err := Load(envOf(pairs))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestLoadDevelopmentDefaults(t *testing.T) {
	c := mustLoad(t, nil)
	if c.Production || !c.Debug {
		t.Errorf("mode: production=%v debug=%v, want development with debug", c.Production, c.Debug)
	}
	if c.PublicURL != "http://localhost:8000" {
		t.Errorf("PublicURL = %q", c.PublicURL)
	}
	if c.Keys.JWTSigningKey != DevelopmentSecretKey {
		t.Errorf("signing key should fall back to the secret key")
	}
	if c.Database.Driver != "sqlite" || c.Database.SQLitePath != "./authd.sqlite3" {
		t.Errorf("database = %+v, want the SQLite default", c.Database)
	}
	if c.Tokens.AccessLifetime != 300*time.Second || c.Tokens.RefreshAbsoluteLifetime != 720*time.Hour {
		t.Errorf("token lifetimes = %+v", c.Tokens)
	}
	if c.Sync.Enabled {
		t.Errorf("sync must be off without a broker URL")
	}
	if c.Captcha.Provider != "builtin" {
		t.Errorf("captcha provider = %q", c.Captcha.Provider)
	}
	for _, origin := range []string{"http://localhost:1000", "http://localhost:3000", "http://localhost:5173"} {
		if !slices.Contains(c.CORSAllowedOrigins, origin) {
			t.Errorf("CORS list %v lacks %s", c.CORSAllowedOrigins, origin)
		}
	}
	if !slices.Contains(c.CSRFTrustedOrigins, "http://localhost:8000") {
		t.Errorf("CSRF trusted set %v lacks the public URL origin", c.CSRFTrustedOrigins)
	}
	if c.SystemURL("unknown") != c.DefaultSystemURL {
		t.Errorf("unknown slug should map to the default system URL")
	}
}

func TestLoadAuthdNameWinsOverDjangoName(t *testing.T) {
	c := mustLoad(t, map[string]string{"DJANGO_SECRET_KEY": "old-value", "AUTHD_SECRET_KEY": "new-value"})
	if c.Keys.SecretKey != "new-value" {
		t.Errorf("SecretKey = %q, want the AUTHD_ value", c.Keys.SecretKey)
	}
	if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "AUTHD_SECRET_KEY") }) {
		t.Errorf("expected a warning about differing values, got %v", c.Warnings)
	}
}

func TestLoadSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("  from-file-secret-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, map[string]string{"DJANGO_JWT_SIGNING_KEY_FILE": path})
	if c.Keys.JWTSigningKey != "from-file-secret-0123456789abcdef" {
		t.Errorf("JWTSigningKey = %q", c.Keys.JWTSigningKey)
	}
}

func TestLoadDurationsAndLists(t *testing.T) {
	c := mustLoad(t, map[string]string{
		"AUTHD_ACCESS_TOKEN_LIFETIME": "600",
		"AUTHD_REFRESH_GRACE":         "2m",
		"AUTHD_SYSTEM_URLS":           "crm=https://crm.example.com/app, erp=https://erp.example.com",
		"AUTHD_TRUSTED_PROXIES":       "10.0.0.0/8, 192.168.1.5",
		"DJANGO_CORS_ALLOWED_ORIGINS": "https://a.example.com",
		"AUTHD_CORS_ALLOWED_ORIGINS":  "https://b.example.com",
	})
	if c.Tokens.AccessLifetime != 10*time.Minute || c.Tokens.RefreshGrace != 2*time.Minute {
		t.Errorf("durations = %v, %v", c.Tokens.AccessLifetime, c.Tokens.RefreshGrace)
	}
	if c.SystemURL("crm") != "https://crm.example.com/app" {
		t.Errorf("crm URL = %q", c.SystemURL("crm"))
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].Bits() != 32 {
		t.Errorf("trusted proxies = %v", c.TrustedProxies)
	}
	for _, origin := range []string{"https://a.example.com", "https://b.example.com", "https://crm.example.com"} {
		if !slices.Contains(c.CORSAllowedOrigins, origin) {
			t.Errorf("CORS list %v lacks %s", c.CORSAllowedOrigins, origin)
		}
	}
	if slices.Contains(c.CORSAllowedOrigins, "http://127.0.0.1:1000") {
		t.Errorf("an explicit CORS list must replace the development default list")
	}
}

func TestLoadDatabaseURLs(t *testing.T) {
	cases := []struct {
		env    map[string]string
		driver string
		want   string
	}{
		{map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/authd"}, "postgres", "postgres://u:p@db:5432/authd"},
		{map[string]string{"DATABASE_URL": "sqlite:///var/lib/authd/a.db"}, "sqlite", "/var/lib/authd/a.db"},
		{map[string]string{"POSTGRES_DB": "authd", "POSTGRES_USER": "svc", "PGHOST": "db"}, "postgres", "postgres://svc@db:5432/authd"},
		{map[string]string{"AUTHD_SQLITE_PATH": "/tmp/x.sqlite3"}, "sqlite", "/tmp/x.sqlite3"},
	}
	for _, tc := range cases {
		c := mustLoad(t, tc.env)
		got := c.Database.URL
		if tc.driver == "sqlite" {
			got = c.Database.SQLitePath
		}
		if c.Database.Driver != tc.driver || got != tc.want {
			t.Errorf("%v: driver %q target %q, want %q %q", tc.env, c.Database.Driver, got, tc.driver, tc.want)
		}
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(envOf(map[string]string{
		"AUTHD_PORT":                  "99999",
		"AUTHD_ACCESS_TOKEN_LIFETIME": "soon",
		"AUTHD_INTERNAL_AUTH":         "open",
		"AUTHD_LOG_LEVEL":             "loud",
	}))
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	if len(cfgErr.Problems) != 4 {
		t.Errorf("problems = %q, want 4", cfgErr.Problems)
	}
}

func TestLoadProductionRefusesDefaults(t *testing.T) {
	_, err := Load(envOf(map[string]string{
		"DJANGO_ENV":                  "production",
		"DJANGO_DEBUG":                "true",
		"DJANGO_JWT_SIGNING_KEY":      "signing-key-1234",
		"AUTHD_PUBLIC_URL":            "http://auth.example.com",
		"AUTHD_CAPTCHA_PROVIDER":      "none",
		"DJANGO_CORS_ALLOWED_ORIGINS": "*",
	}))
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	text := strings.Join(cfgErr.Problems, "\n")
	for _, want := range []string{
		"AUTHD_SECRET_KEY (DJANGO_SECRET_KEY): the development default",
		"AUTHD_JWT_SIGNING_KEY (DJANGO_JWT_SIGNING_KEY): \"signing-key-1234\" is a published sample",
		"debug must be off",
		"must be https://",
		"none is for development only",
		"\"*\" is not allowed",
		"DJANGO_EMAIL_HOST: required in production",
		"noreply@yourapp.com",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestLoadProductionAcceptsCompleteSettings(t *testing.T) {
	c := mustLoad(t, map[string]string{
		"DJANGO_ENV":                "production",
		"DJANGO_SECRET_KEY":         "k3Jx9-random-production-secret-0123456789",
		"AUTHD_PUBLIC_URL":          "https://auth.example.com",
		"SENDGRID_API_KEY":          "SG.test",
		"DJANGO_DEFAULT_FROM_EMAIL": "auth@example.com",
	})
	if c.Debug || !c.CookieSecure || c.OpenAPIPublic {
		t.Errorf("production defaults: debug=%v secure=%v openapi=%v", c.Debug, c.CookieSecure, c.OpenAPIPublic)
	}
	if !slices.Contains(c.AllowedHosts, "auth.example.com") || slices.Contains(c.AllowedHosts, "localhost") {
		t.Errorf("AllowedHosts = %v, want only the public host", c.AllowedHosts)
	}
	if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "SQLite") }) {
		t.Errorf("expected the SQLite warning, got %v", c.Warnings)
	}
}

func TestLoadProductionWarnsOfLogOnlyEmail(t *testing.T) {
	for _, provider := range []string{"console", "memory"} {
		t.Run(provider, func(t *testing.T) {
			c := mustLoad(t, map[string]string{
				"DJANGO_ENV":                "production",
				"DJANGO_SECRET_KEY":         "k3Jx9-random-production-secret-0123456789",
				"AUTHD_PUBLIC_URL":          "https://auth.example.com",
				"AUTHD_EMAIL_PROVIDER":      provider,
				"DJANGO_DEFAULT_FROM_EMAIL": "auth@example.com",
			})
			if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "AUTHD_EMAIL_PROVIDER="+provider) }) {
				t.Errorf("expected a warning about AUTHD_EMAIL_PROVIDER=%s, got %v", provider, c.Warnings)
			}
		})
	}
}
