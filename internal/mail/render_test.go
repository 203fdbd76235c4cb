package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2031, time.March, 4, 9, 30, 0, 0, time.UTC)

func newTestRenderer(t *testing.T, overrideDir string) *Renderer {
	t.Helper()
	renderer, err := NewRenderer(overrideDir, Common{
		SiteName:     "Acme Desk",
		SupportEmail: "help@acme.test",
		PublicURL:    "https://id.acme.test/",
		Now:          func() time.Time { return fixedNow },
	})
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return renderer
}

// renderCase is one template with complete variables, its expected subject
// and the links both parts must contain.
type renderCase struct {
	template Template
	vars     map[string]any
	subject  string
	links    []string
	contains []string
}

func renderCases() []renderCase {
	lockedUntil := time.Date(2031, time.March, 4, 9, 45, 0, 0, time.UTC)
	return []renderCase{
		{StaffOTP, map[string]any{"user_name": "Ann Lee", "otp_code": "482913", "expiry_minutes": 5},
			"Your Verification Code - Acme Desk", nil, []string{"Ann Lee", "482913", "5 minutes"}},
		{StaffPasswordReset, map[string]any{"user_name": "ann", "reset_url": "https://id.acme.test/api/v1/users/password/reset/?token=tok1", "expiry_hours": 1},
			"Password Reset Request - Acme Desk", []string{"https://id.acme.test/api/v1/users/password/reset/?token=tok1"}, []string{"1 hour "}},
		{AccountLocked, map[string]any{"user_name": "Ann", "locked_until": lockedUntil, "failed_attempts": 10, "lockout_duration": "15 minutes", "ip_address": "192.0.2.7"},
			"Account Locked - Acme Desk", []string{"https://id.acme.test/staff/login/?mode=forgot"},
			[]string{"10 failed sign-in attempts", "192.0.2.7", "15 minutes", "4 March 2031 at 09:45 UTC"}},
		{AccountUnlocked, map[string]any{"user_name": "Ann", "ip_address": "192.0.2.8"},
			"Account Unlocked - Acme Desk", []string{"https://id.acme.test/staff/login/"}, []string{"192.0.2.8"}},
		{FailedLogin, map[string]any{"user_name": "Ann", "ip_address": "192.0.2.9", "attempt_time": "2031-03-04 09:20 UTC", "failed_attempts": 6},
			"Failed Login Attempt - Acme Desk", []string{"https://id.acme.test/staff/login/"}, []string{"192.0.2.9", "2031-03-04 09:20 UTC", "6"}},
		{Invitation, map[string]any{"first_name": "Bo", "system_name": "TTS", "role_name": "Agent", "set_password_url": "https://id.acme.test/api/v1/users/password/reset/?token=inv2", "expiry_days": 7},
			"Invitation to TTS", []string{"https://id.acme.test/api/v1/users/password/reset/?token=inv2"}, []string{"Bo", "Agent", "7 days"}},
		{AccessGranted, map[string]any{"first_name": "Bo", "system_name": "AMS", "role_name": "Admin"},
			"Access Granted to AMS", []string{"https://id.acme.test/staff/login/"}, []string{"AMS", "Admin"}},
		{HDTSWelcome, map[string]any{"full_name": "Cy Park"},
			"Welcome to HDTS", []string{"https://id.acme.test/login/"}, []string{"Cy Park"}},
		{HDTSOTP, map[string]any{"otp_code": "731004", "expiration_time": 5},
			"Your OTP Code", nil, []string{"731004", "5 minutes"}},
		{HDTSPasswordChanged, map[string]any{"full_name": "Cy Park", "timestamp": fixedNow},
			"Password Changed", []string{"https://id.acme.test/login/"}, []string{"4 March 2031 at 09:30 UTC"}},
		{HDTS2FAEnabled, map[string]any{"full_name": "Cy Park"},
			"Two-Factor Authentication Enabled", nil, []string{"now on"}},
		{HDTS2FADisabled, map[string]any{"full_name": "Cy Park"},
			"Two-Factor Authentication Disabled", nil, []string{"now off"}},
		{HDTSPasswordReset, map[string]any{"reset_link": "https://id.acme.test/reset-password/?token=emp3", "expiry_hours": 24},
			"Password Reset Request", []string{"https://id.acme.test/reset-password/?token=emp3"}, []string{"24 hours"}},
		{HDTSApproved, map[string]any{"full_name": "Cy Park"},
			"Your HDTS account has been approved", []string{"https://id.acme.test/login/"}, []string{"approved"}},
		{HDTSRejected, map[string]any{"full_name": "Cy Park", "support_email": "hdts@acme.test"},
			"Your HDTS account registration was not approved", nil, []string{"hdts@acme.test"}},
		{ConfirmNewEmail, map[string]any{"user_name": "Ann", "confirm_url": "https://id.acme.test/email/confirm/?token=chg4", "expiry_hours": 24},
			"Confirm your new email address - Acme Desk", []string{"https://id.acme.test/email/confirm/?token=chg4"}, []string{"24 hours"}},
		{EmailChangeNotice, map[string]any{"user_name": "Ann", "new_email": "jane.doe@example.com"},
			"Your email address is being changed - Acme Desk", nil, []string{"j***@example.com", "help@acme.test"}},
	}
}

func TestRenderEveryTemplate(t *testing.T) {
	renderer := newTestRenderer(t, "")
	cases := renderCases()
	if len(cases) != len(Templates()) {
		t.Fatalf("%d render cases for %d templates", len(cases), len(Templates()))
	}
	for _, tc := range cases {
		t.Run(string(tc.template), func(t *testing.T) {
			subject, text, html, err := renderer.Render(tc.template, tc.vars)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if subject != tc.subject {
				t.Errorf("subject = %q, want %q", subject, tc.subject)
			}
			for _, link := range tc.links {
				if !strings.Contains(text, link) {
					t.Errorf("text part lacks link %s", link)
				}
				if !strings.Contains(html, `href="`+link+`"`) {
					t.Errorf("HTML part lacks a link to %s", link)
				}
			}
			for _, want := range tc.contains {
				if !strings.Contains(text, want) {
					t.Errorf("text part lacks %q", want)
				}
				if !strings.Contains(html, want) {
					t.Errorf("HTML part lacks %q", want)
				}
			}
			support := "help@acme.test"
			if override, ok := tc.vars["support_email"].(string); ok {
				support = override
			}
			checkCommonParts(t, subject, text, html, support)
		})
	}
}

// checkCommonParts checks what the layouts add to every e-mail.
func checkCommonParts(t *testing.T, subject, text, html, support string) {
	t.Helper()
	for _, want := range []string{"Acme Desk", "2031", support} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	if strings.Contains(text, "<p") || strings.Contains(text, "&amp;") {
		t.Errorf("text part contains HTML markup:\n%s", text)
	}
	if strings.Contains(text, "\n\n\n") {
		t.Errorf("text part contains a run of blank lines:\n%s", text)
	}
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, `<html lang="en">`) {
		t.Errorf("HTML part lacks the doctype or the language")
	}
	if !strings.Contains(html, "<title>"+escapeForTest(subject)+"</title>") {
		t.Errorf("HTML title is not the subject %q", subject)
	}
	for _, forbidden := range []string{"<img", "<link", "@import", "<script", "http://", "<no value>"} {
		if strings.Contains(html, forbidden) || strings.Contains(text, forbidden) {
			t.Errorf("output contains %q", forbidden)
		}
	}
}

func escapeForTest(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	renderer := newTestRenderer(t, "")
	_, text, html, err := renderer.Render(HDTSWelcome, map[string]any{"full_name": `<b>Eve</b> & "co"`})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(html, "&lt;b&gt;Eve&lt;/b&gt; &amp; &#34;co&#34;") {
		t.Errorf("HTML part does not escape the name:\n%s", html)
	}
	if !strings.Contains(text, `<b>Eve</b> & "co"`) {
		t.Errorf("text part changed the name:\n%s", text)
	}
}

func TestRenderSubjectDropsLineBreaks(t *testing.T) {
	renderer := newTestRenderer(t, "")
	subject, _, _, err := renderer.Render(AccessGranted,
		map[string]any{"first_name": "Bo", "system_name": "AMS\r\nBcc: x@evil.test", "role_name": "Admin"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if subject != "Access Granted to AMS Bcc: x@evil.test" {
		t.Errorf("subject = %q", subject)
	}
}

func TestRenderOptionalVariableOmitted(t *testing.T) {
	renderer := newTestRenderer(t, "")
	_, text, html, err := renderer.Render(AccountUnlocked, map[string]any{"user_name": "Ann"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if strings.Contains(text, "IP address") || strings.Contains(html, "IP address") {
		t.Errorf("the IP sentence appears without ip_address")
	}
}

func TestRenderMissingVariableFails(t *testing.T) {
	renderer := newTestRenderer(t, "")
	for _, tc := range renderCases() {
		spec := templateSpecs[tc.template]
		for _, name := range spec.required {
			vars := make(map[string]any)
			for key, value := range tc.vars {
				if key != name {
					vars[key] = value
				}
			}
			_, _, _, err := renderer.Render(tc.template, vars)
			if err == nil || !strings.Contains(err.Error(), `missing required variable "`+name+`"`) {
				t.Errorf("%s without %s: error = %v", tc.template, name, err)
			}
		}
	}
}

func TestRenderEmptyOrNilVariableFails(t *testing.T) {
	renderer := newTestRenderer(t, "")
	for _, value := range []any{"", "  ", nil, time.Time{}} {
		_, _, _, err := renderer.Render(HDTSPasswordChanged, map[string]any{"full_name": "Cy", "timestamp": value})
		if err == nil {
			t.Errorf("timestamp %#v: no error", value)
		}
	}
}

func TestRenderUnknownVariableFails(t *testing.T) {
	renderer := newTestRenderer(t, "")
	_, _, _, err := renderer.Render(HDTSWelcome, map[string]any{"full_name": "Cy", "fullname": "Cy"})
	if err == nil || !strings.Contains(err.Error(), `unknown variable "fullname"`) {
		t.Errorf("error = %v", err)
	}
}

func TestRenderUnknownTemplateFails(t *testing.T) {
	renderer := newTestRenderer(t, "")
	if _, _, _, err := renderer.Render(Template("nope"), nil); err == nil {
		t.Errorf("no error for an unknown template")
	}
}

func TestRenderOverrideReplacesFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hdts_welcome.txt"), "Custom welcome for {{.full_name}} at {{link \"/login/\"}}.")
	writeFile(t, filepath.Join(dir, "layout.html"), "<main>{{template \"content\" .}}</main>")
	renderer := newTestRenderer(t, dir)

	_, text, html, err := renderer.Render(HDTSWelcome, map[string]any{"full_name": "Cy"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.HasPrefix(text, "Custom welcome for Cy at https://id.acme.test/login/.") {
		t.Errorf("text part does not come from the override:\n%s", text)
	}
	if !strings.HasPrefix(html, "<main>") || !strings.Contains(html, "Cy") {
		t.Errorf("HTML part does not use the override layout:\n%s", html)
	}

	// Templates without an override keep the embedded text file.
	_, text, _, err = renderer.Render(HDTSApproved, map[string]any{"full_name": "Cy"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(text, "has been approved") {
		t.Errorf("embedded text part missing:\n%s", text)
	}
}

func TestRenderOverrideUsingUnknownVariableFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hdts_welcome.html"), "<p>{{.nickname}}</p>")
	renderer := newTestRenderer(t, dir)
	if _, _, _, err := renderer.Render(HDTSWelcome, map[string]any{"full_name": "Cy"}); err == nil {
		t.Errorf("no error for an override that reads an unset variable")
	}
}

func TestNewRendererRejectsBadOverrides(t *testing.T) {
	misspelt := t.TempDir()
	writeFile(t, filepath.Join(misspelt, "hdts_welcom.html"), "<p>hi</p>")
	broken := t.TempDir()
	writeFile(t, filepath.Join(broken, "staff_otp.txt"), "{{.otp_code")
	notes := t.TempDir()
	writeFile(t, filepath.Join(notes, "README.md"), "notes are ignored")

	common := Common{PublicURL: "https://id.acme.test"}
	for name, dir := range map[string]string{
		"misspelt file":  misspelt,
		"syntax error":   broken,
		"missing folder": filepath.Join(t.TempDir(), "absent"),
	} {
		if _, err := NewRenderer(dir, common); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewRenderer(notes, common); err != nil {
		t.Errorf("folder with a README: %v", err)
	}
}

func TestNewRendererRequiresPublicURL(t *testing.T) {
	for _, publicURL := range []string{"", "id.acme.test", "ftp://id.acme.test", "https://"} {
		if _, err := NewRenderer("", Common{PublicURL: publicURL}); err == nil {
			t.Errorf("public URL %q: no error", publicURL)
		}
	}
}

func TestNewRendererDefaults(t *testing.T) {
	renderer, err := NewRenderer("", Common{PublicURL: "http://localhost:8000"})
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	subject, text, _, err := renderer.Render(StaffOTP, map[string]any{"user_name": "a", "otp_code": "1", "expiry_minutes": 1})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if subject != "Your Verification Code - TicketFlow" {
		t.Errorf("subject = %q", subject)
	}
	if !strings.Contains(text, "support@ticketflow.com") || !strings.Contains(text, "1 minute ") {
		t.Errorf("text part lacks the default support address or the singular:\n%s", text)
	}
}

func TestMaskEmail(t *testing.T) {
	for input, want := range map[string]string{
		"jane.doe@example.com": "j***@example.com",
		"j***@example.com":     "j***@example.com",
		"émile@example.fr":     "é***@example.fr",
		"@example.com":         "***@example.com",
		"plain":                "p***",
	} {
		if got := MaskEmail(input); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", input, got, want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
