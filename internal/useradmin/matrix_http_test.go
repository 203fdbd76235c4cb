package useradmin_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

// inScope expects success for the superuser and the tts admin on a user of
// tts, and other for the hdts admin, whose scope lacks tts.
func inScope(status, other int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": status, "hdts admin": other}
}

func superOnly(status int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": http.StatusForbidden, "hdts admin": http.StatusForbidden}
}

// anyAccount is the Default of the list routes: every signed-in account.
func anyAccount(caller string) int {
	if caller == "anonymous" || len(caller) > 4 && caller[:4] == "key " {
		return http.StatusUnauthorized
	}
	return http.StatusOK
}

func userMatrix(w *rbactest.World) []rbactest.Row {
	rows := []rbactest.Row{
		{Name: "list", Method: "GET", Request: rbactest.Fixed("/api/v1/users/list/", nil), Default: anyAccount},
		{Name: "agents", Method: "GET", Request: rbactest.Fixed("/api/v1/users/agents/", nil), Default: anyAccount},
		{Name: "management list", Method: "GET", Request: rbactest.Fixed("/api/v1/users/management/", nil), Default: anyAccount},
		{Name: "create", Method: "POST", Want: superOnly(201), Request: func(rbactest.Fresh) (string, any) {
			return "/api/v1/users/management/", map[string]any{"email": rbactest.Unique("made") + "@example.com", "password": rbactest.Password}
		}},
	}
	for _, base := range []string{"/api/v1/users/", "/api/v1/users/management/"} {
		rows = append(rows,
			rbactest.Row{Name: "get " + base, Method: "GET", Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().UserID), nil
			}, Want: map[string]int{"superuser": 200, "tts admin": 200, "hdts admin": 404, "key users:read": 200,
				"key assignments:read": 403, "key employees:read": 403}},
			rbactest.Row{Name: "patch " + base, Method: "PATCH", Want: inScope(200, 404), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().UserID), map[string]any{"first_name": "Renamed"}
			}},
			rbactest.Row{Name: "put " + base, Method: "PUT", Want: inScope(200, 404), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().UserID), map[string]any{"status": "Rejected"}
			}},
			rbactest.Row{Name: "delete " + base, Method: "DELETE", Want: superOnly(204), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().UserID), nil
			}},
		)
	}
	for _, path := range []string{"/api/v1/users/invite-agent/", "/api/v1/users/invite_agent/", "/api/v1/users/management/invite_agent/"} {
		rows = append(rows,
			rbactest.Row{Name: "form " + path, Method: "GET", Request: rbactest.Fixed(path, nil), Want: inScope(200, 200)},
			rbactest.Row{Name: "invite " + path, Method: "POST", Want: inScope(201, 403), Request: func(f rbactest.Fresh) (string, any) {
				return path, map[string]any{"user_id": f.User().ID, "system_id": w.TTS.ID, "role_id": w.TTSAgent.ID}
			}},
		)
	}
	return rows
}

func TestUserAdminPermissionMatrix(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		rbactest.RunMatrix(t, w, userMatrix(w))
	})
}
