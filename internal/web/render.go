package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/mapactive/authd/internal/requestinfo"
)

//go:embed templates
var templateFS embed.FS

// templateSet holds one parsed template per page, each the shared layout and
// partials plus the page's own "content" block.
type templateSet struct {
	pages map[string]*template.Template
}

func loadTemplates(static *staticFiles) (*templateSet, error) {
	funcs := template.FuncMap{
		"static": static.url,
		"upper":  strings.ToUpper,
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/base/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	set := &templateSet{pages: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, name); err != nil {
			return nil, err
		}
		set.pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return set, nil
}

// toast is a notification shown when the page loads.
type toast struct {
	Kind    string `json:"kind"` // success, error, warning or info
	Message string `json:"message"`
}

// captchaConfig is the CAPTCHA setting that page scripts read.
type captchaConfig struct {
	Provider  string `json:"provider"` // builtin, recaptcha, hcaptcha, turnstile or none
	SiteKey   string `json:"site_key,omitempty"`
	ScriptURL string `json:"script_url,omitempty"`
	Required  bool   `json:"required"` // a CAPTCHA must be solved before the first submission
}

// clientConfig is the JSON block every page carries for its scripts;
// /static/js/common.js turns it into window.RECAPTCHA_ENABLED and
// window.SYSTEM_URLS.
type clientConfig struct {
	RecaptchaEnabled bool              `json:"recaptcha_enabled"`
	SystemURLs       map[string]string `json:"system_urls"`
	Captcha          captchaConfig     `json:"captcha"`
	Toasts           []toast           `json:"toasts"`
	Page             map[string]any    `json:"page"`
}

// view is the data of one rendered page.
type view struct {
	Title     string
	BodyClass string
	CSRF      string
	Config    clientConfig
	Scripts   []string // assets below /static/, loaded after common.js
	Nav       *nav
	Data      any
}

// newView returns a view with the parts every page shares filled in.
func (p *Pages) newView(title string, scripts ...string) *view {
	urls := map[string]string{"default": p.Config.DefaultSystemURL}
	for _, slug := range []string{"tts", "ams", "hdts", "bms"} {
		urls[slug] = p.Config.SystemURL(slug)
	}
	return &view{Title: title, Scripts: scripts, Config: clientConfig{
		SystemURLs: urls, Captcha: p.captchaConfig(), Toasts: []toast{}, Page: map[string]any{},
	}}
}

func (v *view) toast(kind, message string) {
	v.Config.Toasts = append(v.Config.Toasts, toast{kind, message})
}

// render writes a page with its security headers. The body is rendered into
// a buffer first, so a template error becomes the 500 page instead of a
// half-written response.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := p.templates.pages[page]
	if !ok {
		p.ServerError(w, r, fmt.Errorf("no template for page %q", page))
		return
	}
	if p.FormTokens != nil {
		v.CSRF = p.FormTokens.Token(w, r)
	}
	v.Config.RecaptchaEnabled = v.Config.Captcha.Required && v.Config.Captcha.ScriptURL != ""
	if flash := p.takeFlash(w, r); flash != nil {
		v.Config.Toasts = append([]toast{*flash}, v.Config.Toasts...)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		if page == "error" {
			p.Logger.ErrorContext(r.Context(), "render the error page", "error", err,
				"request_id", requestinfo.From(r.Context()).RequestID)
			http.Error(w, "Something Went Wrong", http.StatusInternalServerError)
			return
		}
		p.ServerError(w, r, fmt.Errorf("render page %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.contentSecurityPolicy())
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
