package accounts_test

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"testing"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/seed"
)

// assignRole gives a user a seeded role, active or not.
func assignRole(t *testing.T, s *apptest.Server, userID int64, slug, roleName string, active bool) {
	t.Helper()
	ctx := context.Background()
	if err := (&seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}).AllRoles(ctx); err != nil {
		t.Fatal(err)
	}
	role := &model.Role{}
	err := s.App.DB.NewSelect().Model(role).Join("JOIN systems AS s ON s.id = role.system_id").
		Where("s.slug = ?", slug).Where("role.name = ?", roleName).Scan(ctx)
	if err != nil {
		t.Fatalf("role %s/%s: %v", slug, roleName, err)
	}
	a := &model.Assignment{UserID: userID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Clock.Now(), IsActive: active,
		Settings: map[string]any{"is_deployed": true}}
	if _, err := s.App.DB.NewInsert().Model(a).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSignInSuccessBodies(t *testing.T) {
	env := map[string]string{"TTS_SYSTEM_URL": "https://tts.example.test", "BMS_SYSTEM_URL": "https://bms.example.test/app"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		u := createUser(t, s, "body@example.com", func(n *accounts.NewUser) { n.Username = "bodyuser"; n.IsStaff = true })
		assignRole(t, s, u.ID, "tts", "Admin", true)
		assignRole(t, s, u.ID, "ams", "Operator", false)
		assignRole(t, s, u.ID, "bms", "FINANCE_HEAD", true)

		login := s.Client().Post("/api/v1/users/login/api/", credentials(u.Email, testPassword)).Expect(t, http.StatusOK)
		if got, want := keysOf(login.JSON), []string{"access_token", "message", "otp_required", "redirect", "refresh_token", "success", "user"}; !reflect.DeepEqual(got, want) {
			t.Errorf("login/api keys = %v, want %v", got, want)
		}
		if login.Get("message") != "Authentication successful" || login.Get("success") != true || login.Get("otp_required") != false {
			login.Errorf(t, "login/api flags")
		}
		user, _ := login.Get("user").(map[string]any)
		wantUserKeys := []string{"company_id", "date_joined", "department", "email", "first_name", "id", "is_staff", "is_superuser",
			"last_name", "middle_name", "notified", "otp_enabled", "phone_number", "status", "suffix", "system_roles", "username"}
		if got := keysOf(user); !reflect.DeepEqual(got, wantUserKeys) {
			t.Errorf("LoginUser keys = %v, want %v", got, wantUserKeys)
		}
		roles, _ := user["system_roles"].([]any)
		if len(roles) != 2 {
			t.Fatalf("LoginUser system_roles = %v, want the two active assignments", roles)
		}
		first, _ := roles[0].(map[string]any)
		if got := keysOf(first); !reflect.DeepEqual(got, []string{"assigned_at", "role_name", "system_name", "system_slug"}) || first["system_slug"] != "tts" {
			t.Errorf("first system role = %v", first)
		}
		wantRedirect := map[string]any{"primary_system": "tts", "url": "https://tts.example.test",
			"available_systems": map[string]any{"tts": "https://tts.example.test", "bms": "https://bms.example.test/app"}}
		if !reflect.DeepEqual(login.Get("redirect"), wantRedirect) {
			t.Errorf("redirect = %v, want %v", login.Get("redirect"), wantRedirect)
		}

		// The access token lists the active assignments in assignment order.
		claims := parseShared(t, s, login.String("access_token"))
		wantRoles := []any{map[string]any{"system": "tts", "role": "Admin"}, map[string]any{"system": "bms", "role": "FINANCE_HEAD"}}
		if !reflect.DeepEqual(claims["roles"], wantRoles) {
			t.Errorf("roles claim = %v, want %v", claims["roles"], wantRoles)
		}
		row := readUser(t, s, u.ID)
		if row.LastLogin == nil || !row.LastLogin.Equal(s.Clock.Now()) {
			t.Errorf("last_login = %v, want the sign-in instant", row.LastLogin)
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM user_system_roles WHERE user_id = ? AND last_logged_on IS NOT NULL", u.ID); n != 3 {
			t.Errorf("assignments with last_logged_on = %d, want every assignment (3)", n)
		}

		for _, path := range []string{"/token/", "/api/v1/token/obtain/", "/api/v1/users/login/"} {
			resp := s.Client().Post(path, credentials(u.Email, testPassword)).Expect(t, http.StatusOK)
			if got, want := keysOf(resp.JSON), []string{"access", "message", "redirect", "refresh", "user"}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s keys = %v, want %v", path, got, want)
			}
			if !reflect.DeepEqual(resp.Get("redirect"), wantRedirect) {
				t.Errorf("%s redirect = %v", path, resp.Get("redirect"))
			}
		}

		// Without an active assignment the redirect is the default system URL.
		lone := createUser(t, s, "lone@example.com", nil)
		resp := s.Client().Post("/token/", credentials(lone.Email, testPassword)).Expect(t, http.StatusOK)
		wantLone := map[string]any{"primary_system": nil, "url": "http://localhost:3000/dashboard", "available_systems": map[string]any{}}
		if !reflect.DeepEqual(resp.Get("redirect"), wantLone) {
			t.Errorf("redirect without systems = %v, want %v", resp.Get("redirect"), wantLone)
		}
	})
}
