package employees_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/mfa"
)

// Messages of the employee login route when a second factor is needed.
const (
	msgCodeSent = "OTP sent to your email. Please verify to complete login."
	msgAppCode  = "Enter the code from your authenticator app to complete login."
	msgNoCode   = "A new code could not be e-mailed right now. Please try again in a few minutes."
)

// nextCode waits for an employee code e-mail to address whose Mailpit id
// is not in seen, records the id and returns the code.
func nextCode(t *testing.T, mp *mailpittest.Client, address string, seen map[string]bool) string {
	t.Helper()
	msg := mp.Wait(t, address, "a new \"Your OTP Code\" e-mail", func(m mailpittest.Message) bool {
		return m.Subject == "Your OTP Code" && !seen[m.ID]
	})
	seen[msg.ID] = true
	return delivered(msg).code(t)
}

// employeeCodes counts the e-mail codes ever made for an employee; each
// one was e-mailed.
func employeeCodes(t *testing.T, s *apptest.Server, id int64) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Table("otp_codes").Where("subject_type = 'employee'").Where("subject_id = ?", id).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func verifyEmployeeOTP(s *apptest.Server, token, code string) *apptest.Response {
	return s.Client().Post(verifyPath, apptest.JSON(map[string]any{"temporary_token": token, "otp_code": code}))
}

func TestEmployeeSecondSignInGetsNewCode(t *testing.T) {
	env, apiURL := mailpitEnv(t)
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		startMail(t, s, apiURL)
		mp := mailpittest.New(apiURL)
		address := mp.Recipient(t, "kai")
		e := approvedEmployee(t, s, address)
		owner, login := employeeLogin(t, s, address, testPassword)
		login.Expect(t, http.StatusOK)
		owner.Post(enablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		seen := map[string]bool{}

		_, first := employeeLogin(t, s, address, testPassword)
		if first.Expect(t, http.StatusOK).String("message") != msgCodeSent {
			first.Errorf(t, "first sign-in: want %q", msgCodeSent)
		}
		verifyEmployeeOTP(s, first.String("temporary_token"), nextCode(t, mp, address, seen)).Expect(t, http.StatusOK)

		// Inside the 60 s cooldown, the used code no longer blocks a new one.
		s.Clock.Advance(10 * time.Second)
		_, second := employeeLogin(t, s, address, testPassword)
		if second.Expect(t, http.StatusOK).String("message") != msgCodeSent {
			second.Errorf(t, "second sign-in: want %q", msgCodeSent)
		}
		if n := employeeCodes(t, s, e.ID); n != 2 {
			t.Errorf("codes made after two sign-ins = %d, want 2", n)
		}
		code := nextCode(t, mp, address, seen)

		// A resend while that code is unused returns the usual body but
		// sends nothing.
		resend := s.Client().Post(requestPath, apptest.JSON(map[string]any{"temporary_token": second.String("temporary_token")})).Expect(t, http.StatusOK)
		if resend.String("message") != "OTP sent to your email" {
			resend.Errorf(t, "request-otp")
		}
		if n := employeeCodes(t, s, e.ID); n != 2 {
			t.Errorf("codes made after a resend inside the cooldown = %d, want 2", n)
		}
		verifyEmployeeOTP(s, second.String("temporary_token"), code).Expect(t, http.StatusOK)

		// A code voided by wrong guesses keeps the cooldown, and the login
		// message reports that no code was sent.
		_, third := employeeLogin(t, s, address, testPassword)
		third.Expect(t, http.StatusOK)
		nextCode(t, mp, address, seen)
		for i := 0; i < mfa.CodeAttempts; i++ {
			verifyEmployeeOTP(s, third.String("temporary_token"), "000000").Expect(t, http.StatusBadRequest)
		}
		_, fourth := employeeLogin(t, s, address, testPassword)
		if fourth.Expect(t, http.StatusOK).String("message") != msgNoCode {
			fourth.Errorf(t, "sign-in after a guessed-out code: want %q", msgNoCode)
		}
		if n := employeeCodes(t, s, e.ID); n != 3 {
			t.Errorf("codes made after a guessed-out code = %d, want 3", n)
		}
	})
}

func TestEmployeeAppOnlyChallengeGetsNoCode(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, e := signedInEmployee(t, s, "app.only@example.com")
		setup := c.Post("/api/v1/hdts/employees/api/2fa/totp/setup/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		c.Post("/api/v1/hdts/employees/api/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": totpCode(t, setup.String("secret"), s.Clock.Now())})).
			Expect(t, http.StatusOK)

		_, login := employeeLogin(t, s, e.Email, testPassword)
		login.Expect(t, http.StatusOK)
		if login.String("message") != msgAppCode {
			login.Errorf(t, "want %q", msgAppCode)
		}
		if methods := fmt.Sprint(login.Get("otp_methods")); methods != "[totp recovery]" {
			login.Errorf(t, "otp_methods = %s, want [totp recovery]", methods)
		}

		// The route returns its usual body but sends no code that the
		// challenge would reject.
		res := s.Client().Post(requestPath, apptest.JSON(map[string]any{"temporary_token": login.String("temporary_token")})).Expect(t, http.StatusOK)
		if res.String("message") != "OTP sent to your email" {
			res.Errorf(t, "request-otp")
		}
		if n := employeeCodes(t, s, e.ID); n != 0 {
			t.Errorf("codes made for an authenticator-only challenge = %d, want 0", n)
		}
		if n := auditCount(t, s, "otp.sent", e.ID); n != 0 {
			t.Errorf("otp.sent events = %d, want 0", n)
		}
	})
}
