package accounts_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
)

var recoveryFormat = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestTOTPSignInRejectsReplayedStep(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "totp@example.com", nil)
		owner, _ := signedIn(t, s, "totp@example.com")
		setup := owner.Post("/api/v1/users/2fa/totp/setup/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		uri := setup.String("otpauth_uri")
		if !strings.HasPrefix(uri, "otpauth://totp/TicketFlow:totp@example.com?secret="+setup.String("secret")+"&issuer=TicketFlow&digits=6&period=30") {
			t.Errorf("otpauth_uri = %q", uri)
		}
		if !strings.HasPrefix(setup.String("qr_png"), "data:image/png;base64,") || setup.Get("expires_in") != float64(600) {
			setup.Errorf(t, "setup body lacks the QR code or expiry")
		}
		owner.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": "000000"})).Expect(t, http.StatusBadRequest)
		confirm := owner.Post("/api/v1/users/2fa/totp/confirm/", apptest.JSON(map[string]any{"otp_code": totpAt(t, setup.String("secret"), s.Clock.Now())})).Expect(t, http.StatusOK)
		codes, _ := confirm.Get("recovery_codes").([]any)
		if len(codes) != 10 {
			t.Fatalf("recovery codes = %v, want 10", codes)
		}
		for _, c := range codes {
			if !recoveryFormat.MatchString(c.(string)) {
				t.Errorf("recovery code %q is not xxxxx-xxxxx in Crockford base32", c)
			}
		}
		s.Clock.Advance(30 * time.Second)
		secret := setup.String("secret")

		login := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		if login.Get("otp_required") != true || login.String("message") != "OTP verification required. Enter the code from your authenticator app." {
			login.Errorf(t, "login/api did not ask for the app code")
		}
		if methods := login.Get("otp_methods"); len(methods.([]any)) != 2 || methods.([]any)[0] != "totp" || methods.([]any)[1] != "recovery" {
			t.Errorf("otp_methods = %v, want [totp recovery]", methods)
		}
		if login.String("access_token") != "" || len(login.SetCookies()) != 0 {
			login.Errorf(t, "a challenge response carried tokens")
		}
		code := totpAt(t, secret, s.Clock.Now())
		browser := s.Client()
		done := browser.Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": login.String("temporary_token"), "otp_code": code})).Expect(t, http.StatusOK)
		if done.Get("success") != true || done.String("access_token") == "" || done.SetCookies()["access_token"] == nil {
			done.Errorf(t, "verify-otp did not sign in")
		}

		// The same code in the same step, on a new challenge: refused.
		again := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		replay := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": again.String("temporary_token"), "otp_code": code})).Expect(t, http.StatusBadRequest)
		if replay.String("error") != accounts.MsgChallengeCode {
			replay.Errorf(t, "replayed code: want %q", accounts.MsgChallengeCode)
		}
		// The /token/ route refuses it too.
		inline := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword, "otp_code": code})).Expect(t, http.StatusBadRequest)
		if nonFieldError(inline) != accounts.MsgOTPInvalid {
			inline.Errorf(t, "replayed code on /token/")
		}
		s.Clock.Advance(30 * time.Second)
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword, "otp_code": totpAt(t, secret, s.Clock.Now())})).Expect(t, http.StatusOK)

		missing := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		if nonFieldError(missing) != accounts.MsgOTPRequiredApp || missing.Get("otp_required") != true {
			missing.Errorf(t, "/token/ without a code")
		}

		// A recovery code works once, on any path that takes a code.
		recovery := codes[0].(string)
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword, "otp_code": strings.ToUpper(recovery)})).Expect(t, http.StatusOK)
		third := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "totp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		reused := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": third.String("temporary_token"), "otp_code": recovery})).Expect(t, http.StatusBadRequest)
		if reused.String("error") != accounts.MsgChallengeCode {
			reused.Errorf(t, "a used recovery code was accepted")
		}
		s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": third.String("temporary_token"), "otp_code": codes[1]})).Expect(t, http.StatusOK)

		status := owner.Get("/api/v1/users/2fa/status/").Expect(t, http.StatusOK)
		if status.Get("otp_enabled") != true || status.Get("methods.totp") != true || status.Get("methods.email") != false || status.Get("recovery_codes_remaining") != float64(8) {
			status.Errorf(t, "status after two recovery codes")
		}
		if got := auditCount(t, s, "recovery_code.used", u.ID); got != 2 {
			t.Errorf("recovery_code.used events = %d, want 2", got)
		}
		if got := auditCount(t, s, "totp.enrolled", u.ID); got != 1 {
			t.Errorf("totp.enrolled events = %d, want 1", got)
		}
	})
}

func TestEmailOTPGuessingStopsAtLimits(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "mail-otp@example.com", nil)
		owner, _ := signedIn(t, s, "mail-otp@example.com")
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": "wrong"})).Expect(t, http.StatusBadRequest)
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)

		login := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		if login.String("message") != "OTP verification required. Check your email for the code." || !slices.Equal(toStrings(login.Get("otp_methods")), []string{"email"}) {
			login.Errorf(t, "login/api did not send an e-mail code")
		}
		token := login.String("temporary_token")
		right := emailCode(t, s, u.ID)
		wrong := "000000"
		if right == wrong {
			wrong = "000001"
		}
		c := s.Client()
		verify := func(code string) *apptest.Response {
			return c.Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": token, "otp_code": code})).Expect(t, http.StatusBadRequest)
		}
		for i := 0; i < 3; i++ {
			if r := verify(wrong); r.String("error") != accounts.MsgChallengeCode || r.Get("otp_expired") != nil {
				r.Errorf(t, "wrong code %d", i+1)
			}
		}
		// The code took its 3 wrong attempts: even the right one is void now.
		if r := verify(right); r.String("error") != accounts.MsgChallengeCode {
			r.Errorf(t, "right code after 3 wrong attempts")
		}
		// The fifth failure voids the challenge.
		if r := verify(wrong); r.String("error") != accounts.MsgChallengeInvalid || r.Get("otp_expired") != true {
			r.Errorf(t, "fifth failure")
		}
		if r := verify(right); r.String("error") != accounts.MsgChallengeInvalid {
			r.Errorf(t, "challenge used after it was void")
		}
		if got := userRow(t, s, u.ID).SecondFactorFailures; got != 5 {
			t.Errorf("second_factor_failures = %d, want 5", got)
		}

		// A fresh sign-in after the resend cooldown gets a fresh code; by
		// e-mail address instead of the token.
		s.Clock.Advance(61 * time.Second)
		s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "password": testPassword, "remember_me": false})).Expect(t, http.StatusOK)
		ok := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "otp_code": emailCode(t, s, u.ID)})).Expect(t, http.StatusOK)
		if cookie := ok.SetCookies()["refresh_token"]; cookie == nil || cookie.MaxAge != 0 {
			t.Errorf("remember_me false at the password step: refresh cookie %+v, want a session cookie", cookie)
		}
		if got := userRow(t, s, u.ID).SecondFactorFailures; got != 0 {
			t.Errorf("second_factor_failures after success = %d, want 0", got)
		}

		// Ten wrong codes in a row lock the account for 15 minutes.
		for challenge := 0; challenge < 2; challenge++ {
			s.Clock.Advance(61 * time.Second)
			r := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
			token = r.String("temporary_token")
			for i := 0; i < 5; i++ {
				c.Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": token, "otp_code": "99999" + string(rune('0'+i))}))
			}
		}
		locked := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		if nonFieldError(locked) != accounts.ErrLocked.Error() {
			locked.Errorf(t, "sign-in after 10 second-factor failures")
		}
		if got := auditCount(t, s, "account.locked", u.ID); got != 1 {
			t.Errorf("account.locked events = %d, want 1", got)
		}
		s.Clock.Advance(15 * time.Minute)
		s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "mail-otp@example.com", "password": testPassword})).Expect(t, http.StatusOK)
	})
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestTokenObtainEmailCodeRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "inline@example.com", nil)
		owner, _ := signedIn(t, s, "inline@example.com")
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		creds := map[string]any{"email": "inline@example.com", "password": testPassword}
		c := s.Client()

		first := c.Post("/token/", apptest.JSON(creds)).Expect(t, http.StatusBadRequest)
		if nonFieldError(first) != accounts.MsgOTPRequiredEmail || !slices.Equal(toStrings(first.Get("otp_methods")), []string{"email"}) {
			first.Errorf(t, "/token/ without a code")
		}
		code := emailCode(t, s, u.ID)
		wrong := map[string]any{"email": "inline@example.com", "password": testPassword, "otp_code": "12345x"}
		if r := c.Post("/token/", apptest.JSON(wrong)).Expect(t, http.StatusBadRequest); nonFieldError(r) != accounts.MsgOTPInvalid {
			r.Errorf(t, "malformed code")
		}
		s.Clock.Advance(5 * time.Minute)
		expired := c.Post("/token/", apptest.JSON(map[string]any{"email": "inline@example.com", "password": testPassword, "otp_code": code})).Expect(t, http.StatusBadRequest)
		if nonFieldError(expired) != accounts.MsgOTPExpired {
			expired.Errorf(t, "expired code")
		}
		fresh := emailCode(t, s, u.ID)
		if fresh == code {
			t.Logf("the new code equals the old one by chance")
		}
		ok := c.Post("/token/", apptest.JSON(map[string]any{"email": "inline@example.com", "password": testPassword, "otp_code": fresh})).Expect(t, http.StatusOK)
		if ok.String("access") == "" {
			ok.Errorf(t, "no access token")
		}
		if c.Post("/token/", apptest.JSON(map[string]any{"email": "inline@example.com", "password": testPassword, "otp_code": fresh})).Status != http.StatusBadRequest {
			t.Errorf("an e-mail code worked twice")
		}
	})
}

func TestChallengeTokenIsNoAccessToken(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "challenge@example.com", nil)
		owner, access := signedIn(t, s, "challenge@example.com")
		enrolTOTP(t, s, owner)
		login := s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": "challenge@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		temporary := login.String("temporary_token")

		me := s.Client().Get("/api/me/", "Authorization", "Bearer "+temporary).Expect(t, http.StatusUnauthorized)
		if me.String("code") != "token_not_valid" {
			me.Errorf(t, "challenge token as Bearer")
		}
		s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": temporary})).Expect(t, http.StatusUnauthorized)
		wrongType := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": access, "otp_code": "123456"})).Expect(t, http.StatusBadRequest)
		if wrongType.String("error") != accounts.MsgChallengeType {
			wrongType.Errorf(t, "access token as temporary_token")
		}
		garbage := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": "not.a.jwt", "otp_code": "123456"})).Expect(t, http.StatusBadRequest)
		if garbage.String("error") != accounts.MsgChallengeInvalid || garbage.Get("otp_expired") != true {
			garbage.Errorf(t, "malformed temporary_token")
		}
		s.Clock.Advance(5 * time.Minute)
		late := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": temporary, "otp_code": "123456"})).Expect(t, http.StatusBadRequest)
		if late.String("error") != accounts.MsgChallengeInvalid {
			late.Errorf(t, "expired challenge")
		}
		missing := s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"otp_code": "123456"})).Expect(t, http.StatusBadRequest)
		if missing.Get("success") != false {
			missing.Errorf(t, "verify-otp without a challenge")
		}
	})
}

func TestFactorChangesRevokeOtherSessions(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "factors@example.com", nil)
		owner, _ := signedIn(t, s, "factors@example.com")
		secret, codes := enrolTOTP(t, s, owner)
		other := s.Client()
		other.Post("/token/", apptest.JSON(map[string]any{"email": "factors@example.com", "password": testPassword, "otp_code": totpAt(t, secret, s.Clock.Now())})).Expect(t, http.StatusOK)
		other.Get("/api/me/").Expect(t, http.StatusOK)

		regenerated := owner.Post("/api/v1/users/2fa/recovery-codes/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		if len(toStrings(regenerated.Get("recovery_codes"))) != 10 {
			regenerated.Errorf(t, "regenerated batch")
		}
		if r := other.Get("/api/me/"); r.Status != http.StatusUnauthorized || r.String("code") != "token_revoked" {
			r.Errorf(t, "other session after regenerating recovery codes")
		}
		owner.Get("/api/v1/users/profile/").Expect(t, http.StatusOK)

		// Old recovery codes are void.
		removal := owner.Do(http.MethodDelete, "/api/v1/users/2fa/totp/", &apptest.Body{ContentType: "application/json", Data: []byte(`{"password": "` + testPassword + `", "otp_code": "` + codes[2] + `"}`)}).Expect(t, http.StatusBadRequest)
		if nonFieldError(removal) != accounts.MsgCodeInvalid {
			removal.Errorf(t, "old recovery code after regeneration")
		}
		s.Clock.Advance(30 * time.Second)
		owner.Do(http.MethodDelete, "/api/v1/users/2fa/totp/", &apptest.Body{ContentType: "application/json", Data: []byte(`{"password": "` + testPassword + `", "otp_code": "` + totpAt(t, secret, s.Clock.Now()) + `"}`)}).Expect(t, http.StatusOK)
		status := owner.Get("/api/v1/users/2fa/status/").Expect(t, http.StatusOK)
		if status.Get("otp_enabled") != false || status.Get("recovery_codes_remaining") != float64(0) {
			status.Errorf(t, "status after removing the only factor")
		}
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "factors@example.com", "password": testPassword})).Expect(t, http.StatusOK)

		// Disable with an e-mail code requested while signed in.
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		owner.Post("/api/v1/users/2fa/request-otp-authenticated/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		owner.Post("/api/v1/users/2fa/request-otp-authenticated/", apptest.JSON(map[string]any{})).Expect(t, http.StatusTooManyRequests)
		u := userRow(t, s, createdID(t, s, "factors@example.com"))
		owner.Post("/api/v1/users/2fa/disable/", apptest.JSON(map[string]any{"password": testPassword, "otp_code": emailCode(t, s, u.ID)})).Expect(t, http.StatusOK)
		owner.Post("/api/v1/users/2fa/request-otp-authenticated/", apptest.JSON(map[string]any{})).Expect(t, http.StatusBadRequest)
	})
}

func createdID(t *testing.T, s *apptest.Server, email string) int64 {
	t.Helper()
	var id int64
	if err := s.App.DB.NewSelect().Table("users").Column("id").Where("email_normalized = ?", email).Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestVerifyDisableOpensProfileWindow(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "window@example.com", nil)
		owner, _ := signedIn(t, s, "window@example.com")
		elsewhere, _ := signedIn(t, s, "window@example.com")
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		owner.Do(http.MethodPatch, "/api/v1/users/profile/", &apptest.Body{ContentType: "application/json", Data: []byte(`{"otp_enabled": false}`)}).Expect(t, http.StatusBadRequest)
		sent := s.Client().Post("/api/v1/users/2fa/request-otp/", apptest.JSON(map[string]any{"email": "window@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		if sent.String("message") != accounts.MsgOTPSent || sent.Get("expires_in_minutes") != float64(5) {
			sent.Errorf(t, "request-otp body")
		}
		bad := s.Client().Post("/api/v1/users/2fa/request-otp/", apptest.JSON(map[string]any{"email": "window@example.com", "password": "nope"})).Expect(t, http.StatusBadRequest)
		if nonFieldError(bad) != accounts.MsgInvalidCreds {
			bad.Errorf(t, "request-otp with a wrong password")
		}
		owner.Post("/api/v1/users/verify-disable-otp/", apptest.JSON(map[string]any{"password": testPassword, "otp_code": "000000"})).Expect(t, http.StatusBadRequest)
		verified := owner.Post("/api/v1/users/verify-disable-otp/", apptest.JSON(map[string]any{"password": testPassword, "otp_code": emailCode(t, s, u.ID)})).Expect(t, http.StatusOK)
		if verified.Get("verified") != true {
			verified.Errorf(t, "verify-disable-otp body")
		}
		profile := owner.Do(http.MethodPatch, "/api/v1/users/profile/", &apptest.Body{ContentType: "application/json", Data: []byte(`{"otp_enabled": false}`)}).Expect(t, http.StatusOK)
		if profile.Get("otp_enabled") != false {
			profile.Errorf(t, "profile after the window opened")
		}
		if r := elsewhere.Get("/api/me/"); r.Status != http.StatusUnauthorized {
			r.Errorf(t, "another session survived turning 2FA off")
		}
		owner.Get("/api/me/").Expect(t, http.StatusOK)
	})
}
