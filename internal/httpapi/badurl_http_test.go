package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

// TestBadURLValuesRejected sends a NUL byte and a byte that is not UTF-8
// through query and path values. Handlers give these values to the
// database, which cannot store either, so they must be rejected with 400
// before a handler runs, not fail there with 500.
func TestBadURLValuesRejected(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		admin := newUser(t, s, "urls@example.com")
		if _, err := s.App.DB.NewUpdate().Table("users").Set("is_superuser = ?", true).Where("id = ?", admin.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		login := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "urls@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		authed := s.Client()
		authed.Header.Set("Authorization", "Bearer "+login.String("access"))

		paths := []string{
			"/api/v1/audit/?event=",
			"/api/v1/audit/?identifier=",
			"/api/v1/audit/?ip=",
			"/api/v1/roles/?system=",
			"/api/v1/roles/?system__slug=",
			"/api/v1/system-roles/?system=",
			"/api/v1/systems/?slug=",
			"/api/v1/users/list/?system=",
			"/api/v1/users/agents/?system=",
			"/api/v1/users/management/?system=",
			"/api/v1/users/profile/by-company/",
		}
		for _, path := range paths {
			for name, value := range map[string]string{"NUL": "a%00b", "not UTF-8": "a%FFb"} {
				t.Run(path+" "+name, func(t *testing.T) {
					resp := authed.Get(path + value)
					want := "Null characters are not allowed."
					if name == "not UTF-8" {
						want = "The URL is not valid UTF-8."
					}
					if resp.Status != http.StatusBadRequest || resp.JSON["detail"] != want {
						t.Errorf("status %d, body %s; want 400 with %q", resp.Status, resp.Body, want)
					}
				})
			}
		}
	})
}
