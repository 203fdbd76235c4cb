package employees_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

const (
	enablePath  = "/api/v1/hdts/employees/api/2fa/enable/"
	disablePath = "/api/v1/hdts/employees/api/2fa/disable/"
	verifyPath  = "/api/v1/hdts/employees/api/2fa/verify-otp/"
	requestPath = "/api/v1/hdts/employees/api/2fa/request-otp/"
)

func TestEmailCodeSignInSteps(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, e := signedInEmployee(t, s, "otp@example.com")
		if res := c.Post(enablePath, apptest.JSON(map[string]any{"password": "Wrong-Password-5"})).Expect(t, http.StatusBadRequest); res.String("detail") != "Password is incorrect" {
			res.Errorf(t, "enable with a wrong password")
		}
		if res := c.Post(enablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK); res.String("message") != "2FA enabled successfully" {
			res.Errorf(t, "enable")
		}
		codes := c.Post("/api/v1/hdts/employees/api/2fa/recovery-codes/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		recovery := codes.Get("recovery_codes").([]any)

		browser, challenge := employeeLogin(t, s, e.Email, testPassword)
		challenge.Expect(t, http.StatusOK)
		if challenge.String("message") != "OTP sent to your email. Please verify to complete login." || fmt.Sprint(challenge.Get("otp_methods")) != "[email recovery]" {
			challenge.Errorf(t, "expected an e-mail code challenge")
		}
		temporary := challenge.String("temporary_token")

		for name, body := range map[string]map[string]any{
			"letters":       {"temporary_token": temporary, "otp_code": "12ab56"},
			"five digits":   {"temporary_token": temporary, "otp_code": "12345"},
			"missing code":  {"temporary_token": temporary},
			"code too long": {"temporary_token": temporary, "otp_code": "1234567890123"},
		} {
			res := browser.Post(verifyPath, apptest.JSON(body)).Expect(t, http.StatusBadRequest)
			if res.Get("otp_code") == nil {
				res.Errorf(t, "%s: want an otp_code error", name)
			}
		}
		wrong := browser.Post(verifyPath, apptest.JSON(map[string]any{"temporary_token": temporary, "otp_code": "000000"})).Expect(t, http.StatusBadRequest)
		if wrong.String("detail") != "Invalid or expired OTP" {
			wrong.Errorf(t, "wrong code")
		}
		for name, body := range map[string]map[string]any{
			"unknown e-mail":  {"email": "nobody@example.com", "otp_code": "123456"},
			"garbage token":   {"temporary_token": "x.y.z", "otp_code": "123456"},
			"access as token": {"temporary_token": c.Cookie("access_token"), "otp_code": "123456"},
			"nothing":         {"otp_code": "123456"},
		} {
			res := s.Client().Post(verifyPath, apptest.JSON(body)).Expect(t, http.StatusBadRequest)
			if res.String("detail") != "Invalid email or OTP" {
				res.Errorf(t, "%s", name)
			}
		}
		for _, body := range []map[string]any{{"email": e.Email}, {"temporary_token": temporary}, {"email": "nobody@example.com"}} {
			res := s.Client().Post(requestPath, apptest.JSON(body)).Expect(t, http.StatusOK)
			if res.String("message") != "OTP sent to your email" {
				res.Errorf(t, "request-otp %v", body)
			}
		}
		if res := s.Client().Post(requestPath, apptest.JSON(map[string]any{"email": "bad"})).Expect(t, http.StatusBadRequest); fmt.Sprint(res.Get("email")) != "[Enter a valid email address.]" {
			res.Errorf(t, "request-otp with an invalid address")
		}
		browser.Post(verifyPath, apptest.JSON(map[string]any{"temporary_token": temporary, "otp_code": recovery[0]})).Expect(t, http.StatusOK)
		reuse := browser.Post(verifyPath, apptest.JSON(map[string]any{"temporary_token": temporary, "otp_code": recovery[1]})).Expect(t, http.StatusBadRequest)
		if reuse.String("detail") != "Invalid email or OTP" {
			reuse.Errorf(t, "a consumed challenge")
		}

		off := browser.Post(disablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		if off.String("message") != "2FA disabled successfully" {
			off.Errorf(t, "disable")
		}
		// Disabling signs out the other sessions but keeps the caller's.
		browser.Get(profilePath).Expect(t, http.StatusOK)
		c.Get(profilePath).Expect(t, http.StatusUnauthorized)
		_, plain := employeeLogin(t, s, e.Email, testPassword)
		if plain.Expect(t, http.StatusOK).Get("requires_otp") != nil {
			plain.Errorf(t, "sign-in still asks for a code after disable")
		}
	})
}
