package config

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Error lists every configuration problem found in one pass.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("invalid configuration (%d %s):\n  - %s", len(e.Problems), noun, strings.Join(e.Problems, "\n  - "))
}

// FromEnvironment loads the configuration from the process environment.
func FromEnvironment() (*Config, error) {
	return Load(os.LookupEnv)
}

// Load reads the configuration through getenv and validates it. On failure it
// returns the configuration read so far together with an *Error naming every
// problem.
func Load(getenv func(string) (string, bool)) (*Config, error) {
	s := &source{getenv: getenv}
	c := &Config{}

	c.Env = strings.ToLower(s.str("development", "AUTHD_ENV", "DJANGO_ENV"))
	if c.Env != "development" && c.Env != "production" {
		s.problems = append(s.problems, fmt.Sprintf("AUTHD_ENV: %q is not development or production", c.Env))
	}
	c.Production = c.Env == "production"
	dev := !c.Production
	c.Debug = s.boolean(dev, "AUTHD_DEBUG", "DJANGO_DEBUG")

	loadNetwork(s, c)
	loadKeys(s, c)
	loadTokens(s, c)
	loadCookies(s, c)
	loadDatabase(s, c)
	loadSecurity(s, c)
	loadEmail(s, c)
	loadSync(s, c)

	c.LogLevel = strings.ToLower(s.str("info", "AUTHD_LOG_LEVEL"))
	c.LogFormat = strings.ToLower(s.str(map[bool]string{true: "text", false: "json"}[dev], "AUTHD_LOG_FORMAT"))
	c.SeedPassword = s.str("", "AUTHD_SEED_PASSWORD")

	validate(s, c)
	c.Warnings = s.warnings
	if len(s.problems) > 0 {
		return c, &Error{Problems: s.problems}
	}
	return c, nil
}

func loadNetwork(s *source, c *Config) {
	c.Port = s.integer(8000, "AUTHD_PORT", "PORT")
	c.ListenAddr = s.str("0.0.0.0", "AUTHD_LISTEN_ADDR")
	publicDefault := ""
	if !c.Production {
		publicDefault = "http://localhost:" + strconv.Itoa(c.Port)
	}
	c.PublicURL = strings.TrimRight(s.str(publicDefault, "AUTHD_PUBLIC_URL"), "/")

	hostsDefault := []string{"localhost", "127.0.0.1", "auth_service"}
	if c.Production {
		hostsDefault = nil
	}
	if host := hostOf(c.PublicURL); host != "" && !contains(hostsDefault, host) {
		hostsDefault = append(hostsDefault, host)
	}
	c.AllowedHosts = s.list(hostsDefault, "AUTHD_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS")

	c.FrontendURL = s.str("http://localhost:3000", "FRONTEND_URL")
	c.DefaultSystemURL = s.str("http://localhost:3000/dashboard", "DEFAULT_SYSTEM_URL")
	c.SystemURLs = map[string]string{
		"tts":  s.str("http://localhost:1000", "TTS_SYSTEM_URL"),
		"ams":  s.str("http://localhost:3000/ams", "AMS_SYSTEM_URL"),
		"hdts": s.str("http://localhost:5173/employee/home", "HDTS_SYSTEM_URL"),
		"bms":  s.str("http://localhost:3000/bms", "BMS_SYSTEM_URL"),
	}
	for _, pair := range s.list(nil, "AUTHD_SYSTEM_URLS") {
		slug, target, ok := strings.Cut(pair, "=")
		slug, target = strings.TrimSpace(slug), strings.TrimSpace(target)
		if !ok || slug == "" || target == "" {
			s.problems = append(s.problems, fmt.Sprintf("AUTHD_SYSTEM_URLS: %q is not a slug=url pair", pair))
			continue
		}
		c.SystemURLs[slug] = target
	}

	c.TrustedProxies = s.prefixes("AUTHD_TRUSTED_PROXIES")
	c.LoginSkipSingleSystem = s.boolean(false, "AUTHD_LOGIN_SKIP_SINGLE_SYSTEM")
	c.OpenAPIPublic = s.boolean(!c.Production, "AUTHD_OPENAPI_PUBLIC")
	c.SiteName = s.str("TicketFlow", "AUTHD_SITE_NAME")
	c.SupportEmail = s.str("support@ticketflow.com", "SUPPORT_EMAIL")
}

func loadKeys(s *source, c *Config) {
	c.Keys.SecretKey = s.str(DevelopmentSecretKey, "AUTHD_SECRET_KEY", "DJANGO_SECRET_KEY")
	c.Keys.SecretKeyFallbacks = s.list(nil, "AUTHD_SECRET_KEY_FALLBACKS")
	// The signing key is shared byte for byte with downstream verifiers, so
	// it is not trimmed like other values.
	if v, _, ok := s.lookup("AUTHD_JWT_SIGNING_KEY", "DJANGO_JWT_SIGNING_KEY"); ok && v != "" {
		c.Keys.JWTSigningKey = v
	} else {
		c.Keys.JWTSigningKey = c.Keys.SecretKey
	}
	c.Keys.JWTAsymmetricAlg = s.str("", "AUTHD_JWT_ASYMMETRIC_ALG")
	c.Keys.JWTPrivateKeyFile = s.str("", "AUTHD_JWT_PRIVATE_KEY_FILE")
}

func loadTokens(s *source, c *Config) {
	t := &c.Tokens
	t.Leeway = s.duration(0, "AUTHD_JWT_LEEWAY")
	t.AccessLifetime = s.duration(300*time.Second, "AUTHD_ACCESS_TOKEN_LIFETIME")
	t.RefreshLifetime = s.duration(168*time.Hour, "AUTHD_REFRESH_TOKEN_LIFETIME")
	t.RefreshAbsoluteLifetime = s.duration(720*time.Hour, "AUTHD_REFRESH_ABSOLUTE_LIFETIME")
	t.RefreshGrace = s.duration(10*time.Second, "AUTHD_REFRESH_GRACE")
	t.OTPChallengeLifetime = s.duration(300*time.Second, "AUTHD_OTP_CHALLENGE_LIFETIME")
	t.ResetTokenLifetime = s.duration(time.Hour, "AUTHD_RESET_TOKEN_LIFETIME")
	t.EmployeeResetTokenLifetime = s.duration(24*time.Hour, "AUTHD_EMPLOYEE_RESET_TOKEN_LIFETIME")
	t.InviteTokenLifetime = s.duration(168*time.Hour, "AUTHD_INVITE_TOKEN_LIFETIME")
	t.InternalAuth = strings.ToLower(s.str("api_key", "AUTHD_INTERNAL_AUTH"))
}

func loadCookies(s *source, c *Config) {
	c.CookieDomain = s.str("", "AUTHD_COOKIE_DOMAIN", "COOKIE_DOMAIN")
	if strings.EqualFold(c.CookieDomain, "localhost") {
		s.warnings = append(s.warnings, "COOKIE_DOMAIN=localhost is ignored because browsers reject it; cookies are host-only")
		c.CookieDomain = ""
	}
	c.CookieSecure = s.boolean(c.Production, "AUTHD_COOKIE_SECURE", "DJANGO_SESSION_COOKIE_SECURE")
	c.CSRFCookieSecure = s.boolean(c.Production, "DJANGO_CSRF_COOKIE_SECURE")
	c.AccessCookieHTTPOnly = s.boolean(true, "AUTHD_ACCESS_COOKIE_HTTPONLY")
	c.AdminSessionIdle = s.duration(30*time.Minute, "AUTHD_ADMIN_SESSION_IDLE")
	c.AdminSessionMax = s.duration(12*time.Hour, "AUTHD_ADMIN_SESSION_MAX")

	var corsDefault, csrfDefault []string
	if !c.Production {
		corsDefault = []string{"http://localhost:1000", "http://127.0.0.1:1000", "http://localhost:3000", "http://127.0.0.1:3000"}
		csrfDefault = []string{"http://localhost:3000", "http://127.0.0.1:3000"}
	}
	// The Django and AUTHD_ lists add up rather than replace each other.
	cors := append(s.list(nil, "DJANGO_CORS_ALLOWED_ORIGINS"), s.list(nil, "AUTHD_CORS_ALLOWED_ORIGINS")...)
	if _, _, set := s.lookup("DJANGO_CORS_ALLOWED_ORIGINS", "AUTHD_CORS_ALLOWED_ORIGINS"); !set {
		cors = corsDefault
	}
	urls := []string{c.FrontendURL, c.DefaultSystemURL}
	for _, u := range c.SystemURLs {
		urls = append(urls, u)
	}
	for _, u := range urls {
		if origin := OriginOf(u); origin != "" {
			cors = append(cors, origin)
		}
	}
	c.CORSAllowedOrigins = splitList(strings.Join(cors, ","))

	csrf := append(s.list(nil, "DJANGO_CSRF_TRUSTED_ORIGINS"), s.list(nil, "AUTHD_CSRF_TRUSTED_ORIGINS")...)
	if _, _, set := s.lookup("DJANGO_CSRF_TRUSTED_ORIGINS", "AUTHD_CSRF_TRUSTED_ORIGINS"); !set {
		csrf = csrfDefault
	}
	csrf = append(csrf, c.CORSAllowedOrigins...)
	if origin := OriginOf(c.PublicURL); origin != "" {
		csrf = append(csrf, origin)
	}
	c.CSRFTrustedOrigins = splitList(strings.Join(csrf, ","))
}

func loadDatabase(s *source, c *Config) {
	d := &c.Database
	d.MaxConns = s.integer(20, "AUTHD_DB_MAX_CONNS")
	d.SQLitePath = s.str("./authd.sqlite3", "AUTHD_SQLITE_PATH")
	c.MediaDir = s.str("./media", "AUTHD_MEDIA_DIR")
	c.AuditRetention = s.duration(8760*time.Hour, "AUTHD_AUDIT_RETENTION")

	if raw := s.str("", "AUTHD_DATABASE_URL", "DATABASE_URL"); raw != "" {
		switch {
		case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
			d.Driver, d.URL = "postgres", raw
		case strings.HasPrefix(raw, "sqlite://"):
			d.Driver = "sqlite"
			// sqlite:///abs/path gives /abs/path; sqlite://rel/path gives rel/path.
			d.SQLitePath = strings.TrimPrefix(raw, "sqlite://")
			if d.SQLitePath == "" {
				s.problems = append(s.problems, "DATABASE_URL: sqlite:// needs a file path, as in sqlite:///var/lib/authd/authd.sqlite3")
			}
		default:
			s.problems = append(s.problems, "DATABASE_URL: must start with postgres://, postgresql:// or sqlite://")
		}
		return
	}
	if name := s.str("", "POSTGRES_DB"); name != "" {
		u := url.URL{Scheme: "postgres", Path: "/" + name}
		host := s.str("localhost", "PGHOST")
		port := s.str("5432", "PGPORT")
		u.Host = host + ":" + port
		user := s.str("", "POSTGRES_USER")
		password := s.str("", "POSTGRES_PASSWORD")
		switch {
		case user != "" && password != "":
			u.User = url.UserPassword(user, password)
		case user != "":
			u.User = url.User(user)
		}
		d.Driver, d.URL = "postgres", u.String()
		return
	}
	d.Driver = "sqlite"
}

func loadSecurity(s *source, c *Config) {
	p := &c.Passwords
	p.Argon2MemoryKiB = uint32(s.integer(19456, "AUTHD_ARGON2_MEMORY_KIB"))
	p.Argon2Iterations = uint32(s.integer(2, "AUTHD_ARGON2_ITERATIONS"))
	p.Argon2Parallelism = uint8(s.integer(1, "AUTHD_ARGON2_PARALLELISM"))
	p.MinLength = s.integer(8, "AUTHD_PASSWORD_MIN_LENGTH")
	p.MaxLength = s.integer(128, "AUTHD_PASSWORD_MAX_LENGTH")
	p.BreachCheck = s.boolean(false, "AUTHD_PASSWORD_BREACH_CHECK")
	p.BreachURL = s.str("https://api.pwnedpasswords.com/range/", "AUTHD_PASSWORD_BREACH_URL")
	p.BreachTimeout = s.duration(5*time.Second, "AUTHD_PASSWORD_BREACH_TIMEOUT")

	l := &c.Lockout
	l.StaffThreshold = s.integer(10, "AUTHD_STAFF_LOCKOUT_THRESHOLD")
	l.StaffDuration = s.duration(15*time.Minute, "AUTHD_STAFF_LOCKOUT_DURATION")
	l.EmployeeThreshold = s.integer(5, "AUTHD_EMPLOYEE_LOCKOUT_THRESHOLD")
	l.EmployeeDuration = s.duration(30*time.Minute, "AUTHD_EMPLOYEE_LOCKOUT_DURATION")
	l.SecondFactorMax = s.integer(10, "AUTHD_2FA_MAX_FAILURES")
	l.SecondFactorLockFor = s.duration(15*time.Minute, "AUTHD_2FA_LOCK_DURATION")

	t := &c.Throttle
	t.LoginIPMax = s.integer(30, "AUTHD_THROTTLE_LOGIN_IP_MAX")
	t.LoginIPWindow = s.duration(15*time.Minute, "AUTHD_THROTTLE_LOGIN_IP_WINDOW")
	t.MailAccountMax = s.integer(5, "AUTHD_THROTTLE_MAIL_ACCOUNT_MAX")
	t.MailIPMax = s.integer(20, "AUTHD_THROTTLE_MAIL_IP_MAX")
	t.RegisterIPMax = s.integer(10, "AUTHD_THROTTLE_REGISTER_IP_MAX")
	t.OTPResendCooldown = s.duration(60*time.Second, "AUTHD_OTP_RESEND_COOLDOWN")

	k := &c.Captcha
	k.SiteKey = s.str("", "AUTHD_CAPTCHA_SITE_KEY", "RECAPTCHA_SITE_KEY")
	k.SecretKey = s.str("", "AUTHD_CAPTCHA_SECRET_KEY", "RECAPTCHA_SECRET_KEY")
	k.Provider = strings.ToLower(s.str("", "AUTHD_CAPTCHA_PROVIDER"))
	if k.Provider == "" {
		k.Provider = "builtin"
		if s.boolean(true, "RECAPTCHA_ENABLED") && k.SecretKey != "" {
			k.Provider = "recaptcha"
		}
	}
	k.AfterFailures = s.integer(3, "AUTHD_CAPTCHA_AFTER_FAILURES")
	k.VerifyURL = s.str(defaultCaptchaVerifyURL[k.Provider], "AUTHD_CAPTCHA_VERIFY_URL")
	k.Timeout = s.duration(5*time.Second, "AUTHD_CAPTCHA_TIMEOUT")
}

var defaultCaptchaVerifyURL = map[string]string{
	"recaptcha": "https://www.google.com/recaptcha/api/siteverify",
	"hcaptcha":  "https://api.hcaptcha.com/siteverify",
	"turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}

func loadEmail(s *source, c *Config) {
	e := &c.Email
	e.Provider = strings.ToLower(s.str("", "AUTHD_EMAIL_PROVIDER"))
	e.DjangoBackend = s.str("", "DJANGO_EMAIL_BACKEND")
	e.SendGridEnabled = s.boolean(true, "SENDGRID_ENABLED")
	e.SendGridAPIKey = s.str("", "SENDGRID_API_KEY")
	e.SendGridURL = s.str("https://api.sendgrid.com/v3/mail/send", "AUTHD_SENDGRID_API_URL")
	e.SendGridSandbox = s.boolean(false, "SENDGRID_SANDBOX_MODE_IN_DEBUG") && !c.Production

	// Setting DJANGO_EMAIL_BACKEND switches the SMTP defaults to a local relay.
	hostDefault, portDefault, tlsDefault := "smtp.gmail.com", 587, true
	if e.DjangoBackend != "" {
		hostDefault, portDefault, tlsDefault = "localhost", 25, false
	}
	_, _, e.SMTPHostSet = s.lookup("DJANGO_EMAIL_HOST")
	e.SMTPHost = s.str(hostDefault, "DJANGO_EMAIL_HOST")
	e.SMTPPort = s.integer(portDefault, "DJANGO_EMAIL_PORT")
	e.SMTPUseTLS = s.boolean(tlsDefault, "DJANGO_EMAIL_USE_TLS")
	e.SMTPUseSSL = s.boolean(false, "AUTHD_SMTP_IMPLICIT_TLS", "DJANGO_EMAIL_USE_SSL")
	e.SMTPUser = s.str("", "DJANGO_EMAIL_HOST_USER")
	e.SMTPPassword = s.str("", "DJANGO_EMAIL_HOST_PASSWORD")
	e.SMTPTimeout = s.duration(10*time.Second, "AUTHD_SMTP_TIMEOUT")
	e.FromEmail = s.str(s.str("noreply@yourapp.com", "SENDGRID_FROM_EMAIL"), "DJANGO_DEFAULT_FROM_EMAIL")
	e.FromName = s.str("TicketFlow", "SENDGRID_FROM_NAME")
	e.TemplateDir = s.str("", "AUTHD_EMAIL_TEMPLATE_DIR")
}

func loadSync(s *source, c *Config) {
	y := &c.Sync
	y.BrokerURL = s.str("", "AUTHD_BROKER_URL", "CELERY_BROKER_URL", "DJANGO_CELERY_BROKER_URL")
	syncSetting := s.boolean(true, "AUTHD_SYNC_ENABLED")
	y.Enabled = y.BrokerURL != "" && syncSetting
	y.EventsEnabled = y.Enabled && s.boolean(true, "AUTHD_EVENTS_ENABLED")
	y.EventsExchange = s.str("authd.events", "AUTHD_EVENTS_EXCHANGE")
	y.JobWorkers = s.integer(2, "AUTHD_JOB_WORKERS")
	y.JobMaxAge = s.duration(24*time.Hour, "AUTHD_JOB_MAX_AGE")
	if c.Production && y.BrokerURL != "" && !syncSetting {
		s.warnings = append(s.warnings, "AUTHD_SYNC_ENABLED=false: downstream systems receive no sync messages")
	}
}

// OriginOf returns scheme://host[:port] of an absolute URL, or "" when raw is
// not one.
func OriginOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func contains(list []string, item string) bool {
	for _, v := range list {
		if v == item {
			return true
		}
	}
	return false
}
