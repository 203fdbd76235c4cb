package employees_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/onetime"
)

func TestChangePasswordRules(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, _ := signedInEmployee(t, s, "changer@example.com")
		cases := []struct {
			name string
			body map[string]any
			want string
		}{
			{"mismatch", map[string]any{"old_password": testPassword, "new_password": otherPassword, "confirm_password": otherPassword + "x"}, "[New passwords do not match.]"},
			{"same as old", map[string]any{"old_password": testPassword, "new_password": testPassword, "confirm_password": testPassword}, "[New password must be different from old password.]"},
			{"common", map[string]any{"old_password": testPassword, "new_password": "password123", "confirm_password": "password123"}, "[Password is too common.]"},
		}
		for _, tc := range cases {
			res := c.Post(changePath, apptest.JSON(tc.body)).Expect(t, http.StatusBadRequest)
			if got := fmt.Sprint(res.Get("non_field_errors")); got != tc.want {
				res.Errorf(t, "%s: %s", tc.name, got)
			}
		}
		missing := c.Post(changePath, apptest.JSON(map[string]any{"old_password": testPassword})).Expect(t, http.StatusBadRequest)
		if fmt.Sprint(missing.Get("new_password")) != "[This field is required.]" {
			missing.Errorf(t, "missing new_password")
		}
		// A Bearer caller gets no new cookies and its token stops working.
		bearer := s.Client()
		bearer.Header.Set("Authorization", "Bearer "+c.Cookie("access_token"))
		s.Clock.Advance(time.Second)
		res := bearer.Post(changePath, apptest.JSON(map[string]any{"old_password": testPassword, "new_password": otherPassword, "confirm_password": otherPassword})).Expect(t, http.StatusOK)
		if len(res.SetCookies()) != 0 {
			t.Error("a Bearer caller must not get cookies")
		}
		bearer.Get(profilePath).Expect(t, http.StatusUnauthorized)
		c.Get(profilePath).Expect(t, http.StatusUnauthorized)
	})
}

func TestForgotPasswordLooksTheSame(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		approvedEmployee(t, s, "known@example.com")
		known := s.Client().Post(forgotPath, apptest.JSON(map[string]any{"email": "known@example.com"})).Expect(t, http.StatusOK)
		unknown := s.Client().Post(forgotPath, apptest.JSON(map[string]any{"email": "nobody@example.com"})).Expect(t, http.StatusOK)
		if string(known.Body) != string(unknown.Body) {
			t.Errorf("known %s, unknown %s", known.Body, unknown.Body)
		}
		// The request only queues a job for either address; no link exists
		// until a worker resolves it.
		ctx := context.Background()
		links, err := s.App.DB.NewSelect().Table("password_tokens").Count(ctx)
		if err != nil || links != 0 {
			t.Errorf("reset links written during the request: %d (%v), want 0", links, err)
		}
		queued, err := s.App.DB.NewSelect().Table("river_job").Where("kind = 'mail_request'").Count(ctx)
		if err != nil || queued != 2 {
			t.Errorf("mail_request jobs = %d (%v), want 2", queued, err)
		}
		for _, body := range []map[string]any{{"email": "not-an-address"}, {}, {"email": 5}} {
			res := s.Client().Post(forgotPath, apptest.JSON(body)).Expect(t, http.StatusBadRequest)
			if res.String("error") != "Invalid email address." {
				res.Errorf(t, "body %v", body)
			}
		}
	})
}

func TestResetRefusesForeignAndExpiredTokens(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		staff := staffUser(t, s, "staff.twin@example.com", false)
		e := approvedEmployee(t, s, "employee.twin@example.com")
		if staff.ID != e.ID {
			t.Fatalf("ids %d and %d should collide", staff.ID, e.ID)
		}
		staffToken, err := onetime.Issue(ctx, s.App.DB, s.Clock.Now(), "staff", staff.ID, onetime.Reset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"token": staffToken, "new_password": otherPassword, "confirm_password": otherPassword}
		res := s.Client().Post(resetPath, apptest.JSON(body)).Expect(t, http.StatusBadRequest)
		if fmt.Sprint(res.Get("token")) != "[Invalid or expired reset token.]" {
			res.Errorf(t, "a staff reset token must not reset the employee with the same id")
		}

		token, err := onetime.Issue(ctx, s.App.DB, s.Clock.Now(), "employee", e.ID, onetime.Reset, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		mismatch := s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": otherPassword, "confirm_password": "other"})).Expect(t, http.StatusBadRequest)
		if fmt.Sprint(mismatch.Get("confirm_password")) != "[Passwords do not match.]" {
			mismatch.Errorf(t, "mismatch")
		}
		weak := s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": "qwerty", "confirm_password": "qwerty"})).Expect(t, http.StatusBadRequest)
		if weak.Get("new_password") == nil {
			weak.Errorf(t, "policy message under new_password")
		}
		s.Clock.Advance(24 * time.Hour)
		expired := s.Client().Post(resetPath, apptest.JSON(map[string]any{"token": token, "new_password": otherPassword, "confirm_password": otherPassword})).Expect(t, http.StatusBadRequest)
		if fmt.Sprint(expired.Get("token")) != "[Invalid or expired reset token.]" {
			expired.Errorf(t, "a link older than 24 hours")
		}
	})
}
