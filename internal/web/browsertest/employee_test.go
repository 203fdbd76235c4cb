package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

// writePicture writes a 300x200 PNG for upload tests and returns its path.
func writePicture(t *testing.T) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "picture.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// employeeSignIn fills the employee sign-in form and submits it.
func employeeSignIn(b *Browser, email string) {
	b.T.Helper()
	b.Open("/login/")
	b.WaitVisible("#loginFormMain")
	b.Type("input#id_email[name=email]", email)
	b.Type("input#id_password[name=password]", Password)
	b.Click("button#loginButton[type=submit]")
}

func TestEmployeeRegistersIsApprovedSignsIn(t *testing.T) {
	systems := StartSystems(t)
	s := NewServer(t, systems.Env())
	admin := CreateStaff(t, s, "helpdesk.admin@example.com", nil)
	Assign(t, s, admin.ID, "hdts", "Admin")
	outsider := CreateStaff(t, s, "outsider@example.com", nil)
	Assign(t, s, outsider.ID, "tts", "Asset Manager")

	// The employee registers through the three steps, with a cropped picture.
	employee := StartAs(t, s, "employee")
	employee.Open("/register/")
	employee.WaitVisible("#registerForm")
	if got := employee.Title(); got != "Create Account - SmartSupport" {
		t.Errorf("title %q", got)
	}
	for _, sel := range []string{"#nextBtn", "#backBtn", "#errorContainer", "#errorMessage", "#policyModal #modalTitle",
		"#policyModal #modalContent", "#policyModal #agreeBtn", "#cropperModal", "#cropperImage", "#previewContainer"} {
		if !Eval[bool](employee, `document.querySelector('`+sel+`') !== null`) {
			t.Errorf("element %s missing", sel)
		}
	}
	employee.Click("#nextBtn")
	employee.WaitFor("the step 1 error", `!document.getElementById("errorContainer").hidden`)
	employee.Type("#first_name", "Rowan")
	employee.Type("#last_name", "Ellis")
	employee.Type("#email", "rowan.ellis@example.com")
	employee.Shot("register-step-1")
	employee.Click("#nextBtn")
	employee.WaitVisible("#company_id")
	employee.Do("choose the department", chromedp.SetValue(chromedp.CSS("#department"), "IT Department"))
	employee.Do("upload a picture", chromedp.SetUploadFiles(chromedp.CSS("#profile_picture"), []string{writePicture(t)}))
	employee.WaitVisible("#cropperModal #cropperApply")
	employee.Shot("register-cropper")
	employee.Click("#cropperApply")
	employee.WaitVisible("#previewContainer img")
	employee.Click("#nextBtn")
	employee.Type("#password", Password)
	employee.Type("#password_confirm", Password)
	employee.Click("#nextBtn")
	employee.WaitVisible("#policyModal #agreeBtn")
	employee.Shot("register-privacy-notice")
	employee.Click("#agreeBtn")
	employee.WaitToast("success", "Your account has been created")
	employee.WaitPath("/login/")

	// Before approval, sign-in is refused with the pending message.
	employeeSignIn(employee, "rowan.ellis@example.com")
	employee.WaitToast("error", "Your account is pending approval. Please wait for admin approval before logging in.")
	employee.Shot("pending-refused")

	// A staff user without hdts rights gets the 403 page.
	other := StartAs(t, s, "outsider")
	other.Open("/staff/login/")
	signIn(other, "outsider@example.com")
	other.WaitPath("/api/v1/users/welcome/")
	other.Open("/api/v1/hdts/user-management/pending/")
	other.WaitFor("the 403 page", `document.title === "Access Denied"`)
	other.Shot("pending-page-denied")

	// The hdts admin approves the registration.
	approver := StartAs(t, s, "approver")
	approver.Open("/api/v1/hdts/user-management/pending/")
	approver.WaitPath("/staff/login/?next=")
	signIn(approver, "helpdesk.admin@example.com")
	approver.WaitPath("/api/v1/hdts/user-management/pending/")
	if got := approver.Title(); got != "Manage Pending Registrations" {
		t.Errorf("title %q", got)
	}
	approver.WaitVisible(`tr[data-email="rowan.ellis@example.com"] .approveButton`)
	approver.Shot("pending-list")
	approver.Click(`tr[data-email="rowan.ellis@example.com"] .approveButton`)
	approver.WaitToast("success", "User approved successfully")
	approver.WaitVisible("#pendingEmpty")
	approver.Shot("approved")

	// Now the employee signs in and lands on the help desk.
	employeeSignIn(employee, "rowan.ellis@example.com")
	employee.WaitToast("success", "Logged in successfully!")
	employee.WaitPath(systems.HDTS.URL + "/employee/home")
	employee.Shot("landed-on-hdts")

	// The employee pages work with the employee's token; staff pages send
	// the employee to the employee profile.
	employee.Open("/profile-settings/")
	employee.WaitVisible("#profile-form")
	if got := employee.Title(); got != "Profile Settings - HDTS Employee" {
		t.Errorf("title %q", got)
	}
	if n := Eval[int](employee, `document.querySelectorAll("#id_suffix option").length`); n != 7 {
		t.Errorf("suffix options %d, want 7", n)
	}
	if n := Eval[int](employee, `document.querySelectorAll("#id_department option").length`); n != 4 {
		t.Errorf("department options %d, want 4", n)
	}
	if got := Eval[string](employee, `document.getElementById("id_department").value`); got != "IT Department" {
		t.Errorf("department %q", got)
	}
	if !Eval[bool](employee, `document.getElementById("profile-preview").src.includes("/media/profile_pics/")`) {
		t.Error("the uploaded picture is not shown")
	}
	employee.Type("#id_phone_number", "09171234567")
	employee.WaitVisible("#unsaved-warning")
	employee.Click(`#profile-form button[type=submit]`)
	employee.WaitToast("success", "Successfully updated 1 field(s)")
	employee.Shot("employee-profile")

	employee.Open("/staff/settings/profile/")
	employee.WaitPath("/profile-settings/")
	employee.Open("/change-password/")
	employee.WaitVisible("#changePasswordForm #id_new_password_confirm")
	employee.Open("/security-settings/")
	employee.WaitFor("the 2FA status", `document.getElementById("twofaStatus").textContent.includes("off")`)
	employee.Click("#logoutBtn")
	employee.WaitPath("/login/?logout=1")
	employee.WaitToast("info", "You have been signed out.")
	employee.Shot("employee-signed-out")
}

func TestEmployeeResetAndVerifyPages(t *testing.T) {
	s := NewServer(t, nil)
	b := Start(t, s)

	b.Open("/reset-password/?token=not-a-real-token")
	b.WaitVisible("#invalidLink")
	if got := b.Title(); got != "Reset Password - HDTS" {
		t.Errorf("title %q", got)
	}
	b.Open("/employees/reset-password/?token=abc")
	b.WaitPath("/reset-password/?token=abc")

	b.Open("/verify-otp/")
	b.WaitVisible("#noChallenge")
	if got := b.Text("#noChallenge p"); got != "Please sign in first." {
		t.Errorf("verify-otp without a challenge shows %q", got)
	}
	b.Shot("verify-otp-without-challenge")
}

func TestEmployeeForgotPasswordAndReset(t *testing.T) {
	systems := StartSystems(t)
	env := systems.Env()
	mailpit := mailpitEnv(t, env)
	s := NewServer(t, env)
	startJobs(t, s)
	email := "employee." + strings.ToLower(secrets.HexID()[:10]) + "@example.com"
	api := s.Client()
	api.Post("/api/v1/hdts/employees/api/register/", apptest.JSON(map[string]any{
		"email": email, "password": Password, "first_name": "Sam", "last_name": "Reyes"})).Expect(t, http.StatusCreated)
	if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).
		Where("email_normalized = ?", model.NormalizeEmail(email)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	b := Start(t, s)
	b.Open("/login/")
	b.Click("#toggleForgotPassword")
	b.Type("#reset_email", email)
	b.Click("#resetButton")
	b.WaitToast("success", "If an account with that email exists")
	// The welcome e-mail may arrive first, so wait for the one with the link.
	resetLink := regexp.MustCompile(`https?://[^\s"<>]+/reset-password/\?token=[A-Za-z0-9_-]+`)
	reset := mailpit.Wait(t, email, "a reset link", func(m mailpittest.Message) bool { return resetLink.MatchString(m.Text) })
	link := reset.Find(t, resetLink)[0]
	b.Open(strings.TrimPrefix(link, s.URL))
	b.WaitVisible("#resetPasswordForm #newPassword")
	b.Type("#newPassword", "Maple-Comet-Harbor-92")
	b.Type("#confirmPassword", "Maple-Comet-Harbor-92")
	b.WaitFor("the hints", `document.getElementById("matchReq").classList.contains("met")`)
	b.Shot("employee-reset")
	b.Click("#submitBtn")
	b.WaitVisible("#successMessage")
	b.Open("/login/")
	b.Type("input#id_email[name=email]", email)
	b.Type("input#id_password[name=password]", "Maple-Comet-Harbor-92")
	b.Click("#loginButton")
	b.WaitToast("success", "Logged in successfully!")
	b.WaitPath(systems.HDTS.URL + "/employee/home")
}

func TestEmployeeTOTPSignInThroughVerifyPage(t *testing.T) {
	systems := StartSystems(t)
	s := NewServer(t, systems.Env())
	email := "totp.employee@example.com"
	api := s.Client()
	api.Post("/api/v1/hdts/employees/api/register/", apptest.JSON(map[string]any{
		"email": email, "password": Password, "first_name": "Tia", "last_name": "Okafor"})).Expect(t, http.StatusCreated)
	if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).
		Where("email_normalized = ?", model.NormalizeEmail(email)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Enrol the authenticator app on the employee security page.
	b := Start(t, s)
	employeeSignIn(b, email)
	b.WaitPath(systems.HDTS.URL + "/employee/home")
	b.Open("/security-settings/")
	secret := enrolAuthenticator(t, s, b)
	b.Shot("employee-totp-enabled")
	b.Click("#logoutBtn")
	b.WaitPath("/login/?logout=1")

	// The password step leaves the challenge in sessionStorage, and
	// /verify-otp/ completes it.
	s.Clock.Advance(30 * time.Second)
	employeeSignIn(b, email)
	b.WaitVisible("#otpMode #otp_code")
	if got := Eval[string](b, `document.getElementById("otp_email").value`); got != email {
		t.Errorf("OTP mode shows %q", got)
	}
	if !Eval[bool](b, `JSON.parse(sessionStorage.getItem("authd_otp_challenge") || "{}").temporary_token !== undefined`) {
		t.Fatal("no challenge in sessionStorage")
	}
	b.Open("/verify-otp/")
	b.WaitVisible("#verifySection #otp_code")
	code, _ := totp.GenerateCode(secret, s.Clock.Now())
	b.Type("#otp_code", code)
	b.Shot("verify-otp")
	b.Click("#otpButton")
	b.WaitToast("success", "Logged in successfully!")
	b.WaitPath(systems.HDTS.URL + "/employee/home")

	// The used challenge is gone: /verify-otp/ asks to sign in first.
	b.Open("/verify-otp/")
	b.WaitVisible("#noChallenge")
}
