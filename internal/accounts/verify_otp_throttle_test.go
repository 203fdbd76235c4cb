package accounts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/throttle"
)

// loginIPBucket reads the login_ip counter of a client address and the end
// of its block (nil when the address is not blocked).
func loginIPBucket(t *testing.T, s *apptest.Server, ip string) (int, *time.Time) {
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

// clientAt returns a client whose requests come from ip through the trusted
// loopback proxy.
func clientAt(s *apptest.Server, ip string) *apptest.Client {
	c := s.Client()
	c.Header.Set("X-Forwarded-For", ip)
	return c
}

// emailOTPUser creates a staff user with e-mail codes on and returns its id
// and a recovery code, the right code that tests send.
func emailOTPUser(t *testing.T, s *apptest.Server, email string) (int64, string) {
	t.Helper()
	u := createUser(t, s, email, nil)
	owner, _ := signedIn(t, s, email)
	owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	res := owner.Post("/api/v1/users/2fa/recovery-codes/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	codes := toStrings(res.Get("recovery_codes"))
	if len(codes) == 0 {
		res.Errorf(t, "no recovery codes")
		t.FailNow()
	}
	return u.ID, codes[0]
}

// wrongCode is a guessed e-mail code. It is right once in a million
// guesses, as for an attacker.
const wrongCode = "000000"

func TestStaffVerifyOTPObeysIPThrottle(t *testing.T) {
	// The default CAPTCHA provider stays on, to show that rejected codes do
	// not count towards a CAPTCHA.
	env := map[string]string{"AUTHD_THROTTLE_LOGIN_IP_MAX": "4", "AUTHD_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		const attackerIP, otherIP = "198.51.100.7", "198.51.100.8"
		emails := []string{"first@example.com", "second@example.com", "third@example.com"}
		ids := make([]int64, len(emails))
		codes := make([]string, len(emails))
		for i, email := range emails {
			ids[i], codes[i] = emailOTPUser(t, s, email)
		}
		attacker := clientAt(s, attackerIP)
		tokens := make([]string, len(emails))
		for i, email := range emails {
			challenge := attacker.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
			if challenge.Get("otp_required") != true {
				challenge.Errorf(t, "no challenge for %s", email)
			}
			tokens[i] = challenge.String("temporary_token")
		}
		verify := func(c *apptest.Client, token, code string) *apptest.Response {
			return c.Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": token, "otp_code": code}))
		}

		// Two wrong codes on two accounts, then a success from the same
		// address, which resets nothing, then two more rejections.
		verify(attacker, tokens[0], wrongCode).Expect(t, http.StatusBadRequest)
		verify(attacker, tokens[1], wrongCode).Expect(t, http.StatusBadRequest)
		verify(attacker, tokens[2], codes[2]).Expect(t, http.StatusOK)
		if count, _ := loginIPBucket(t, s, attackerIP); count != 2 {
			t.Errorf("login_ip after two wrong codes and a success = %d, want 2", count)
		}
		unknown := verify(attacker, "not-a-challenge", "123456").Expect(t, http.StatusBadRequest)
		expectBody(t, unknown, http.StatusBadRequest, map[string]any{"success": false, "error": "Invalid or expired token.",
			"errors": map[string]any{"non_field_errors": []string{"Invalid or expired token."}}, "otp_expired": true})
		wrong := verify(attacker, tokens[0], wrongCode).Expect(t, http.StatusBadRequest)
		expectBody(t, wrong, http.StatusBadRequest, map[string]any{"success": false, "error": "Invalid or expired OTP code.",
			"errors": map[string]any{"non_field_errors": []string{"Invalid or expired OTP code."}}})
		count, blockedUntil := loginIPBucket(t, s, attackerIP)
		if count != 4 || blockedUntil == nil {
			t.Fatalf("login_ip after 4 rejections: count %d, blocked until %v; want 4 and a block", count, blockedUntil)
		}
		if required := attacker.Get("/api/v1/users/captcha/required/?email=first@example.com").Expect(t, http.StatusOK); required.Get("captcha_required") != false {
			required.Errorf(t, "rejected codes made a CAPTCHA required")
		}

		// Blocked: the right code gets 429 before the challenge is read.
		failuresBefore := userRow(t, s, ids[0]).SecondFactorFailures
		blocked := verify(attacker, tokens[0], codes[0])
		expectBody(t, blocked, http.StatusTooManyRequests, map[string]any{"success": false, "otp_required": false,
			"error": throttle.MsgLoginThrottled, "errors": map[string]any{"non_field_errors": []string{throttle.MsgLoginThrottled}},
			"retry_after": 900})
		if got := blocked.Header.Get("Retry-After"); got != "900" {
			t.Errorf("Retry-After = %q, want 900", got)
		}
		if blocked.SetCookies()["access_token"] != nil {
			t.Errorf("a blocked verify-otp set the access_token cookie")
		}
		attacker.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": emails[1], "password": testPassword})).Expect(t, http.StatusTooManyRequests)
		attacker.Post("/token/", apptest.JSON(map[string]any{"email": emails[1], "password": testPassword, "otp_code": codes[1]})).Expect(t, http.StatusTooManyRequests)

		// Attempts during the block count nothing and extend nothing.
		s.Clock.Advance(time.Minute)
		verify(attacker, tokens[1], wrongCode).Expect(t, http.StatusTooManyRequests)
		verify(attacker, "not-a-challenge", "123456").Expect(t, http.StatusTooManyRequests)
		countAfter, blockedAfter := loginIPBucket(t, s, attackerIP)
		if countAfter != 4 || blockedAfter == nil || !blockedAfter.Equal(*blockedUntil) {
			t.Errorf("login_ip after blocked attempts: count %d, blocked until %v; want 4 until %v", countAfter, blockedAfter, *blockedUntil)
		}
		if got := userRow(t, s, ids[0]).SecondFactorFailures; got != failuresBefore {
			t.Errorf("a blocked attempt changed second_factor_failures: %d, want %d", got, failuresBefore)
		}

		// The same right code from another address completes the sign-in,
		// and that success does not lift the attacker's block.
		other := clientAt(s, otherIP)
		signedIn := verify(other, tokens[0], codes[0]).Expect(t, http.StatusOK)
		if signedIn.Get("success") != true || signedIn.String("user.email") != emails[0] {
			signedIn.Errorf(t, "sign-in from another address")
		}
		verify(attacker, tokens[1], codes[1]).Expect(t, http.StatusTooManyRequests)

		// The block ends 15 minutes after the fourth rejection. The
		// challenges have expired by then, so a new password step shows it.
		s.Clock.Advance(14 * time.Minute)
		again := attacker.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": emails[1], "password": testPassword})).Expect(t, http.StatusOK)
		if again.Get("otp_required") != true {
			again.Errorf(t, "password step after the block")
		}
		verify(attacker, again.String("temporary_token"), codes[1]).Expect(t, http.StatusOK)
	})
}

func TestInlineCodeCountsInIPThrottle(t *testing.T) {
	env := noCaptchaEnv(map[string]string{"AUTHD_THROTTLE_LOGIN_IP_MAX": "3", "AUTHD_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"})
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		const attackerIP, otherIP = "198.51.100.9", "198.51.100.10"
		const email = "inline-ip@example.com"
		_, code := emailOTPUser(t, s, email)
		attacker, other := clientAt(s, attackerIP), clientAt(s, otherIP)
		obtain := func(c *apptest.Client, route, otpCode string) *apptest.Response {
			body := map[string]any{"email": email, "password": testPassword}
			if otpCode != "" {
				body["otp_code"] = otpCode
			}
			return c.Post(route, apptest.JSON(body))
		}

		// Asking without a code is no failure, however often: a fourth
		// counted failure would already get 429 here.
		for i := 0; i < 4; i++ {
			r := obtain(attacker, "/token/", "").Expect(t, http.StatusBadRequest)
			if r.Get("otp_required") != true {
				r.Errorf(t, "/token/ without a code")
			}
		}
		for _, route := range []string{"/token/", "/api/v1/token/obtain/", "/api/v1/users/login/"} {
			r := obtain(attacker, route, wrongCode).Expect(t, http.StatusBadRequest)
			if nonFieldError(r) != "Invalid OTP code. Please check your code and try again." {
				r.Errorf(t, "%s with a wrong code", route)
			}
		}
		if count, blockedUntil := loginIPBucket(t, s, attackerIP); count != 3 || blockedUntil == nil {
			t.Fatalf("login_ip after 3 wrong inline codes: count %d, blocked until %v; want 3 and a block", count, blockedUntil)
		}
		blocked := obtain(attacker, "/token/", code).Expect(t, http.StatusTooManyRequests)
		if blocked.String("code") != "throttled" || blocked.Header.Get("Retry-After") == "" {
			blocked.Errorf(t, "/token/ throttle body")
		}
		attacker.Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"email": email, "otp_code": code})).Expect(t, http.StatusTooManyRequests)
		ok := obtain(other, "/token/", code).Expect(t, http.StatusOK)
		if ok.String("access") == "" {
			ok.Errorf(t, "no access token from another address")
		}
	})
}
