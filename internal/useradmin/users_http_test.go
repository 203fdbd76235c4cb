package useradmin_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/rbac/rbactest"
	"github.com/mapactive/authd/internal/useradmin"
)

// listedIDs returns the sorted user ids of a list response.
func listedIDs(t *testing.T, resp *apptest.Response) []int64 {
	t.Helper()
	var ids []int64
	for _, u := range resp.Get("users").([]any) {
		ids = append(ids, int64(u.(map[string]any)["id"].(float64)))
	}
	if resp.Get("users_count") != float64(len(ids)) {
		t.Errorf("users_count %v for %d users", resp.Get("users_count"), len(ids))
	}
	return ids
}

func ids(users ...*model.User) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestUserListScoping(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		inactive := w.User(t, "gone@example.com", nil)
		w.Assign(t, inactive, w.HDTS, w.HDTSCoordinator, true)
		if _, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_active = false").Where("id = ?", inactive.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		everyone := ids(w.Super, w.AdminOfTTS, w.AdminOfHDTS, w.Agent, w.Plain, w.FormerAdmin, inactive)
		ttsUsers := ids(w.AdminOfTTS, w.Agent, w.FormerAdmin)

		ttsAdmin := w.Client(t, w.AdminOfTTS)
		for _, c := range []struct {
			name   string
			client *apptest.Client
			path   string
			cookie string
			want   []int64
		}{
			{"superuser", w.Client(t, w.Super), "/api/v1/users/list/", "", everyone},
			{"superuser narrowed", w.Client(t, w.Super), "/api/v1/users/agents/?system=hdts", "", ids(w.AdminOfHDTS, w.Agent, inactive)},
			{"tts admin", ttsAdmin, "/api/v1/users/management/", "", ttsUsers},
			{"tts admin, cookie outside scope", w.Client(t, w.AdminOfTTS), "/api/v1/users/list/", "hdts", ttsUsers},
			{"tts admin, system outside scope", ttsAdmin, "/api/v1/users/list/?system=hdts", "", nil},
			{"plain staff", w.Client(t, w.Plain), "/api/v1/users/list/", "", ids(w.Super, w.AdminOfTTS, w.AdminOfHDTS, w.Agent, w.Plain, w.FormerAdmin)},
			{"employee", w.EmployeeClient(t, w.Employee), "/api/v1/users/agents/", "", ids(w.AdminOfHDTS, w.Agent)},
		} {
			if c.cookie != "" {
				c.client.SetCookie("selected_system", c.cookie)
			}
			got := listedIDs(t, c.client.Get(c.path).Expect(t, http.StatusOK))
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: users %v, want %v", c.name, got, c.want)
			}
		}
		// An is_staff user who administers two systems narrows with the
		// selected_system cookie.
		w.Assign(t, w.AdminOfTTS, w.HDTS, w.HDTSAdmin, true)
		narrowed := w.Client(t, w.AdminOfTTS)
		narrowed.SetCookie("selected_system", "hdts")
		got := listedIDs(t, narrowed.Get("/api/v1/users/list/").Expect(t, http.StatusOK))
		if want := ids(w.AdminOfTTS, w.AdminOfHDTS, w.Agent, inactive); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("cookie narrowing: %v, want %v", got, want)
		}
	})
}

func TestAdminUpdateRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		ttsAdmin := w.Client(t, w.AdminOfTTS)
		path := func(u *model.User) string { return fmt.Sprintf("/api/v1/users/%d/", u.ID) }

		updated := ttsAdmin.Do("PATCH", path(w.Agent), body(map[string]any{
			"first_name": "Ana", "department": "IT Department", "status": "Rejected", "phone_number": "09171234567",
			"email": "ignored@example.com", "username": "ignored",
		})).Expect(t, http.StatusOK)
		if updated.String("first_name") != "Ana" || updated.String("status") != "Rejected" || updated.String("phone_number") != "+639171234567" ||
			updated.String("email") != "agent@example.com" || updated.String("username") == "ignored" {
			t.Errorf("admin update %s", updated.Body)
		}
		stored := &model.User{}
		if err := s.App.DB.NewSelect().Model(stored).Where("id = ?", w.Agent.ID).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if stored.StatusByID == nil || *stored.StatusByID != w.AdminOfTTS.ID || stored.StatusAt == nil {
			t.Errorf("status change not attributed: by %v at %v", stored.StatusByID, stored.StatusAt)
		}
		requireAudit(t, s, "user.status_changed", w.Agent.ID)

		taken := ttsAdmin.Do("PATCH", path(w.Agent), body(map[string]any{"phone_number": "+639171234567"})).Expect(t, http.StatusOK)
		if taken.String("phone_number") != "+639171234567" {
			t.Errorf("keeping one's own phone number: %s", taken.Body)
		}
		w.Assign(t, w.Plain, w.TTS, w.TTSAgent, true)
		dup := ttsAdmin.Do("PATCH", path(w.Plain), body(map[string]any{"phone_number": "+639171234567"})).Expect(t, http.StatusBadRequest)
		if got := dup.Get("phone_number").([]any)[0]; got != "A user with this phone number already exists." {
			t.Errorf("duplicate phone: %q", got)
		}
		badStatus := ttsAdmin.Do("PATCH", path(w.Plain), body(map[string]any{"status": "Frozen"})).Expect(t, http.StatusBadRequest)
		if badStatus.Get("status") == nil {
			t.Errorf("unknown status: %s", badStatus.Body)
		}

		// Toggling one assignment: in scope works, outside scope is a field error.
		toggled := ttsAdmin.Do("PATCH", path(w.Agent), body(map[string]any{"system_role_id": w.AgentTTS.ID, "system_role_is_active": false})).Expect(t, http.StatusOK)
		for _, role := range toggled.Get("system_roles").([]any) {
			entry := role.(map[string]any)
			if entry["id"] == float64(w.AgentTTS.ID) && entry["is_active"] != false {
				t.Errorf("assignment not deactivated: %v", entry)
			}
		}
		hdtsAssignment := findAssignment(t, s, w.Agent.ID, w.HDTS.ID)
		outside := ttsAdmin.Do("PATCH", path(w.Agent), body(map[string]any{"system_role_id": hdtsAssignment, "system_role_is_active": false})).Expect(t, http.StatusBadRequest)
		if got := outside.Get("system_role_id").([]any)[0]; got != "System role not found or access denied." {
			t.Errorf("assignment outside scope: %q", got)
		}

		// Other admins and superusers are off limits for a system admin.
		other := w.User(t, "coadmin@example.com", nil)
		w.Assign(t, other, w.TTS, w.TTSAdmin, true)
		coAdmin := ttsAdmin.Do("PATCH", path(other), body(map[string]any{"first_name": "X"})).Expect(t, http.StatusForbidden)
		if coAdmin.String("error") != "Admins cannot edit other admins' profiles" {
			t.Errorf("editing a co-admin: %s", coAdmin.Body)
		}
		w.Assign(t, w.Super, w.TTS, w.TTSAgent, true)
		superTarget := ttsAdmin.Do("PATCH", path(w.Super), body(map[string]any{"first_name": "X"})).Expect(t, http.StatusForbidden)
		if superTarget.String("error") != "Access denied to modify this user" {
			t.Errorf("editing a superuser: %s", superTarget.Body)
		}
		hidden := w.Client(t, w.AdminOfHDTS).Do("PATCH", path(w.Plain), body(map[string]any{"first_name": "X"})).Expect(t, http.StatusNotFound)
		if hidden.String("error") != "User not found or access denied" {
			t.Errorf("editing outside scope: %s", hidden.Body)
		}

		// On its own account an admin follows the profile rules.
		self := ttsAdmin.Do("PATCH", path(w.AdminOfTTS), body(map[string]any{"first_name": "Self", "status": "Rejected"})).Expect(t, http.StatusOK)
		if self.String("first_name") != "Self" || self.String("status") != "Approved" {
			t.Errorf("own profile through the admin route: %s", self.Body)
		}
		self = ttsAdmin.Get(path(w.AdminOfTTS)).Expect(t, http.StatusOK)
		if self.Get("id") != float64(w.AdminOfTTS.ID) {
			t.Errorf("reading oneself: %s", self.Body)
		}
	})
}

func TestDeleteUserRevokesEverything(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		picture, err := s.App.Media.SavePictureBytes(pngBytes(t))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("profile_picture = ?", picture).Where("id = ?", w.Agent.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		agent := w.Client(t, w.Agent)
		agent.Get("/api/me/").Expect(t, http.StatusOK)

		super := w.Client(t, w.Super)
		super.Do("DELETE", fmt.Sprintf("/api/v1/users/%d/", w.Agent.ID), nil).Expect(t, http.StatusNoContent)
		revoked := agent.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		if revoked.String("code") != "token_revoked" {
			t.Errorf("token of a deleted user: %s", revoked.Body)
		}
		if _, err := os.Stat(filepath.Join(s.App.Config.MediaDir, picture)); !os.IsNotExist(err) {
			t.Errorf("the picture of a deleted user remains: %v", err)
		}
		n, err := s.App.DB.NewSelect().Model((*model.Assignment)(nil)).Where("user_id = ?", w.Agent.ID).Count(ctx)
		if err != nil || n != 0 {
			t.Errorf("%d assignments remain (%v)", n, err)
		}
		live, err := s.App.DB.NewSelect().Table("refresh_families").Where("subject_type = 'staff'").Where("subject_id = ?", w.Agent.ID).
			Where("revoked_at IS NULL").Count(ctx)
		if err != nil || live != 0 {
			t.Errorf("%d live refresh families remain (%v)", live, err)
		}
		requireAudit(t, s, "user.deleted", w.Agent.ID)
		super.Do("DELETE", fmt.Sprintf("/api/v1/users/%d/", w.Agent.ID), nil).Expect(t, http.StatusNotFound)

		self := super.Do("DELETE", fmt.Sprintf("/api/v1/users/%d/", w.Super.ID), nil).Expect(t, http.StatusForbidden)
		if self.String("error") != "Cannot delete other superusers" {
			t.Errorf("deleting oneself: %s", self.Body)
		}
		admin := w.Client(t, w.AdminOfTTS).Do("DELETE", fmt.Sprintf("/api/v1/users/%d/", w.Plain.ID), nil).Expect(t, http.StatusForbidden)
		if admin.String("error") != "Only superusers can delete users" {
			t.Errorf("admin deleting: %s", admin.Body)
		}
	})
}

func TestDeactivationRevokesTokens(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		agent := w.Client(t, w.Agent)
		agent.Get("/api/me/").Expect(t, http.StatusOK)
		svc := useradmin.NewService(useradmin.Deps{Config: s.App.Config, DB: s.App.DB, Now: s.App.Now, Logger: s.App.Logger,
			Accounts: s.App.Accounts, RBAC: s.App.RBAC, Invitations: s.App.Invites, Tokens: s.App.Tokens, Media: s.App.Media, Outbox: s.App.Outbox})
		err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, err := svc.SetActive(ctx, tx, rbac.ActorOf(nil), w.Agent, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		resp := agent.Get("/api/me/").Expect(t, http.StatusUnauthorized)
		if resp.String("code") != "token_revoked" {
			t.Errorf("token after deactivation: %s", resp.Body)
		}
		stored := &model.User{}
		if err := s.App.DB.NewSelect().Model(stored).Where("id = ?", w.Agent.ID).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if stored.IsActive || stored.TokensValidAfter == nil {
			t.Errorf("deactivated user: active %v, tokens_valid_after %v", stored.IsActive, stored.TokensValidAfter)
		}
	})
}

func TestManagementCreate(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		super := w.Client(t, w.Super)
		made := super.Post("/api/v1/users/management/", apptest.Form(map[string]string{
			"email": "new.hire@example.com", "password": rbactest.Password, "first_name": "New", "is_staff": "true",
		})).Expect(t, http.StatusCreated)
		if made.String("email") != "new.hire@example.com" || made.Get("is_staff") != true || made.String("company_id") == "" {
			t.Errorf("created %s", made.Body)
		}
		dup := super.Post("/api/v1/users/management/", apptest.JSON(map[string]any{"email": "NEW.HIRE@example.com", "password": rbactest.Password})).Expect(t, http.StatusBadRequest)
		if got := dup.Get("email").([]any)[0]; got != "A user with this email already exists." {
			t.Errorf("duplicate e-mail %q", got)
		}
		weak := super.Post("/api/v1/users/management/", apptest.JSON(map[string]any{"email": "weak@example.com", "password": "123"})).Expect(t, http.StatusBadRequest)
		if weak.Get("password") == nil {
			t.Errorf("weak password accepted: %s", weak.Body)
		}
		denied := w.Client(t, w.AdminOfTTS).Post("/api/v1/users/management/", apptest.JSON(map[string]any{"email": "x@example.com"})).Expect(t, http.StatusForbidden)
		if denied.String("error") != "System admins should use the admin invite endpoint to create users" {
			t.Errorf("admin creating: %s", denied.Body)
		}
	})
}

func TestInviteAgent(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		w := rbactest.New(t, s)
		ttsAdmin := w.Client(t, w.AdminOfTTS)
		form := ttsAdmin.Get("/api/v1/users/invite-agent/").Expect(t, http.StatusOK)
		var available []string
		for _, u := range form.Get("available_users").([]any) {
			available = append(available, u.(map[string]any)["email"].(string))
		}
		if fmt.Sprint(available) != "[hdtsadmin@example.com plain@example.com]" {
			t.Errorf("available users %v", available)
		}
		systems := form.Get("systems").([]any)
		if len(systems) != 1 || systems[0].(map[string]any)["slug"] != "tts" || len(systems[0].(map[string]any)["roles"].([]any)) != 3 {
			t.Errorf("systems %v", systems)
		}
		notAdmin := w.Client(t, w.FormerAdmin).Get("/api/v1/users/invite-agent/").Expect(t, http.StatusForbidden)
		if notAdmin.String("error") != "You are not an admin of any system" {
			t.Errorf("former admin: %s", notAdmin.Body)
		}

		path := "/api/v1/users/invite_agent/"
		done := ttsAdmin.Post(path, apptest.Form(map[string]string{"user_id": fmt.Sprint(w.Plain.ID), "system_id": fmt.Sprint(w.TTS.ID),
			"role_id": fmt.Sprint(w.TTSAgent.ID)})).Expect(t, http.StatusCreated)
		if done.String("message") != "User plain@example.com successfully invited to Ticket Tracking System as Agent" ||
			done.Get("assignment.role_name") != "Agent" {
			t.Errorf("invite agent %s", done.Body)
		}
		for _, c := range []struct {
			body   map[string]any
			status int
			want   string
		}{
			{map[string]any{"user_id": w.Plain.ID, "system_id": w.TTS.ID}, 400, "user_id, system_id, and role_id are required"},
			{map[string]any{"user_id": 999999, "system_id": w.TTS.ID, "role_id": w.TTSAgent.ID}, 404, "User not found"},
			{map[string]any{"user_id": w.Plain.ID, "system_id": 999999, "role_id": w.TTSAgent.ID}, 404, "System not found"},
			{map[string]any{"user_id": w.Plain.ID, "system_id": w.HDTS.ID, "role_id": w.HDTSCoordinator.ID}, 403, "You are not an admin of this system"},
			{map[string]any{"user_id": w.AdminOfHDTS.ID, "system_id": w.TTS.ID, "role_id": w.HDTSCoordinator.ID}, 404, "Role not found or does not belong to this system"},
			{map[string]any{"user_id": w.Plain.ID, "system_id": w.TTS.ID, "role_id": w.TTSBoss.ID}, 409, "User is already assigned to this system"},
		} {
			resp := ttsAdmin.Post(path, apptest.JSON(c.body)).Expect(t, c.status)
			if resp.String("error") != c.want {
				t.Errorf("%v: %s", c.body, resp.Body)
			}
		}
	})
}

func body(v map[string]any) *apptest.Body {
	b := apptest.JSON(v)
	return &b
}

func findAssignment(t *testing.T, s *apptest.Server, userID, systemID int64) int64 {
	t.Helper()
	var id int64
	err := s.App.DB.NewSelect().Model((*model.Assignment)(nil)).Column("id").Where("user_id = ?", userID).Where("system_id = ?", systemID).Scan(context.Background(), &id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func requireAudit(t *testing.T, s *apptest.Server, name string, userID int64) {
	t.Helper()
	var events []audit.Event
	err := s.App.DB.NewSelect().Model(&events).Where("event = ?", name).Where("subject_type = 'staff'").Where("subject_id = ?", userID).Scan(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("no audit event %s for user %d (%v)", name, userID, err)
	}
	if e := events[len(events)-1]; e.IP == nil || e.ActorID == nil {
		t.Errorf("audit event %s lacks actor or IP: %+v", name, e)
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
