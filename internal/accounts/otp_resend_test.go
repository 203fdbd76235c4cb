package accounts_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/mailpittest"
	"github.com/mapactive/authd/internal/mfa"
)

// codeInbox reads the sign-in code e-mails of one address from Mailpit,
// each message once.
type codeInbox struct {
	mp      *mailpittest.Client
	address string
	seen    map[string]bool // Mailpit ids of the messages already read
}

// next waits for a code e-mail that was not read before and returns its
// code.
func (b *codeInbox) next(t *testing.T) string {
	t.Helper()
	msg := b.mp.Wait(t, b.address, "a new verification code e-mail", func(m mailpittest.Message) bool {
		return strings.HasPrefix(m.Subject, "Your Verification Code") && !b.seen[m.ID]
	})
	b.seen[msg.ID] = true
	return msg.Find(t, sixDigits)[1]
}

// eachDialectWithMailpit runs fn on SQLite and PostgreSQL servers that
// deliver e-mail to Mailpit through running job workers, with CAPTCHA
// escalation off.
func eachDialectWithMailpit(t *testing.T, fn func(t *testing.T, s *apptest.Server, mp *mailpittest.Client)) {
	t.Helper()
	env := mailpittest.ServerEnv(t)
	maps.Copy(env, noCaptchaEnv(nil))
	mp := mailpittest.Shared(t)
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if err := s.App.StartJobs(ctx); err != nil {
			t.Fatalf("start the job workers: %v", err)
		}
		fn(t, s, mp)
	})
}

// emailCodeAccount creates a staff user at a fresh Mailpit address with
// e-mail codes on, and returns its id and its inbox.
func emailCodeAccount(t *testing.T, s *apptest.Server, mp *mailpittest.Client, name string) (int64, *codeInbox) {
	t.Helper()
	address := mp.Recipient(t, name)
	u := createUser(t, s, address, nil)
	owner, _ := signedIn(t, s, address)
	owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
	return u.ID, &codeInbox{mp: mp, address: address, seen: map[string]bool{}}
}

// staffCodes counts the e-mail codes ever made for a staff user; each one
// was e-mailed.
func staffCodes(t *testing.T, s *apptest.Server, userID int64) int {
	t.Helper()
	return countRows(t, s, "SELECT COUNT(*) FROM otp_codes WHERE subject_type = 'staff' AND subject_id = ?", userID)
}

func loginAPI(s *apptest.Server, email string) *apptest.Response {
	return s.Client().Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": testPassword}))
}

func verifyOTP(s *apptest.Server, token, code string) *apptest.Response {
	return s.Client().Post("/api/v1/users/login/verify-otp/", apptest.JSON(map[string]any{"temporary_token": token, "otp_code": code}))
}

func requestOTP(s *apptest.Server, token string) *apptest.Response {
	return s.Client().Post("/api/v1/users/2fa/request-otp/", apptest.JSON(map[string]any{"temporary_token": token}))
}

func TestSignInAfterUsedCodeSendsCode(t *testing.T) {
	eachDialectWithMailpit(t, func(t *testing.T, s *apptest.Server, mp *mailpittest.Client) {
		id, inbox := emailCodeAccount(t, s, mp, "second-sign-in")

		first := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		if first.String("message") != accounts.MsgChallengeEmail {
			first.Errorf(t, "first sign-in: want %q", accounts.MsgChallengeEmail)
		}
		verifyOTP(s, first.String("temporary_token"), inbox.next(t)).Expect(t, http.StatusOK)

		// Ten seconds later, inside the 60 s resend cooldown, the used code
		// is worthless, so the second sign-in e-mails a new one.
		s.Clock.Advance(10 * time.Second)
		second := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		if second.String("message") != accounts.MsgChallengeEmail {
			second.Errorf(t, "second sign-in: want %q", accounts.MsgChallengeEmail)
		}
		if n := staffCodes(t, s, id); n != 2 {
			t.Errorf("codes made after two sign-ins = %d, want 2", n)
		}
		code := inbox.next(t)

		// The new code is unused now, so the cooldown holds for resends.
		if res := requestOTP(s, second.String("temporary_token")); res.Status != http.StatusTooManyRequests {
			res.Errorf(t, "resend while the new code is unused: want 429")
		}
		if n := staffCodes(t, s, id); n != 2 {
			t.Errorf("codes made after a refused resend = %d, want 2", n)
		}
		verifyOTP(s, second.String("temporary_token"), code).Expect(t, http.StatusOK)

		// The /token/ route follows the same rule.
		s.Clock.Advance(10 * time.Second)
		inline := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": inbox.address, "password": testPassword})).Expect(t, http.StatusBadRequest)
		if nonFieldError(inline) != accounts.MsgOTPRequiredEmail {
			inline.Errorf(t, "/token/ without a code after a used code: want %q", accounts.MsgOTPRequiredEmail)
		}
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": inbox.address, "password": testPassword, "otp_code": inbox.next(t)})).
			Expect(t, http.StatusOK)
	})
}

func TestRepeatedSignInsSendOneCodePerCooldown(t *testing.T) {
	eachDialectWithMailpit(t, func(t *testing.T, s *apptest.Server, mp *mailpittest.Client) {
		id, inbox := emailCodeAccount(t, s, mp, "repeated-sign-in")

		loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		code := inbox.next(t)

		// A second sign-in while that code is unused sends nothing, and the
		// message is still true: the inbox holds a code that works.
		s.Clock.Advance(5 * time.Second)
		again := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		if again.String("message") != accounts.MsgChallengeEmail {
			again.Errorf(t, "sign-in with an unused code: want %q", accounts.MsgChallengeEmail)
		}
		if n := staffCodes(t, s, id); n != 1 {
			t.Errorf("codes made after two sign-ins with an unused code = %d, want 1", n)
		}
		if n := auditCount(t, s, "otp.sent", id); n != 1 {
			t.Errorf("otp.sent events = %d, want 1", n)
		}
		verifyOTP(s, again.String("temporary_token"), code).Expect(t, http.StatusOK)

		// Wrong guesses that void a code do not lift the cooldown. The
		// next sign-in gets no code, and its message reports that.
		third := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		inbox.next(t)
		for i := 0; i < mfa.CodeAttempts; i++ {
			verifyOTP(s, third.String("temporary_token"), wrongCode).Expect(t, http.StatusBadRequest)
		}
		fourth := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		if fourth.String("message") != accounts.MsgChallengeNoCode {
			fourth.Errorf(t, "sign-in after a guessed-out code: want %q", accounts.MsgChallengeNoCode)
		}
		if n := staffCodes(t, s, id); n != 2 {
			t.Errorf("codes made after a guessed-out code = %d, want 2", n)
		}
		if res := requestOTP(s, fourth.String("temporary_token")); res.Status != http.StatusTooManyRequests {
			res.Errorf(t, "resend inside the cooldown: want 429")
		}
		inline := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": inbox.address, "password": testPassword})).Expect(t, http.StatusBadRequest)
		if nonFieldError(inline) != accounts.MsgOTPRequiredNoCode {
			inline.Errorf(t, "/token/ after a guessed-out code: want %q", accounts.MsgOTPRequiredNoCode)
		}

		// Once the cooldown is over, a sign-in sends a code again.
		s.Clock.Advance(61 * time.Second)
		fifth := loginAPI(s, inbox.address).Expect(t, http.StatusOK)
		if fifth.String("message") != accounts.MsgChallengeEmail {
			fifth.Errorf(t, "sign-in after the cooldown: want %q", accounts.MsgChallengeEmail)
		}
		verifyOTP(s, fifth.String("temporary_token"), inbox.next(t)).Expect(t, http.StatusOK)
	})
}

func TestRequestOTPRejectsAppOnlyChallenge(t *testing.T) {
	eachDialectWithMailpit(t, func(t *testing.T, s *apptest.Server, mp *mailpittest.Client) {
		address := mp.Recipient(t, "app-only")
		u := createUser(t, s, address, nil)
		owner, _ := signedIn(t, s, address)
		enrolTOTP(t, s, owner)

		login := loginAPI(s, address).Expect(t, http.StatusOK)
		if methods := fmt.Sprint(login.Get("otp_methods")); methods != "[totp recovery]" {
			login.Errorf(t, "otp_methods = %s, want [totp recovery]", methods)
		}
		res := requestOTP(s, login.String("temporary_token"))
		expectBody(t, res, http.StatusBadRequest, tokenError(accounts.MsgNoEmailCodes))
		if n := staffCodes(t, s, u.ID); n != 0 {
			t.Errorf("codes made for an authenticator-only challenge = %d, want 0", n)
		}

		// With e-mail codes on as well, the challenge lists e-mail and a
		// resent code completes it.
		owner.Post("/api/v1/users/2fa/enable/", apptest.JSON(map[string]any{"password": testPassword})).Expect(t, http.StatusOK)
		both := loginAPI(s, address).Expect(t, http.StatusOK)
		if methods := fmt.Sprint(both.Get("otp_methods")); methods != "[totp recovery email]" {
			both.Errorf(t, "otp_methods = %s, want [totp recovery email]", methods)
		}
		sent := requestOTP(s, both.String("temporary_token"))
		expectBody(t, sent, http.StatusOK, map[string]any{"message": accounts.MsgOTPSent, "expires_in_minutes": 5})
		inbox := &codeInbox{mp: mp, address: address, seen: map[string]bool{}}
		verifyOTP(s, both.String("temporary_token"), inbox.next(t)).Expect(t, http.StatusOK)

		// A completed challenge gets no further code.
		used := requestOTP(s, both.String("temporary_token"))
		expectBody(t, used, http.StatusBadRequest, tokenError(accounts.MsgChallengeInvalid))
		if n := staffCodes(t, s, u.ID); n != 1 {
			t.Errorf("codes made = %d, want 1", n)
		}
	})
}
