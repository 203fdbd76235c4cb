package integration_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

func TestAssignAgentToRole(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		admin := w.Client(t, w.AdminOfTTS)
		path := "/api/v1/tts/assign-agent-to-role/"

		legacy := admin.Post(path, apptest.JSON(map[string]any{"userID": w.Plain.ID, "role": "Agent", "settings": map[string]any{"is_deployed": false}})).Expect(t, http.StatusCreated)
		if legacy.String("message") != "User successfully assigned to TTS role." || legacy.Get("userID") != float64(w.Plain.ID) ||
			legacy.Get("settings.is_deployed") != false || legacy.String("system") != "tts" {
			t.Errorf("legacy shape %s", legacy.Body)
		}
		again := admin.Post(path, apptest.JSON(map[string]any{"user_id": w.Plain.ID, "system_slug": "tts", "role_name": "agent"})).Expect(t, http.StatusOK)
		if again.String("message") != "User is already assigned to this role in TTS." || again.Get("id") != legacy.Get("id") {
			t.Errorf("documented shape, existing assignment %s", again.Body)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
			want  string
		}{
			{map[string]any{"userID": 999999, "role": "Agent"}, "userID", "User not found or inactive."},
			{map[string]any{"userID": w.Plain.ID, "role": "Ticket Coordinator"}, "role", "Role not found in TTS."},
			{map[string]any{"user_id": w.Plain.ID, "system_slug": "hdts", "role_name": "Agent"}, "system_slug", "Only the tts system is supported here."},
			{map[string]any{"role": "Agent"}, "userID", "This field is required."},
			{map[string]any{"userID": "abc", "role": "Agent"}, "userID", "A valid integer is required."},
			{map[string]any{"userID": w.Plain.ID, "role": "Agent", "settings": []int{1}}, "settings", "Expected an object."},
		} {
			resp := admin.Post(path, apptest.JSON(c.body)).Expect(t, http.StatusBadRequest)
			errs, _ := resp.Get("errors").(map[string]any)
			if got, _ := errs[c.field].([]any); len(got) == 0 || got[0] != c.want {
				t.Errorf("%v: %s", c.body, resp.Body)
			}
		}

		list := admin.Get(path).Expect(t, http.StatusOK)
		if list.Get("count") != float64(len(list.Get("users").([]any))) || len(list.Get("roles").([]any)) != 3 {
			t.Errorf("assignment list %s", list.Body)
		}
		form := admin.Get("/api/v1/tts/assign-role/", "Accept", "application/json").Expect(t, http.StatusOK)
		for _, item := range form.Get("assignments").([]any) {
			entry := item.(map[string]any)
			if entry["user_id"] == float64(w.Plain.ID) && entry["is_deployed"] != false {
				t.Errorf("is_deployed of %v", entry)
			}
			if entry["user_id"] == float64(w.Agent.ID) && entry["is_deployed"] != true {
				t.Errorf("is_deployed of %v", entry)
			}
		}
	})
}

func TestMissingTTSSystem(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		if _, err := s.App.DB.NewDelete().Model((*model.System)(nil)).Where("slug = 'tts'").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		super := w.Client(t, w.Super)
		super.Allow5xx = true
		resp := super.Get("/api/v1/tts/assign-agent-to-role/").Expect(t, http.StatusInternalServerError)
		if resp.String("error") != "TTS system not found in database." {
			t.Errorf("missing tts %s", resp.Body)
		}
	})
}

func TestCreateRoleTargets(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		path := "/api/v1/tts/create-role/"
		admin := w.Client(t, w.AdminOfTTS)

		// The target is the caller's first system by name when nothing else names one.
		made := admin.Post(path, apptest.JSON(map[string]any{"name": "Escalations", "description": "Second line"})).Expect(t, http.StatusCreated)
		if made.String("message") != "Role 'Escalations' created successfully" || made.String("role.description") != "Second line" {
			t.Errorf("created %s", made.Body)
		}
		dup := admin.Post(path, apptest.JSON(map[string]any{"name": "Escalations", "system": "tts"})).Expect(t, http.StatusBadRequest)
		if dup.String("error") != "Role 'Escalations' already exists in TTS system" || dup.Get("role.id") != made.Get("role.id") {
			t.Errorf("duplicate %s", dup.Body)
		}
		blank := admin.Post(path, apptest.JSON(map[string]any{"name": "  "})).Expect(t, http.StatusBadRequest)
		if blank.String("error") != "Role name is required" {
			t.Errorf("blank name %s", blank.Body)
		}
		other := admin.Post(path+"?system=hdts", apptest.JSON(map[string]any{"name": "X"})).Expect(t, http.StatusForbidden)
		if other.String("error") != "You don't have permission to create roles in HDTS system" {
			t.Errorf("other system %s", other.Body)
		}
		cookie := w.Client(t, w.AdminOfTTS)
		cookie.SetCookie("selected_system", "hdts")
		viewed := cookie.Get(path).Expect(t, http.StatusForbidden)
		if viewed.String("error") != "You don't have permission to view roles in HDTS system" {
			t.Errorf("selected_system cookie %s", viewed.Body)
		}
		roles := admin.Get(path+"?system=tts").Expect(t, http.StatusOK)
		if len(roles.Get("roles").([]any)) != 4 {
			t.Errorf("roles %s", roles.Body)
		}
		none := w.Client(t, w.Super).Get(path).Expect(t, http.StatusBadRequest)
		if none.String("error") != "No system selected. Please select a system first." {
			t.Errorf("no system %s", none.Body)
		}
		w.Client(t, w.Super).Get(path+"?system=nope").Expect(t, http.StatusNotFound)
		custom := &model.Role{}
		if err := s.App.DB.NewSelect().Model(custom).Where("name = 'Escalations'").Scan(context.Background()); err != nil || !custom.IsCustom {
			t.Errorf("created role is custom: %v (%v)", custom.IsCustom, err)
		}
	})
}

func TestUpdateAssignment(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		admin := w.Client(t, w.AdminOfTTS)
		path := fmt.Sprintf("/api/v1/tts/update-assignment/%d/", w.AgentTTS.ID)

		done := admin.Do("PATCH", path, body(map[string]any{"is_active": false, "settings": map[string]any{"is_deployed": false, "shift": "night"}})).Expect(t, http.StatusOK)
		if done.String("message") != "Assignment updated successfully" || done.Get("is_active") != false || done.Get("settings.shift") != "night" {
			t.Errorf("update %s", done.Body)
		}
		bad := admin.Do("PUT", path, body(map[string]any{"settings": "night"})).Expect(t, http.StatusBadRequest)
		if got := bad.Get("settings").([]any)[0]; got != "Expected an object." {
			t.Errorf("settings not an object: %q", got)
		}
		denied := w.Client(t, w.Plain).Do("PUT", path, body(map[string]any{"is_active": true})).Expect(t, http.StatusForbidden)
		if denied.String("error") != "You don't have permission to update assignments" {
			t.Errorf("non-admin %s", denied.Body)
		}
		hidden := w.Client(t, w.AdminOfHDTS).Do("DELETE", path, nil).Expect(t, http.StatusNotFound)
		if hidden.String("error") != "Assignment not found" {
			t.Errorf("outside scope %s", hidden.Body)
		}
		if w.Client(t, w.Plain).Do("DELETE", path, nil).Expect(t, http.StatusForbidden).String("error") != "You don't have permission to delete assignments" {
			t.Error("non-admin delete body")
		}
		adminAssignment := fmt.Sprintf("/api/v1/tts/update-assignment/%d/", findAdminAssignment(t, s, w.AdminOfTTS.ID))
		if admin.Do("PATCH", adminAssignment, body(map[string]any{"is_active": false})).Expect(t, http.StatusForbidden).String("error") != "Cannot remove Admin role assignments" {
			t.Error("an admin deactivated its own Admin assignment")
		}
		deleted := admin.Do("DELETE", path, nil).Expect(t, http.StatusOK)
		if deleted.String("message") != "Assignment deleted successfully" {
			t.Errorf("delete %s", deleted.Body)
		}
		admin.Do("DELETE", path, nil).Expect(t, http.StatusNotFound)
	})
}

func findAdminAssignment(t *testing.T, s *apptest.Server, userID int64) int64 {
	t.Helper()
	var id int64
	err := s.App.DB.NewSelect().TableExpr("user_system_roles AS a").Column("a.id").Join("JOIN roles AS r ON r.id = a.role_id").
		Where("a.user_id = ?", userID).Where("r.name = 'Admin'").Scan(context.Background(), &id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func body(v map[string]any) *apptest.Body {
	b := apptest.JSON(v)
	return &b
}

func TestHostileBodies(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)
		huge := `{"name": "` + strings.Repeat("x", 2<<20) + `"}`
		for _, route := range []struct{ method, path string }{
			{"POST", "/api/v1/tts/users-info/"},
			{"POST", "/api/v1/tts/assign-agent-to-role/"},
			{"POST", "/api/v1/tts/create-role/?system=tts"},
			{"PATCH", fmt.Sprintf("/api/v1/tts/update-assignment/%d/", w.AgentTTS.ID)},
			{"POST", "/api/v1/users/management/"},
			{"PATCH", fmt.Sprintf("/api/v1/users/%d/", w.Agent.ID)},
			{"POST", "/api/v1/users/invite-agent/"},
			{"POST", "/api/v1/system-roles/user-system-roles/edit-settings/"},
			{"POST", "/api/v1/system-roles/invite/resend/"},
		} {
			for _, c := range []struct {
				body   apptest.Body
				status int
			}{
				{apptest.Raw("application/json", []byte(`{"user_ids": [1,`)), http.StatusBadRequest},
				{apptest.Raw("application/json", []byte(`[1, 2, 3]`)), http.StatusBadRequest},
				{apptest.Raw("application/json", []byte("{\"name\": \"\xff\xfe\"}")), http.StatusBadRequest},
				{apptest.Raw("application/xml", []byte(`<a/>`)), http.StatusUnsupportedMediaType},
				{apptest.Raw("application/json", []byte(huge)), http.StatusRequestEntityTooLarge},
			} {
				body := c.body
				resp := super.Do(route.method, route.path, &body)
				if resp.Status != c.status {
					t.Errorf("%s %s with %.40q: %d, want %d; %s", route.method, route.path, c.body.Data, resp.Status, c.status, resp.Body)
				}
			}
		}
		nul := super.Do("PATCH", fmt.Sprintf("/api/v1/users/%d/", w.Agent.ID), body(map[string]any{"first_name": "A\x00B"})).Expect(t, http.StatusBadRequest)
		if nul.Get("first_name") == nil {
			t.Errorf("NUL in a name: %s", nul.Body)
		}
		control := super.Post("/api/v1/tts/create-role/?system=tts", apptest.JSON(map[string]any{"name": "Bad\u202eName\x00"})).Expect(t, http.StatusBadRequest)
		if control.Get("name") == nil {
			t.Errorf("NUL in a role name: %s", control.Body)
		}
	})
}
