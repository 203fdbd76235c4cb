package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.html templates/*.txt
var embeddedTemplates embed.FS

// Layout files wrap the content of every template. Each e-mail file is
// parsed as the template "content", which the layouts execute.
const (
	layoutHTML = "layout.html"
	layoutText = "layout.txt"
)

// blankLines matches two or more blank lines, possibly containing spaces.
var blankLines = regexp.MustCompile(`\n[ \t]*\n(?:[ \t]*\n)+`)

// Defaults that NewRenderer applies to empty Common fields.
const (
	DefaultSiteName     = "TicketFlow"
	DefaultSupportEmail = "support@ticketflow.com"
)

// Common holds the values every template can use.
type Common struct {
	// SiteName is AUTHD_SITE_NAME, the product name shown in e-mails.
	SiteName string
	// SupportEmail is SUPPORT_EMAIL.
	SupportEmail string
	// PublicURL is AUTHD_PUBLIC_URL, the base of every link. It is
	// required.
	PublicURL string
	// Now returns the current time for current_year. Nil means time.Now.
	Now func() time.Time
}

// Renderer renders the account e-mails. It parses every template once, in
// NewRenderer, and is safe for concurrent use.
type Renderer struct {
	common   Common
	subjects map[Template]*texttemplate.Template
	texts    map[Template]*texttemplate.Template
	htmls    map[Template]*htmltemplate.Template
}

// NewRenderer parses the embedded templates, replacing each file with the
// file of the same name in overrideDir when that folder has one. An empty
// overrideDir uses only the embedded files. It fails when overrideDir is not
// a readable folder, when it contains a .html or .txt file that matches no
// template (likely a misspelt name), or when a file does not parse.
func NewRenderer(overrideDir string, common Common) (*Renderer, error) {
	if common.SiteName == "" {
		common.SiteName = DefaultSiteName
	}
	if common.SupportEmail == "" {
		common.SupportEmail = DefaultSupportEmail
	}
	if common.Now == nil {
		common.Now = time.Now
	}
	publicURL, err := url.Parse(common.PublicURL)
	if err != nil || (publicURL.Scheme != "http" && publicURL.Scheme != "https") || publicURL.Host == "" {
		return nil, fmt.Errorf("mail: public URL %q for e-mail links is not an absolute http or https URL", common.PublicURL)
	}
	common.PublicURL = strings.TrimRight(common.PublicURL, "/")

	files, err := newTemplateFiles(overrideDir)
	if err != nil {
		return nil, err
	}
	r := &Renderer{
		common:   common,
		subjects: make(map[Template]*texttemplate.Template),
		texts:    make(map[Template]*texttemplate.Template),
		htmls:    make(map[Template]*htmltemplate.Template),
	}
	funcs := templateFuncs(common.PublicURL)
	for _, name := range Templates() {
		if err := r.parse(name, files, funcs); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Renderer) parse(name Template, files templateFiles, funcs map[string]any) error {
	subject, err := texttemplate.New("subject").Option("missingkey=error").Parse(templateSpecs[name].subject)
	if err != nil {
		return fmt.Errorf("mail: parse subject of %s: %w", name, err)
	}
	r.subjects[name] = subject

	text, err := files.parseText(layoutText, string(name)+".txt", funcs)
	if err != nil {
		return err
	}
	r.texts[name] = text

	html, err := files.parseHTML(layoutHTML, string(name)+".html", funcs)
	if err != nil {
		return err
	}
	r.htmls[name] = html
	return nil
}

// Render returns the subject and both parts of the e-mail t. vars holds the
// variables listed at the Template constants and may override the common
// ones. It fails when t is unknown, when a required variable is missing,
// nil or empty, or when vars has a name the template does not use, so that a
// wrong call fails in tests instead of sending a broken e-mail.
func (r *Renderer) Render(t Template, vars map[string]any) (subject, text, html string, err error) {
	spec, ok := templateSpecs[t]
	if !ok {
		return "", "", "", fmt.Errorf("mail: unknown template %q", t)
	}
	if err := checkVariables(t, spec, vars); err != nil {
		return "", "", "", err
	}

	data := map[string]any{
		"site_name":     r.common.SiteName,
		"support_email": r.common.SupportEmail,
		"current_year":  r.common.Now().Year(),
		"public_url":    r.common.PublicURL,
	}
	for _, name := range spec.optional {
		data[name] = ""
	}
	for name, value := range vars {
		data[name] = value
	}

	var buffer bytes.Buffer
	if err := r.subjects[t].Execute(&buffer, data); err != nil {
		return "", "", "", fmt.Errorf("mail: render subject of %s: %w", t, err)
	}
	// A subject is one header line, so line breaks from a variable become
	// spaces.
	subject = strings.Join(strings.Fields(buffer.String()), " ")
	data["subject"] = subject

	buffer.Reset()
	if err := r.texts[t].Execute(&buffer, data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s.txt: %w", t, err)
	}
	// Conditional sections and the layout can leave runs of blank lines.
	text = blankLines.ReplaceAllString(strings.TrimSpace(buffer.String()), "\n\n") + "\n"

	buffer.Reset()
	if err := r.htmls[t].Execute(&buffer, data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s.html: %w", t, err)
	}
	html = buffer.String()
	return subject, text, html, nil
}

// checkVariables reports every missing required variable and every unknown
// name in one error.
func checkVariables(t Template, spec templateSpec, vars map[string]any) error {
	var problems []string
	for _, name := range spec.required {
		if isMissing(vars[name]) {
			problems = append(problems, fmt.Sprintf("missing required variable %q", name))
		}
	}
	var unknown []string
	for name := range vars {
		if !slices.Contains(spec.required, name) && !slices.Contains(spec.optional, name) &&
			!slices.Contains(commonVariables, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, fmt.Sprintf("unknown variable %q", name))
	}
	if len(problems) > 0 {
		return fmt.Errorf("mail: template %s: %s", t, strings.Join(problems, "; "))
	}
	return nil
}

func isMissing(value any) bool {
	switch v := value.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case time.Time:
		return v.IsZero()
	case *time.Time:
		return v == nil || v.IsZero()
	}
	return false
}
