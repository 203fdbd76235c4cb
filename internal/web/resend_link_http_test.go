package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
)

// The form sign-in renders its OTP mode on the server, so the resend link
// must be hidden there too when the challenge takes no e-mail code.
func TestFormOTPModeShowsResendOnlyForEmailCodes(t *testing.T) {
	const hiddenRow, shownRow = `id="resendOtpRow" hidden>`, `id="resendOtpRow">`
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			s := newServer(t, driver, map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"})
			createStaff(t, s, "app.only@example.com", nil, [2]string{"tts", "Admin"})
			api := s.Client()
			api.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "app.only@example.com", "password": password})).Expect(t, http.StatusOK)
			setup := api.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": password})).Expect(t, http.StatusOK)
			code, _ := totp.GenerateCode(setup.String("secret"), s.Clock.Now())
			api.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": code})).Expect(t, http.StatusOK)
			s.Clock.Advance(30 * time.Second)

			b := newBrowser(t, s)
			challenge := b.signIn("app.only@example.com").expect(t, http.StatusOK)
			if !strings.Contains(challenge.body, hiddenRow) {
				t.Errorf("the OTP mode of an authenticator-only account shows the resend link")
			}
			token := challengeToken(t, challenge.body)
			wrong := b.post("/staff/login/", url.Values{"temporary_token": {token}, "otp_code": {"000000"}}).expect(t, http.StatusBadRequest)
			if !strings.Contains(wrong.body, hiddenRow) {
				t.Errorf("the OTP mode shown again after a wrong code shows the resend link")
			}

			createStaff(t, s, "email.codes@example.com", nil, [2]string{"tts", "Admin"})
			owner := s.Client()
			owner.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "email.codes@example.com", "password": password})).Expect(t, http.StatusOK)
			owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": password})).Expect(t, http.StatusOK)
			emailed := newBrowser(t, s).signIn("email.codes@example.com").expect(t, http.StatusOK)
			if !strings.Contains(emailed.body, shownRow) {
				t.Errorf("the OTP mode of an e-mail code account hides the resend link")
			}
		})
	}
}

// challengeToken returns the temporary_token that a page in OTP mode
// carries in its hidden input.
func challengeToken(t *testing.T, body string) string {
	t.Helper()
	const marker = `name="temporary_token" id="temporaryToken" value="`
	start := strings.Index(body, marker)
	if start < 0 {
		t.Fatal("the page has no temporary_token input")
	}
	rest := body[start+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}
