package csrf

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/secrets"
)

func TestTokenRoundTripAndForgeries(t *testing.T) {
	p := New(secrets.NewKeyring("csrf-test-secret", nil), false)
	rec := httptest.NewRecorder()
	token := p.Token(rec, httptest.NewRequest(http.MethodGet, "/staff/login/", nil))
	cookie := rec.Result().Cookies()
	if len(cookie) != 1 || cookie[0].Name != CookieName || cookie[0].HttpOnly || cookie[0].MaxAge != 365*24*3600 {
		t.Fatalf("csrftoken cookie = %+v", cookie)
	}

	post := func(cookieValue, field, header string) *http.Request {
		form := url.Values{FieldName: {field}}
		r := httptest.NewRequest(http.MethodPost, "/staff/login/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookieValue != "" {
			r.AddCookie(&http.Cookie{Name: CookieName, Value: cookieValue})
		}
		if header != "" {
			r.Header.Set(HeaderName, header)
		}
		return r
	}
	if err := p.Check(post(token, token, "")); err != nil {
		t.Errorf("matching form field rejected: %v", err)
	}
	if err := p.Check(post(token, "", token)); err != nil {
		t.Errorf("matching header rejected: %v", err)
	}
	if err := p.Check(post(token, "", "")); err != ErrMissing {
		t.Errorf("no submitted token: %v, want ErrMissing", err)
	}
	if err := p.Check(post("", token, "")); err != ErrMissing {
		t.Errorf("no cookie: %v, want ErrMissing", err)
	}
	other := p.newToken()
	if err := p.Check(post(token, other, "")); err != ErrMismatch {
		t.Errorf("another valid token in the field: %v, want ErrMismatch", err)
	}
	// A pair planted by an attacker who cannot compute the MAC.
	if err := p.Check(post("attacker.value", "attacker.value", "")); err != ErrMismatch {
		t.Errorf("self-made token pair: %v, want ErrMismatch", err)
	}
	foreign := New(secrets.NewKeyring("another-secret", nil), false).newToken()
	if err := p.Check(post(foreign, foreign, "")); err != ErrMismatch {
		t.Errorf("token of another secret key: %v, want ErrMismatch", err)
	}
	rotated := New(secrets.NewKeyring("new-secret", []string{"csrf-test-secret"}), false)
	if err := rotated.Check(post(token, token, "")); err != nil {
		t.Errorf("token of a fallback secret key rejected: %v", err)
	}
	if err := p.Check(httptest.NewRequest(http.MethodGet, "/", nil)); err != nil {
		t.Errorf("GET needs no token: %v", err)
	}
}

func TestTokenReusesValidCookie(t *testing.T) {
	p := New(secrets.NewKeyring("csrf-test-secret", nil), true)
	first := p.newToken()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: first})
	rec := httptest.NewRecorder()
	if got := p.Token(rec, r); got != first {
		t.Errorf("Token = %q, want the cookie's %q", got, first)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("a valid cookie was replaced")
	}
	if !strings.Contains(string(HiddenField(`a"b`)), `value="a&#34;b"`) {
		t.Errorf("HiddenField does not escape: %s", HiddenField(`a"b`))
	}
}

func TestContentSecurityPolicyPerProvider(t *testing.T) {
	builtin := ContentSecurityPolicy("builtin")
	for _, want := range []string{"script-src 'self';", "frame-ancestors 'none'", "img-src 'self' data:", "frame-src 'none'"} {
		if !strings.Contains(builtin, want) {
			t.Errorf("builtin policy %q lacks %q", builtin, want)
		}
	}
	turnstile := ContentSecurityPolicy("turnstile")
	if !strings.Contains(turnstile, "script-src 'self' https://challenges.cloudflare.com") {
		t.Errorf("turnstile policy %q does not allow the widget script", turnstile)
	}
}
