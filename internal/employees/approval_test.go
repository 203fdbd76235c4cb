package employees_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
)

func TestRejectRevokesFamiliesAndRefusesSignIn(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "root@example.com", true)
		admin := staffClient(t, s, "root@example.com")
		browser, e := signedInEmployee(t, s, "rey@example.com")
		access := browser.Cookie("access_token")
		refresh := browser.Cookie("refresh_token")
		// An employee moved back to Pending (by the portal) still holds
		// the tokens of its earlier sign-in.
		if _, err := s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusPending).Where("id = ?", e.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		decided := admin.Post(statusPath(e.ID), apptest.Form(map[string]string{"action": "reject", "user_type": "employee"})).Expect(t, http.StatusOK)
		if decided.String("message") != "User rejected successfully" || decided.String("status") != "Rejected" {
			decided.Errorf(t, "unexpected rejection body")
		}

		bearer := s.Client()
		bearer.Header.Set("Authorization", "Bearer "+access)
		if code := bearer.Get(profilePath).Expect(t, http.StatusUnauthorized).String("code"); code != "token_revoked" {
			t.Errorf("access token after rejection: %s", code)
		}
		replay := s.Client()
		replay.SetCookie("refresh_token", refresh)
		replay.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)

		_, login := employeeLogin(t, s, "rey@example.com", testPassword)
		if got := loginError(login.Expect(t, http.StatusBadRequest)); got != employees.ErrRejected.Error() {
			t.Errorf("rejected sign-in: %q", got)
		}
		row := loadEmployee(t, s, e.ID)
		if row.Status != model.StatusRejected || row.TokensValidAfter == nil {
			t.Errorf("status %s tokens_valid_after %v", row.Status, row.TokensValidAfter)
		}
		if n := auditCount(t, s, "employee.rejected", e.ID); n != 1 {
			t.Errorf("employee.rejected events = %d, want 1", n)
		}
		revoked, err := s.App.DB.NewSelect().Table("refresh_families").Where("subject_type = 'employee'").Where("subject_id = ?", e.ID).
			Where("revoke_reason = 'rejected'").Count(context.Background())
		if err != nil || revoked != 1 {
			t.Errorf("families revoked for rejection = %d (%v), want 1", revoked, err)
		}
	})
}

func TestUserManagementPermissions(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "root@example.com", true)
		staffUser(t, s, "hdts.admin@example.com", false, "hdts/Admin")
		staffUser(t, s, "coordinator@example.com", false, "hdts/Ticket Coordinator")
		staffUser(t, s, "tts.admin@example.com", false, "tts/Admin")
		employeeClient, _ := signedInEmployee(t, s, "worker@example.com")
		callers := map[string]*apptest.Client{
			"superuser":   staffClient(t, s, "root@example.com"),
			"hdts admin":  staffClient(t, s, "hdts.admin@example.com"),
			"hdts staff":  staffClient(t, s, "coordinator@example.com"),
			"other staff": staffClient(t, s, "tts.admin@example.com"),
			"employee":    employeeClient,
			"no token":    s.Client(),
		}
		lists := map[string]int{"superuser": 200, "hdts admin": 200, "hdts staff": 200, "other staff": 403, "employee": 403, "no token": 401}
		decide := map[string]int{"superuser": 200, "hdts admin": 200, "hdts staff": 403, "other staff": 403, "employee": 403, "no token": 401}
		codes := map[string]string{"hdts staff": "permission_denied", "other staff": "permission_denied", "employee": "wrong_user_type", "no token": "not_authenticated"}
		for name, c := range callers {
			for _, path := range []string{pendingPath, usersPath} {
				res := c.Get(path)
				if res.Status != lists[name] {
					res.Errorf(t, "%s GET %s: status %d, want %d", name, path, res.Status, lists[name])
				}
				if want := codes[name]; want != "" && name != "hdts staff" && res.String("code") != want {
					res.Errorf(t, "%s GET %s: code %q, want %q", name, path, res.String("code"), want)
				}
			}
			pending, err := s.App.Employees.Register(context.Background(), &employees.NewEmployee{Email: "p-" + strings.ReplaceAll(name, " ", "-") + "@example.com", Password: testPassword})
			if err != nil {
				t.Fatal(err)
			}
			res := c.Post(statusPath(pending.ID), apptest.JSON(map[string]any{"action": "approve"}))
			if res.Status != decide[name] {
				res.Errorf(t, "%s update-status: status %d, want %d", name, res.Status, decide[name])
			}
			if want := codes[name]; want != "" && res.String("code") != want {
				res.Errorf(t, "%s update-status: code %q, want %q", name, res.String("code"), want)
			}
		}
	})
}

func TestUpdateStatusErrors(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "root@example.com", true)
		admin := staffClient(t, s, "root@example.com")
		pending := register(t, s, "pending@example.com", nil)
		id := int64(pending.Get("id").(float64))

		cases := []struct {
			name   string
			path   string
			body   map[string]any
			status int
			error  string
		}{
			{"unknown id", statusPath(999999), map[string]any{"action": "approve"}, 404, "User not found"},
			{"id not a number", "/api/v1/hdts/user-management/update-status/abc/", map[string]any{"action": "approve"}, 404, "User not found"},
			{"id overflows", "/api/v1/hdts/user-management/update-status/99999999999999999999999/", map[string]any{"action": "approve"}, 404, "User not found"},
			{"no action", statusPath(id), map[string]any{}, 400, "Invalid action"},
			{"unknown action", statusPath(id), map[string]any{"action": "promote"}, 400, "Invalid action"},
			{"action of wrong type", statusPath(id), map[string]any{"action": []any{"approve"}}, 400, "Invalid action"},
			{"unknown user_type", statusPath(id), map[string]any{"action": "approve", "user_type": "robot"}, 400, "Invalid user_type"},
			{"staff id without hdts", statusPath(1), map[string]any{"action": "approve", "user_type": "staff"}, 404, "User not found"},
		}
		for _, tc := range cases {
			res := admin.Post(tc.path, apptest.JSON(tc.body))
			if res.Status != tc.status || res.String("error") != tc.error {
				res.Errorf(t, "%s: %d %q, want %d %q", tc.name, res.Status, res.String("error"), tc.status, tc.error)
			}
		}
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			res := admin.Do(method, statusPath(id), nil)
			if res.Status != http.StatusMethodNotAllowed || res.String("error") != "Method not allowed" {
				res.Errorf(t, "%s update-status: %d", method, res.Status)
			}
		}
		patched := admin.Do(http.MethodPatch, statusPath(id), ptr(apptest.JSON(map[string]any{"action": "reject"}))).Expect(t, http.StatusOK)
		if patched.String("status") != "Rejected" {
			patched.Errorf(t, "PATCH update-status")
		}
		if got := loadEmployee(t, s, id).Status; got != model.StatusRejected {
			t.Errorf("status %s after the rejection", got)
		}
	})
}

func TestUpdateStatusOfPendingStaffUser(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staffUser(t, s, "hdts.admin@example.com", false, "hdts/Admin")
		admin := staffClient(t, s, "hdts.admin@example.com")
		waiting := staffUser(t, s, "applicant@example.com", false, "hdts/Employee")
		if _, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("status = ?", model.StatusPending).Where("id = ?", waiting.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		// An employee with the same id stays Pending: user_type staff acts
		// on the staff user only.
		var twin *apptest.Response
		for i := int64(1); i <= waiting.ID; i++ {
			twin = register(t, s, fmt.Sprintf("twin%d@example.com", i), nil)
		}
		if twin.Get("id") != float64(waiting.ID) {
			t.Fatalf("employee id %v, want the staff id %d", twin.Get("id"), waiting.ID)
		}
		admin.Post(statusPath(waiting.ID), apptest.JSON(map[string]any{"action": "approve", "user_type": "staff"})).Expect(t, http.StatusOK)
		var status string
		if err := s.App.DB.NewSelect().Table("users").Column("status").Where("id = ?", waiting.ID).Scan(context.Background(), &status); err != nil || status != model.StatusApproved {
			t.Errorf("staff status %q (%v), want Approved", status, err)
		}
		if got := loadEmployee(t, s, int64(twin.Get("id").(float64))).Status; got != model.StatusPending {
			t.Errorf("the employee with a colliding id changed to %s", got)
		}
	})
}
