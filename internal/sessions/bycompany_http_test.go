package sessions_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
)

func TestProfileByCompany(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		u := staffUser(t, s, "company@example.com")
		e := approvedEmployee(t, s, "company-emp@example.com")
		other := approvedEmployee(t, s, "other-emp@example.com")
		staff, _ := signIn(t, s, "company@example.com", nil)

		for _, path := range []string{"/api/v1/users/profile/by-company/" + *u.CompanyID + "/", "/api/v1/users/profile/by-company/" + *u.CompanyID} {
			resp := staff.Get(path).Expect(t, http.StatusOK)
			if resp.Get("user_type") != "staff" || resp.Get("id") != float64(u.ID) || resp.Get("email") != u.Email {
				resp.Errorf(t, "%s: unexpected staff body", path)
			}
			if _, ok := resp.JSON["system_roles"]; !ok {
				resp.Errorf(t, "%s: the UserProfile fields are missing", path)
			}
		}
		found := staff.Get("/api/v1/users/profile/by-company/"+*e.CompanyID+"/").Expect(t, http.StatusOK)
		if found.Get("user_type") != "employee" || found.Get("id") != float64(e.ID) {
			found.Errorf(t, "unexpected employee body")
		}
		expectBody(t, staff.Get("/api/v1/users/profile/by-company/MA999999/"), http.StatusNotFound,
			map[string]any{"detail": "User with company_id MA999999 not found."})
		expectBody(t, staff.Get("/api/v1/users/profile/by-company/%E2%9C%93/"), http.StatusNotFound,
			map[string]any{"detail": "User with company_id \u2713 not found."})

		// An employee token resolves only its own company id.
		employee, _ := employeeSignIn(t, s, "company-emp@example.com")
		own := employee.Get("/api/v1/users/profile/by-company/"+*e.CompanyID+"/").Expect(t, http.StatusOK)
		if own.Get("user_type") != "employee" || own.Get("id") != float64(e.ID) {
			own.Errorf(t, "unexpected body for the employee's own company id")
		}
		for _, foreign := range []string{*other.CompanyID, *u.CompanyID} {
			expectBody(t, employee.Get("/api/v1/users/profile/by-company/"+foreign+"/"), http.StatusNotFound,
				map[string]any{"detail": "User with company_id " + foreign + " not found."})
		}

		// An API key with users:read may look up anyone; other scopes may not.
		name, narrowName := "hdts backend", "assignments only"
		key, err := s.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &name, Scopes: []string{"users:read"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		service := s.Client()
		service.Header.Set("X-API-Key", key.Plain)
		if resp := service.Get("/api/v1/users/profile/by-company/"+*u.CompanyID+"/").Expect(t, http.StatusOK); resp.Get("user_type") != "staff" {
			resp.Errorf(t, "unexpected body for an API key")
		}
		narrow, err := s.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &narrowName, Scopes: []string{"assignments:read"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		service.Header.Set("X-API-Key", narrow.Plain)
		service.Get("/api/v1/users/profile/by-company/"+*u.CompanyID+"/").Expect(t, http.StatusForbidden)

		expectBody(t, s.Client().Get("/api/v1/users/profile/by-company/"+*u.CompanyID+"/"), http.StatusUnauthorized,
			map[string]any{"detail": "API key required.", "code": "api_key_required"})
	})
}
