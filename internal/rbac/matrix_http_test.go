package rbac_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

// adminOK is the usual expectation of an any-admin route on an object of
// tts: both the superuser and the tts admin succeed and the hdts admin,
// whose scope lacks tts, gets other.
func adminOK(status, other int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": status, "hdts admin": other}
}

// superOnly is the expectation of a superuser route with its own 403 body
// for every other staff user.
func superOnly(status int) map[string]int {
	return map[string]int{"superuser": status, "tts admin": http.StatusForbidden, "hdts admin": http.StatusForbidden}
}

func rbacMatrix(w *rbactest.World) []rbactest.Row {
	tts := fmt.Sprint(w.TTS.ID)
	rows := []rbactest.Row{
		{Name: "public systems", Method: "GET", Request: rbactest.Fixed("/api/v1/systems/public/", nil), Default: rbactest.Public},
		{Name: "list systems", Method: "GET", Request: rbactest.Fixed("/api/v1/systems/", nil), Want: adminOK(200, 200)},
		{Name: "create system", Method: "POST", Want: superOnly(201), Request: func(rbactest.Fresh) (string, any) {
			return "/api/v1/systems/", map[string]any{"name": rbactest.Unique("Created "), "slug": rbactest.Unique("created")}
		}},
		{Name: "get system", Method: "GET", Request: rbactest.Fixed("/api/v1/systems/"+tts+"/", nil), Want: adminOK(200, 404)},
		{Name: "patch system", Method: "PATCH", Want: superOnly(200), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.System().ID), map[string]any{"name": rbactest.Unique("Renamed ")}
		}},
		{Name: "put system", Method: "PUT", Want: superOnly(200), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.System().ID), map[string]any{"name": rbactest.Unique("Put "), "slug": rbactest.Unique("put")}
		}},
		{Name: "delete system", Method: "DELETE", Want: superOnly(204), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.System().ID), nil
		}},
		{Name: "list roles", Method: "GET", Request: rbactest.Fixed("/api/v1/roles/", nil), Want: adminOK(200, 200)},
		{Name: "create role", Method: "POST", Want: adminOK(201, 403), Request: func(rbactest.Fresh) (string, any) {
			return "/api/v1/roles/", map[string]any{"system": w.TTS.ID, "name": rbactest.Unique("New role ")}
		}},
		{Name: "get role", Method: "GET", Request: rbactest.Fixed(fmt.Sprintf("/api/v1/roles/%d/", w.TTSAgent.ID), nil), Want: adminOK(200, 404)},
		{Name: "patch role", Method: "PATCH", Want: adminOK(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.Role().ID), map[string]any{"description": "Changed"}
		}},
		{Name: "put role", Method: "PUT", Want: adminOK(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.Role().ID), map[string]any{"name": rbactest.Unique("Put role ")}
		}},
		{Name: "delete role", Method: "DELETE", Want: adminOK(204, 404), Request: func(f rbactest.Fresh) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.Role().ID), nil
		}},
		{Name: "tts roles", Method: "GET", Request: rbactest.Fixed("/api/v1/system-roles/user-system-roles/system/tts/roles/", nil), Want: adminOK(200, 404)},
		{Name: "tts roles alias", Method: "GET", Request: rbactest.Fixed("/api/v1/system-roles/system/tts/roles/", nil), Want: adminOK(200, 404)},
		{Name: "tts users", Method: "GET", Request: rbactest.Fixed("/api/v1/system-roles/systems/tts/users/", nil), Want: adminOK(200, 404)},
		{Name: "edit settings", Method: "POST", Want: adminOK(200, 403), Request: rbactest.Fixed("/api/v1/system-roles/user-system-roles/edit-settings/",
			map[string]any{"user_id": w.Agent.ID, "system": "tts", "settings": map[string]any{"is_deployed": false}})},
		{Name: "invite", Method: "POST", Want: adminOK(201, 403), Request: func(rbactest.Fresh) (string, any) {
			return "/api/v1/system-roles/invite/", map[string]any{"email": rbactest.Unique("new") + "@example.com", "role_id": w.TTSAgent.ID}
		}},
		{Name: "resend invitation", Method: "POST", Want: adminOK(200, 404), Request: func(f rbactest.Fresh) (string, any) {
			return "/api/v1/system-roles/invite/resend/", map[string]any{"email": f.Invited()}
		}},
	}
	for _, base := range []string{"/api/v1/system-roles/user-system-roles/", "/api/v1/system-roles/"} {
		rows = append(rows,
			rbactest.Row{Name: "list assignments " + base, Method: "GET", Request: rbactest.Fixed(base, nil), Want: adminOK(200, 200)},
			rbactest.Row{Name: "create assignment " + base, Method: "POST", Want: adminOK(201, 403), Request: func(f rbactest.Fresh) (string, any) {
				u := f.User()
				return base, map[string]any{"user": u.ID, "system": w.TTS.ID, "role": w.TTSAgent.ID}
			}},
			rbactest.Row{Name: "get assignment " + base, Method: "GET", Request: rbactest.Fixed(fmt.Sprintf("%s%d/", base, w.AgentTTS.ID), nil), Want: adminOK(200, 404)},
			rbactest.Row{Name: "patch assignment " + base, Method: "PATCH", Want: adminOK(200, 404), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().ID), map[string]any{"settings": map[string]any{"is_deployed": false}}
			}},
			rbactest.Row{Name: "put assignment " + base, Method: "PUT", Want: adminOK(200, 404), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().ID), map[string]any{"is_active": false}
			}},
			rbactest.Row{Name: "delete assignment " + base, Method: "DELETE", Want: adminOK(204, 404), Request: func(f rbactest.Fresh) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.Member().ID), nil
			}},
		)
	}
	return rows
}

func TestRBACPermissionMatrix(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		rbactest.RunMatrix(t, w, rbacMatrix(w))
	})
}
