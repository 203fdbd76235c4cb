package browsertest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mapactive/authd/internal/accounts"
)

// signIn fills the staff sign-in form and submits it.
func signIn(b *Browser, email string) {
	b.T.Helper()
	b.WaitVisible("#loginForm")
	b.Type("#email", email)
	b.Type("#password", Password)
	b.Click("#loginButton")
}

func TestStaffSignInPageElements(t *testing.T) {
	s := NewServer(t, nil)
	b := Start(t, s)
	b.Open("/staff/login/")
	b.WaitVisible("#loginForm")
	b.Shot("sign-in")

	if got := b.Title(); got != "Sign In - MAP Active" {
		t.Errorf("title %q", got)
	}
	labels := map[string]string{"email": "Email:", "password": "Password:", "rememberMe": "Remember me",
		"otpCode": "OTP Code:", "resetEmail": "Email Address:"}
	for id, want := range labels {
		got := Eval[string](b, `document.querySelector('label[for="`+id+`"]').textContent.trim()`)
		if got != want {
			t.Errorf("label of #%s is %q, want %q", id, got, want)
		}
	}
	texts := map[string]string{"#loginButton": "Log In", "#otpButton": "Verify OTP", "#resetButton": "Send Reset Link"}
	for sel, want := range texts {
		if got := Eval[string](b, `document.querySelector('`+sel+`').textContent.trim()`); got != want {
			t.Errorf("%s text %q, want %q", sel, got, want)
		}
	}
	for _, sel := range []string{"#loginMode #loginForm", "#otpMode #resendOtp", "#otpMode .backToLogin", "#forgotPasswordMode #backToLoginFromForgot",
		"#toggleForgotPassword", `a[href="/login/"]`, `input[name=csrfmiddlewaretoken]`, "#captchaBox #captchaImage",
		"#captchaBox #captchaAudio", "#captchaBox #captchaRefresh", "#captchaBox #captchaAnswer", ".toast-container"} {
		if !Eval[bool](b, `document.querySelector('`+sel+`') !== null`) {
			t.Errorf("element %s missing", sel)
		}
	}
	if Eval[bool](b, `document.getElementById("rememberMe").checked`) {
		t.Error("Remember me is checked by default")
	}
	if Eval[bool](b, `document.querySelector(".g-recaptcha") !== null`) {
		t.Error("an external CAPTCHA widget is shown although none is needed")
	}
	if Eval[bool](b, `window.RECAPTCHA_ENABLED`) {
		t.Error("window.RECAPTCHA_ENABLED is true without an external CAPTCHA")
	}
	if got := Eval[string](b, `window.SYSTEM_URLS.tts`); got != s.App.Config.SystemURL("tts") {
		t.Errorf("window.SYSTEM_URLS.tts = %q", got)
	}

	// Empty fields: an error toast and no request.
	b.Click("#loginButton")
	b.WaitToast("error", "Please enter your email and password.")
	if b.Path() != "/staff/login/" {
		t.Errorf("moved to %s", b.Path())
	}

	// Forgot-password mode opens and closes.
	b.Click("#toggleForgotPassword")
	b.WaitVisible("#forgotPasswordMode #resetEmail")
	b.Shot("forgot-password-mode")
	b.Click("#backToLoginFromForgot")
	b.WaitVisible("#loginMode #email")
}

func TestStaffSignInPasswordToggle(t *testing.T) {
	s := NewServer(t, nil)
	b := Start(t, s)
	b.Open("/staff/login/")
	b.WaitVisible("#loginForm #password-toggle-icon")
	b.Type("#password", "typed-secret")

	toggleState := `(() => {
		const button = document.getElementById("password-toggle-icon");
		return [document.getElementById("password").type, button.textContent.trim(), button.getAttribute("aria-label")].join("|");
	})()`
	if got := Eval[string](b, toggleState); got != "password|Show|Show password" {
		t.Errorf("type, text and name before the click %q, want password|Show|Show password", got)
	}
	b.Click("#password-toggle-icon")
	if got := Eval[string](b, toggleState); got != "text|Hide|Hide password" {
		t.Errorf("type, text and name after the click %q, want text|Hide|Hide password", got)
	}
	b.Shot("password-shown")

	// The toggle is a native button, so Space on the focused button hides the
	// password again and the typed value stays.
	b.Do("focus the toggle", chromedp.Focus(chromedp.CSS("#password-toggle-icon")))
	b.Do("press Space", chromedp.KeyEvent(" "))
	if got := Eval[string](b, toggleState); got != "password|Show|Show password" {
		t.Errorf("type, text and name after Space %q, want password|Show|Show password", got)
	}
	if got := Eval[string](b, `document.getElementById("password").value`); got != "typed-secret" {
		t.Errorf("the toggle changed the password to %q", got)
	}
}

func TestSignInPagesShareWording(t *testing.T) {
	s := NewServer(t, nil)
	b := Start(t, s)
	pages := map[string][3]string{
		"/staff/login/":      {"email", "password", "#loginButton"},
		"/login/":            {"id_email", "id_password", "#loginButton"},
		"/superadmin/login/": {"email", "password", "#portalLoginButton"},
	}
	for path, ids := range pages {
		b.Open(path)
		b.WaitVisible("#password-toggle-icon")
		label := func(id string) string {
			return Eval[string](b, `document.querySelector('label[for="`+id+`"]').textContent.trim()`)
		}
		if got := label(ids[0]); got != "Email:" {
			t.Errorf("%s: e-mail label %q", path, got)
		}
		if got := label(ids[1]); got != "Password:" {
			t.Errorf("%s: password label %q", path, got)
		}
		if got := Eval[string](b, `document.querySelector('`+ids[2]+`').textContent.trim()`); got != "Log In" {
			t.Errorf("%s: submit button %q", path, got)
		}
		if got := Eval[string](b, `document.getElementById("password-toggle-icon").getAttribute("aria-controls")`); got != ids[1] {
			t.Errorf("%s: the toggle controls %q", path, got)
		}
	}
}

func TestStaffSignInWrongPasswordShowsError(t *testing.T) {
	s := NewServer(t, nil)
	CreateStaff(t, s, "wrong@example.com", nil)
	b := Start(t, s)
	b.Open("/staff/login/")
	b.Type("#email", "wrong@example.com")
	b.Type("#password", "not-the-password")
	b.Click("#loginButton")
	b.WaitToast("error", "Invalid email or password.")
	b.Shot("wrong-password")
}

func TestStaffSignInPicksSystem(t *testing.T) {
	systems := StartSystems(t)
	s := NewServer(t, systems.Env())
	u := CreateStaff(t, s, "picker@example.com", nil)
	Assign(t, s, u.ID, "tts", "Admin")
	Assign(t, s, u.ID, "ams", "Operator")
	b := Start(t, s)

	b.Open("/staff/login/")
	signIn(b, "picker@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	b.WaitVisible("button.systemOption")
	b.Shot("system-selection")
	if got := b.Title(); got != "Select a System - MAP Active" {
		t.Errorf("title %q", got)
	}
	if got := b.Text("h1"); got != "Select a System" {
		t.Errorf("heading %q", got)
	}
	names := Eval[[]string](b, `Array.from(document.querySelectorAll("button.systemOption")).map(b => b.name + "=" + b.value + ":" + b.textContent.replace(/\s+/g, " ").trim())`)
	want := []string{"system_slug=tts:Ticket Tracking System tts", "system_slug=ams:Asset Management System ams"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("system buttons %q, want %q", names, want)
	}
	for _, sel := range []string{`a.profileLink[href="/staff/settings/profile/"]`, `a.logoutLink[href="/logout/"]`, "#toast-container"} {
		if !Eval[bool](b, `document.querySelector('`+sel+`') !== null`) {
			t.Errorf("element %s missing", sel)
		}
	}

	b.Click(`button.systemOption[value="tts"]`)
	b.WaitPath(systems.TTS.URL + "/")
	b.WaitVisible("#system")
	b.Shot("landed-on-tts")
	if c := b.Cookies()["selected_system"]; c == nil || c.Value != "tts" {
		t.Errorf("selected_system cookie %+v", c)
	}
}

func TestStaffSignInSkipsSelectionForOneSystem(t *testing.T) {
	systems := StartSystems(t)
	env := systems.Env()
	env["AUTHD_LOGIN_SKIP_SINGLE_SYSTEM"] = "true"
	s := NewServer(t, env)
	u := CreateStaff(t, s, "single@example.com", nil)
	Assign(t, s, u.ID, "bms", "GENERAL_USER")
	b := Start(t, s)
	b.Open("/staff/login/")
	signIn(b, "single@example.com")
	b.WaitPath(systems.BMS.URL + "/bms")
	b.Shot("landed-on-bms")
}

func TestStaffPagesRedirectWithNext(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "next@example.com", nil)
	Assign(t, s, u.ID, "tts", "Asset Manager")
	b := Start(t, s)

	b.Open("/api/v1/users/welcome/")
	b.WaitPath("/staff/login/?next=")
	next, _ := url.Parse(b.Location())
	if got := next.Query().Get("next"); got != "/api/v1/users/welcome/" {
		t.Errorf("next = %q", got)
	}
	b.Shot("redirected-to-sign-in")

	// An untrusted next is ignored; the user lands on system selection.
	b.Open("/staff/login/?next=https%3A%2F%2Fevil.example%2F")
	signIn(b, "next@example.com")
	b.WaitPath("/api/v1/users/welcome/")

	// A signed-in user who opens the sign-in page goes to system selection.
	b.Open("/staff/login/")
	b.WaitPath("/api/v1/users/welcome/")
}

func TestStaffSessionRefreshesTransparently(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "refresh@example.com", nil)
	Assign(t, s, u.ID, "tts", "Asset Manager")
	b := Start(t, s)
	b.Open("/staff/login/")
	signIn(b, "refresh@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	before := b.Cookies()

	// The access token expires on the server's clock; the next page load
	// rotates the refresh token and serves the page without a redirect.
	s.Clock.Advance(s.App.Config.Tokens.AccessLifetime + 1)
	b.Open("/api/v1/users/welcome/")
	b.WaitVisible("button.systemOption")
	if b.Path() != "/api/v1/users/welcome/" {
		t.Fatalf("expired access token led to %s", b.Path())
	}
	after := b.Cookies()
	if after["refresh_token"] == nil || after["refresh_token"].Value == before["refresh_token"].Value {
		t.Error("the refresh token was not rotated")
	}
	if after["access_token"] == nil || after["access_token"].Value == before["access_token"].Value {
		t.Error("no new access token was set")
	}
	b.Shot("served-after-refresh")

	// Once the refresh token is dead too, the page sends the browser to
	// sign in and clears the cookies.
	s.Clock.Advance(s.App.Config.Tokens.RefreshAbsoluteLifetime + 1)
	b.Open("/api/v1/users/welcome/")
	b.WaitPath("/staff/login/?next=")
	if c := b.Cookies()["refresh_token"]; c != nil && c.Value != "" {
		t.Error("the dead refresh cookie was not cleared")
	}
}

func TestStaffSignInByKeyboardOnly(t *testing.T) {
	systems := StartSystems(t)
	s := NewServer(t, systems.Env())
	u := CreateStaff(t, s, "keys@example.com", nil)
	Assign(t, s, u.ID, "tts", "Admin")
	Assign(t, s, u.ID, "hdts", "Ticket Coordinator")
	b := Start(t, s)
	b.Open("/staff/login/")
	b.WaitVisible("#loginForm")

	tabTo := func(id string) {
		t.Helper()
		for i := 0; i < 12; i++ {
			if Eval[string](b, `document.activeElement ? document.activeElement.id : ""`) == id {
				return
			}
			b.Do("press Tab", chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	tabTo("email")
	b.Do("type the e-mail", chromedp.KeyEvent("keys@example.com"))
	tabTo("password")
	b.Do("type the password", chromedp.KeyEvent(Password))
	outline := Eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`)
	if outline == "none" || outline == "" {
		t.Errorf("the focused field shows no focus outline (%q)", outline)
	}
	b.Shot("keyboard-focus")
	b.Do("press Enter", chromedp.KeyEvent(kb.Enter))
	b.WaitPath("/api/v1/users/welcome/")
	b.WaitVisible("button.systemOption")
	b.Do("focus the first system", chromedp.Focus(chromedp.CSS("button.systemOption")))
	b.Do("press Enter", chromedp.KeyEvent(kb.Enter))
	b.WaitPath(systems.TTS.URL + "/")
}

func TestCSRFFailureRendersAccessDenied(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "csrf@example.com", nil)
	Assign(t, s, u.ID, "tts", "Admin")
	b := Start(t, s)
	b.Open("/staff/login/")
	signIn(b, "csrf@example.com")
	b.WaitVisible("button.systemOption")
	Eval[bool](b, `document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(i => i.value = "forged"); true`)
	b.Click(`button.systemOption[value="tts"]`)
	b.WaitFor("the 403 page", `document.title === "Access Denied"`)
	b.Shot("access-denied")
	if got := b.Text("h1"); got != "Access Denied" {
		t.Errorf("heading %q", got)
	}
	if _, ok := b.Cookies()["selected_system"]; ok {
		t.Error("a forged form still selected a system")
	}
}

func TestErrorPagesAndOtherPaths(t *testing.T) {
	systems := StartSystems(t)
	s := NewServer(t, systems.Env())
	u := CreateStaff(t, s, "lost@example.com", func(n *accounts.NewUser) { n.FirstName = "Lost" })
	Assign(t, s, u.ID, "ams", "Operator")
	b := Start(t, s)

	b.Open("/no-such-page/")
	b.WaitFor("the 404 page", `document.title === "Page Not Found"`)
	if got := Eval[string](b, `document.getElementById("errorLink").getAttribute("href")`); got != "/staff/login/" {
		t.Errorf("anonymous 404 link %q", got)
	}
	b.Shot("not-found-anonymous")

	b.Open("/staff/login/")
	signIn(b, "lost@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	b.Open("/no-such-page/")
	b.WaitFor("the 404 page", `document.title === "Page Not Found"`)
	if got := Eval[string](b, `document.getElementById("errorLink").getAttribute("href")`); got != systems.AMS.URL+"/ams" {
		t.Errorf("404 link for a one-system user %q", got)
	}

	b.Open("/logout/")
	b.WaitPath("/staff/login/?logout=1")
	b.WaitToast("info", "You have been signed out.")
	b.Shot("signed-out")

	b.Open("/forgot-password/")
	b.WaitVisible("#forgotPasswordMode #resetEmail")
	b.Open("/")
	b.WaitPath("/staff/login/")
}
