package rbac_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/invitations"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

// counter makes names unique across the cases of one test binary.
var counter atomic.Int64

func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, counter.Add(1)) }

// fixtures creates fresh objects for cases that change or delete them, so
// every caller of the matrix acts on its own copy.
type fixtures struct {
	t *testing.T
	w *rbactest.World
}

func (f fixtures) system() *model.System {
	f.t.Helper()
	name, slug := unique("System "), unique("sys")
	var sys *model.System
	f.tx(func(ctx context.Context, tx bun.Tx) (err error) {
		sys, err = f.w.S.App.RBAC.CreateSystem(ctx, tx, nil, rbac.SystemInput{Name: &name, Slug: &slug})
		return err
	})
	return sys
}

func (f fixtures) role() *model.Role {
	f.t.Helper()
	var role *model.Role
	f.tx(func(ctx context.Context, tx bun.Tx) (err error) {
		role, err = f.w.S.App.RBAC.CreateRole(ctx, tx, nil, f.w.TTS, unique("Role "), nil, true)
		return err
	})
	return role
}

func (f fixtures) assignment() *model.Assignment {
	f.t.Helper()
	u := f.w.User(f.t, unique("member")+"@example.com", nil)
	return f.w.Assign(f.t, u, f.w.TTS, f.w.TTSAgent, true)
}

func (f fixtures) invited() string {
	f.t.Helper()
	email := unique("invitee") + "@example.com"
	f.tx(func(ctx context.Context, tx bun.Tx) error {
		_, err := f.w.S.App.Invites.Invite(ctx, tx, nil, rbac.Scope{All: true}, invitations.Params{Email: email, RoleID: f.w.TTSAgent.ID})
		return err
	})
	return email
}

func (f fixtures) tx(fn func(ctx context.Context, tx bun.Tx) error) {
	f.t.Helper()
	if err := f.w.S.App.DB.InTx(context.Background(), fn); err != nil {
		f.t.Fatal(err)
	}
}

// matrixRow is one route of the permission matrix. request builds the path
// and body, creating fresh objects when the call changes them; want maps
// caller names to the expected status, and callers left out get the
// default of their kind (see expectDefault).
type matrixRow struct {
	name    string
	method  string
	request func(f fixtures) (string, any)
	want    map[string]int
	public  bool
}

func fixed(path string, body any) func(fixtures) (string, any) {
	return func(fixtures) (string, any) { return path, body }
}

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

func rbacMatrix(w *rbactest.World) []matrixRow {
	tts := fmt.Sprint(w.TTS.ID)
	rows := []matrixRow{
		{name: "public systems", method: "GET", request: fixed("/api/v1/systems/public/", nil), public: true},
		{name: "list systems", method: "GET", request: fixed("/api/v1/systems/", nil), want: adminOK(200, 200)},
		{name: "create system", method: "POST", want: superOnly(201), request: func(fixtures) (string, any) {
			return "/api/v1/systems/", map[string]any{"name": unique("Created "), "slug": unique("created")}
		}},
		{name: "get system", method: "GET", request: fixed("/api/v1/systems/"+tts+"/", nil), want: adminOK(200, 404)},
		{name: "patch system", method: "PATCH", want: superOnly(200), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.system().ID), map[string]any{"name": unique("Renamed ")}
		}},
		{name: "put system", method: "PUT", want: superOnly(200), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.system().ID), map[string]any{"name": unique("Put "), "slug": unique("put")}
		}},
		{name: "delete system", method: "DELETE", want: superOnly(204), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/systems/%d/", f.system().ID), nil
		}},
		{name: "list roles", method: "GET", request: fixed("/api/v1/roles/", nil), want: adminOK(200, 200)},
		{name: "create role", method: "POST", want: adminOK(201, 403), request: func(fixtures) (string, any) {
			return "/api/v1/roles/", map[string]any{"system": w.TTS.ID, "name": unique("New role ")}
		}},
		{name: "get role", method: "GET", request: fixed(fmt.Sprintf("/api/v1/roles/%d/", w.TTSAgent.ID), nil), want: adminOK(200, 404)},
		{name: "patch role", method: "PATCH", want: adminOK(200, 404), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.role().ID), map[string]any{"description": "Changed"}
		}},
		{name: "put role", method: "PUT", want: adminOK(200, 404), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.role().ID), map[string]any{"name": unique("Put role ")}
		}},
		{name: "delete role", method: "DELETE", want: adminOK(204, 404), request: func(f fixtures) (string, any) {
			return fmt.Sprintf("/api/v1/roles/%d/", f.role().ID), nil
		}},
		{name: "tts roles", method: "GET", request: fixed("/api/v1/system-roles/user-system-roles/system/tts/roles/", nil), want: adminOK(200, 404)},
		{name: "tts roles alias", method: "GET", request: fixed("/api/v1/system-roles/system/tts/roles/", nil), want: adminOK(200, 404)},
		{name: "tts users", method: "GET", request: fixed("/api/v1/system-roles/systems/tts/users/", nil), want: adminOK(200, 404)},
		{name: "edit settings", method: "POST", want: adminOK(200, 403), request: fixed("/api/v1/system-roles/user-system-roles/edit-settings/",
			map[string]any{"user_id": w.Agent.ID, "system": "tts", "settings": map[string]any{"is_deployed": false}})},
		{name: "invite", method: "POST", want: adminOK(201, 403), request: func(fixtures) (string, any) {
			return "/api/v1/system-roles/invite/", map[string]any{"email": unique("new") + "@example.com", "role_id": w.TTSAgent.ID}
		}},
		{name: "resend invitation", method: "POST", want: adminOK(200, 404), request: func(f fixtures) (string, any) {
			return "/api/v1/system-roles/invite/resend/", map[string]any{"email": f.invited()}
		}},
	}
	for _, base := range []string{"/api/v1/system-roles/user-system-roles/", "/api/v1/system-roles/"} {
		rows = append(rows,
			matrixRow{name: "list assignments " + base, method: "GET", request: fixed(base, nil), want: adminOK(200, 200)},
			matrixRow{name: "create assignment " + base, method: "POST", want: adminOK(201, 403), request: func(f fixtures) (string, any) {
				u := w.User(f.t, unique("assignee")+"@example.com", nil)
				return base, map[string]any{"user": u.ID, "system": w.TTS.ID, "role": w.TTSAgent.ID}
			}},
			matrixRow{name: "get assignment " + base, method: "GET", request: fixed(fmt.Sprintf("%s%d/", base, w.AgentTTS.ID), nil), want: adminOK(200, 404)},
			matrixRow{name: "patch assignment " + base, method: "PATCH", want: adminOK(200, 404), request: func(f fixtures) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.assignment().ID), map[string]any{"settings": map[string]any{"is_deployed": false}}
			}},
			matrixRow{name: "put assignment " + base, method: "PUT", want: adminOK(200, 404), request: func(f fixtures) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.assignment().ID), map[string]any{"is_active": false}
			}},
			matrixRow{name: "delete assignment " + base, method: "DELETE", want: adminOK(204, 404), request: func(f fixtures) (string, any) {
				return fmt.Sprintf("%s%d/", base, f.assignment().ID), nil
			}},
		)
	}
	return rows
}

// expectDefault is the status of a caller that a row does not name: token
// routes of this package never accept API keys, so a key alone counts as
// no credentials.
func expectDefault(caller string) int {
	switch {
	case caller == "anonymous" || strings.HasPrefix(caller, "key "):
		return http.StatusUnauthorized
	default:
		return http.StatusForbidden
	}
}

func runMatrix(t *testing.T, w *rbactest.World, rows []matrixRow) {
	callers := w.Callers(t)
	f := fixtures{t: t, w: w}
	for _, row := range rows {
		for caller, client := range callers {
			want := expectDefault(caller)
			if row.public {
				want = http.StatusOK
			} else if status, ok := row.want[caller]; ok {
				want = status
			}
			path, body := row.request(f)
			var resp *apptest.Response
			if body == nil {
				resp = client.Do(row.method, path, nil)
			} else {
				b := apptest.JSON(body)
				resp = client.Do(row.method, path, &b)
			}
			if resp.Status != want {
				t.Errorf("%s as %s: %s %s = %d, want %d; body %s", row.name, caller, row.method, path, resp.Status, want, resp.Body)
				continue
			}
			checkRefusal(t, row.name, caller, resp)
		}
	}
}

// checkRefusal checks the body of the standard refusals: employees get
// wrong_user_type and callers without credentials not_authenticated.
func checkRefusal(t *testing.T, row, caller string, resp *apptest.Response) {
	t.Helper()
	switch {
	case caller == "employee" && resp.Status == http.StatusForbidden:
		if resp.String("code") != "wrong_user_type" {
			t.Errorf("%s as employee: code %q, want wrong_user_type", row, resp.String("code"))
		}
	case resp.Status == http.StatusUnauthorized:
		if code := resp.String("code"); code != "not_authenticated" && code != "api_key_required" {
			t.Errorf("%s as %s: 401 code %q", row, caller, code)
		}
	}
}

func TestRBACPermissionMatrix(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		runMatrix(t, w, rbacMatrix(w))
	})
}
