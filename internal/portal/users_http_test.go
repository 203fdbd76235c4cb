package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
)

func TestPortalUserListFiltersAndPages(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		for i, email := range []string{"ana.reyes@example.com", "ben@example.com", "cara@example.com"} {
			s.Clock.Advance(time.Minute)
			newUser(t, s, email, false, func(n *accounts.NewUser) {
				n.FirstName = []string{"Ana", "Ben", "Cara"}[i]
				n.Status = []string{model.StatusApproved, model.StatusPending, model.StatusRejected}[i]
				n.IsActive = i != 2
			})
		}
		c := login(t, s, "root@example.com")

		all := c.Get("/superadmin/api/users/").Expect(t, http.StatusOK)
		users, _ := all.Get("users").([]any)
		if len(users) != 4 || all.Get("total") != float64(4) || all.Get("page") != float64(1) || all.Get("per_page") != float64(25) || all.Get("total_pages") != float64(1) {
			all.Errorf(t, "wrong first page")
		}
		if first, _ := users[0].(map[string]any); first["email"] != "cara@example.com" {
			all.Errorf(t, "users not newest first")
		}
		for query, want := range map[string]int{
			"search=ANA":                      1,
			"search=example.com":              4,
			"search=%25":                      0,
			"search=_":                        0,
			"search=ma000":                    4,
			"status=Pending":                  1,
			"is_active=false":                 1,
			"is_superuser=true":               1,
			"is_staff=false&status=Approved":  1,
			"per_page=2&page=2":               2,
			"per_page=500":                    4,
			"page=9":                          0,
			"search=reyes&is_superuser=false": 1,
		} {
			got := c.Get("/superadmin/api/users/?"+query).Expect(t, http.StatusOK)
			if list, _ := got.Get("users").([]any); len(list) != want {
				got.Errorf(t, "%s: %d users, want %d", query, len(list), want)
			}
		}
		if c.Get("/superadmin/api/users/?per_page=500").Get("per_page") != float64(100) {
			t.Errorf("per_page above 100 not capped")
		}
		for _, bad := range []string{"status=Done", "is_active=yes", "page=0", "page=x", "per_page=-1", "search=a%00b"} {
			c.Get("/superadmin/api/users/?"+bad).Expect(t, http.StatusBadRequest)
		}
	})
}

func TestPortalCreateUser(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")

		created := c.Post("/superadmin/api/users/create/", apptest.JSON(map[string]any{
			"email": "New.Person@example.com", "password": "Quiet-Meadow-Falcon-7", "username": "newperson", "first_name": "New",
			"status": "Approved", "is_staff": true, "send_invite": true,
		})).Expect(t, http.StatusCreated)
		if created.String("message") != "User created successfully" || !strings.HasPrefix(created.String("company_id"), "MA") {
			created.Errorf(t, "wrong creation body")
		}
		id := int64(created.Get("id").(float64))
		u := reload(t, s, id)
		if !passwords.IsUsable(u.Password) || u.Status != model.StatusApproved || !u.IsStaff || u.IsSuperuser || !u.IsActive {
			t.Errorf("created user = %+v", u)
		}
		if count(t, s, "password_tokens", "subject_id = ? AND purpose = 'invite'", id) != 0 {
			t.Errorf("an account with a password got an invitation")
		}

		invited := c.Post("/superadmin/api/users/create/", apptest.Form(map[string]string{"email": "invitee@example.com"})).Expect(t, http.StatusCreated)
		invitedID := int64(invited.Get("id").(float64))
		if passwords.IsUsable(reload(t, s, invitedID).Password) {
			t.Errorf("an account without a password got a usable one")
		}
		if reload(t, s, invitedID).Status != model.StatusPending {
			t.Errorf("default status is not Pending")
		}
		if count(t, s, "password_tokens", "subject_id = ? AND purpose = 'invite'", invitedID) != 1 {
			t.Errorf("no invitation link issued")
		}
		quiet := c.Post("/superadmin/api/users/create/", apptest.JSON(map[string]any{"email": "quiet@example.com", "send_invite": false})).Expect(t, http.StatusCreated)
		if count(t, s, "password_tokens", "subject_id = ?", int64(quiet.Get("id").(float64))) != 0 {
			t.Errorf("send_invite false still sent an invitation")
		}
		super := c.Post("/superadmin/api/users/create/", apptest.JSON(map[string]any{"email": "boss@example.com", "is_superuser": true, "send_invite": false})).Expect(t, http.StatusCreated)
		if u := reload(t, s, int64(super.Get("id").(float64))); !u.IsSuperuser || !u.IsStaff {
			t.Errorf("a superuser was not made staff")
		}

		for _, tc := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{}, "Email is required"},
			{map[string]any{"email": "   "}, "Email is required"},
			{map[string]any{"email": "new.person@EXAMPLE.com"}, "Email already exists"},
			{map[string]any{"email": "other@example.com", "username": "NewPerson"}, "Username already exists"},
			{map[string]any{"email": "other@example.com", "password": "short"}, "Password must be at least 8 characters long."},
			{map[string]any{"email": "other@example.com", "password": "password123"}, "Password is too common."},
			{map[string]any{"email": "not-an-email"}, "email: Enter a valid email address."},
			{map[string]any{"email": "other@example.com", "status": "Done"}, `status: "Done" is not a valid choice.`},
			{map[string]any{"email": "other@example.com", "is_staff": "maybe"}, "is_staff: Must be a valid boolean."},
			{map[string]any{"email": "other@example.com", "first_name": "a\x00b"}, "first_name: Null characters are not allowed."},
			{map[string]any{"email": "other@example.com", "phone_number": "12"}, "phone_number: Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."},
		} {
			got := c.Post("/superadmin/api/users/create/", apptest.JSON(tc.body)).Expect(t, http.StatusBadRequest)
			if got.String("error") != tc.want {
				got.Errorf(t, "error = %q, want %q", got.String("error"), tc.want)
			}
		}
		if count(t, s, "users", "email_normalized = ?", "other@example.com") != 0 {
			t.Errorf("a rejected creation left a row")
		}
		c.Post("/superadmin/api/users/create/", apptest.Raw("application/json", []byte(`[1]`))).Expect(t, http.StatusBadRequest)
		c.Post("/superadmin/api/users/create/", apptest.Raw("application/xml", []byte(`<a/>`))).Expect(t, http.StatusUnsupportedMediaType)
	})
}

func TestPortalBulkActions(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		a := newUser(t, s, "a@example.com", false, func(n *accounts.NewUser) { n.Status = model.StatusPending })
		b := newUser(t, s, "b@example.com", false, func(n *accounts.NewUser) { n.Status = model.StatusPending })
		c := login(t, s, "root@example.com")
		token := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "a@example.com", "password": testPassword})).
			Expect(t, http.StatusOK).String("access")
		ids := []int64{a.ID, b.ID, root.ID, 999999}

		bulk := func(action string, want string, wantCount int) {
			t.Helper()
			got := c.Post("/superadmin/api/users/bulk/", apptest.JSON(map[string]any{"action": action, "user_ids": ids})).Expect(t, http.StatusOK)
			if got.String("message") != want || got.Get("count") != float64(wantCount) {
				got.Errorf(t, "%s: message %q count %v, want %q %d", action, got.String("message"), got.Get("count"), want, wantCount)
			}
		}
		bulk("approve", "2 users approved", 2)
		if u := reload(t, s, a.ID); u.Status != model.StatusApproved || u.StatusByID == nil || *u.StatusByID != root.ID || u.StatusAt == nil {
			t.Errorf("approve did not record who and when: %+v", u)
		}
		bulk("reject", "2 users rejected", 2)
		bulk("deactivate", "2 users deactivated", 2)
		if reload(t, s, root.ID).IsActive == false {
			t.Fatalf("bulk deactivated the caller")
		}
		s.Client().Get("/api/me/", "Authorization", "Bearer "+token).Expect(t, http.StatusUnauthorized)
		if count(t, s, "refresh_families", "subject_type = 'staff' AND subject_id = ? AND revoked_at IS NULL", a.ID) != 0 {
			t.Errorf("deactivation left a live refresh family")
		}
		bulk("activate", "2 users activated", 2)
		bulk("lock", "2 users locked", 2)
		if u := reload(t, s, b.ID); !u.IsLocked || u.LockReason == nil || *u.LockReason != model.LockAdmin || u.LockedUntil != nil {
			t.Errorf("lock did not set an admin lock: %+v", u)
		}
		bulk("unlock", "2 users unlocked", 2)
		if u := reload(t, s, b.ID); u.IsLocked || u.FailedLoginAttempts != 0 {
			t.Errorf("unlock left a lock: %+v", u)
		}
		if count(t, s, "audit_events", "event = 'portal.bulk_action'") != 6 {
			t.Errorf("portal.bulk_action not recorded per request")
		}
		bulk("delete", "2 users deleted", 2)
		if count(t, s, "users", "id IN (?, ?)", a.ID, b.ID) != 0 {
			t.Errorf("bulk delete left users")
		}
		only := c.Post("/superadmin/api/users/bulk/", apptest.JSON(map[string]any{"action": "delete", "user_ids": []int64{root.ID}})).Expect(t, http.StatusOK)
		if only.String("message") != "0 users deleted" {
			only.Errorf(t, "the caller's own id was not removed")
		}
		form := c.Post("/superadmin/api/users/bulk/", apptest.Form(map[string]string{"action": "activate", "user_ids": "999998, 999999"})).Expect(t, http.StatusOK)
		if form.Get("count") != float64(0) {
			form.Errorf(t, "unknown ids were counted")
		}

		for _, tc := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"user_ids": []int{1}}, "Action is required"},
			{map[string]any{"action": "activate"}, "No users selected"},
			{map[string]any{"action": "activate", "user_ids": []int{}}, "No users selected"},
			{map[string]any{"action": "explode", "user_ids": []int{1}}, "Invalid action"},
			{map[string]any{"action": "activate", "user_ids": "1"}, "user_ids must be a list of integers"},
			{map[string]any{"action": "activate", "user_ids": []any{"x"}}, "user_ids must be a list of integers"},
			{map[string]any{"action": "activate", "user_ids": make([]int, 1001)}, "At most 1000 users can be changed at once"},
		} {
			got := c.Post("/superadmin/api/users/bulk/", apptest.JSON(tc.body)).Expect(t, http.StatusBadRequest)
			if got.String("error") != tc.want {
				got.Errorf(t, "error = %q, want %q", got.String("error"), tc.want)
			}
		}
	})
}

func TestPortalUserEditAndDelete(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		target := newUser(t, s, "target@example.com", false, func(n *accounts.NewUser) { n.Username = "target"; n.Status = model.StatusPending })
		newUser(t, s, "taken@example.com", false, func(n *accounts.NewUser) {
			n.Username = "taken"
			phone := "+15551230000"
			n.PhoneNumber = &phone
		})
		c := login(t, s, "root@example.com")
		path := "/superadmin/api/users/" + itoa(target.ID) + "/"

		detail := c.Get(path).Expect(t, http.StatusOK)
		if detail.Get("failed_login_attempts") != float64(0) || detail.String("email") != "target@example.com" {
			detail.Errorf(t, "wrong detail body")
		}
		for _, bad := range []string{"0", "abc", "999999"} {
			missing := c.Get("/superadmin/api/users/"+bad+"/").Expect(t, http.StatusNotFound)
			if missing.String("error") != "User not found" {
				missing.Errorf(t, "wrong 404 body")
			}
		}

		updated := c.Do(http.MethodPut, path, jsonBody(map[string]any{
			"first_name": "Tara", "middle_name": "Q", "suffix": "Jr.", "department": "IT Department",
			"phone_number": "+15551239999", "status": "Approved", "is_staff": true,
		})).Expect(t, http.StatusOK)
		if updated.String("message") != "User updated successfully" || updated.String("user.first_name") != "Tara" || updated.String("user.phone_number") != "+15551239999" {
			updated.Errorf(t, "update not applied")
		}
		if u := reload(t, s, target.ID); u.StatusByID == nil || *u.StatusByID != root.ID || !u.IsStaff {
			t.Errorf("status change not recorded: %+v", u)
		}
		cleared := c.Do(http.MethodPut, path, jsonBody(map[string]any{"middle_name": nil, "suffix": "", "phone_number": ""})).Expect(t, http.StatusOK)
		if cleared.Get("user.middle_name") != nil || cleared.Get("user.suffix") != nil || cleared.Get("user.phone_number") != nil {
			cleared.Errorf(t, "fields not cleared")
		}

		// The lock and a new password revoke the user's tokens.
		token := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "target@example.com", "password": testPassword})).
			Expect(t, http.StatusOK).String("access")
		locked := c.Do(http.MethodPut, path, jsonBody(map[string]any{"is_locked": true})).Expect(t, http.StatusOK)
		if locked.Get("user.is_locked") != true {
			locked.Errorf(t, "not locked")
		}
		s.Client().Get("/api/me/", "Authorization", "Bearer "+token).Expect(t, http.StatusUnauthorized)
		if count(t, s, "audit_events", "event = 'account.admin_locked' AND subject_id = ?", target.ID) != 1 {
			t.Errorf("account.admin_locked not recorded")
		}
		unlocked := c.Do(http.MethodPut, path, jsonBody(map[string]any{"unlock": true})).Expect(t, http.StatusOK)
		if unlocked.Get("user.is_locked") != false {
			unlocked.Errorf(t, "not unlocked")
		}
		s.Clock.Advance(time.Second)
		c.Do(http.MethodPut, path, jsonBody(map[string]any{"password": "Silver-Canyon-Otter-93"})).Expect(t, http.StatusOK)
		s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": "target@example.com", "password": "Silver-Canyon-Otter-93"})).
			Expect(t, http.StatusOK)

		for _, tc := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"username": "TAKEN"}, "Username already exists"},
			{map[string]any{"phone_number": "+15551230000"}, "Phone number already exists"},
			{map[string]any{"password": "target123"}, "Password must not contain your username."},
			{map[string]any{"password": "short"}, "Password must be at least 8 characters long."},
			{map[string]any{"username": "bad name!"}, "username: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."},
			{map[string]any{"status": "Gone"}, `status: "Gone" is not a valid choice.`},
			{map[string]any{"is_active": "sometimes"}, "is_active: Must be a valid boolean."},
			{map[string]any{"is_superuser": true, "is_staff": false}, "A superuser must also be staff"},
		} {
			got := c.Do(http.MethodPut, path, jsonBody(tc.body)).Expect(t, http.StatusBadRequest)
			if got.String("error") != tc.want {
				got.Errorf(t, "error = %q, want %q", got.String("error"), tc.want)
			}
		}

		self := "/superadmin/api/users/" + itoa(root.ID) + "/"
		for _, body := range []map[string]any{{"is_superuser": false}, {"is_active": false}, {"is_locked": true}} {
			got := c.Do(http.MethodPut, self, jsonBody(body)).Expect(t, http.StatusBadRequest)
			if got.String("error") != "You cannot change this on your own account" {
				got.Errorf(t, "own account change not rejected")
			}
		}
		c.Do(http.MethodPut, self, jsonBody(map[string]any{"is_superuser": true, "is_active": true, "first_name": "Root"})).Expect(t, http.StatusOK)
		own := c.Do(http.MethodDelete, self, nil).Expect(t, http.StatusBadRequest)
		if own.String("error") != "Cannot delete your own account" {
			own.Errorf(t, "own deletion not rejected")
		}
		deleted := c.Do(http.MethodDelete, path, nil).Expect(t, http.StatusOK)
		if deleted.String("message") != "User deleted successfully" {
			deleted.Errorf(t, "wrong deletion body")
		}
		c.Do(http.MethodDelete, path, nil).Expect(t, http.StatusNotFound)
		c.Do(http.MethodPut, path, jsonBody(map[string]any{"first_name": "x"})).Expect(t, http.StatusNotFound)
		if count(t, s, "audit_events", "event = 'user.deleted' AND subject_id = ?", target.ID) != 1 {
			t.Errorf("user.deleted not recorded")
		}
	})
}

func TestPortalStats(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "root@example.com", true, nil)
		newUser(t, s, "pending@example.com", false, func(n *accounts.NewUser) { n.Status = model.StatusPending; n.IsActive = false })
		locked := newUser(t, s, "locked@example.com", false, func(n *accounts.NewUser) { n.Status = model.StatusRejected })
		expired := newUser(t, s, "expired@example.com", false, nil)
		ctx := context.Background()
		until := s.Clock.Now().Add(time.Minute)
		s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_locked = TRUE").Set("lock_reason = 'admin'").Where("id = ?", locked.ID).Exec(ctx)
		s.App.DB.NewUpdate().Model((*model.User)(nil)).Set("is_locked = TRUE").Set("lock_reason = 'failures'").Set("locked_until = ?", until).
			Set("otp_enabled = TRUE").Where("id = ?", expired.ID).Exec(ctx)
		c := login(t, s, "root@example.com")
		want := map[string]float64{"total_users": 4, "active_users": 3, "inactive_users": 1, "pending_users": 1, "approved_users": 2,
			"rejected_users": 1, "superusers": 1, "staff_users": 1, "locked_users": 2, "otp_enabled_users": 1}
		stats := c.Get("/superadmin/api/stats/").Expect(t, http.StatusOK)
		for key, value := range want {
			if stats.Get(key) != value {
				stats.Errorf(t, "%s = %v, want %v", key, stats.Get(key), value)
			}
		}
		s.Clock.Advance(2 * time.Minute)
		c = login(t, s, "root@example.com")
		if got := c.Get("/superadmin/api/stats/").Get("locked_users"); got != float64(1) {
			t.Errorf("an ended failure lock still counted: locked_users = %v", got)
		}
	})
}

func TestPortalJobsAndKeys(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := newUser(t, s, "root@example.com", true, nil)
		c := login(t, s, "root@example.com")
		jobs := c.Get("/superadmin/api/jobs/?state=dead").Expect(t, http.StatusOK)
		if _, ok := jobs.Get("jobs").([]any); !ok {
			jobs.Errorf(t, "jobs is not a list")
		}
		c.Get("/superadmin/api/jobs/?state=finished").Expect(t, http.StatusBadRequest)
		c.Post("/superadmin/api/jobs/999999/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)
		c.Post("/superadmin/api/jobs/abc/retry/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)

		created := c.Post("/superadmin/api/keys/", apptest.JSON(map[string]any{"name": "portal", "scopes": []string{"users:read"}})).Expect(t, http.StatusCreated)
		if created.Get("created_by") != float64(root.ID) || created.String("key") == "" {
			created.Errorf(t, "portal key creation wrong")
		}
		id := itoa(int64(created.Get("id").(float64)))
		c.Get("/superadmin/api/keys/").Expect(t, http.StatusOK)
		c.Do(http.MethodPatch, "/superadmin/api/keys/"+id+"/", jsonBody(map[string]any{"name": "renamed"})).Expect(t, http.StatusOK)
		c.Post("/superadmin/api/keys/"+id+"/rotate/", apptest.JSON(map[string]any{"overlap_seconds": 60})).Expect(t, http.StatusCreated)
		c.Do(http.MethodDelete, "/superadmin/api/keys/"+id+"/", nil).Expect(t, http.StatusOK)
		// Key routes of the portal need the session and the CSRF header.
		s.Client().Get("/superadmin/api/keys/").Expect(t, http.StatusUnauthorized)
		c.Post("/superadmin/api/keys/", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*"}}), "X-CSRFToken", "").Expect(t, http.StatusForbidden)
	})
}
