package securityapi_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
)

const password = "Amber-Canyon-Rocket-93"

func createUser(t *testing.T, s *apptest.Server, email string, superuser bool) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: password, Status: model.StatusApproved, IsActive: true, IsSuperuser: superuser, IsStaff: superuser}
	var u *model.User
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func signIn(t *testing.T, s *apptest.Server, email string, userAgent string) *apptest.Client {
	t.Helper()
	c := s.Client()
	c.Header.Set("User-Agent", userAgent)
	c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": password})).Expect(t, http.StatusOK)
	return c
}

func TestSessionsListRevokeAndLogoutEverywhere(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "many@example.com", false)
		createUser(t, s, "stranger@example.com", false)
		laptop := signIn(t, s, "many@example.com", "laptop-browser")
		phone := signIn(t, s, "many@example.com", "phone-browser")
		stranger := signIn(t, s, "stranger@example.com", "other")

		list := laptop.Get("/api/v1/sessions/").Expect(t, http.StatusOK)
		sessions, _ := list.Get("sessions").([]any)
		if len(sessions) != 2 {
			t.Fatalf("sessions = %d, want 2; body %s", len(sessions), list.Body)
		}
		var phoneID, laptopID string
		for _, raw := range sessions {
			session := raw.(map[string]any)
			switch session["user_agent"] {
			case "phone-browser":
				phoneID = session["id"].(string)
				if session["current"] != false {
					t.Errorf("phone session marked current in the laptop's list")
				}
			case "laptop-browser":
				laptopID = session["id"].(string)
				if session["current"] != true {
					t.Errorf("laptop session not marked current")
				}
			}
		}
		if phoneID == "" || laptopID == "" {
			t.Fatalf("sessions lack the user agents: %s", list.Body)
		}

		// Another account's session id is not found.
		stranger.Do(http.MethodDelete, "/api/v1/sessions/"+phoneID+"/", nil).Expect(t, http.StatusNotFound)
		laptop.Do(http.MethodDelete, "/api/v1/sessions/"+phoneID+"/", nil).Expect(t, http.StatusOK)
		laptop.Do(http.MethodDelete, "/api/v1/sessions/"+phoneID+"/", nil).Expect(t, http.StatusNotFound)
		laptop.Do(http.MethodDelete, "/api/v1/sessions/does-not-exist/", nil).Expect(t, http.StatusNotFound)
		if r := phone.Get("/api/me/"); r.Status != http.StatusUnauthorized {
			r.Errorf(t, "revoked phone session still works")
		}
		if r := phone.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})); r.Status != http.StatusUnauthorized {
			r.Errorf(t, "revoked phone session refreshed")
		}
		laptop.Get("/api/me/").Expect(t, http.StatusOK)

		// keep_current ends the others only.
		tablet := signIn(t, s, "many@example.com", "tablet")
		kept := laptop.Post("/api/v1/sessions/revoke-all/", apptest.JSON(map[string]any{"keep_current": true})).Expect(t, http.StatusOK)
		if kept.Get("revoked") != float64(1) {
			kept.Errorf(t, "keep_current revoke-all")
		}
		tablet.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		laptop.Get("/api/me/").Expect(t, http.StatusOK)

		access := laptop.Cookie("access_token")
		all := laptop.Post("/api/v1/sessions/revoke-all/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if c := all.SetCookies()["access_token"]; c == nil || c.MaxAge >= 0 {
			all.Errorf(t, "revoke-all did not clear the cookies")
		}
		s.Client().Get("/api/me/", "Authorization", "Bearer "+access).Expect(t, http.StatusUnauthorized)
		stranger.Get("/api/me/").Expect(t, http.StatusOK)
		s.Client().Get("/api/v1/sessions/").Expect(t, http.StatusUnauthorized)
		laptop.Post("/api/v1/sessions/revoke-all/", apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)
		stranger.Post("/api/v1/sessions/revoke-all/", apptest.JSON(map[string]any{"keep_current": "maybe"})).Expect(t, http.StatusBadRequest)
	})
}

func TestAuditQueryForSuperusers(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "root@example.com", true)
		user := createUser(t, s, "plain@example.com", false)
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "plain@example.com", "password": "wrong"}))
		s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "ghost@example.com", "password": "wrong"}))
		plain := signIn(t, s, "plain@example.com", "ua")
		root := signIn(t, s, "root@example.com", "ua")

		plain.Get("/api/v1/audit/").Expect(t, http.StatusForbidden)
		all := root.Get("/api/v1/audit/").Expect(t, http.StatusOK)
		if all.Get("count").(float64) < 4 || all.Get("page") != float64(1) || all.Get("page_size") != float64(50) {
			all.Errorf(t, "unfiltered page")
		}
		failed := root.Get("/api/v1/audit/?event=login.failed&outcome=failure").Expect(t, http.StatusOK)
		if failed.Get("count") != float64(2) {
			failed.Errorf(t, "login.failed events")
		}
		ghost := root.Get("/api/v1/audit/?event=login.failed&identifier=GHOST@example.com").Expect(t, http.StatusOK)
		results := ghost.Get("results").([]any)
		if len(results) != 1 || results[0].(map[string]any)["details"].(map[string]any)["reason"] != "unknown_account" {
			ghost.Errorf(t, "failure for an unknown e-mail")
		}
		mine := root.Get("/api/v1/audit/?subject_type=staff&subject_id="+strconv.FormatInt(user.ID, 10)+"&event=login.succeeded,login.failed&page_size=1").Expect(t, http.StatusOK)
		if mine.Get("count") != float64(2) || len(mine.Get("results").([]any)) != 1 {
			mine.Errorf(t, "subject filter with paging")
		}
		second := root.Get("/api/v1/audit/?subject_type=staff&subject_id="+strconv.FormatInt(user.ID, 10)+"&event=login.succeeded,login.failed&page_size=1&page=2").Expect(t, http.StatusOK)
		if second.Get("results").([]any)[0].(map[string]any)["id"] == mine.Get("results").([]any)[0].(map[string]any)["id"] {
			second.Errorf(t, "page 2 repeats page 1")
		}
		future := root.Get("/api/v1/audit/?since=2099-01-01T00:00:00Z").Expect(t, http.StatusOK)
		if future.Get("count") != float64(0) {
			future.Errorf(t, "since in the future")
		}
		for _, query := range []string{"page=0", "page_size=500", "since=yesterday", "subject_id=abc", "outcome=maybe", "actor_type=robot", "event=a&event=b"} {
			if r := root.Get("/api/v1/audit/?" + query); r.Status != http.StatusBadRequest {
				r.Errorf(t, "query %s", query)
			}
		}
	})
}

func TestSessionsForEmployees(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e, err := s.App.Employees.Register(context.Background(), &employees.NewEmployee{Email: "worker@example.com", Password: password, FirstName: "Ana", LastName: "Cruz"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).Where("id = ?", e.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A staff user with the same id must not see or end the employee's sessions.
		createUser(t, s, "staff-twin@example.com", false)
		staff := signIn(t, s, "staff-twin@example.com", "staff")

		first, second := s.Client(), s.Client()
		for _, c := range []*apptest.Client{first, second} {
			c.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": "worker@example.com", "password": password})).Expect(t, http.StatusOK)
		}
		list := first.Get("/api/v1/sessions/").Expect(t, http.StatusOK)
		sessions, _ := list.Get("sessions").([]any)
		if len(sessions) != 2 {
			t.Fatalf("employee sessions = %d, want 2; body %s", len(sessions), list.Body)
		}
		var otherID string
		for _, raw := range sessions {
			if session := raw.(map[string]any); session["current"] == false {
				otherID = session["id"].(string)
			}
		}
		staff.Do(http.MethodDelete, "/api/v1/sessions/"+otherID+"/", nil).Expect(t, http.StatusNotFound)
		first.Do(http.MethodDelete, "/api/v1/sessions/"+otherID+"/", nil).Expect(t, http.StatusOK)
		second.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		first.Post("/api/v1/sessions/revoke-all/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		first.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		staff.Get("/api/me/").Expect(t, http.StatusOK)
	})
}
