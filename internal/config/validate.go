package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sample secrets that appear in documentation and example files. A key equal
// to one of them is as good as public.
var sampleSecrets = []string{"signing-key-1234", "changeme", "secret", "your-secret-key", "your-shared-signing-key"}

// Google's published reCAPTCHA v2 test keys always verify, so they must not
// protect a production sign-in.
const (
	recaptchaTestSiteKey   = "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"
	recaptchaTestSecretKey = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"
)

// validate checks every setting and appends one problem per fault, so the
// operator sees them all at once.
func validate(s *source, c *Config) {
	problem := func(format string, args ...any) { s.problems = append(s.problems, fmt.Sprintf(format, args...)) }
	warn := func(format string, args ...any) { s.warnings = append(s.warnings, fmt.Sprintf(format, args...)) }

	if c.Port < 1 || c.Port > 65535 {
		problem("AUTHD_PORT: %d is not a TCP port (1-65535)", c.Port)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problem("AUTHD_PUBLIC_URL: %q is not an absolute http(s) URL", c.PublicURL)
		}
	}
	for slug, target := range c.SystemURLs {
		if OriginOf(target) == "" {
			problem("system URL for %q: %q is not an absolute URL", slug, target)
		}
	}
	if OriginOf(c.DefaultSystemURL) == "" {
		problem("DEFAULT_SYSTEM_URL: %q is not an absolute URL", c.DefaultSystemURL)
	}
	for _, origin := range c.CORSAllowedOrigins {
		if origin == "*" {
			problem("CORS allow-list: \"*\" is not allowed; list each origin")
		} else if OriginOf(origin) != origin {
			problem("CORS allow-list: %q is not an origin like https://app.example.com", origin)
		}
	}
	if c.Tokens.InternalAuth != "api_key" && c.Tokens.InternalAuth != "legacy_open" {
		problem("AUTHD_INTERNAL_AUTH: %q is not api_key or legacy_open", c.Tokens.InternalAuth)
	}
	for name, d := range map[string]time.Duration{
		"AUTHD_ACCESS_TOKEN_LIFETIME":     c.Tokens.AccessLifetime,
		"AUTHD_REFRESH_TOKEN_LIFETIME":    c.Tokens.RefreshLifetime,
		"AUTHD_REFRESH_ABSOLUTE_LIFETIME": c.Tokens.RefreshAbsoluteLifetime,
		"AUTHD_OTP_CHALLENGE_LIFETIME":    c.Tokens.OTPChallengeLifetime,
		"AUTHD_RESET_TOKEN_LIFETIME":      c.Tokens.ResetTokenLifetime,
		"AUTHD_INVITE_TOKEN_LIFETIME":     c.Tokens.InviteTokenLifetime,
	} {
		if d <= 0 {
			problem("%s: must be longer than zero", name)
		}
	}
	if c.Database.MaxConns < 1 {
		problem("AUTHD_DB_MAX_CONNS: %d must be at least 1", c.Database.MaxConns)
	}
	p := c.Passwords
	if p.Argon2Iterations < 1 || p.Argon2Parallelism < 1 || p.Argon2MemoryKiB < 8*uint32(p.Argon2Parallelism) {
		problem("argon2 parameters m=%d t=%d p=%d are invalid: t and p must be at least 1 and m at least 8*p KiB", p.Argon2MemoryKiB, p.Argon2Iterations, p.Argon2Parallelism)
	}
	if c.Passwords.MinLength < 8 {
		warn("AUTHD_PASSWORD_MIN_LENGTH=%d is below 8; using 8", c.Passwords.MinLength)
		c.Passwords.MinLength = 8
	}
	if c.Passwords.MaxLength < c.Passwords.MinLength {
		problem("AUTHD_PASSWORD_MAX_LENGTH: %d is below the minimum length %d", c.Passwords.MaxLength, c.Passwords.MinLength)
	}
	for name, n := range map[string]int{
		"AUTHD_STAFF_LOCKOUT_THRESHOLD":    c.Lockout.StaffThreshold,
		"AUTHD_EMPLOYEE_LOCKOUT_THRESHOLD": c.Lockout.EmployeeThreshold,
		"AUTHD_2FA_MAX_FAILURES":           c.Lockout.SecondFactorMax,
		"AUTHD_THROTTLE_LOGIN_IP_MAX":      c.Throttle.LoginIPMax,
		"AUTHD_CAPTCHA_AFTER_FAILURES":     c.Captcha.AfterFailures,
	} {
		if n < 1 {
			problem("%s: %d must be at least 1", name, n)
		}
	}
	if !slices.Contains([]string{"builtin", "recaptcha", "hcaptcha", "turnstile", "none"}, c.Captcha.Provider) {
		problem("AUTHD_CAPTCHA_PROVIDER: %q is not builtin, recaptcha, hcaptcha, turnstile or none", c.Captcha.Provider)
	} else if c.Captcha.Provider != "builtin" && c.Captcha.Provider != "none" && c.Captcha.SecretKey == "" {
		problem("AUTHD_CAPTCHA_SECRET_KEY: required by the %s provider", c.Captcha.Provider)
	}
	if c.Email.Provider != "" && !slices.Contains([]string{"sendgrid", "smtp", "console", "memory"}, c.Email.Provider) {
		problem("AUTHD_EMAIL_PROVIDER: %q is not sendgrid, smtp, console or memory", c.Email.Provider)
	}
	if c.Sync.BrokerURL != "" && !strings.HasPrefix(c.Sync.BrokerURL, "amqp://") && !strings.HasPrefix(c.Sync.BrokerURL, "amqps://") {
		problem("broker URL: must start with amqp:// or amqps://")
	}
	if c.Sync.JobWorkers < 0 {
		problem("AUTHD_JOB_WORKERS: %d must be 0 or more", c.Sync.JobWorkers)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		problem("AUTHD_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problem("AUTHD_LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	if c.Production {
		validateProduction(c, problem, warn)
	}
}

func validateProduction(c *Config, problem, warn func(string, ...any)) {
	checkKey := func(name, key string) {
		switch {
		case key == "":
			problem("%s: required in production", name)
		case key == DevelopmentSecretKey:
			problem("%s: the development default must not be used in production", name)
		case strings.HasPrefix(key, "django-insecure"):
			problem("%s: a django-insecure key must not be used in production", name)
		case slices.Contains(sampleSecrets, strings.ToLower(key)):
			problem("%s: %q is a published sample value; generate a random key", name, key)
		case len(key) < 32:
			warn("%s is shorter than 32 bytes; use a longer random key", name)
		}
	}
	checkKey("AUTHD_SECRET_KEY (DJANGO_SECRET_KEY)", c.Keys.SecretKey)
	if c.Keys.JWTSigningKey != c.Keys.SecretKey {
		checkKey("AUTHD_JWT_SIGNING_KEY (DJANGO_JWT_SIGNING_KEY)", c.Keys.JWTSigningKey)
	}
	if c.Debug {
		problem("AUTHD_DEBUG (DJANGO_DEBUG): debug must be off in production")
	}
	if c.PublicURL == "" {
		problem("AUTHD_PUBLIC_URL: required in production")
	} else if u, err := url.Parse(c.PublicURL); err == nil && u.Scheme != "https" && u.Hostname() != "localhost" {
		problem("AUTHD_PUBLIC_URL: must be https:// in production")
	}
	if slices.Contains(c.AllowedHosts, "*") {
		problem("AUTHD_ALLOWED_HOSTS: \"*\" is only allowed in development")
	}
	if slices.Contains(c.CSRFTrustedOrigins, "*") {
		problem("CSRF trusted origins: \"*\" is not allowed in production")
	}
	if c.Captcha.Provider == "none" {
		problem("AUTHD_CAPTCHA_PROVIDER: none is for development only")
	}
	if c.Captcha.SiteKey == recaptchaTestSiteKey || c.Captcha.SecretKey == recaptchaTestSecretKey {
		problem("reCAPTCHA keys: Google's public test keys must not be used in production")
	}
	validateProductionEmail(c, problem, warn)
	if c.Database.Driver == "sqlite" {
		warn("running on SQLite: supported for a single instance only")
	}
	if !c.CookieSecure {
		warn("cookies are not Secure (AUTHD_COOKIE_SECURE=false)")
	}
	if c.Tokens.InternalAuth == "legacy_open" {
		warn("AUTHD_INTERNAL_AUTH=legacy_open: internal endpoints answer without an API key")
	}
}

func validateProductionEmail(c *Config, problem, warn func(string, ...any)) {
	e := c.Email
	if provider := strings.ToLower(e.Provider); provider == "console" || provider == "memory" {
		warn("AUTHD_EMAIL_PROVIDER=%s: e-mails never reach their recipients, and the console provider writes their codes and links to the log", provider)
	}
	backend := strings.ToLower(e.DjangoBackend)
	implicitDevProvider := e.Provider == "" && (strings.HasSuffix(backend, "console.emailbackend") || strings.HasSuffix(backend, "locmem.emailbackend"))
	if implicitDevProvider {
		problem("DJANGO_EMAIL_BACKEND: the console and in-memory backends need AUTHD_EMAIL_PROVIDER to name them in production")
	}
	smtpFallback := e.Provider == "" && e.DjangoBackend == "" && (!e.SendGridEnabled || e.SendGridAPIKey == "")
	if smtpFallback && !e.SMTPHostSet {
		problem("DJANGO_EMAIL_HOST: required in production when neither SendGrid nor AUTHD_EMAIL_PROVIDER is configured")
	}
	if strings.EqualFold(e.FromEmail, "noreply@yourapp.com") {
		problem("DJANGO_DEFAULT_FROM_EMAIL: set a real sender address instead of noreply@yourapp.com")
	}
}
