package accounts_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/onetime"
)

const newPassword = "Quiet-Orchard-Violin-77"

// issueLink stores a reset or invitation link for a user the way the
// forgot-password job and the invitation service do, and returns it.
func issueLink(t *testing.T, s *apptest.Server, userID int64, purpose string) string {
	t.Helper()
	var token string
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		token, err = onetime.Issue(ctx, tx, s.Clock.Now(), "staff", userID, purpose, time.Hour)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// eventually polls cond every 20 ms until it holds or 10 seconds pass,
// for work that background jobs finish.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForgotPasswordSameAnswerForEveryone(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "forgetful@example.com", nil)
		c := s.Client()
		known := c.Post("/api/v1/users/password/forgot/", apptest.JSON(map[string]any{"email": "Forgetful@example.com"})).Expect(t, http.StatusOK)
		unknown := c.Post("/api/v1/users/password/forgot/", apptest.JSON(map[string]any{"email": "nobody@example.com"})).Expect(t, http.StatusOK)
		if string(known.Body) != string(unknown.Body) || known.String("message") != accounts.MsgForgotSent {
			t.Errorf("forgot bodies differ: %s / %s", known.Body, unknown.Body)
		}
		alias := c.Post("/api/v1/users/password/request-reset/", apptest.JSON(map[string]any{"email": "nobody@example.com"})).Expect(t, http.StatusOK)
		if string(alias.Body) != string(known.Body) {
			t.Errorf("request-reset body %s differs", alias.Body)
		}
		c.Post("/api/v1/users/password/forgot/", apptest.JSON(map[string]any{"email": "not-an-address"})).Expect(t, http.StatusBadRequest)

		// The requests were only queued: the account is looked up by the
		// mail_request job.
		pending, err := onetime.Pending(context.Background(), s.App.DB, s.Clock.Now(), "staff", u.ID, onetime.Reset)
		if err != nil || pending {
			t.Errorf("a reset link exists before the job ran (%v)", err)
		}
		if err := s.App.StartJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the reset link of the known account", func() bool {
			pending, err := onetime.Pending(context.Background(), s.App.DB, s.Clock.Now(), "staff", u.ID, onetime.Reset)
			return err == nil && pending
		})
		// mail_account: 5 links per address and hour, then silence with the same answer.
		for i := 0; i < 5; i++ {
			c.Post("/api/v1/users/password/forgot/", apptest.JSON(map[string]any{"email": "forgetful@example.com"})).Expect(t, http.StatusOK)
		}
		eventually(t, "every mail request resolved", func() bool {
			open, err := s.App.DB.NewSelect().Table("river_job").Where("kind = 'mail_request'").Where("state <> 'completed'").Count(context.Background())
			return err == nil && open == 0
		})
		if got := auditCount(t, s, "password.reset_requested", u.ID); got != 5 {
			t.Errorf("reset links sent in one hour = %d, want 5", got)
		}
	})
}

func TestResetLinkSingleUseAndNewestOnly(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "reset@example.com", nil)
		browser, _ := signedIn(t, s, "reset@example.com")
		api := s.Client()
		obtained := api.Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "reset@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		oldAccess, oldRefresh := obtained.String("access"), obtained.String("refresh")

		older := issueLink(t, s, u.ID, onetime.Reset)
		newer := issueLink(t, s, u.ID, onetime.Reset)
		body := func(token string) apptest.Body {
			return apptest.JSON(map[string]any{"token": token, "password": newPassword, "password_confirm": newPassword})
		}
		if r := api.Post("/api/v1/users/password/reset/", body(older)).Expect(t, http.StatusBadRequest); nonFieldError(r) != accounts.MsgResetTokenInvalid {
			r.Errorf(t, "link older than the newest one")
		}
		mismatch := api.Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": newer, "password": newPassword, "password_confirm": newPassword + "x"})).Expect(t, http.StatusBadRequest)
		if nonFieldError(mismatch) != accounts.MsgResetMismatch {
			mismatch.Errorf(t, "mismatched confirmation")
		}
		common := api.Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": newer, "password": "password123", "password_confirm": "password123"})).Expect(t, http.StatusBadRequest)
		if nonFieldError(common) != "Password is too common." {
			common.Errorf(t, "common password")
		}
		done := api.Post("/api/v1/users/password/reset/", body(newer)).Expect(t, http.StatusOK)
		if done.Get("success") != true {
			done.Errorf(t, "reset body")
		}
		if r := api.Post("/api/v1/users/password/reset/", body(newer)).Expect(t, http.StatusBadRequest); nonFieldError(r) != accounts.MsgResetTokenInvalid {
			r.Errorf(t, "link used twice")
		}

		// Every session from before the reset is dead inside authd.
		s.Client().Get("/api/me/", "Authorization", "Bearer "+oldAccess).Expect(t, http.StatusUnauthorized)
		browser.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		if r := s.Client().Post("/api/v1/token/refresh/", apptest.JSON(map[string]any{"refresh": oldRefresh})); r.Status != http.StatusUnauthorized {
			r.Errorf(t, "refresh token from before the reset")
		}
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "reset@example.com", "password": testPassword})).Expect(t, http.StatusBadRequest)
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "reset@example.com", "password": newPassword})).Expect(t, http.StatusOK)
		if got := auditCount(t, s, "password.reset", u.ID); got != 1 {
			t.Errorf("password.reset events = %d, want 1", got)
		}

		s.Clock.Advance(2 * time.Hour)
		expired := issueLink(t, s, u.ID, onetime.Reset)
		s.Clock.Advance(time.Hour)
		api.Post("/api/v1/users/password/reset/", body(expired)).Expect(t, http.StatusBadRequest)
	})
}

func TestResetAliasesInvitationAndLockClear(t *testing.T) {
	noCaptcha := noCaptchaEnv(nil)
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "invited@example.com", nil)
		for i := 0; i < 10; i++ {
			s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "invited@example.com", "password": "guess"}))
		}
		if !userRow(t, s, u.ID).IsLocked {
			t.Fatalf("account not locked after 10 failures")
		}
		token := issueLink(t, s, u.ID, onetime.Invite)
		s.Client().Post("/api/v1/users/password/reset/confirm/", apptest.JSON(map[string]any{"token": token, "new_password": newPassword, "confirm_password": newPassword})).Expect(t, http.StatusOK)
		after := userRow(t, s, u.ID)
		if after.IsLocked || after.FailedLoginAttempts != 0 {
			t.Errorf("lock after reset: locked=%v failures=%d", after.IsLocked, after.FailedLoginAttempts)
		}
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "invited@example.com", "password": newPassword})).Expect(t, http.StatusOK)
		missing := s.Client().Post("/api/v1/users/password/reset/", apptest.JSON(map[string]any{"token": "x"})).Expect(t, http.StatusBadRequest)
		if missing.Get("password") == nil || missing.Get("password_confirm") == nil {
			missing.Errorf(t, "reset without passwords")
		}
	})
}

func TestPasswordChangeRoutes(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "changer@example.com", func(n *accounts.NewUser) { n.Username = "changer" })
		browser, _ := signedIn(t, s, "changer@example.com")
		api := s.Client()
		bearer := api.Post("/token/", apptest.JSON(map[string]any{"email": "changer@example.com", "password": testPassword})).Expect(t, http.StatusOK).String("access")

		verify := browser.Post("/api/v1/users/verify-password/", apptest.JSON(map[string]any{"current_password": testPassword})).Expect(t, http.StatusOK)
		if verify.String("detail") != accounts.MsgPasswordVerified {
			verify.Errorf(t, "verify-password")
		}
		wrong := browser.Post("/api/v1/users/password/verify/", apptest.JSON(map[string]any{"current_password": "nope"})).Expect(t, http.StatusBadRequest)
		if wrong.String("detail") != accounts.MsgPasswordIncorrect {
			wrong.Errorf(t, "wrong password on password/verify/")
		}
		if got := userRow(t, s, u.ID).FailedLoginAttempts; got != 1 {
			t.Errorf("failed_login_attempts after a wrong current password = %d, want 1", got)
		}
		bad := browser.Post("/api/v1/users/password/change/", apptest.JSON(map[string]any{"current_password": "nope", "new_password": newPassword, "new_password_confirm": newPassword})).Expect(t, http.StatusBadRequest)
		if got := bad.Get("current_password"); got == nil || got.([]any)[0] != accounts.MsgCurrentWrong {
			bad.Errorf(t, "wrong current password")
		}
		mismatch := browser.Post("/api/v1/users/password/change/", apptest.JSON(map[string]any{"current_password": testPassword, "new_password": newPassword, "new_password_confirm": "other"})).Expect(t, http.StatusBadRequest)
		if mismatch.Get("new_password_confirm") == nil {
			mismatch.Errorf(t, "mismatched confirmation")
		}
		policy := browser.Post("/api/v1/users/password/change/", apptest.JSON(map[string]any{"current_password": testPassword, "new_password": "xxchangerxx", "new_password_confirm": "xxchangerxx"})).Expect(t, http.StatusBadRequest)
		if got := policy.Get("new_password"); got == nil || got.([]any)[0] != "Password must not contain your username." {
			policy.Errorf(t, "username in the password")
		}

		oldCookie := browser.Cookie("access_token")
		changed := browser.Post("/api/v1/users/profile/reset-password/", apptest.JSON(map[string]any{"current_password": testPassword, "new_password": newPassword, "new_password_confirm": newPassword})).Expect(t, http.StatusOK)
		if changed.String("detail") != accounts.MsgPasswordResetByUser || changed.SetCookies()["access_token"] == nil {
			changed.Errorf(t, "cookie caller gets no new pair")
		}
		if browser.Cookie("access_token") == oldCookie {
			t.Errorf("access cookie not replaced")
		}
		browser.Get("/api/me/").Expect(t, http.StatusOK)
		s.Client().Get("/api/me/", "Authorization", "Bearer "+bearer).Expect(t, http.StatusUnauthorized)
		s.Client().Get("/api/me/", "Authorization", "Bearer "+oldCookie).Expect(t, http.StatusUnauthorized)

		legacy := s.Client()
		legacyToken := legacy.Post("/token/", apptest.JSON(map[string]any{"email": "changer@example.com", "password": newPassword})).Expect(t, http.StatusOK).String("access")
		done := s.Client().Post("/api/v1/users/change-password/", apptest.JSON(map[string]any{"current_password": newPassword, "new_password": testPassword}), "Authorization", "Bearer "+legacyToken).Expect(t, http.StatusOK)
		if done.String("detail") != accounts.MsgPasswordChanged || len(done.SetCookies()) != 0 {
			done.Errorf(t, "Bearer caller of change-password")
		}
		if got := auditCount(t, s, "password.changed", u.ID); got != 2 {
			t.Errorf("password.changed events = %d, want 2", got)
		}
	})
}
