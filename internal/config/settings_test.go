package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadCookieSettings(t *testing.T) {
	c := mustLoad(t, map[string]string{"COOKIE_DOMAIN": "LocalHost"})
	if c.CookieDomain != "" {
		t.Errorf("CookieDomain = %q, want localhost treated as unset", c.CookieDomain)
	}
	if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "COOKIE_DOMAIN=localhost") }) {
		t.Errorf("warnings %v lack the localhost notice", c.Warnings)
	}
	c = mustLoad(t, map[string]string{"COOKIE_DOMAIN": ".example.com", "AUTHD_COOKIE_SECURE": "yes", "AUTHD_ACCESS_COOKIE_HTTPONLY": "off"})
	if c.CookieDomain != ".example.com" || !c.CookieSecure || c.AccessCookieHTTPOnly {
		t.Errorf("cookies: domain %q secure %v httponly %v", c.CookieDomain, c.CookieSecure, c.AccessCookieHTTPOnly)
	}
	if c := mustLoad(t, map[string]string{"DJANGO_SESSION_COOKIE_SECURE": "True"}); !c.CookieSecure {
		t.Error("the Django name of the Secure setting is ignored")
	}
}

func TestLoadReportsUnreadableFileAndBadValues(t *testing.T) {
	_, err := Load(envOf(map[string]string{
		"AUTHD_SECRET_KEY_FILE": filepath.Join(t.TempDir(), "missing"),
		"AUTHD_DEBUG":           "sometimes",
		"AUTHD_TRUSTED_PROXIES": "10.0.0.0/33, not-an-ip",
		"AUTHD_SYSTEM_URLS":     "crm",
		"DATABASE_URL":          "mysql://db/authd",
		"AUTHD_ENV":             "staging",
	}))
	var cfgErr *Error
	if !errors.As(err, &cfgErr) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	text := strings.Join(cfgErr.Problems, "\n")
	for _, want := range []string{"AUTHD_SECRET_KEY_FILE: cannot read", "AUTHD_DEBUG: \"sometimes\" is not a boolean",
		"\"10.0.0.0/33\" is not a CIDR range", "\"not-an-ip\" is not an IP address", "\"crm\" is not a slug=url pair",
		"DATABASE_URL: must start with", "AUTHD_ENV: \"staging\""} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestLoadPublicURLAndHosts(t *testing.T) {
	c := mustLoad(t, map[string]string{"PORT": "9000"})
	if c.Port != 9000 || c.PublicURL != "http://localhost:9000" {
		t.Errorf("port %d public URL %q", c.Port, c.PublicURL)
	}
	c = mustLoad(t, map[string]string{"AUTHD_PUBLIC_URL": "https://auth.example.com/"})
	if c.PublicURL != "https://auth.example.com" || !slices.Contains(c.AllowedHosts, "auth.example.com") ||
		!slices.Contains(c.CSRFTrustedOrigins, "https://auth.example.com") {
		t.Errorf("public URL %q hosts %v trusted %v", c.PublicURL, c.AllowedHosts, c.CSRFTrustedOrigins)
	}
}
