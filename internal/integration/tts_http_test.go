package integration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac/rbactest"
)

func idList(t *testing.T, raw []byte) string {
	t.Helper()
	var ids []int64
	if err := json.Unmarshal(raw, &ids); err != nil {
		t.Fatalf("not an array of ids: %s", raw)
	}
	return fmt.Sprint(ids)
}

func TestRoundRobin(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		second := w.User(t, "second@example.com", nil)
		w.Assign(t, second, w.TTS, w.TTSAgent, true)
		paused := w.User(t, "paused@example.com", nil)
		w.Assign(t, paused, w.TTS, w.TTSAgent, false)
		gone := w.User(t, "gone@example.com", nil)
		w.Assign(t, gone, w.TTS, w.TTSAgent, true)
		if _, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_active = false").Where("id = ?", gone.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint([]int64{w.Agent.ID, second.ID})
		c := w.KeyClient(t, "workflow", "assignments:read")

		for _, query := range []string{"role_name=Agent", "role_name=aGENT", fmt.Sprintf("role_id=%d", w.TTSAgent.ID),
			fmt.Sprintf("role_id=%d&role_name=Nobody", w.TTSAgent.ID)} {
			if got := idList(t, c.Get("/api/v1/tts/round-robin/?"+query).Expect(t, http.StatusOK).Body); got != want {
				t.Errorf("%s: %s, want %s", query, got, want)
			}
		}
		documented := c.Get("/api/v1/tts/round-robin/?system=TTS&role=agent").Expect(t, http.StatusOK)
		if documented.String("system") != "TTS" || documented.String("role") != "agent" || documented.Get("count") != float64(2) {
			t.Errorf("documented shape %s", documented.Body)
		}
		if got := fmt.Sprint(documented.Get("user_ids")); got != fmt.Sprintf("[%d %d]", w.Agent.ID, second.ID) {
			t.Errorf("documented ids %s", got)
		}
		coordinators := c.Get("/api/v1/tts/round-robin/?system=hdts&role=Ticket%20Coordinator").Expect(t, http.StatusOK)
		if fmt.Sprint(coordinators.Get("user_ids")) != fmt.Sprintf("[%d]", w.Agent.ID) {
			t.Errorf("hdts coordinators %s", coordinators.Body)
		}
		for _, query := range []string{"role_name=Nobody", fmt.Sprintf("role_id=%d", w.HDTSCoordinator.ID), "role_id=987654"} {
			if body := string(c.Get("/api/v1/tts/round-robin/?"+query).Expect(t, http.StatusOK).Body); body != "[]\n" {
				t.Errorf("%s: %s, want []", query, body)
			}
		}
		empty := c.Get("/api/v1/tts/round-robin/?system=nope&role=Agent").Expect(t, http.StatusOK)
		if empty.Get("count") != float64(0) || fmt.Sprint(empty.Get("user_ids")) != "[]" {
			t.Errorf("unknown system %s", empty.Body)
		}
		for query, message := range map[string]string{
			"":                    "Either role_id or role_name parameter is required.",
			"role_id=abc":         "role_id must be a number.",
			"role_id=1.5":         "role_id must be a number.",
			"system=tts":          "Both system and role parameters are required.",
			"role=Agent":          "Both system and role parameters are required.",
			"system=tts&role=":    "Both system and role parameters are required.",
			"role_name=&system=x": "Both system and role parameters are required.",
		} {
			resp := c.Get("/api/v1/tts/round-robin/?"+query).Expect(t, http.StatusBadRequest)
			if resp.String("error") != message {
				t.Errorf("%q: %s", query, resp.Body)
			}
		}
	})
}

func TestUsersInfo(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		c := w.KeyClient(t, "tts", "users:read")
		path := "/api/v1/tts/users-info/"

		legacy := c.Post(path, apptest.JSON(map[string]any{"employee_cookie_ids": []int64{w.Plain.ID, 999999, w.Agent.ID}})).Expect(t, http.StatusOK)
		if len(legacy.JSON) != 2 || legacy.Get(fmt.Sprint(w.Agent.ID)+".email") != "agent@example.com" {
			t.Errorf("legacy shape %s", legacy.Body)
		}
		entry := legacy.Get(fmt.Sprint(w.Plain.ID)).(map[string]any)
		if _, ok := entry["position"]; !ok || entry["position"] != nil || len(entry) != 8 {
			t.Errorf("legacy entry %v", entry)
		}

		current := c.Post(path, apptest.JSON(map[string]any{"user_ids": []int64{w.Agent.ID, 999999, w.Plain.ID, w.Agent.ID}})).Expect(t, http.StatusOK)
		users := current.Get("users").([]any)
		if len(users) != 2 || users[0].(map[string]any)["id"] != float64(w.Agent.ID) || users[1].(map[string]any)["id"] != float64(w.Plain.ID) {
			t.Errorf("users in request order without duplicates: %s", current.Body)
		}
		if fmt.Sprint(current.Get("not_found")) != "[999999]" {
			t.Errorf("not_found %v", current.Get("not_found"))
		}
		form := c.Post(path, apptest.Form(map[string]string{"user_ids": fmt.Sprint(w.Agent.ID)})).Expect(t, http.StatusOK)
		if len(form.Get("users").([]any)) != 1 {
			t.Errorf("form shape %s", form.Body)
		}

		limit := make([]int64, 500)
		for i := range limit {
			limit[i] = int64(i + 1)
		}
		c.Post(path, apptest.JSON(map[string]any{"user_ids": limit})).Expect(t, http.StatusOK)
		for _, bad := range []struct {
			body    any
			message string
		}{
			{map[string]any{}, "employee_cookie_ids array is required."},
			{map[string]any{"employee_cookie_ids": "1,2"}, "employee_cookie_ids must be an array."},
			{map[string]any{"employee_cookie_ids": []any{1, "2"}}, "All employee_cookie_ids must be numbers."},
			{map[string]any{"employee_cookie_ids": []any{1, true}}, "All employee_cookie_ids must be numbers."},
			{map[string]any{"employee_cookie_ids": []any{1.5}}, "All employee_cookie_ids must be numbers."},
			{map[string]any{"user_ids": map[string]any{"a": 1}}, "user_ids must be an array of integers."},
			{map[string]any{"user_ids": []any{nil}}, "user_ids must be an array of integers."},
			{map[string]any{"user_ids": []int64{1}, "employee_cookie_ids": []int64{1}}, "Send either user_ids or employee_cookie_ids, not both."},
			{map[string]any{"user_ids": append(limit, 501)}, "At most 500 ids per request."},
			{map[string]any{"employee_cookie_ids": append(limit, 501)}, "At most 500 ids per request."},
		} {
			resp := c.Post(path, apptest.JSON(bad.body)).Expect(t, http.StatusBadRequest)
			if resp.String("error") != bad.message {
				t.Errorf("%v: %s", bad.body, resp.Body)
			}
		}
		c.Post(path, apptest.Raw("application/json", []byte(`{"user_ids": [1,`))).Expect(t, http.StatusBadRequest)
	})
}

func TestUserInfoAndInternalUser(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		c := w.KeyClient(t, "helpdesk", "users:read")
		info := c.Get(fmt.Sprintf("/api/v1/tts/user-info/%d/", w.Agent.ID)).Expect(t, http.StatusOK)
		roles := fmt.Sprint(info.Get("roles"))
		if roles != "[map[role:Agent system:tts] map[role:Ticket Coordinator system:hdts]]" || info.Get("position") != nil {
			t.Errorf("user-info %s", info.Body)
		}
		former := c.Get(fmt.Sprintf("/api/v1/tts/user-info/%d/", w.FormerAdmin.ID)).Expect(t, http.StatusOK)
		if fmt.Sprint(former.Get("roles")) != "[]" {
			t.Errorf("inactive assignments in roles: %s", former.Body)
		}
		missing := c.Get("/api/v1/tts/user-info/999999/").Expect(t, http.StatusNotFound)
		if missing.String("error") != "User not found." {
			t.Errorf("unknown user %s", missing.Body)
		}
		if c.Get("/api/v1/tts/user-info/abc/").Expect(t, http.StatusNotFound).String("code") != "not_found" {
			t.Error("a non-integer id must not match the route")
		}

		internal := c.Get(fmt.Sprintf("/api/v1/users/internal/%d/", w.Agent.ID)).Expect(t, http.StatusOK)
		if internal.String("full_name") != "Test User" || internal.String("status") != "Approved" || internal.Get("is_active") != true {
			t.Errorf("internal user %s", internal.Body)
		}
		if c.Get("/api/v1/users/internal/999999/").Expect(t, http.StatusNotFound).String("error") != "User not found" {
			t.Error("unknown internal user body")
		}

		bad := s.Client()
		bad.Header.Set("X-API-Key", "authd_aaaaaaaa_"+strings.Repeat("x", 43))
		if resp := bad.Get(fmt.Sprintf("/api/v1/users/internal/%d/", w.Agent.ID)).Expect(t, http.StatusUnauthorized); resp.String("code") != "api_key_invalid" {
			t.Errorf("invalid key %s", resp.Body)
		}
		query := s.Client().Get(fmt.Sprintf("/api/v1/users/internal/%d/?X-API-Key=%s", w.Agent.ID, "authd_x")).Expect(t, http.StatusUnauthorized)
		if query.String("code") != "api_key_required" {
			t.Errorf("a key in the query string is not a key: %s", query.Body)
		}
	})
}

func TestLegacyOpenMode(t *testing.T) {
	env := map[string]string{"AUTHD_INTERNAL_AUTH": "legacy_open"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		anonymous := s.Client()
		anonymous.Get(fmt.Sprintf("/api/v1/users/internal/%d/", w.Agent.ID)).Expect(t, http.StatusOK)
		anonymous.Get(fmt.Sprintf("/api/v1/tts/user-info/%d/", w.Agent.ID)).Expect(t, http.StatusOK)
		anonymous.Get("/api/v1/tts/round-robin/?role_name=Agent").Expect(t, http.StatusOK)
		anonymous.Post("/api/v1/tts/users-info/", apptest.JSON(map[string]any{"user_ids": []int64{w.Agent.ID}})).Expect(t, http.StatusOK)
		n, err := s.App.DB.NewSelect().Table("audit_events").Where("event = 'internal.open_access'").Count(context.Background())
		if err != nil || n == 0 {
			t.Errorf("open access not audited: %d (%v)", n, err)
		}
		// Keys are still checked, and the admin routes stay closed.
		bad := s.Client()
		bad.Header.Set("X-API-Key", "authd_aaaaaaaa_"+strings.Repeat("x", 43))
		bad.Get("/api/v1/tts/round-robin/?role_name=Agent").Expect(t, http.StatusUnauthorized)
		anonymous.Get("/api/v1/tts/assign-agent-to-role/").Expect(t, http.StatusUnauthorized)
	})
}
