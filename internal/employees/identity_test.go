package employees_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

// twins makes a staff user and an employee with the same id, both signed
// in, so a mix-up of the two id spaces shows.
func twins(t *testing.T, s *apptest.Server) (staff *apptest.Client, staffUserRow *model.User, employee *apptest.Client, e *model.Employee) {
	t.Helper()
	staffUserRow = staffUser(t, s, "same.id.staff@example.com", false, "hdts/Admin")
	employee, e = signedInEmployee(t, s, "same.id.employee@example.com")
	if e.ID != staffUserRow.ID {
		t.Fatalf("employee id %d and staff id %d should collide for this test", e.ID, staffUserRow.ID)
	}
	return staffClient(t, s, staffUserRow.Email), staffUserRow, employee, e
}

func TestStaffTokenNeverActsAsEmployee(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		staff, _, _, _ := twins(t, s)
		routes := []struct{ method, path string }{
			{http.MethodGet, profilePath},
			{http.MethodPatch, profilePath},
			{http.MethodPut, profilePath},
			{http.MethodPost, changePath},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/enable/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/disable/"},
			{http.MethodGet, "/api/v1/hdts/employees/api/2fa/status/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/totp/setup/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/totp/confirm/"},
			{http.MethodDelete, "/api/v1/hdts/employees/api/2fa/totp/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/recovery-codes/"},
		}
		for _, rt := range routes {
			res := staff.Do(rt.method, rt.path, ptr(apptest.JSON(map[string]any{"password": testPassword})))
			if res.Status != http.StatusForbidden || res.String("code") != "wrong_user_type" {
				res.Errorf(t, "staff token on %s %s: %d", rt.method, rt.path, res.Status)
			}
		}
		// The staff refresh cookie is no employee refresh token.
		res := staff.Post(refreshPath, apptest.JSON(map[string]any{}))
		if res.Status != http.StatusUnauthorized || res.String("detail") != "Invalid refresh token" {
			res.Errorf(t, "staff refresh cookie on the employee refresh route")
		}
		me := staff.Get("/api/v1/hdts/employees/api/me/").Expect(t, http.StatusOK)
		if me.String("type") != "user" || me.String("data.email") != "same.id.staff@example.com" {
			me.Errorf(t, "the staff caller must see itself")
		}
	})
}

func TestEmployeeTokenNeverReachesStaffTwin(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		_, staffRow, employee, e := twins(t, s)
		for _, path := range []string{"/api/v1/users/profile/", pendingPath, usersPath, fmt.Sprintf("/api/v1/hdts/users/%d/", staffRow.ID)} {
			res := employee.Get(path)
			if res.Status != http.StatusForbidden || res.String("code") != "wrong_user_type" {
				res.Errorf(t, "employee token on %s: %d", path, res.Status)
			}
		}
		for _, path := range []string{"/api/me/", "/api/v1/hdts/employees/api/me/"} {
			me := employee.Get(path).Expect(t, http.StatusOK)
			if me.String("type") != "employee" || me.String("data.email") != e.Email {
				me.Errorf(t, "%s must describe the employee, not the staff user with the same id", path)
			}
		}
		validated := employee.Get("/api/v1/token/validate/").Expect(t, http.StatusOK)
		if validated.String("user_type") != "employee" || validated.String("email") != e.Email {
			validated.Errorf(t, "token validation of an employee token")
		}
		profile := employee.Get(profilePath).Expect(t, http.StatusOK)
		if profile.String("email") != e.Email {
			profile.Errorf(t, "employee profile")
		}
		shared := employee.Post("/api/v1/token/refresh/cookie/", apptest.JSON(map[string]any{})).Expect(t, http.StatusOK)
		if shared.String("user_type") != "employee" {
			shared.Errorf(t, "the shared cookie refresh must rotate the employee family")
		}
		// The employee refresh cookie is refused by the staff-only refresh.
		staffRefresh := employee.Post("/api/v1/users/token/refresh/", apptest.JSON(map[string]any{}))
		if staffRefresh.Status != http.StatusUnauthorized || staffRefresh.String("detail") != "Invalid token type" {
			staffRefresh.Errorf(t, "employee refresh cookie on the staff refresh route")
		}
		byCompany := employee.Get("/api/v1/users/profile/by-company/" + *staffRow.CompanyID + "/")
		if byCompany.Status != http.StatusNotFound {
			byCompany.Errorf(t, "an employee must not find a staff user by company id")
		}
	})
}

func TestUsersListTagsAccountTypes(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		admin, staffRow, _, e := twins(t, s)
		staffUser(t, s, "outsider@example.com", false, "tts/Admin")
		list := admin.Get(usersPath).Expect(t, http.StatusOK)
		if list.Get("system_users_count") != float64(1) || list.Get("employees_count") != float64(1) || list.Get("count") != float64(2) {
			list.Errorf(t, "unexpected counts")
		}
		seen := map[string]string{}
		for _, entry := range list.Get("all_users").([]any) {
			m := entry.(map[string]any)
			seen[m["user_type"].(string)] = fmt.Sprintf("%v %v", m["id"], m["email"])
		}
		if seen["staff"] != fmt.Sprintf("%d %s", staffRow.ID, staffRow.Email) || seen["employee"] != fmt.Sprintf("%d %s", e.ID, e.Email) {
			t.Errorf("all_users = %v", seen)
		}
	})
}
