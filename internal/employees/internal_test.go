package employees_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

func TestInternalEmployeeLookup(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "lookup@example.com")
		path := fmt.Sprintf("/api/v1/hdts/employees/internal/%d/", e.ID)
		employeesKey := apiKey(t, s, "helpdesk", "employees:read")
		usersKey := apiKey(t, s, "tts", "users:read")
		c := s.Client()

		if code := c.Get(path).Expect(t, http.StatusUnauthorized).String("code"); code != "api_key_required" {
			t.Errorf("no key: %s", code)
		}
		if code := c.Get(path, "X-API-Key", "not-a-key").Expect(t, http.StatusUnauthorized).String("code"); code != "api_key_invalid" {
			t.Errorf("unknown key: %s", code)
		}
		if code := c.Get(path, "X-API-Key", usersKey).Expect(t, http.StatusForbidden).String("code"); code != "insufficient_scope" {
			t.Errorf("key without employees:read: %s", code)
		}
		found := c.Get(path, "X-API-Key", employeesKey).Expect(t, http.StatusOK)
		if found.Get("id") != float64(e.ID) || found.String("email") != e.Email || found.String("status") != "Approved" {
			found.Errorf(t, "unexpected lookup body")
		}
		for _, unknown := range []string{"/api/v1/hdts/employees/internal/999999/", "/api/v1/hdts/employees/internal/abc/", "/api/v1/hdts/employees/internal/-1/"} {
			res := c.Get(unknown, "X-API-Key", employeesKey).Expect(t, http.StatusNotFound)
			if res.String("error") != "Employee not found" {
				res.Errorf(t, "%s", unknown)
			}
		}
		// A staff token is no key on a key-only route.
		staffUser(t, s, "root@example.com", true)
		if code := staffClient(t, s, "root@example.com").Get(path).Expect(t, http.StatusUnauthorized).String("code"); code != "api_key_required" {
			t.Errorf("staff token on the internal route: %s", code)
		}
	})
}

func TestInternalLookupLegacyOpen(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_INTERNAL_AUTH": "legacy_open"}, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "open@example.com")
		res := s.Client().Get(fmt.Sprintf("/api/v1/hdts/employees/internal/%d/", e.ID)).Expect(t, http.StatusOK)
		if res.String("email") != e.Email {
			res.Errorf(t, "legacy open lookup")
		}
	})
}

func TestHDTSUserLookup(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		agent := staffUser(t, s, "agent@example.com", false, "hdts/Ticket Coordinator")
		outsider := staffUser(t, s, "outsider@example.com", false, "tts/Admin")
		caller := staffClient(t, s, outsider.Email)
		res := caller.Get(fmt.Sprintf("/api/v1/hdts/users/%d/", agent.ID)).Expect(t, http.StatusOK)
		if res.String("email") != agent.Email {
			res.Errorf(t, "hdts user lookup")
		}
		for _, id := range []string{fmt.Sprint(outsider.ID), "424242", "x"} {
			missing := caller.Get("/api/v1/hdts/users/"+id+"/").Expect(t, http.StatusNotFound)
			if missing.String("error") != "User not found in HDTS" {
				missing.Errorf(t, "id %s", id)
			}
		}
		key := apiKey(t, s, "reader", "users:read")
		s.Client().Get(fmt.Sprintf("/api/v1/hdts/users/%d/", agent.ID), "X-API-Key", key).Expect(t, http.StatusOK)
		s.Client().Get(fmt.Sprintf("/api/v1/hdts/users/%d/", agent.ID)).Expect(t, http.StatusUnauthorized)
	})
}

func TestLinkMaps(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := s.Client().Get("/api/v1/hdts/").Expect(t, http.StatusOK)
		for _, key := range []string{"register", "pending_users", "pending_users_api", "all_users_api", "update_user_status", "employees"} {
			if root.String(key) == "" {
				root.Errorf(t, "missing link %s", key)
			}
		}
		links := s.Client().Get("/api/v1/hdts/employees/").Expect(t, http.StatusOK)
		if links.String("login") != s.URL+"/api/v1/hdts/employees/api/login/" {
			links.Errorf(t, "login link")
		}
	})
}
