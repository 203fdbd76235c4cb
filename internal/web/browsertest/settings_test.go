package browsertest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
)

// displayedDate matches the one date layout of every page, like
// "5 Dec 2026 01:20 UTC".
var displayedDate = regexp.MustCompile(`^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC$`)

func TestStaffProfilePage(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "profile@example.com", func(n *accounts.NewUser) { n.IsStaff = true; n.Username = "profile.user" })
	Assign(t, s, u.ID, "tts", "Asset Manager")
	Assign(t, s, u.ID, "ams", "Operator")
	b := Start(t, s)
	b.Open("/staff/settings/profile/")
	b.WaitPath("/staff/login/?next=")
	signIn(b, "profile@example.com")
	b.WaitPath("/staff/settings/profile/")
	b.WaitVisible("#profile-form")

	for _, id := range []string{"id_first_name", "id_middle_name", "id_last_name", "id_suffix", "id_username", "id_email",
		"id_phone_number", "id_company_id", "id_department", "id_otp_enabled", "id_last_login", "id_date_joined",
		"id_profile_picture", "profile_picture-clear_id", "profile-preview", "view-photo-btn", "remove-photo-container",
		"display-full-name", "display-username", "display-email", "display-company-id", "display-department",
		"edit-profile-btn", "save-changes-btn", "cancel-changes-btn", "unsaved-warning", "loading-overlay",
		"cropperModal", "cropperImage", "disable-2fa-dialog"} {
		if !Eval[bool](b, `document.getElementById("`+id+`") !== null`) {
			t.Errorf("#%s missing", id)
		}
	}
	if got := Eval[string](b, `document.querySelector('label[for="id_first_name"]').textContent`); got != "First Name" {
		t.Errorf("first name label %q", got)
	}
	// The fixture user has no department: the card shows "Not set" instead of
	// leaving the row blank.
	if got := b.Text("#display-department"); got != "Not set" {
		t.Errorf("empty department shown as %q", got)
	}
	if got := Eval[string](b, `document.getElementById("id_middle_name").placeholder`); got != "Not set" {
		t.Errorf("empty middle name placeholder %q", got)
	}
	if got := Eval[string](b, `document.getElementById("id_date_joined").value`); !displayedDate.MatchString(got) {
		t.Errorf("date joined %q is not like 5 Dec 2026 01:20 UTC", got)
	}
	if !Eval[bool](b, `document.getElementById("id_email").disabled && document.getElementById("id_company_id").readOnly`) {
		t.Error("e-mail is not disabled or company id is not read-only")
	}
	if !Eval[bool](b, `document.getElementById("save-changes-btn").hidden && document.getElementById("cancel-changes-btn").hidden`) {
		t.Error("save and cancel show before edit mode")
	}
	nav := Eval[[]string](b, `Array.from(document.querySelectorAll("nav.settingsMenu a.settingsLink")).map(a => a.textContent.trim() + " " + a.getAttribute("href"))`)
	if strings.Join(nav, "|") != "Manage Profile /staff/settings/profile/|Change Password /staff/password-change/|Two-Factor Authentication /staff/settings/security/|Select System /api/v1/users/welcome/|Logout /logout/" {
		t.Errorf("staff navigation %q", nav)
	}

	// Edit, then cancel: the values and view mode come back.
	b.Click("#edit-profile-btn")
	b.WaitVisible("#save-changes-btn")
	b.Type("#id_first_name", "Changed")
	b.WaitVisible("#unsaved-warning")
	b.Click("#cancel-changes-btn")
	b.WaitVisible("#edit-profile-btn")
	if got := Eval[string](b, `document.getElementById("id_first_name").value`); got != "Avery" {
		t.Errorf("cancel left the first name %q", got)
	}

	// Edit and save with a cropped picture.
	b.Click("#edit-profile-btn")
	b.Type("#id_first_name", "Morgan")
	b.Type("#id_phone_number", "+15551234567")
	b.Do("upload a picture", chromedp.SetUploadFiles(chromedp.CSS("#id_profile_picture"), []string{writePicture(t)}))
	b.WaitVisible("#cropperModal #cropperApply")
	b.Click("#cropperApply")
	b.Shot("profile-edit")
	b.Click("#save-changes-btn")
	b.WaitToast("success", "Profile updated successfully.")
	b.WaitFor("the new name", `document.getElementById("display-full-name").textContent === "Morgan Stone"`)
	if !Eval[bool](b, `document.getElementById("profile-preview").src.includes("/media/profile_pics/")`) {
		t.Error("the saved picture is not shown")
	}
	b.Shot("profile-saved")

	// Unchecking two-factor opens the disable dialog, which takes a TOTP code.
	api := s.Client()
	api.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "profile@example.com", "password": Password})).Expect(t, http.StatusOK)
	setup := api.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": Password}))
	code, _ := totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	api.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": code})).Expect(t, http.StatusOK)
	s.Clock.Advance(30 * time.Second)
	b.Open("/staff/settings/profile/")
	b.WaitVisible("#profile-form")
	if !Eval[bool](b, `document.getElementById("id_otp_enabled").checked`) {
		t.Fatal("two-factor shows as off after TOTP enrolment")
	}
	b.Click("#edit-profile-btn")
	b.Click("#id_otp_enabled")
	b.WaitVisible("#disable-2fa-dialog #disable2faPassword")
	b.Type("#disable2faPassword", Password)
	code, _ = totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	b.Type("#disable2faCode", code)
	b.Shot("disable-2fa-dialog")
	b.Click("#disable2faConfirm")
	b.WaitToast("success", "Two-factor authentication is off.")
	if Eval[bool](b, `document.getElementById("id_otp_enabled").checked`) {
		t.Error("two-factor still shows as on")
	}
}

func TestForgotPasswordResetAndEmailConfirm(t *testing.T) {
	env := map[string]string{}
	mailpit := mailpitEnv(t, env)
	s := NewServer(t, env)
	startJobs(t, s)
	email := "forgetful." + strings.ToLower(secrets.HexID()[:10]) + "@example.com"
	u := CreateStaff(t, s, email, func(n *accounts.NewUser) { n.IsStaff = true })
	Assign(t, s, u.ID, "tts", "Asset Manager")
	b := Start(t, s)

	b.Open("/staff/login/")
	b.Click("#toggleForgotPassword")
	b.Type("#resetEmail", email)
	b.Click("#resetButton")
	b.WaitToast("success", "If an account with that email exists, a password reset link has been sent.")
	reset := mailpit.Wait(t, email, "any subject", nil)
	link := reset.Find(t, regexp.MustCompile(`https?://[^\s"<>]+/api/v1/users/password/reset/?\?token=[A-Za-z0-9_-]+`))[0]
	b.Open(strings.TrimPrefix(link, s.URL))
	b.WaitVisible("#resetPasswordForm")
	if got := b.Text("h1"); got != "Reset Your Password" {
		t.Errorf("heading %q", got)
	}
	b.Type("#password", "short")
	b.WaitFor("the strength meter", `document.getElementById("strength-text").textContent.includes("at least 8")`)
	b.Type("#password", "Cedar-Lantern-Quartz-27")
	b.Type("#password_confirm", "Cedar-Lantern-Quartz-28")
	b.Click("#resetButton")
	b.WaitFor("the mismatch error", `document.getElementById("password_confirm-error").textContent !== ""`)
	b.Type("#password_confirm", "Cedar-Lantern-Quartz-27")
	b.Shot("reset-form")
	b.Click("#resetButton")
	b.WaitPath("/staff/login/")
	b.Type("#email", email)
	b.Type("#password", "Cedar-Lantern-Quartz-27")
	b.Click("#loginButton")
	b.WaitPath("/api/v1/users/welcome/")

	// Change the password on its page, then confirm an e-mail change.
	b.Open("/staff/password-change/")
	b.Type("#current_password", "wrong-current-1")
	b.Type("#new_password", "Birch-Signal-Meadow-31")
	b.Type("#new_password_confirm", "Birch-Signal-Meadow-31")
	b.Click("#changePasswordButton")
	b.WaitFor("the current-password error", `document.getElementById("current_password_error").textContent === "Current password is incorrect."`)
	b.Type("#current_password", "Cedar-Lantern-Quartz-27")
	b.Click("#changePasswordButton")
	b.WaitVisible("#successMessage")
	b.Shot("password-changed")

	newEmail := "renamed." + strings.ToLower(secrets.HexID()[:10]) + "@example.com"
	changed := Eval[int](b, `fetch("/api/v1/users/profile/", {method: "PATCH", credentials: "include",
		headers: {"Content-Type": "application/json", "X-CSRFToken": window.AUTHD.csrfToken()},
		body: JSON.stringify({email: `+jsString(newEmail)+`})}).then(r => r.status)`)
	if changed != http.StatusOK {
		t.Fatalf("the e-mail change request answered %d", changed)
	}
	confirmation := mailpit.Wait(t, newEmail, "any subject", nil)
	confirm := confirmation.Find(t, regexp.MustCompile(`https?://[^\s"<>]+/email/confirm/?\?token=[A-Za-z0-9_-]+`))[0]
	b.Open(strings.TrimPrefix(confirm, s.URL))
	b.Click("#confirmEmailButton")
	b.WaitToast("success", "Email address updated.")
	b.Shot("email-confirmed")
}

func TestSessionsListRevokeAndLogoutEverywhere(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "sessions@example.com", nil)
	Assign(t, s, u.ID, "tts", "Asset Manager")
	other := s.Client()
	other.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "sessions@example.com", "password": Password})).Expect(t, http.StatusOK)

	b := Start(t, s)
	b.Open("/staff/login/")
	signIn(b, "sessions@example.com")
	b.WaitPath("/api/v1/users/welcome/")
	b.Open("/staff/settings/security/")
	b.WaitFor("two sessions", `document.querySelectorAll("#sessionsBody tr").length === 2`)
	b.Shot("sessions")
	// The sessions list shows dates in the layout of the profile page.
	signedIn := Eval[[]string](b, `Array.from(document.querySelectorAll("#sessionsBody tr")).map(tr => tr.cells[2].textContent)`)
	for _, got := range signedIn {
		if !displayedDate.MatchString(got) {
			t.Errorf("session sign-in time %q is not like 5 Dec 2026 01:20 UTC", got)
		}
	}
	b.Click(`#sessionsBody button`)
	b.WaitToast("success", "Session revoked.")
	b.WaitFor("one session", `document.querySelectorAll("#sessionsBody tr").length === 1`)
	if res := other.Get("/api/me/"); res.Status != http.StatusUnauthorized {
		t.Errorf("the revoked session still works: %d", res.Status)
	}
	b.Click("#logoutEverywhere")
	b.WaitPath("/staff/login/?logout=1")
}

func TestBuiltinCaptchaAfterFailures(t *testing.T) {
	s := NewServer(t, nil)
	CreateStaff(t, s, "captcha@example.com", nil)
	b := Start(t, s)
	b.Open("/staff/login/")
	for i := 0; i < 4; i++ {
		b.Type("#email", "captcha@example.com")
		b.Type("#password", "not-the-password")
		b.Click("#loginButton")
		b.WaitFor("the reply", `!document.getElementById("loginButton").disabled`)
	}
	b.WaitToast("warning", "Please complete the CAPTCHA to continue.")
	b.WaitVisible("#captchaBox #captchaAnswer")
	b.WaitFor("the CAPTCHA picture", `document.getElementById("captchaImage").src.startsWith("data:image/png")`)
	if !Eval[bool](b, `document.getElementById("captchaAudio").src.startsWith("data:audio/")`) {
		t.Error("the audio challenge is missing")
	}
	b.Shot("captcha")

	// Without an answer, the form refuses to submit.
	b.Type("#password", Password)
	b.Click("#loginButton")
	b.WaitToast("error", "Please type the characters shown in the CAPTCHA.")
}
