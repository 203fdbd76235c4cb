package csrf

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/secrets"
)

// Names shared with Django-style frontends.
const (
	CookieName = httpx.CSRFCookie // "csrftoken"
	FieldName  = "csrfmiddlewaretoken"
	HeaderName = "X-CSRFToken"
	cookieAge  = 365 * 24 * time.Hour
	nonceBytes = 18
)

// Errors of Check.
var (
	ErrMissing  = errors.New("CSRF token missing")
	ErrMismatch = errors.New("CSRF token incorrect")
)

// Protector issues and checks CSRF tokens.
type Protector struct {
	keys   [][]byte // the current key first, then keys of fallback secrets
	secure bool     // DJANGO_CSRF_COOKIE_SECURE
}

// New returns a Protector with keys derived from the keyring.
func New(keyring *secrets.Keyring, secureCookie bool) *Protector {
	return &Protector{keys: keyring.Keys(secrets.InfoCSRF), secure: secureCookie}
}

func mac(key []byte, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newToken returns "<nonce>.<HMAC of the nonce>" under the current key.
func (p *Protector) newToken() string {
	nonce := secrets.Token(nonceBytes)
	return nonce + "." + mac(p.keys[0], nonce)
}

// valid reports whether a token carries a MAC made by authd with the
// current secret key or a fallback.
func (p *Protector) valid(token string) bool {
	nonce, sum, ok := strings.Cut(token, ".")
	if !ok || nonce == "" || len(token) > 256 {
		return false
	}
	for _, key := range p.keys {
		if secrets.Equal(mac(key, nonce), sum) {
			return true
		}
	}
	return false
}

// Token returns the request's CSRF token for a form, and sets the
// csrftoken cookie when the request carries no valid one.
func (p *Protector) Token(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil && p.valid(c.Value) {
		return c.Value
	}
	token := p.newToken()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", MaxAge: int(cookieAge.Seconds()),
		Secure: p.secure, SameSite: http.SameSiteLaxMode})
	return token
}

// Check verifies an unsafe form request: the X-CSRFToken header or the
// csrfmiddlewaretoken field must equal the csrftoken cookie, and the
// cookie must be valid. Safe methods always pass. It parses the form.
func (p *Protector) Check(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	submitted := r.Header.Get(HeaderName)
	if submitted == "" {
		submitted = r.PostFormValue(FieldName)
	}
	return p.CheckValue(r, submitted)
}

// CheckValue verifies a submitted token against the request's cookie, for
// handlers that read the form themselves.
func (p *Protector) CheckValue(r *http.Request, submitted string) error {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" || submitted == "" {
		return ErrMissing
	}
	if !secrets.Equal(c.Value, submitted) || !p.valid(c.Value) {
		return ErrMismatch
	}
	return nil
}

// HiddenField returns the hidden form input that carries token.
func HiddenField(token string) template.HTML {
	return template.HTML(`<input type="hidden" name="` + FieldName + `" value="` + template.HTMLEscapeString(token) + `">`)
}
