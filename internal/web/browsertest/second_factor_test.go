package browsertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mfa"
	"github.com/mapactive/authd/internal/model"
)

// isShown is a script expression that is true when the element with id is
// rendered: neither it nor an ancestor is hidden.
func isShown(id string) string {
	return `(() => { const e = document.getElementById(` + jsString(id) + `); return e !== null && e.getClientRects().length > 0; })()`
}

// enrolAuthenticator turns on the authenticator app from the security page
// that b shows, and returns the TOTP secret once the recovery codes appear.
func enrolAuthenticator(t *testing.T, s *apptest.Server, b *Browser) string {
	t.Helper()
	b.WaitVisible("#totpSetupForm")
	b.Type("#totpSetupPassword", Password)
	b.Click("#totpSetupButton")
	b.WaitVisible("#totpQr")
	if !Eval[bool](b, `document.getElementById("totpQr").src.startsWith("data:image/png;base64,")`) {
		t.Error("the QR code is not a PNG data URL")
	}
	secret := b.Text("#totpSecret")
	b.Shot("totp-enrolment")
	code, err := totp.GenerateCode(secret, s.Clock.Now())
	if err != nil {
		t.Fatalf("TOTP code for %q: %v", secret, err)
	}
	b.Type("#totpCode", code)
	b.Click("#totpConfirmButton")
	b.WaitVisible("#recoveryCodesBox")
	return secret
}

func TestSecurityPanelsAndResendLinkWithAuthenticatorApp(t *testing.T) {
	s := NewServer(t, nil)
	u := CreateStaff(t, s, "app.user@example.com", nil)
	Assign(t, s, u.ID, "tts", "Admin")
	b := Start(t, s)
	b.Open("/staff/login/")
	signIn(b, "app.user@example.com")
	b.WaitPath("/api/v1/users/welcome/")

	// Turn on the authenticator app on the security page.
	b.Open("/staff/settings/security/")
	secret := enrolAuthenticator(t, s, b)
	b.WaitFor("the TOTP status", `document.getElementById("twofaStatus").textContent === "Two-factor authentication is on (authenticator app)."`)
	b.Shot("security-page-with-authenticator-app")

	// Each panel offers only the actions that apply. The e-mail panel
	// reports codes as off and offers to turn them on, and turning
	// everything off sits under Status.
	for id, want := range map[string]bool{"totpOn": true, "totpOff": false, "emailOff": true, "emailEnableForm": true,
		"emailOn": false, "disableBox": true} {
		if got := Eval[bool](b, isShown(id)); got != want {
			t.Errorf("#%s shown = %t, want %t", id, got, want)
		}
	}
	// The turn-off form offers an e-mailed code only when e-mail codes are on.
	if !Eval[bool](b, `document.getElementById("disableSendCode").hidden`) {
		t.Error("the turn-off form offers an e-mailed code to an authenticator-only account")
	}
	if got := b.Text("#emailOffText"); got != "E-mail codes are off. Turn them on to also accept a code sent to your e-mail address at sign-in." {
		t.Errorf("e-mail panel text %q", got)
	}
	if Eval[bool](b, `document.querySelector("#emailSection #disableForm, #emailSection .danger") !== null`) {
		t.Error("the e-mail panel holds an action that turns something off")
	}
	if !Eval[bool](b, `document.getElementById("statusHeading").parentElement.contains(document.getElementById("disableBox"))`) {
		t.Error("the turn-off form is not in the Status panel")
	}

	// A wrong code shows the server's message unchanged.
	b.Click("#totpOn summary")
	b.Type("#totpRemovePassword", Password)
	b.Type("#totpRemoveCode", "000000")
	b.Click("#totpRemoveButton")
	b.WaitToast("error", mfa.ErrCodeInvalid.Error())
	toastTexts := Eval[[]string](b, `Array.from(document.querySelectorAll(".toast.error .toastMessage")).map(e => e.textContent)`)
	if len(toastTexts) != 1 || toastTexts[0] != mfa.ErrCodeInvalid.Error() {
		t.Errorf("error toasts %q, want exactly %q", toastTexts, mfa.ErrCodeInvalid.Error())
	}

	// The next sign-in requests the app code and shows no e-mail resend link.
	b.Open("/logout/")
	b.WaitPath("/staff/login/?logout=1")
	s.Clock.Advance(30 * time.Second)
	signIn(b, "app.user@example.com")
	b.WaitVisible("#otpMode #otpCode")
	b.WaitToast("info", "authenticator app")
	if Eval[bool](b, isShown("resendOtp")) {
		t.Error("the OTP mode of an authenticator-only account shows the e-mail resend link")
	}
	b.Shot("otp-mode-without-resend")
	code, _ := totp.GenerateCode(secret, s.Clock.Now())
	b.Type("#otpCode", code)
	b.Click("#otpButton")
	b.WaitPath("/api/v1/users/welcome/")

	// With e-mail codes turned on as well, the panels and the link follow.
	b.Open("/staff/settings/security/")
	b.WaitVisible("#emailEnableForm")
	b.Type("#emailEnablePassword", Password)
	b.Click("#emailEnableButton")
	b.WaitToast("success", "2FA enabled successfully")
	b.WaitFor("both factors in the status", `document.getElementById("twofaStatus").textContent === "Two-factor authentication is on (authenticator app, e-mail codes)."`)
	for id, want := range map[string]bool{"emailOn": true, "emailOff": false, "disableBox": true} {
		if got := Eval[bool](b, isShown(id)); got != want {
			t.Errorf("with both factors, #%s shown = %t, want %t", id, got, want)
		}
	}
	if Eval[bool](b, `document.getElementById("disableSendCode").hidden`) {
		t.Error("with e-mail codes on, the turn-off form hides the e-mailed code button")
	}
	b.Shot("security-page-with-both-factors")
	b.Open("/logout/")
	b.WaitPath("/staff/login/?logout=1")
	s.Clock.Advance(30 * time.Second)
	signIn(b, "app.user@example.com")
	b.WaitVisible("#otpMode #otpCode")
	b.WaitVisible("#otpMode #resendOtp")
	b.Shot("otp-mode-with-resend")
}

// approvedEmployeeClient registers an employee through the API, approves
// it in the database and returns an API client signed in as it.
func approvedEmployeeClient(t *testing.T, s *apptest.Server, email string) *apptest.Client {
	t.Helper()
	api := s.Client()
	api.Post("/api/v1/hdts/employees/api/register/", apptest.JSON(map[string]any{
		"email": email, "password": Password, "first_name": "Lia", "last_name": "Santos"})).Expect(t, http.StatusCreated)
	if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).
		Where("email_normalized = ?", model.NormalizeEmail(email)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	api.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": email, "password": Password})).Expect(t, http.StatusOK)
	return api
}

func TestEmployeeSignInHidesResendForAuthenticatorApp(t *testing.T) {
	s := NewServer(t, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"})
	appOnly := approvedEmployeeClient(t, s, "lia.app@example.com")
	setup := appOnly.Post("/api/v1/hdts/employees/api/2fa/totp/setup/", apptest.JSON(map[string]any{"password": Password})).Expect(t, http.StatusOK)
	code, err := totp.GenerateCode(setup.String("secret"), s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	appOnly.Post("/api/v1/hdts/employees/api/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": code})).Expect(t, http.StatusOK)
	emailCodes := approvedEmployeeClient(t, s, "lia.mail@example.com")
	emailCodes.Post("/api/v1/hdts/employees/api/2fa/enable/", apptest.JSON(map[string]any{"password": Password})).Expect(t, http.StatusOK)
	s.Clock.Advance(30 * time.Second)

	b := Start(t, s)
	employeeSignIn(b, "lia.app@example.com")
	b.WaitVisible("#otpMode #otp_code")
	b.WaitToast("info", "authenticator app")
	if Eval[bool](b, isShown("resendOtp")) {
		t.Error("the OTP mode of an authenticator-only employee shows the e-mail resend link")
	}
	b.Shot("employee-otp-mode-without-resend")

	other := StartAs(t, s, "email-codes")
	employeeSignIn(other, "lia.mail@example.com")
	other.WaitVisible("#otpMode #otp_code")
	other.WaitVisible("#otpMode #resendOtp")
	other.Shot("employee-otp-mode-with-resend")
}
