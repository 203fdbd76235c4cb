package integration_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

// staffOrKey is the Default of a route that takes a staff token or a key
// with scope. Staff tokens and that key succeed. Employees get
// wrong_user_type, other keys insufficient_scope, and callers without
// credentials api_key_required.
func staffOrKey(scope string) func(string) int {
	return func(caller string) int {
		switch {
		case caller == "anonymous":
			return http.StatusUnauthorized
		case caller == "key "+scope:
			return http.StatusOK
		case strings.HasPrefix(caller, "key "), caller == "employee":
			return http.StatusForbidden
		}
		return http.StatusOK
	}
}

// keyOnly is the Default of a key route: tokens are not accepted.
func keyOnly(scope string) func(string) int {
	return func(caller string) int {
		switch {
		case caller == "key "+scope:
			return http.StatusOK
		case strings.HasPrefix(caller, "key "):
			return http.StatusForbidden
		}
		return http.StatusUnauthorized
	}
}

func ttsAdmins(status int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": status}
}

func scoped(status, other int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": status, "hdts admin": other}
}

func integrationMatrix(w *rbactest.World) []rbactest.Row {
	agent := fmt.Sprint(w.Agent.ID)
	rows := []rbactest.Row{
		{Name: "tts root", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/", nil), Default: rbactest.Public},
		{Name: "round-robin legacy", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/round-robin/?role_name=agent", nil), Default: staffOrKey("assignments:read")},
		{Name: "round-robin documented", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/round-robin/?system=TTS&role=Agent", nil), Default: staffOrKey("assignments:read")},
		{Name: "user-info", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/user-info/"+agent+"/", nil), Default: staffOrKey("users:read")},
		{Name: "users-info", Method: "POST", Request: rbactest.Fixed("/api/v1/tts/users-info/", map[string]any{"user_ids": []int64{w.Agent.ID}}), Default: staffOrKey("users:read")},
		{Name: "users-info legacy", Method: "POST", Request: rbactest.Fixed("/api/v1/tts/users-info/", map[string]any{"employee_cookie_ids": []int64{w.Agent.ID}}), Default: staffOrKey("users:read")},
		{Name: "internal user", Method: "GET", Request: rbactest.Fixed("/api/v1/users/internal/"+agent+"/", nil), Default: keyOnly("users:read")},
		{Name: "tts assignments", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/assign-agent-to-role/", nil), Want: ttsAdmins(200)},
		{Name: "assign to tts role", Method: "POST", Want: ttsAdmins(201), Request: func(f rbactest.Fresh) (string, any) {
			return "/api/v1/tts/assign-agent-to-role/", map[string]any{"userID": f.User().ID, "role": "Agent"}
		}},
		{Name: "create-role roles", Method: "GET", Request: rbactest.Fixed("/api/v1/tts/create-role/?system=tts", nil), Want: scoped(200, 403)},
		{Name: "create-role", Method: "POST", Want: scoped(201, 403), Request: func(rbactest.Fresh) (string, any) {
			return "/api/v1/tts/create-role/", map[string]any{"name": rbactest.Unique("Escalation "), "system": "tts"}
		}},
		{Name: "update assignment put", Method: "PUT", Want: scoped(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/tts/update-assignment/%d/", f.Member().ID), map[string]any{"is_active": false}
		}},
		{Name: "update assignment patch", Method: "PATCH", Want: scoped(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/tts/update-assignment/%d/", f.Member().ID), map[string]any{"settings": map[string]any{"is_deployed": false}}
		}},
		{Name: "delete assignment", Method: "DELETE", Want: scoped(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/tts/update-assignment/%d/", f.Member().ID), nil
		}},
	}
	for _, path := range []string{"/api/v1/tts/assign-agent-to-role-form/", "/api/v1/tts/assign-role/", "/assign-role/"} {
		rows = append(rows, rbactest.Row{Name: "form " + path, Method: "GET", Request: rbactest.Fixed(path, nil), Want: ttsAdmins(200),
			Header: []string{"Accept", "application/json"}})
	}
	return rows
}

func TestIntegrationPermissionMatrix(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		rbactest.RunMatrix(t, w, integrationMatrix(w))
	})
}
