package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/seed"
)

// signInPath is one staff sign-in route with the body it answers on a
// refusal carrying message.
type signInPath struct {
	path    string
	refusal func(message string) map[string]any
}

var staffSignInPaths = []signInPath{
	{"/api/v1/users/login/api/", loginAPIError},
	{"/api/v1/users/login/api", loginAPIError},
	{"/token/", tokenError},
	{"/token", tokenError},
	{"/api/v1/token/obtain/", tokenError},
	{"/api/v1/token/obtain", tokenError},
	{"/api/v1/users/login/", tokenError},
	{"/api/v1/users/login", tokenError},
}

func credentials(email, password string) apptest.Body {
	return apptest.JSON(map[string]any{"email": email, "password": password})
}

func TestLockoutOnEverySignInPath(t *testing.T) {
	generic, locked := accounts.ErrInvalidCredentials.Error(), accounts.ErrLocked.Error()
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		for i, p := range staffSignInPaths {
			t.Run(p.path, func(t *testing.T) {
				u := createUser(t, s, fmt.Sprintf("lock%d@example.com", i), nil)
				c := s.Client()
				for attempt := 1; attempt <= 10; attempt++ {
					expectBody(t, c.Post(p.path, credentials(u.Email, "wrong-password")), http.StatusBadRequest, p.refusal(generic))
				}
				row := readUser(t, s, u.ID)
				if !row.IsLocked || row.LockReason == nil || *row.LockReason != model.LockFailures || row.LockedUntil == nil {
					t.Fatalf("after ten failures: locked=%v reason=%v until=%v", row.IsLocked, row.LockReason, row.LockedUntil)
				}
				if want := s.Clock.Now().Add(15 * time.Minute); !row.LockedUntil.Equal(want) {
					t.Errorf("locked_until = %v, want %v", row.LockedUntil, want)
				}

				// While locked: a wrong password gets the generic message and does
				// not extend the lock; the right one gets the locked message.
				s.Clock.Advance(5 * time.Minute)
				expectBody(t, c.Post(p.path, credentials(u.Email, "wrong-password")), http.StatusBadRequest, p.refusal(generic))
				expectBody(t, c.Post(p.path, credentials(u.Email, testPassword)), http.StatusBadRequest, p.refusal(locked))
				if again := readUser(t, s, u.ID); !again.LockedUntil.Equal(*row.LockedUntil) {
					t.Errorf("a failure during the lock moved locked_until to %v", again.LockedUntil)
				}

				// The lock ends by time; the next attempt lifts it.
				s.Clock.Advance(10 * time.Minute)
				c.Post(p.path, credentials(u.Email, testPassword)).Expect(t, http.StatusOK)
				if after := readUser(t, s, u.ID); after.IsLocked || after.FailedLoginAttempts != 0 || after.LockedUntil != nil {
					t.Errorf("after the lock ended: locked=%v failures=%d until=%v", after.IsLocked, after.FailedLoginAttempts, after.LockedUntil)
				}
				if n := countRows(t, s, "SELECT COUNT(*) FROM audit_events WHERE event = 'account.unlocked' AND subject_id = ?", u.ID); n != 1 {
					t.Errorf("account.unlocked events = %d, want 1", n)
				}
			})
		}
	})
}

func TestCorrectPasswordResetsFailureCounter(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "counter@example.com", nil)
		c := s.Client()
		for i := 0; i < 9; i++ {
			c.Post("/token/", credentials(u.Email, "wrong")).Expect(t, http.StatusBadRequest)
		}
		if row := readUser(t, s, u.ID); row.FailedLoginAttempts != 9 {
			t.Fatalf("failed_login_attempts = %d, want 9", row.FailedLoginAttempts)
		}
		c.Post("/token/", credentials(u.Email, testPassword)).Expect(t, http.StatusOK)
		c.Post("/token/", credentials(u.Email, "wrong")).Expect(t, http.StatusBadRequest)
		if row := readUser(t, s, u.ID); row.FailedLoginAttempts != 1 || row.IsLocked {
			t.Errorf("after a success and one failure: failures=%d locked=%v", row.FailedLoginAttempts, row.IsLocked)
		}
	})
}

func TestUnknownEmailChangesNoCounter(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "present@example.com", nil)
		c := s.Client()
		for _, p := range staffSignInPaths {
			expectBody(t, c.Post(p.path, credentials("absent@example.com", testPassword)), http.StatusBadRequest,
				p.refusal(accounts.ErrInvalidCredentials.Error()))
		}
		if n := countRows(t, s, "SELECT COALESCE(SUM(failed_login_attempts), 0) FROM users"); n != 0 {
			t.Errorf("unknown e-mails changed account counters: sum %d", n)
		}
	})
}

func TestInactiveUserGetsGenericMessage(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "dormant@example.com", func(n *accounts.NewUser) { n.IsActive = false })
		c := s.Client()
		for _, p := range staffSignInPaths {
			expectBody(t, c.Post(p.path, credentials("dormant@example.com", testPassword)), http.StatusBadRequest,
				p.refusal(accounts.ErrInvalidCredentials.Error()))
		}
	})
}

// assignHDTSEmployee gives a user the hdts Employee role.
func assignHDTSEmployee(t *testing.T, s *apptest.Server, userID int64) {
	t.Helper()
	ctx := context.Background()
	seeder := &seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}
	if err := seeder.AllRoles(ctx); err != nil {
		t.Fatal(err)
	}
	role := &model.Role{}
	err := s.App.DB.NewSelect().Model(role).Join("JOIN systems AS s ON s.id = role.system_id").
		Where("s.slug = 'hdts'").Where("role.name = 'Employee'").Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := &model.Assignment{UserID: userID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Clock.Now(), IsActive: true,
		Settings: map[string]any{"is_deployed": true}}
	if _, err := s.App.DB.NewInsert().Model(a).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPendingAndRejectedHDTSEmployeeRole(t *testing.T) {
	apptest.EachDialect(t, noGuardEnv, func(t *testing.T, s *apptest.Server) {
		pending := createUser(t, s, "pending@example.com", func(n *accounts.NewUser) { n.Status = model.StatusPending })
		rejected := createUser(t, s, "rejected@example.com", func(n *accounts.NewUser) { n.Status = model.StatusRejected })
		assignHDTSEmployee(t, s, pending.ID)
		assignHDTSEmployee(t, s, rejected.ID)
		c := s.Client()
		for _, tc := range []struct {
			email, message string
		}{
			{pending.Email, accounts.ErrPending.Error()},
			{rejected.Email, accounts.ErrRejected.Error()},
		} {
			for _, p := range staffSignInPaths {
				want, status := map[string]any{"detail": tc.message}, http.StatusForbidden
				if strings.HasPrefix(p.path, "/api/v1/users/login/api") {
					want, status = loginAPIError(tc.message), http.StatusBadRequest
				}
				expectBody(t, c.Post(p.path, credentials(tc.email, testPassword)), status, want)
				// The message appears only after a correct password.
				expectBody(t, c.Post(p.path, credentials(tc.email, "wrong-password")), http.StatusBadRequest,
					p.refusal(accounts.ErrInvalidCredentials.Error()))
			}
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM refresh_families"); n != 0 {
			t.Errorf("refused sign-ins created %d token families", n)
		}

		// A pending user without the hdts Employee role signs in.
		createUser(t, s, "pending-staff@example.com", func(n *accounts.NewUser) { n.Status = model.StatusPending })
		c.Post("/token/", credentials("pending-staff@example.com", testPassword)).Expect(t, http.StatusOK)
	})
}
