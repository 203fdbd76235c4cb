package csrf

import "strings"

// captchaSources are the origins each external CAPTCHA provider loads its
// widget script, styles and frame from, as its integration guide lists
// them.
var captchaSources = map[string][]string{
	"recaptcha": {"https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"},
	"hcaptcha":  {"https://hcaptcha.com", "https://*.hcaptcha.com"},
	"turnstile": {"https://challenges.cloudflare.com"},
}

// ContentSecurityPolicy returns the policy of authd's HTML pages: scripts,
// styles and fonts from authd's own origin and, for an external CAPTCHA
// provider, that provider's origins; images and audio also from data: URIs
// (the built-in CAPTCHA and the TOTP QR code); no framing of the pages.
func ContentSecurityPolicy(captchaProvider string) string {
	extra := strings.Join(captchaSources[captchaProvider], " ")
	withExtra := func(base string) string {
		if extra == "" {
			return base
		}
		return base + " " + extra
	}
	frames := "'none'"
	if extra != "" {
		frames = extra
	}
	directives := []string{
		"default-src 'self'",
		"script-src " + withExtra("'self'"),
		"style-src " + withExtra("'self'"),
		"img-src 'self' data:",
		"media-src 'self' data:",
		"font-src 'self'",
		"connect-src " + withExtra("'self'"),
		"frame-src " + frames,
		"frame-ancestors 'none'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
	}
	return strings.Join(directives, "; ")
}
