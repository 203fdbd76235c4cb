package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/mapactive/authd/internal/csrf"
)

// captchaScripts are the widget scripts of the external CAPTCHA providers,
// from each provider's integration documentation. Their origins are in the
// csrf package's Content-Security-Policy.
var captchaScripts = map[string]string{
	"recaptcha": "https://www.google.com/recaptcha/api.js",
	"hcaptcha":  "https://js.hcaptcha.com/1/api.js",
	"turnstile": "https://challenges.cloudflare.com/turnstile/v0/api.js",
}

func (p *Pages) captchaConfig() captchaConfig {
	c := captchaConfig{Provider: p.Config.Captcha.Provider}
	if script, ok := captchaScripts[c.Provider]; ok {
		c.SiteKey, c.ScriptURL = p.Config.Captcha.SiteKey, script
	}
	return c
}

// contentSecurityPolicy is the csrf package's page policy with two
// directives widened. img-src also allows blob: URLs, because the picture
// cropper previews a local file. form-action also allows the CORS origins,
// because Chromium applies form-action to the redirect after a form post,
// and the system selection form redirects to a system URL.
func (p *Pages) contentSecurityPolicy() string {
	policy := csrf.ContentSecurityPolicy(p.Config.Captcha.Provider)
	policy = withDirective(policy, "img-src", "'self' data: blob:")
	targets := []string{"'self'"}
	for _, origin := range p.Config.CORSAllowedOrigins {
		if u, err := url.Parse(origin); err == nil && u.Host != "" && !slices.Contains(targets, origin) {
			targets = append(targets, origin)
		}
	}
	return withDirective(policy, "form-action", strings.Join(targets, " "))
}

// withDirective replaces the value of one directive of a policy, or adds
// the directive when the policy lacks it.
func withDirective(policy, name, value string) string {
	parts := strings.Split(policy, "; ")
	for i, part := range parts {
		if part == name || strings.HasPrefix(part, name+" ") {
			parts[i] = name + " " + value
			return strings.Join(parts, "; ")
		}
	}
	return policy + "; " + name + " " + value
}
