package employees_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
)

// noCaptcha turns CAPTCHA escalation off, so lockout tests can fail more
// than three times from one address.
var noCaptcha = map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none"}

func TestLockoutAfterFiveFailures(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "target@example.com")
		for i := 1; i <= 5; i++ {
			_, res := employeeLogin(t, s, e.Email, "Wrong-Guess-Number-1")
			if got := loginError(res.Expect(t, http.StatusBadRequest)); got != employees.ErrInvalidCredentials.Error() {
				t.Fatalf("failure %d answered %q, want the generic message", i, got)
			}
		}
		row := loadEmployee(t, s, e.ID)
		if !row.IsLocked || row.LockReason == nil || *row.LockReason != model.LockFailures || row.FailedLoginAttempts != 5 {
			t.Fatalf("after 5 failures: locked %v reason %v attempts %d", row.IsLocked, row.LockReason, row.FailedLoginAttempts)
		}
		if want := s.Clock.Now().Add(30 * time.Minute); row.LockedUntil == nil || !row.LockedUntil.Equal(want) {
			t.Errorf("locked_until %v, want %v", row.LockedUntil, want)
		}
		_, locked := employeeLogin(t, s, e.Email, testPassword)
		if got := loginError(locked.Expect(t, http.StatusBadRequest)); got != employees.ErrLocked.Error() {
			t.Errorf("right password while locked: %q", got)
		}
		_, wrong := employeeLogin(t, s, e.Email, "Wrong-Guess-Number-1")
		if got := loginError(wrong); got != employees.ErrInvalidCredentials.Error() {
			t.Errorf("wrong password while locked: %q", got)
		}
		if n := auditCount(t, s, "account.locked", e.ID); n != 1 {
			t.Errorf("account.locked events = %d, want 1 (failures during a lock do not extend it)", n)
		}
		s.Clock.Advance(29 * time.Minute)
		_, still := employeeLogin(t, s, e.Email, testPassword)
		if got := loginError(still); got != employees.ErrLocked.Error() {
			t.Errorf("one minute before the end: %q", got)
		}
		s.Clock.Advance(time.Minute)
		_, ok := employeeLogin(t, s, e.Email, testPassword)
		ok.Expect(t, http.StatusOK)
		if row := loadEmployee(t, s, e.ID); row.IsLocked || row.FailedLoginAttempts != 0 {
			t.Errorf("after the lock ended: locked %v attempts %d", row.IsLocked, row.FailedLoginAttempts)
		}
	})
}

func TestCorrectPasswordResetsFailureCount(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "steady@example.com")
		for round := 0; round < 2; round++ {
			for i := 0; i < 4; i++ {
				_, res := employeeLogin(t, s, e.Email, "Wrong-Guess-Number-1")
				res.Expect(t, http.StatusBadRequest)
			}
			_, res := employeeLogin(t, s, e.Email, testPassword)
			res.Expect(t, http.StatusOK)
		}
	})
}

func TestWrongOldPasswordCountsTowardLock(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, e := signedInEmployee(t, s, "typo@example.com")
		for i := 0; i < 5; i++ {
			res := c.Post(changePath, apptest.JSON(map[string]any{"old_password": "Not-My-Password-9", "new_password": otherPassword,
				"confirm_password": otherPassword})).Expect(t, http.StatusBadRequest)
			if res.String("detail") != "Old password is incorrect" {
				res.Errorf(t, "wrong old password")
			}
		}
		if !loadEmployee(t, s, e.ID).IsLocked {
			t.Error("five wrong old passwords must lock the account")
		}
		_, locked := employeeLogin(t, s, e.Email, testPassword)
		if got := loginError(locked); got != employees.ErrLocked.Error() {
			t.Errorf("sign-in after the lock: %q", got)
		}
	})
}

func TestResetClearsFailureLock(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		box := startMail(t, s, "")
		e := approvedEmployee(t, s, "forgetful@example.com")
		for i := 0; i < 5; i++ {
			employeeLogin(t, s, e.Email, "Wrong-Guess-Number-1")
		}
		s.Client().Post(forgotPath, apptest.JSON(map[string]any{"email": e.Email})).Expect(t, http.StatusOK)
		link := box.wait(e.Email, "Password Reset Request").resetLink(t)
		token := link[len(s.URL+"/reset-password/?token="):]
		s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": otherPassword,
			"confirm_password": otherPassword})).Expect(t, http.StatusOK)
		_, res := employeeLogin(t, s, e.Email, otherPassword)
		res.Expect(t, http.StatusOK)
	})
}

func TestAdminLockRevokesTokens(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, e := signedInEmployee(t, s, "suspended@example.com")
		_, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("is_locked = ?", true).Set("lock_reason = ?", model.LockAdmin).
			Where("id = ?", e.ID).Exec(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if code := c.Get(profilePath).Expect(t, http.StatusUnauthorized).String("code"); code != "token_revoked" {
			t.Errorf("access token of an admin-locked employee: %s", code)
		}
		c.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)
		_, locked := employeeLogin(t, s, e.Email, testPassword)
		if got := loginError(locked); got != employees.ErrLocked.Error() {
			t.Errorf("sign-in while admin-locked: %q", got)
		}
		s.Clock.Advance(365 * 24 * time.Hour)
		_, later := employeeLogin(t, s, e.Email, testPassword)
		if got := loginError(later); got != employees.ErrLocked.Error() {
			t.Errorf("an admin lock must not end by time: %q", got)
		}
	})
}
