package apikeys_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/secrets"
)

var keyFormat = regexp.MustCompile(`^authd_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$`)

func TestKeyCreatedOnceAndStoredHashed(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")

		created := createKey(t, admin, map[string]any{"name": "helpdesk", "scopes": []string{"users:read"}})
		key := created.String("key")
		if !keyFormat.MatchString(key) {
			t.Fatalf("key %q does not match authd_<prefix>_<secret>", key)
		}
		if created.String("prefix") != key[6:14] {
			t.Errorf("prefix %q is not the key's prefix %q", created.String("prefix"), key[6:14])
		}
		if created.Get("created_by") != float64(root.ID) || created.Get("is_active") != true {
			created.Errorf(t, "created_by or is_active wrong")
		}
		if created.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("creation response Cache-Control = %q, want no-store", created.Header.Get("Cache-Control"))
		}

		var row struct {
			Prefix    string `bun:"prefix"`
			KeySHA256 string `bun:"key_sha256"`
			Scopes    string `bun:"scopes"`
			Name      string `bun:"name"`
		}
		err := s.App.DB.NewSelect().Table("api_keys").Column("prefix", "key_sha256", "scopes", "name").
			Where("id = ?", int64(created.Get("id").(float64))).Scan(context.Background(), &row)
		if err != nil {
			t.Fatal(err)
		}
		if row.KeySHA256 != secrets.SHA256Hex(key) {
			t.Errorf("stored digest %q is not the SHA-256 of the key", row.KeySHA256)
		}
		secret := key[15:]
		for _, column := range []string{row.Prefix, row.KeySHA256, row.Scopes, row.Name} {
			if strings.Contains(column, secret) {
				t.Errorf("a column holds the key's secret: %q", column)
			}
		}

		shown := admin.Get("/api/v1/keys/"+strconv.Itoa(int(created.Get("id").(float64)))+"/").Expect(t, http.StatusOK)
		if _, present := shown.JSON["key"]; present {
			t.Errorf("GET shows the full key again")
		}
		list := admin.Get("/api/v1/keys/").Expect(t, http.StatusOK)
		if strings.Contains(string(list.Body), secret) {
			t.Errorf("the list shows the key's secret")
		}
		if auditCount(t, s, "api_key.created") != 1 {
			t.Errorf("api_key.created not recorded once")
		}
	})
}

func TestKeyScopesOnInternalRoute(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")
		path := "/api/v1/users/profile/by-company/" + *root.CompanyID + "/"

		users := createKey(t, admin, map[string]any{"name": "users", "scopes": []string{"users:read"}}).String("key")
		all := createKey(t, admin, map[string]any{"name": "all", "scopes": []string{"*"}}).String("key")
		employees := createKey(t, admin, map[string]any{"name": "employees", "scopes": []string{"employees:read"}}).String("key")

		keyClient(s, users).Get(path).Expect(t, http.StatusOK)
		keyClient(s, all).Get(path).Expect(t, http.StatusOK)
		denied := keyClient(s, employees).Get(path).Expect(t, http.StatusForbidden)
		if denied.String("code") != "insufficient_scope" || denied.String("detail") != "API key lacks the required scope." {
			denied.Errorf(t, "wrong scope rejection")
		}
		missing := s.Client().Get(path).Expect(t, http.StatusUnauthorized)
		if missing.String("code") != "api_key_required" || missing.String("detail") != "API key required." {
			missing.Errorf(t, "wrong rejection without credentials")
		}
		bad := keyClient(s, "authd_aaaaaaaa_"+strings.Repeat("A", 43)).Get(path).Expect(t, http.StatusUnauthorized)
		if bad.String("code") != "api_key_invalid" || bad.String("detail") != "Invalid API key." {
			bad.Errorf(t, "wrong rejection of an unknown key")
		}
		garbage := keyClient(s, "not a key \u00e9").Get(path).Expect(t, http.StatusUnauthorized)
		if garbage.String("code") != "api_key_invalid" {
			garbage.Errorf(t, "malformed key not rejected as invalid")
		}
		// The key is evaluated before the token when both are sent.
		both := keyClient(s, employees)
		both.Header.Set("Authorization", admin.Header.Get("Authorization"))
		both.Get(path).Expect(t, http.StatusForbidden)
		// A key in the query string or a cookie is not accepted.
		s.Client().Get(path+"?X-API-Key="+users).Expect(t, http.StatusUnauthorized)
		s.Client().Get(path, "Cookie", "X-API-Key="+users).Expect(t, http.StatusUnauthorized)
		if n := auditCount(t, s, "api_key.rejected"); n != 2 {
			t.Errorf("api_key.rejected recorded %d times, want 2", n)
		}
	})
}

func TestKeyExpiryAndRevocation(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")
		path := "/api/v1/users/profile/by-company/" + *root.CompanyID + "/"

		expires := s.Clock.Now().Add(time.Hour).Format(time.RFC3339)
		expiring := createKey(t, admin, map[string]any{"name": "expiring", "scopes": []string{"*"}, "expires_at": expires})
		if expiring.String("expires_at") != s.Clock.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z") {
			expiring.Errorf(t, "expires_at not stored")
		}
		keyClient(s, expiring.String("key")).Get(path).Expect(t, http.StatusOK)

		revoked := createKey(t, admin, map[string]any{"name": "revoked", "scopes": []string{"*"}})
		id := strconv.Itoa(int(revoked.Get("id").(float64)))
		keyClient(s, revoked.String("key")).Get(path).Expect(t, http.StatusOK)
		for range 2 {
			done := admin.Do(http.MethodDelete, "/api/v1/keys/"+id+"/", nil).Expect(t, http.StatusOK)
			if done.String("message") != "API key revoked" {
				done.Errorf(t, "wrong revocation message")
			}
		}
		if n := auditCount(t, s, "api_key.revoked"); n != 1 {
			t.Errorf("api_key.revoked recorded %d times for two calls, want 1", n)
		}
		keyClient(s, revoked.String("key")).Get(path).Expect(t, http.StatusUnauthorized)
		shown := admin.Get("/api/v1/keys/"+id+"/").Expect(t, http.StatusOK)
		if shown.Get("is_active") != false || shown.Get("revoked_at") == nil {
			shown.Errorf(t, "revoked key still shown as active")
		}
		list := admin.Get("/api/v1/keys/").Expect(t, http.StatusOK)
		if strings.Contains(string(list.Body), `"revoked"`) {
			t.Errorf("revoked key listed without include_revoked")
		}
		withRevoked := admin.Get("/api/v1/keys/?include_revoked=true").Expect(t, http.StatusOK)
		if !strings.Contains(string(withRevoked.Body), `"revoked"`) {
			t.Errorf("revoked key missing with include_revoked=true")
		}
		// The name of a revoked key is free again.
		createKey(t, admin, map[string]any{"name": "revoked", "scopes": []string{"users:read"}})

		s.Clock.Advance(time.Hour)
		keyClient(s, expiring.String("key")).Get(path).Expect(t, http.StatusUnauthorized)
		admin = bearerClient(t, s, "root@example.com")
		expired := admin.Get("/api/v1/keys/"+strconv.Itoa(int(expiring.Get("id").(float64)))+"/").Expect(t, http.StatusOK)
		if expired.Get("is_active") != false {
			expired.Errorf(t, "expired key shown as active")
		}
		admin.Do(http.MethodDelete, "/api/v1/keys/999999/", nil).Expect(t, http.StatusNotFound)
	})
}

func TestKeyRotationOverlap(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")
		path := "/api/v1/users/profile/by-company/" + *root.CompanyID + "/"

		old := createKey(t, admin, map[string]any{"name": "tts", "scopes": []string{"users:read"}})
		oldID := strconv.Itoa(int(old.Get("id").(float64)))
		rotated := admin.Post("/api/v1/keys/"+oldID+"/rotate/", apptest.JSON(map[string]any{"overlap_seconds": 300})).Expect(t, http.StatusCreated)
		if rotated.String("name") != "tts" || rotated.String("key") == old.String("key") || !keyFormat.MatchString(rotated.String("key")) {
			rotated.Errorf(t, "successor does not keep the name or has no new key")
		}
		if scopes, _ := rotated.Get("scopes").([]any); len(scopes) != 1 || scopes[0] != "users:read" {
			rotated.Errorf(t, "successor does not keep the scopes")
		}

		keyClient(s, old.String("key")).Get(path).Expect(t, http.StatusOK)
		keyClient(s, rotated.String("key")).Get(path).Expect(t, http.StatusOK)
		admin.Post("/api/v1/keys/"+oldID+"/rotate/", apptest.JSON(map[string]any{})).Expect(t, http.StatusBadRequest)

		s.Clock.Advance(299 * time.Second)
		keyClient(s, old.String("key")).Get(path).Expect(t, http.StatusOK)
		s.Clock.Advance(time.Second)
		keyClient(s, old.String("key")).Get(path).Expect(t, http.StatusUnauthorized)
		keyClient(s, rotated.String("key")).Get(path).Expect(t, http.StatusOK)

		// Without an overlap the old key stops at once.
		admin = bearerClient(t, s, "root@example.com")
		newID := strconv.Itoa(int(rotated.Get("id").(float64)))
		third := admin.Post("/api/v1/keys/"+newID+"/rotate/", apptest.Form(map[string]string{})).Expect(t, http.StatusCreated)
		keyClient(s, rotated.String("key")).Get(path).Expect(t, http.StatusUnauthorized)
		keyClient(s, third.String("key")).Get(path).Expect(t, http.StatusOK)
		if n := auditCount(t, s, "api_key.rotated"); n != 2 {
			t.Errorf("api_key.rotated recorded %d times, want 2", n)
		}

		for _, overlap := range []any{-1, 604801, "soon", 1.5} {
			admin.Post("/api/v1/keys/"+strconv.Itoa(int(third.Get("id").(float64)))+"/rotate/",
				apptest.JSON(map[string]any{"overlap_seconds": overlap})).Expect(t, http.StatusBadRequest)
		}
		admin.Post("/api/v1/keys/424242/rotate/", apptest.JSON(map[string]any{})).Expect(t, http.StatusNotFound)
	})
}

func TestKeyLastUsedWrittenOncePerMinute(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")
		path := "/api/v1/users/profile/by-company/" + *root.CompanyID + "/"
		created := createKey(t, admin, map[string]any{"name": "busy", "scopes": []string{"*"}})
		id := int64(created.Get("id").(float64))
		if created.Get("last_used_at") != nil {
			created.Errorf(t, "new key has a last use")
		}
		lastUsed := func() (time.Time, string) {
			k, err := s.App.APIKeys.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if k.LastUsedAt == nil || k.LastUsedIP == nil {
				t.Fatalf("last use not recorded")
			}
			return k.LastUsedAt.UTC(), *k.LastUsedIP
		}

		first := s.Clock.Now()
		keyClient(s, created.String("key")).Get(path).Expect(t, http.StatusOK)
		at, ip := lastUsed()
		if !at.Equal(first) || ip != "127.0.0.1" {
			t.Fatalf("last use = %v from %q, want %v from 127.0.0.1", at, ip, first)
		}
		s.Clock.Advance(59 * time.Second)
		keyClient(s, created.String("key")).Get(path).Expect(t, http.StatusOK)
		if at, _ := lastUsed(); !at.Equal(first) {
			t.Errorf("last use rewritten after 59 s: %v", at)
		}
		s.Clock.Advance(time.Second)
		keyClient(s, created.String("key")).Get(path).Expect(t, http.StatusOK)
		if at, _ := lastUsed(); !at.Equal(first.Add(time.Minute)) {
			t.Errorf("last use after a minute = %v, want %v", at, first.Add(time.Minute))
		}
	})
}

func TestInvalidKeysThrottledPerAddress(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		root := createUser(t, s, "root@example.com", true)
		admin := bearerClient(t, s, "root@example.com")
		path := "/api/v1/users/profile/by-company/" + *root.CompanyID + "/"
		valid := createKey(t, admin, map[string]any{"name": "valid", "scopes": []string{"*"}}).String("key")
		wrong := keyClient(s, "authd_zzzzzzzz_"+strings.Repeat("b", 43))

		for i := range 20 {
			if got := wrong.Get(path); got.Status != http.StatusUnauthorized {
				t.Fatalf("invalid key %d answered %d, want 401", i+1, got.Status)
			}
		}
		throttled := wrong.Get(path).Expect(t, http.StatusTooManyRequests)
		if throttled.String("code") != "throttled" || throttled.Header.Get("Retry-After") == "" {
			throttled.Errorf(t, "wrong throttle response")
		}
		keyClient(s, valid).Get(path).Expect(t, http.StatusTooManyRequests)
		if n := auditCount(t, s, "api_key.rejected"); n != 20 {
			t.Errorf("api_key.rejected recorded %d times, want 20", n)
		}

		s.Clock.Advance(time.Minute)
		keyClient(s, valid).Get(path).Expect(t, http.StatusOK)
	})
}

func TestKeyRoutesRejectBadInput(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "root@example.com", true)
		createUser(t, s, "staff@example.com", false)
		admin := bearerClient(t, s, "root@example.com")

		cases := []struct {
			name  string
			body  apptest.Body
			field string
			want  string
		}{
			{"no name", apptest.JSON(map[string]any{"scopes": []string{"*"}}), "name", "This field is required."},
			{"blank name", apptest.JSON(map[string]any{"name": "  ", "scopes": []string{"*"}}), "name", "This field may not be blank."},
			{"long name", apptest.JSON(map[string]any{"name": strings.Repeat("n", 101), "scopes": []string{"*"}}), "name", "Ensure this field has no more than 100 characters."},
			{"NUL in name", apptest.JSON(map[string]any{"name": "a\x00b", "scopes": []string{"*"}}), "name", "Null characters are not allowed."},
			{"control in name", apptest.JSON(map[string]any{"name": "a\x07b", "scopes": []string{"*"}}), "name", apikeys.MsgControlChars},
			{"no scopes", apptest.JSON(map[string]any{"name": "x"}), "scopes", "This field is required."},
			{"empty scopes", apptest.JSON(map[string]any{"name": "x", "scopes": []string{}}), "scopes", apikeys.MsgScopesEmpty},
			{"scopes string", apptest.JSON(map[string]any{"name": "x", "scopes": "users:read"}), "scopes", `Expected a list of items but got type "str".`},
			{"unknown scope", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"users:write"}}), "scopes", `"users:write" is not a valid choice.`},
			{"star with others", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*", "users:read"}}), "scopes", apikeys.MsgScopeAllAlone},
			{"scope number", apptest.JSON(map[string]any{"name": "x", "scopes": []any{1}}), "scopes", "Not a valid string."},
			{"expiry format", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*"}, "expires_at": "tomorrow"}), "expires_at", apikeys.MsgExpiryFormat},
			{"expiry past", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*"}, "expires_at": "2001-01-01T00:00:00Z"}), "expires_at", apikeys.MsgExpiryPast},
			{"expiry number", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*"}, "expires_at": 5}), "expires_at", apikeys.MsgExpiryFormat},
		}
		for _, tc := range cases {
			got := admin.Post("/api/v1/keys/", tc.body).Expect(t, http.StatusBadRequest)
			messages, _ := got.Get(tc.field).([]any)
			if len(messages) != 1 || messages[0] != tc.want {
				got.Errorf(t, "%s: %s errors = %v, want [%q]", tc.name, tc.field, messages, tc.want)
			}
		}
		admin.Post("/api/v1/keys/", apptest.Raw("application/json", []byte(`{"name": `))).Expect(t, http.StatusBadRequest)
		admin.Post("/api/v1/keys/", apptest.Raw("application/json", []byte(`["name"]`))).Expect(t, http.StatusBadRequest)
		admin.Post("/api/v1/keys/", apptest.Raw("text/plain", []byte(`name`))).Expect(t, http.StatusUnsupportedMediaType)
		admin.Post("/api/v1/keys/", apptest.Raw("application/json", []byte(`{"name": "`+strings.Repeat("x", 2<<20)+`"}`))).Expect(t, http.StatusRequestEntityTooLarge)

		// Form data: repeated or comma-separated scopes.
		form := admin.Post("/api/v1/keys/", apptest.Form(map[string]string{"name": "form", "scopes": "users:read, assignments:read"})).Expect(t, http.StatusCreated)
		if scopes, _ := form.Get("scopes").([]any); len(scopes) != 2 {
			form.Errorf(t, "comma-separated form scopes not split")
		}
		taken := admin.Post("/api/v1/keys/", apptest.JSON(map[string]any{"name": "form", "scopes": []string{"*"}})).Expect(t, http.StatusBadRequest)
		if messages, _ := taken.Get("name").([]any); len(messages) != 1 || messages[0] != apikeys.MsgNameTaken {
			taken.Errorf(t, "duplicate active name not rejected")
		}

		id := strconv.Itoa(int(form.Get("id").(float64)))
		for _, bad := range []string{"abc", "0", "-1", "99999999999999999999"} {
			admin.Get("/api/v1/keys/"+bad+"/").Expect(t, http.StatusNotFound)
		}
		patched := admin.Do(http.MethodPatch, "/api/v1/keys/"+id+"/", &apptest.Body{ContentType: "application/json",
			Data: []byte(`{"name": "renamed", "scopes": ["employees:read"], "expires_at": "2099-01-01T00:00:00Z"}`)}).Expect(t, http.StatusOK)
		if patched.String("name") != "renamed" || patched.String("expires_at") != "2099-01-01T00:00:00.000000Z" {
			patched.Errorf(t, "PATCH not applied")
		}
		cleared := admin.Do(http.MethodPatch, "/api/v1/keys/"+id+"/", &apptest.Body{ContentType: "application/json",
			Data: []byte(`{"expires_at": null}`)}).Expect(t, http.StatusOK)
		if cleared.Get("expires_at") != nil || cleared.String("name") != "renamed" {
			cleared.Errorf(t, "PATCH with expires_at null did not clear only the expiry")
		}
		admin.Do(http.MethodPatch, "/api/v1/keys/"+id+"/", &apptest.Body{ContentType: "application/json",
			Data: []byte(`{"scopes": []}`)}).Expect(t, http.StatusBadRequest)
		admin.Do(http.MethodDelete, "/api/v1/keys/"+id+"/", nil).Expect(t, http.StatusOK)
		admin.Do(http.MethodPatch, "/api/v1/keys/"+id+"/", &apptest.Body{ContentType: "application/json",
			Data: []byte(`{"name": "again"}`)}).Expect(t, http.StatusBadRequest)
		admin.Get("/api/v1/keys/?include_revoked=maybe").Expect(t, http.StatusBadRequest)

		staff := bearerClient(t, s, "staff@example.com")
		denied := staff.Get("/api/v1/keys/").Expect(t, http.StatusForbidden)
		if denied.String("code") != "permission_denied" {
			denied.Errorf(t, "plain staff not rejected")
		}
		staff.Post("/api/v1/keys/", apptest.JSON(map[string]any{"name": "x", "scopes": []string{"*"}})).Expect(t, http.StatusForbidden)
		s.Client().Get("/api/v1/keys/").Expect(t, http.StatusUnauthorized)
		// An API key cannot manage keys.
		all := createKey(t, admin, map[string]any{"name": "all", "scopes": []string{"*"}}).String("key")
		keyClient(s, all).Get("/api/v1/keys/").Expect(t, http.StatusUnauthorized)
	})
}
