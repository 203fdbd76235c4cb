package apikeys_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

// keyRoute is one route that accepts an X-API-Key, with the scope it needs
// and whether legacy open mode serves it without credentials.
type keyRoute struct {
	name, method, path string
	body               any
	scope              string
	legacyOpen         bool
}

func keyRoutes(w *rbactest.World) []keyRoute {
	agent := fmt.Sprint(w.Agent.ID)
	return []keyRoute{
		{"round-robin", "GET", "/api/v1/tts/round-robin/?role_name=Agent", nil, "assignments:read", true},
		{"user-info", "GET", "/api/v1/tts/user-info/" + agent + "/", nil, "users:read", true},
		{"users-info", "POST", "/api/v1/tts/users-info/", map[string]any{"user_ids": []int64{w.Agent.ID}}, "users:read", true},
		{"internal user", "GET", "/api/v1/users/internal/" + agent + "/", nil, "users:read", true},
		{"internal employee", "GET", fmt.Sprintf("/api/v1/hdts/employees/internal/%d/", w.Employee.ID), nil, "employees:read", true},
		{"hdts user", "GET", "/api/v1/hdts/users/" + agent + "/", nil, "users:read", true},
		{"user by id", "GET", "/api/v1/users/" + agent + "/", nil, "users:read", false},
		{"user by company", "GET", "/api/v1/users/profile/by-company/" + *w.Agent.CompanyID + "/", nil, "users:read", false},
	}
}

// keyCallers creates one key per case: each scope, every scope, an expired
// key and a revoked key.
func keyCallers(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	create := func(name string, scopes []string, expires *time.Time) *apikeys.Created {
		spec := apikeys.Spec{Name: &name, Scopes: scopes}
		if expires != nil {
			spec.ExpiresAt = &expires
		}
		created, err := s.App.APIKeys.Create(ctx, spec, nil)
		if err != nil {
			t.Fatalf("create key %s: %v", name, err)
		}
		return created
	}
	soon := s.Clock.Now().Add(time.Minute)
	keys := map[string]string{
		"users:read":       create("users", []string{"users:read"}, nil).Plain,
		"employees:read":   create("employees", []string{"employees:read"}, nil).Plain,
		"assignments:read": create("assignments", []string{"assignments:read"}, nil).Plain,
		"*":                create("all", []string{"*"}, nil).Plain,
		"expired":          create("expired", []string{"*"}, &soon).Plain,
	}
	revoked := create("revoked", []string{"*"}, nil)
	if _, err := s.App.APIKeys.Revoke(ctx, revoked.Key.ID, nil); err != nil {
		t.Fatal(err)
	}
	keys["revoked"] = revoked.Plain
	s.Clock.Advance(time.Minute)
	return keys
}

func send(s *apptest.Server, route keyRoute, header ...string) *apptest.Response {
	c := s.Client()
	if route.body != nil {
		body := apptest.JSON(route.body)
		return c.Do(route.method, route.path, &body, header...)
	}
	return c.Do(route.method, route.path, nil, header...)
}

func TestKeyMatrixOnInternalRoutes(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		keys := keyCallers(t, s)
		for _, route := range keyRoutes(w) {
			for caller, key := range keys {
				resp := send(s, route, "X-API-Key", key)
				want, code := http.StatusForbidden, "insufficient_scope"
				switch {
				case caller == "expired" || caller == "revoked":
					want, code = http.StatusUnauthorized, "api_key_invalid"
				case caller == route.scope || caller == "*":
					want, code = http.StatusOK, ""
				}
				if resp.Status != want || (code != "" && resp.String("code") != code) {
					resp.Errorf(t, "%s with key %s: %d %q, want %d %q", route.name, caller, resp.Status, resp.String("code"), want, code)
				}
			}
			missing := send(s, route)
			if missing.Status != http.StatusUnauthorized || missing.String("code") != "api_key_required" {
				missing.Errorf(t, "%s without credentials: %d %q, want 401 api_key_required", route.name, missing.Status, missing.String("code"))
			}
		}
		if n := auditCount(t, s, "internal.open_access"); n != 0 {
			t.Errorf("internal.open_access recorded %d times with the default setting", n)
		}
	})
}

func TestLegacyOpenModeServesWithoutKey(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_INTERNAL_AUTH": "legacy_open"}, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		keys := keyCallers(t, s)
		routes := keyRoutes(w)
		for _, route := range routes {
			resp := send(s, route)
			if route.legacyOpen && resp.Status != http.StatusOK {
				resp.Errorf(t, "%s without a key in legacy open mode: %d, want 200", route.name, resp.Status)
			}
			if !route.legacyOpen && (resp.Status != http.StatusUnauthorized || resp.String("code") != "api_key_required") {
				resp.Errorf(t, "%s is not a legacy route but answered %d without a key", route.name, resp.Status)
			}
			// Keys sent are still checked.
			if bad := send(s, route, "X-API-Key", keys["revoked"]); bad.Status != http.StatusUnauthorized {
				bad.Errorf(t, "%s accepted a revoked key in legacy open mode", route.name)
			}
			other := "employees:read"
			if route.scope == "employees:read" {
				other = "users:read"
			}
			if wrong := send(s, route, "X-API-Key", keys[other]); wrong.Status != http.StatusForbidden {
				wrong.Errorf(t, "%s accepted a key without the scope in legacy open mode", route.name)
			}
		}

		// One audit event per route and address per minute.
		open := 0
		for _, route := range routes {
			if route.legacyOpen {
				open++
			}
		}
		if n := auditCount(t, s, "internal.open_access"); n != open {
			t.Errorf("internal.open_access recorded %d times, want one per route (%d)", n, open)
		}
		for range 3 {
			send(s, routes[3]).Expect(t, http.StatusOK)
			send(s, routes[3], "X-Forwarded-For", "203.0.113.9").Expect(t, http.StatusOK)
		}
		if n := auditCount(t, s, "internal.open_access"); n != open {
			t.Errorf("repeated calls within a minute recorded %d events, want %d", n, open)
		}
		s.Clock.Advance(time.Minute)
		send(s, routes[3]).Expect(t, http.StatusOK)
		if n := auditCount(t, s, "internal.open_access"); n != open+1 {
			t.Errorf("a call a minute later recorded %d events, want %d", n, open+1)
		}
		var route string
		err := s.App.DB.NewSelect().Table("audit_events").ColumnExpr("details").Where("event = 'internal.open_access'").
			OrderExpr("id DESC").Limit(1).Scan(context.Background(), &route)
		if err != nil || route != `{"route":"GET /api/v1/users/internal/{id}/"}` && route != `{"route": "GET /api/v1/users/internal/{id}/"}` {
			t.Errorf("open access details = %s, %v", route, err)
		}
	})
}
