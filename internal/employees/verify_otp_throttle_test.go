package employees_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/throttle"
)

// loginIPCount reads the login_ip counter of a client address and the end
// of its block (nil when the address is not blocked).
func loginIPCount(t *testing.T, s *apptest.Server, ip string) (int, *time.Time) {
	t.Helper()
	var count int
	var blockedUntil *time.Time
	err := s.App.DB.NewSelect().Table("throttle_buckets").Column("count", "blocked_until").
		Where("bucket = ?", throttle.BucketLoginIP).Where("key = ?", ip).Scan(context.Background(), &count, &blockedUntil)
	if err != nil {
		t.Fatalf("read the login_ip bucket of %s: %v", ip, err)
	}
	return count, blockedUntil
}

// onlyDetail reports whether a body is exactly {"detail": want}.
func onlyDetail(r *apptest.Response, want string) bool {
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return false
	}
	return len(body) == 1 && body["detail"] == want
}

// employeeWithRecoveryCodes makes an approved employee with e-mail codes
// on and returns its id and two recovery codes.
func employeeWithRecoveryCodes(t *testing.T, s *apptest.Server, email string) (int64, []string) {
	t.Helper()
	c, e := signedInEmployee(t, s, email)
	c.Post(enablePath, apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	res := c.Post("/api/v1/hdts/employees/api/2fa/recovery-codes/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	list, _ := res.Get("recovery_codes").([]any)
	if len(list) < 2 {
		res.Errorf(t, "want at least two recovery codes")
		t.FailNow()
	}
	return e.ID, []string{list[0].(string), list[1].(string)}
}

func TestEmployeeVerifyOTPObeysIPThrottle(t *testing.T) {
	env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none", "AUTHD_THROTTLE_LOGIN_IP_MAX": "3", "AUTHD_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		const attackerIP, otherIP = "198.51.100.17", "198.51.100.18"
		emails := []string{"first-employee@example.com", "second-employee@example.com"}
		ids := make([]int64, len(emails))
		recovery := make([][]string, len(emails))
		for i, email := range emails {
			ids[i], recovery[i] = employeeWithRecoveryCodes(t, s, email)
		}
		attacker, other := s.Client(), s.Client()
		attacker.Header.Set("X-Forwarded-For", attackerIP)
		other.Header.Set("X-Forwarded-For", otherIP)
		tokens := make([]string, len(emails))
		for i, email := range emails {
			challenge := attacker.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
			if challenge.Get("requires_otp") != true {
				challenge.Errorf(t, "no challenge for %s", email)
			}
			tokens[i] = challenge.String("temporary_token")
		}
		verify := func(c *apptest.Client, body map[string]any) *apptest.Response {
			return c.Post(verifyPath, apptest.JSON(body))
		}

		// Three rejections over two accounts: two wrong codes and an address
		// without a challenge. Their bodies do not change.
		for i := range emails {
			wrong := verify(attacker, map[string]any{"temporary_token": tokens[i], "otp_code": "000000"}).Expect(t, http.StatusBadRequest)
			if !onlyDetail(wrong, "Invalid or expired OTP") {
				wrong.Errorf(t, "wrong code for %s", emails[i])
			}
		}
		unknown := verify(attacker, map[string]any{"email": "nobody@example.com", "otp_code": "123456"}).Expect(t, http.StatusBadRequest)
		if !onlyDetail(unknown, "Invalid email or OTP") {
			unknown.Errorf(t, "address without a challenge")
		}
		count, blockedUntil := loginIPCount(t, s, attackerIP)
		if count != 3 || blockedUntil == nil {
			t.Fatalf("login_ip after 3 rejections: count %d, blocked until %v; want 3 and a block", count, blockedUntil)
		}

		// Blocked: a right recovery code gets the login route's 429 before
		// the challenge is read, and the password step is blocked too.
		failuresBefore := loadEmployee(t, s, ids[0]).SecondFactorFailures
		blocked := verify(attacker, map[string]any{"temporary_token": tokens[0], "otp_code": recovery[0][0]}).Expect(t, http.StatusTooManyRequests)
		if blocked.Get("success") != false || loginError(blocked) != throttle.MsgLoginThrottled || blocked.Get("retry_after") != float64(900) {
			blocked.Errorf(t, "verify-otp throttle body")
		}
		if got := blocked.Header.Get("Retry-After"); got != "900" {
			t.Errorf("Retry-After = %q, want 900", got)
		}
		login := attacker.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": emails[1], "password": testPassword})).Expect(t, http.StatusTooManyRequests)
		if loginError(login) != throttle.MsgLoginThrottled {
			login.Errorf(t, "login throttle body")
		}

		// Attempts during the block count nothing and extend nothing.
		s.Clock.Advance(time.Minute)
		verify(attacker, map[string]any{"temporary_token": tokens[1], "otp_code": "000000"}).Expect(t, http.StatusTooManyRequests)
		verify(attacker, map[string]any{"email": "nobody@example.com", "otp_code": "123456"}).Expect(t, http.StatusTooManyRequests)
		countAfter, blockedAfter := loginIPCount(t, s, attackerIP)
		if countAfter != 3 || blockedAfter == nil || !blockedAfter.Equal(*blockedUntil) {
			t.Errorf("login_ip after blocked attempts: count %d, blocked until %v; want 3 until %v", countAfter, blockedAfter, *blockedUntil)
		}
		if got := loadEmployee(t, s, ids[0]).SecondFactorFailures; got != failuresBefore {
			t.Errorf("a blocked attempt changed second_factor_failures: %d, want %d", got, failuresBefore)
		}

		// The same recovery code from another address signs in, and that
		// success does not lift the attacker's block.
		signedIn := verify(other, map[string]any{"temporary_token": tokens[0], "otp_code": recovery[0][0]}).Expect(t, http.StatusOK)
		if signedIn.String("access") == "" || signedIn.String("employee.email") != emails[0] {
			signedIn.Errorf(t, "sign-in from another address")
		}
		verify(attacker, map[string]any{"temporary_token": tokens[1], "otp_code": recovery[1][0]}).Expect(t, http.StatusTooManyRequests)

		// The block ends 15 minutes after the third rejection.
		s.Clock.Advance(14 * time.Minute)
		again := attacker.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": emails[1], "password": testPassword})).Expect(t, http.StatusOK)
		verify(attacker, map[string]any{"temporary_token": again.String("temporary_token"), "otp_code": recovery[1][1]}).Expect(t, http.StatusOK)
	})
}
