package config

import (
	"net/netip"
	"time"
)

// DevelopmentSecretKey is the secret key used when none is configured. It is
// public, so production mode refuses it.
const DevelopmentSecretKey = "authd-development-only-secret-key-change-me"

// Config is the whole configuration of authd, read from the environment.
type Config struct {
	Env        string // "development" or "production"
	Production bool
	Debug      bool

	ListenAddr            string
	Port                  int
	AllowedHosts          []string
	PublicURL             string
	FrontendURL           string
	DefaultSystemURL      string
	SystemURLs            map[string]string // slug to URL, including tts, ams, hdts and bms
	TrustedProxies        []netip.Prefix
	LoginSkipSingleSystem bool
	OpenAPIPublic         bool
	SiteName              string
	SupportEmail          string

	Keys   Keys
	Tokens Tokens

	CookieDomain         string
	CookieSecure         bool
	CSRFCookieSecure     bool
	AccessCookieHTTPOnly bool
	CORSAllowedOrigins   []string // the whole allow-list, system URL origins included
	CSRFTrustedOrigins   []string // the whole trusted set, CORS list and public URL origin included
	AdminSessionIdle     time.Duration
	AdminSessionMax      time.Duration

	Database Database

	MediaDir       string
	AuditRetention time.Duration

	Passwords Passwords
	Lockout   Lockout
	Throttle  Throttle
	Captcha   Captcha
	Email     Email
	Sync      Sync

	LogLevel     string
	LogFormat    string
	SeedPassword string

	// Warnings lists problems that do not stop authd; the caller logs them.
	Warnings []string
}

// Keys holds the signing and encryption secrets.
type Keys struct {
	SecretKey          string
	SecretKeyFallbacks []string
	JWTSigningKey      string // the HS256 key shared with downstream services
	JWTAsymmetricAlg   string // reserved for the OIDC extension
	JWTPrivateKeyFile  string
}

// Tokens holds token lifetimes and the internal endpoint mode.
type Tokens struct {
	Leeway                     time.Duration
	AccessLifetime             time.Duration
	RefreshLifetime            time.Duration
	RefreshAbsoluteLifetime    time.Duration
	RefreshGrace               time.Duration
	OTPChallengeLifetime       time.Duration
	ResetTokenLifetime         time.Duration
	EmployeeResetTokenLifetime time.Duration
	InviteTokenLifetime        time.Duration
	InternalAuth               string // "api_key" or "legacy_open"
}

// Database selects the storage backend.
type Database struct {
	Driver     string // "postgres" or "sqlite"
	URL        string // PostgreSQL connection URL
	SQLitePath string
	MaxConns   int
}

// Passwords holds hashing cost and policy settings.
type Passwords struct {
	Argon2MemoryKiB   uint32
	Argon2Iterations  uint32
	Argon2Parallelism uint8
	MinLength         int
	MaxLength         int
	BreachCheck       bool
	BreachURL         string
	BreachTimeout     time.Duration
}

// Lockout holds the account lock thresholds.
type Lockout struct {
	StaffThreshold      int
	StaffDuration       time.Duration
	EmployeeThreshold   int
	EmployeeDuration    time.Duration
	SecondFactorMax     int
	SecondFactorLockFor time.Duration
}

// Throttle holds the configurable rate limits.
type Throttle struct {
	LoginIPMax        int
	LoginIPWindow     time.Duration
	MailAccountMax    int
	MailIPMax         int
	RegisterIPMax     int
	OTPResendCooldown time.Duration
}

// Captcha selects and configures the CAPTCHA provider.
type Captcha struct {
	Provider      string // builtin, recaptcha, hcaptcha, turnstile or none
	AfterFailures int
	SiteKey       string
	SecretKey     string
	VerifyURL     string
	Timeout       time.Duration
}

// Email holds the raw mail settings; the mail package applies the provider
// selection rules to them.
type Email struct {
	Provider        string
	DjangoBackend   string
	SendGridEnabled bool
	SendGridAPIKey  string
	SendGridURL     string
	SendGridSandbox bool
	SMTPHost        string
	SMTPHostSet     bool
	SMTPPort        int
	SMTPUseTLS      bool
	SMTPUseSSL      bool
	SMTPUser        string
	SMTPPassword    string
	SMTPTimeout     time.Duration
	FromEmail       string
	FromName        string
	TemplateDir     string
}

// Sync configures RabbitMQ publishing and the job workers.
type Sync struct {
	BrokerURL      string
	Enabled        bool // a broker is configured and AUTHD_SYNC_ENABLED is true
	EventsEnabled  bool
	EventsExchange string
	JobWorkers     int
	JobMaxAge      time.Duration
}

// SystemURL returns the redirect target of a system slug, or the default
// system URL for a slug without one.
func (c *Config) SystemURL(slug string) string {
	if u, ok := c.SystemURLs[slug]; ok {
		return u
	}
	return c.DefaultSystemURL
}
