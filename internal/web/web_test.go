package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/requestinfo"
)

func testPages(t testing.TB) *Pages {
	t.Helper()
	cfg := &config.Config{PublicURL: "https://auth.example.org", DefaultSystemURL: "https://apps.example.org/dashboard",
		SystemURLs:         map[string]string{"tts": "https://tts.example.org/"},
		CORSAllowedOrigins: []string{"https://tts.example.org", "https://apps.example.org"},
		Captcha:            config.Captcha{Provider: "builtin"}}
	p, err := New(Deps{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("parse the embedded templates: %v", err)
	}
	return p
}

func TestEveryPageTemplateParses(t *testing.T) {
	p := testPages(t)
	for _, name := range []string{"staff_login", "staff_welcome", "staff_profile", "staff_password", "staff_reset", "security",
		"email_confirm", "error", "employee_login", "employee_verify", "employee_register", "employee_reset",
		"employee_profile", "employee_password", "admin_pending", "admin_agents", "admin_invite", "admin_roles",
		"admin_assignments", "api_keys", "portal_login", "portal_dashboard", "portal_users", "portal_user_form",
		"portal_import", "jobs"} {
		if p.templates.pages[name] == nil {
			t.Errorf("no template for page %s", name)
		}
	}
}

func TestSafeNext(t *testing.T) {
	p := testPages(t)
	cases := map[string]string{
		"/staff/settings/profile/?tab=1":     "/staff/settings/profile/?tab=1",
		"https://tts.example.org/tickets":    "https://tts.example.org/tickets",
		"https://auth.example.org/x/":        "https://auth.example.org/x/",
		"":                                   "",
		"//evil.example/":                    "",
		"/\\evil.example":                    "",
		"/%0A/evil":                          "/%0A/evil",
		"/\n/evil.example":                   "",
		"https://tts.example.org.evil.test/": "",
		"http://tts.example.org/":            "",
		"javascript:alert(1)":                "",
		"https://a@tts.example.org/":         "",
		"relative/path":                      "",
		"/" + strings.Repeat("a", 3000):      "",
	}
	for next, want := range cases {
		if got := p.safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	p := testPages(t)
	csp := p.contentSecurityPolicy()
	for _, want := range []string{"script-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'",
		"form-action 'self' https://tts.example.org https://apps.example.org"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if got := withDirective("a x; b y", "c", "z"); got != "a x; b y; c z" {
		t.Errorf("withDirective added %q", got)
	}
}

func TestServerErrorShowsRequestID(t *testing.T) {
	p := testPages(t)
	r := httptest.NewRequest(http.MethodGet, "/staff/settings/profile/", nil)
	r = r.WithContext(requestinfo.With(r.Context(), requestinfo.Info{RequestID: "req-0123456789"}))
	w := httptest.NewRecorder()
	p.ServerError(w, r, errors.New("database unreachable"))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "<title>Something Went Wrong</title>") {
		t.Errorf("500 page title missing: %.300s", body)
	}
	if !strings.Contains(body, "req-0123456789") {
		t.Error("500 page lacks the request id")
	}
	if strings.Contains(body, "database unreachable") {
		t.Error("500 page leaks the error")
	}
}

// BenchmarkRenderSignInPage measures one render of the staff sign-in page
// (template execution, CSP and headers) without the network or a database.
func BenchmarkRenderSignInPage(b *testing.B) {
	p := testPages(b)
	r := httptest.NewRequest(http.MethodGet, "/staff/login/", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		p.render(w, r, http.StatusOK, "staff_login", p.loginView(r, &loginPage{Mode: "login"}, ""))
	}
}
