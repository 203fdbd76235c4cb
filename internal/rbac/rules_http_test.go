package rbac_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

func TestSystemLifecycle(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)

		created := super.Post("/api/v1/systems/", apptest.Form(map[string]string{"name": "Asset Management System", "slug": "ams"})).Expect(t, http.StatusCreated)
		id := int64(created.Get("id").(float64))
		roles := super.Get("/api/v1/system-roles/system/ams/roles/").Expect(t, http.StatusOK)
		if roles.Get("roles_count") != float64(1) {
			t.Fatalf("a new system has roles %s, want only Admin", roles.Body)
		}
		admin := roles.Get("roles").([]any)[0].(map[string]any)
		if admin["name"] != "Admin" || admin["is_custom"] != false {
			t.Errorf("the role created with the system is %v", admin)
		}

		dup := super.Post("/api/v1/systems/", apptest.JSON(map[string]any{"name": "Asset Management System", "slug": "ams"})).Expect(t, http.StatusBadRequest)
		if got := dup.Get("name").([]any)[0]; got != "system with this name already exists." {
			t.Errorf("duplicate name message %q", got)
		}
		if got := dup.Get("slug").([]any)[0]; got != "system with this slug already exists." {
			t.Errorf("duplicate slug message %q", got)
		}
		bad := super.Post("/api/v1/systems/", apptest.JSON(map[string]any{"name": "Other", "slug": "has space"})).Expect(t, http.StatusBadRequest)
		if got := bad.Get("slug").([]any)[0]; got != `Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.` {
			t.Errorf("slug format message %q", got)
		}
		missing := super.Post("/api/v1/systems/", apptest.JSON(map[string]any{})).Expect(t, http.StatusBadRequest)
		if missing.Get("name") == nil || missing.Get("slug") == nil {
			t.Errorf("missing fields: %s", missing.Body)
		}

		renamed := super.Do("PATCH", fmt.Sprintf("/api/v1/systems/%d/", id), bodyOf(map[string]any{"name": "Assets"})).Expect(t, http.StatusOK)
		if renamed.String("name") != "Assets" || renamed.String("slug") != "ams" {
			t.Errorf("renamed system %s", renamed.Body)
		}
		clash := super.Do("PUT", fmt.Sprintf("/api/v1/systems/%d/", id), bodyOf(map[string]any{"slug": "tts"})).Expect(t, http.StatusBadRequest)
		if clash.Get("slug") == nil {
			t.Errorf("renaming onto another slug: %s", clash.Body)
		}

		denied := w.Client(t, w.AdminOfTTS).Do("PATCH", fmt.Sprintf("/api/v1/systems/%d/", w.TTS.ID), bodyOf(map[string]any{"name": "Mine"})).Expect(t, http.StatusForbidden)
		if denied.String("error") != "Only superusers can modify systems" {
			t.Errorf("system admin rename: %s", denied.Body)
		}

		public := s.Client().Get("/api/v1/systems/public/").Expect(t, http.StatusOK)
		names := []string{}
		for _, item := range public.Get("results").([]any) {
			names = append(names, item.(map[string]any)["name"].(string))
		}
		if strings.Join(names, ",") != "Assets,Help Desk and Ticketing System,Ticket Tracking System" || public.Get("count") != float64(3) {
			t.Errorf("public systems %v", names)
		}
	})
}

func TestSystemDeleteCascades(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)
		super.Do("DELETE", fmt.Sprintf("/api/v1/systems/%d/", w.TTS.ID), nil).Expect(t, http.StatusNoContent)
		ctx := context.Background()
		for table, want := range map[string]int64{"roles": 0, "user_system_roles": 0} {
			n, err := s.App.DB.NewSelect().Table(table).Where("system_id = ?", w.TTS.ID).Count(ctx)
			if err != nil || n != want {
				t.Errorf("%s rows of the deleted system: %d (%v)", table, n, err)
			}
		}
		super.Get(fmt.Sprintf("/api/v1/systems/%d/", w.TTS.ID)).Expect(t, http.StatusNotFound)
		// The former tts admin is an admin of nothing now.
		w.Client(t, w.AdminOfTTS).Get("/api/v1/roles/").Expect(t, http.StatusForbidden)
		requireAudit(t, s, "system.deleted", "system", w.TTS.ID)
	})
}

func TestRoleRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super, ttsAdmin := w.Client(t, w.Super), w.Client(t, w.AdminOfTTS)

		made := ttsAdmin.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.TTS.ID, "name": "Dispatcher", "is_custom": false})).Expect(t, http.StatusCreated)
		if made.Get("is_custom") != true || made.String("system_name") != "Ticket Tracking System" {
			t.Errorf("role made by a system admin: %s", made.Body)
		}
		dup := ttsAdmin.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.TTS.ID, "name": "Dispatcher"})).Expect(t, http.StatusBadRequest)
		if got := dup.Get("non_field_errors").([]any)[0]; got != "The fields system, name must make a unique set." {
			t.Errorf("duplicate role message %q", got)
		}
		builtIn := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.TTS.ID, "name": "Auditor", "is_custom": false})).Expect(t, http.StatusCreated)
		if builtIn.Get("is_custom") != false {
			t.Errorf("a superuser may create built-in roles: %s", builtIn.Body)
		}
		other := ttsAdmin.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.HDTS.ID, "name": "Sneaky"})).Expect(t, http.StatusForbidden)
		if other.String("error") != "Access denied to create roles for this system" {
			t.Errorf("role in another system: %s", other.Body)
		}
		unknown := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": 999999, "name": "Ghost"})).Expect(t, http.StatusBadRequest)
		if got := unknown.Get("system").([]any)[0]; got != `Invalid pk "999999" - object does not exist.` {
			t.Errorf("unknown system message %q", got)
		}
		wrongType := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": "tts", "name": "Ghost"})).Expect(t, http.StatusBadRequest)
		if got := wrongType.Get("system").([]any)[0]; got != "Incorrect type. Expected pk value, received str." {
			t.Errorf("non-integer system message %q", got)
		}

		rolePath := func(r *model.Role) string { return fmt.Sprintf("/api/v1/roles/%d/", r.ID) }
		for _, c := range []struct {
			name   string
			client *apptest.Client
			method string
			role   *model.Role
			body   map[string]any
			want   string
		}{
			{"admin edits built-in", ttsAdmin, "PATCH", w.TTSBoss, map[string]any{"description": "x"}, "Cannot modify system default roles"},
			{"superuser renames Admin", super, "PATCH", w.TTSAdmin, map[string]any{"name": "Boss"}, "Cannot modify system default roles"},
			{"superuser deletes Admin", super, "DELETE", w.TTSAdmin, nil, "Cannot delete system Admin role"},
			{"admin deletes built-in", ttsAdmin, "DELETE", w.TTSBoss, nil, "Cannot delete system default roles"},
		} {
			resp := c.client.Do(c.method, rolePath(c.role), bodyOf(c.body)).Expect(t, http.StatusForbidden)
			if resp.String("error") != c.want {
				t.Errorf("%s: %s", c.name, resp.Body)
			}
		}
		described := super.Do("PATCH", rolePath(w.TTSAdmin), bodyOf(map[string]any{"description": "Runs TTS"})).Expect(t, http.StatusOK)
		if described.String("description") != "Runs TTS" {
			t.Errorf("a superuser may describe the Admin role: %s", described.Body)
		}
		moved := super.Do("PATCH", rolePath(w.TTSAgent), bodyOf(map[string]any{"system": w.HDTS.ID})).Expect(t, http.StatusBadRequest)
		if got := moved.Get("system").([]any)[0]; got != "The system of a role cannot be changed." {
			t.Errorf("moving a role: %q", got)
		}
		renameClash := ttsAdmin.Do("PUT", rolePath(w.TTSAgent), bodyOf(map[string]any{"name": "Dispatcher"})).Expect(t, http.StatusBadRequest)
		if renameClash.Get("non_field_errors") == nil {
			t.Errorf("renaming onto an existing name: %s", renameClash.Body)
		}

		// Deleting a custom role removes the assignments that use it.
		ttsAdmin.Do("DELETE", rolePath(w.TTSAgent), nil).Expect(t, http.StatusNoContent)
		ttsAdmin.Get(fmt.Sprintf("/api/v1/system-roles/user-system-roles/%d/", w.AgentTTS.ID)).Expect(t, http.StatusNotFound)
		requireAudit(t, s, "role.deleted", "role", w.TTSAgent.ID)

		filtered := super.Get("/api/v1/roles/?system__slug=hdts").Expect(t, http.StatusOK)
		alias := super.Get("/api/v1/roles/?system=hdts").Expect(t, http.StatusOK)
		if string(filtered.Body) != string(alias.Body) || strings.Contains(string(filtered.Body), "Dispatcher") {
			t.Errorf("role filter by system: %s / %s", filtered.Body, alias.Body)
		}
		s.Client().Get("/api/v1/roles/register/").Expect(t, http.StatusUnauthorized)
		super.Get("/api/v1/roles/register/").Expect(t, http.StatusNotFound)
	})
}

func TestAssignmentRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super, ttsAdmin, hdtsAdmin := w.Client(t, w.Super), w.Client(t, w.AdminOfTTS), w.Client(t, w.AdminOfHDTS)
		base := "/api/v1/system-roles/user-system-roles/"

		made := ttsAdmin.Post(base, apptest.Form(map[string]string{"user": fmt.Sprint(w.Plain.ID), "system": fmt.Sprint(w.TTS.ID),
			"role": fmt.Sprint(w.TTSAgent.ID), "settings": `{"is_deployed": false, "queue": "L2"}`})).Expect(t, http.StatusCreated)
		if made.Get("settings.queue") != "L2" || made.Get("user") != float64(w.Plain.ID) || len(made.Get("available_roles").([]any)) != 3 {
			t.Errorf("created assignment %s", made.Body)
		}
		dup := ttsAdmin.Post(base, apptest.JSON(map[string]any{"user": w.Plain.ID, "system": w.TTS.ID, "role": w.TTSAgent.ID})).Expect(t, http.StatusBadRequest)
		if got := dup.Get("non_field_errors").([]any)[0]; got != "The fields user, system, role must make a unique set." {
			t.Errorf("duplicate assignment %q", got)
		}
		mismatch := super.Post(base, apptest.JSON(map[string]any{"user": w.Plain.ID, "system": w.TTS.ID, "role": w.HDTSCoordinator.ID})).Expect(t, http.StatusBadRequest)
		want := "The selected role 'Ticket Coordinator' does not belong to the system 'Ticket Tracking System'. This role belongs to 'Help Desk and Ticketing System' system."
		if got := mismatch.Get("role").([]any)[0]; got != want {
			t.Errorf("role of another system: %q", got)
		}
		unknown := super.Post(base, apptest.JSON(map[string]any{"user": 424242, "system": w.TTS.ID, "role": w.TTSAgent.ID})).Expect(t, http.StatusBadRequest)
		if got := unknown.Get("user").([]any)[0]; got != `Invalid pk "424242" - object does not exist.` {
			t.Errorf("unknown user %q", got)
		}
		denied := hdtsAdmin.Post(base, apptest.JSON(map[string]any{"user": w.Plain.ID, "system": w.TTS.ID, "role": w.TTSBoss.ID})).Expect(t, http.StatusForbidden)
		if denied.String("error") != "Access denied to this system" {
			t.Errorf("assignment outside scope: %s", denied.Body)
		}

		// Moving an assignment into a system outside the scope is refused.
		path := fmt.Sprintf("%s%d/", base, w.AgentTTS.ID)
		moved := ttsAdmin.Do("PATCH", path, bodyOf(map[string]any{"system": w.HDTS.ID, "role": w.HDTSAdmin.ID})).Expect(t, http.StatusForbidden)
		if moved.String("error") != "Access denied to modify this system's role assignments" {
			t.Errorf("moving out of scope: %s", moved.Body)
		}
		changed := ttsAdmin.Do("PUT", path, bodyOf(map[string]any{"role": w.TTSBoss.ID, "is_active": false})).Expect(t, http.StatusOK)
		if changed.Get("role") != float64(w.TTSBoss.ID) || changed.Get("is_active") != false {
			t.Errorf("changed assignment %s", changed.Body)
		}

		// Admin assignments are removed only by superusers.
		adminAssignment := w.Assign(t, w.Plain, w.TTS, w.TTSAdmin, true)
		adminPath := fmt.Sprintf("%s%d/", base, adminAssignment.ID)
		for _, attempt := range []struct {
			method string
			body   map[string]any
		}{{"DELETE", nil}, {"PATCH", map[string]any{"is_active": false}}, {"PATCH", map[string]any{"role": w.TTSAgent.ID}}} {
			resp := ttsAdmin.Do(attempt.method, adminPath, bodyOf(attempt.body)).Expect(t, http.StatusForbidden)
			if resp.String("error") != "Cannot remove Admin role assignments" {
				t.Errorf("%s %v on an Admin assignment: %s", attempt.method, attempt.body, resp.Body)
			}
		}
		super.Do("DELETE", adminPath, nil).Expect(t, http.StatusNoContent)

		list := ttsAdmin.Get(base+"?system=tts&user="+fmt.Sprint(w.Agent.ID)).Expect(t, http.StatusOK)
		var entries []map[string]any
		decode(t, list.Body, &entries)
		if len(entries) != 1 || entries[0]["id"] != float64(w.Agent.ID) || entries[0]["assignment_id"] != float64(w.AgentTTS.ID) ||
			entries[0]["assignment_is_active"] != false || entries[0]["role"] != "Budget Manager" {
			t.Errorf("filtered list %s", list.Body)
		}
		outside := hdtsAdmin.Get(base+"?system=tts").Expect(t, http.StatusOK)
		if string(outside.Body) != "[]\n" {
			t.Errorf("hdts admin sees tts assignments: %s", outside.Body)
		}

		users := ttsAdmin.Get("/api/v1/system-roles/systems/tts/users/").Expect(t, http.StatusOK)
		for _, u := range users.Get("users").([]any) {
			if u.(map[string]any)["id"] == float64(w.Agent.ID) || u.(map[string]any)["id"] == float64(w.FormerAdmin.ID) {
				t.Errorf("inactive assignments are listed: %v", u)
			}
		}
		requireAudit(t, s, "assignment.updated", "assignment", w.AgentTTS.ID)
	})
}

func TestEditSettings(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		path := "/api/v1/system-roles/user-system-roles/edit-settings/"
		ttsAdmin, super := w.Client(t, w.AdminOfTTS), w.Client(t, w.Super)

		done := ttsAdmin.Post(path, apptest.JSON(map[string]any{"user_id": w.Agent.ID, "settings": map[string]any{"is_deployed": false}})).Expect(t, http.StatusOK)
		if done.Get("id") != float64(w.AgentTTS.ID) || done.String("system") != "tts" || done.Get("settings.is_deployed") != false {
			t.Errorf("edit settings %s", done.Body)
		}
		for _, c := range []struct {
			client *apptest.Client
			body   map[string]any
			status int
			want   string
		}{
			{ttsAdmin, map[string]any{"settings": map[string]any{}}, 400, "user_id is required"},
			{ttsAdmin, map[string]any{"user_id": w.Agent.ID}, 400, "settings is required"},
			{super, map[string]any{"user_id": w.Agent.ID, "settings": map[string]any{}}, 400, "Specify the system: you administer more than one system."},
			{ttsAdmin, map[string]any{"user_id": w.Agent.ID, "system": "hdts", "settings": map[string]any{}}, 403, "Access denied. You can only edit users in your system"},
			{ttsAdmin, map[string]any{"user_id": w.Plain.ID, "settings": map[string]any{}}, 404, "User system role not found or access denied"},
		} {
			resp := c.client.Post(path, apptest.JSON(c.body)).Expect(t, c.status)
			if resp.String("error") != c.want {
				t.Errorf("%v: %s", c.body, resp.Body)
			}
		}
		notObject := ttsAdmin.Post(path, apptest.JSON(map[string]any{"user_id": w.Agent.ID, "settings": "on"})).Expect(t, http.StatusBadRequest)
		if notObject.Get("settings") == nil {
			t.Errorf("settings not an object: %s", notObject.Body)
		}
	})
}

func TestMalformedBodies(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)
		for _, path := range []string{"/api/v1/systems/", "/api/v1/roles/", "/api/v1/system-roles/user-system-roles/", "/api/v1/system-roles/invite/"} {
			super.Post(path, apptest.Raw("application/json", []byte(`{"name": `))).Expect(t, http.StatusBadRequest)
			super.Post(path, apptest.Raw("application/json", []byte(`[1, 2]`))).Expect(t, http.StatusBadRequest)
			super.Post(path, apptest.Raw("text/plain", []byte(`name=x`))).Expect(t, http.StatusUnsupportedMediaType)
			super.Post(path, apptest.Raw("application/json", []byte(`{"name": "`+strings.Repeat("x", 2<<20)+`"}`))).Expect(t, http.StatusRequestEntityTooLarge)
		}
		nul := super.Post("/api/v1/systems/", apptest.JSON(map[string]any{"name": "bad\x00name", "slug": "nul"})).Expect(t, http.StatusBadRequest)
		if nul.Get("name") == nil {
			t.Errorf("NUL in a name: %s", nul.Body)
		}
		long := super.Post("/api/v1/roles/", apptest.JSON(map[string]any{"system": w.TTS.ID, "name": strings.Repeat("é", 151)})).Expect(t, http.StatusBadRequest)
		if got := long.Get("name").([]any)[0]; got != "Ensure this field has no more than 150 characters." {
			t.Errorf("long role name %q", got)
		}
		for _, path := range []string{"/api/v1/systems/abc/", "/api/v1/roles/-1/", "/api/v1/system-roles/user-system-roles/9999999999999999999999/"} {
			resp := super.Get(path).Expect(t, http.StatusNotFound)
			if resp.String("code") != "not_found" {
				t.Errorf("%s: %s", path, resp.Body)
			}
		}
		n, err := s.App.DB.NewSelect().Model((*model.System)(nil)).Count(context.Background())
		if err != nil || n != int64(2) {
			t.Errorf("malformed requests left %d systems (%v)", n, err)
		}
	})
}

func bodyOf(v map[string]any) *apptest.Body {
	if v == nil {
		return nil
	}
	b := apptest.JSON(v)
	return &b
}

// requireAudit fails unless an audit event with name and subject exists,
// recorded with the request's IP address.
func requireAudit(t *testing.T, s *apptest.Server, name, subjectType string, subjectID int64) {
	t.Helper()
	var events []audit.Event
	err := s.App.DB.NewSelect().Model(&events).Where("event = ?", name).Where("subject_type = ?", subjectType).
		Where("subject_id = ?", subjectID).Scan(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("no audit event %s for %s %d (%v)", name, subjectType, subjectID, err)
	}
	e := events[len(events)-1]
	if e.IP == nil || *e.IP == "" || e.ActorID == nil {
		t.Errorf("audit event %s lacks the actor or the source IP: %+v", name, e)
	}
}
