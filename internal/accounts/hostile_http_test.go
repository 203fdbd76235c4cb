package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

// TestSecurityRoutesRejectHostileBodies sends malformed, mistyped,
// NUL-bearing and oversized bodies to every security route. Each must
// return 4xx, and the harness fails the test on any 5xx.
func TestSecurityRoutesRejectHostileBodies(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		createUser(t, s, "hostile@example.com", nil)
		signed, _ := signedIn(t, s, "hostile@example.com")
		public := s.Client()
		routes := []struct {
			client *apptest.Client
			method string
			path   string
		}{
			{public, http.MethodPost, "/api/v1/users/password/forgot/"},
			{public, http.MethodPost, "/api/v1/users/password/reset/"},
			{public, http.MethodPost, "/api/v1/users/password/reset/confirm/"},
			{public, http.MethodPost, "/api/v1/users/login/verify-otp/"},
			{public, http.MethodPost, "/api/v1/users/2fa/request-otp/"},
			{public, http.MethodPost, "/api/v1/users/captcha/verify/"},
			{signed, http.MethodPost, "/api/v1/users/password/change/"},
			{signed, http.MethodPost, "/api/v1/users/change-password/"},
			{signed, http.MethodPost, "/api/v1/users/verify-password/"},
			{signed, http.MethodPost, "/api/v1/users/2fa/enable/"},
			{signed, http.MethodPost, "/api/v1/users/2fa/disable/"},
			{signed, http.MethodPost, "/api/v1/users/verify-disable-otp/"},
			{signed, http.MethodPost, "/api/v1/users/2fa/totp/setup/"},
			{signed, http.MethodPost, "/api/v1/users/2fa/totp/confirm/"},
			{signed, http.MethodDelete, "/api/v1/users/2fa/totp/"},
			{signed, http.MethodPost, "/api/v1/users/2fa/recovery-codes/"},
		}
		bodies := map[string]apptest.Body{
			"malformed JSON": apptest.Raw("application/json", []byte(`{"email": `)),
			"array":          apptest.Raw("application/json", []byte(`[1, 2, 3]`)),
			"wrong types": apptest.JSON(map[string]any{"email": 5, "password": true, "token": []int{1}, "otp_code": map[string]any{},
				"current_password": 1.5, "new_password": nil, "captcha_id": false, "answer": 3, "keep_current": "maybe", "temporary_token": 9}),
			"NUL bytes": apptest.JSON(map[string]any{"email": "a\x00@example.com", "password": "x\x00y", "token": "t\x00", "otp_code": "12\x003456",
				"current_password": "p\x00", "new_password": "n\x00", "captcha_id": "c\x00", "answer": "\x00", "temporary_token": "\x00"}),
			"oversized":    apptest.JSON(map[string]any{"email": strings.Repeat("a", 2<<20) + "@example.com"}),
			"content type": apptest.Raw("text/plain", []byte("hello")),
		}
		for _, route := range routes {
			for name, body := range bodies {
				r := route.client.Do(route.method, route.path, &body)
				if r.Status < 400 || r.Status >= 500 {
					r.Errorf(t, "%s %s with %s: status %d, want 4xx", route.method, route.path, name, r.Status)
				}
			}
		}
		// Odd query strings on the GET routes.
		public.Get("/api/v1/users/captcha/required/?email=%00%ff").Expect(t, http.StatusBadRequest)
		signed.Get("/api/v1/sessions/").Expect(t, http.StatusOK)
		signed.Do(http.MethodDelete, "/api/v1/sessions/%00/", nil).Expect(t, http.StatusBadRequest)
		signed.Do(http.MethodDelete, "/api/v1/sessions/no-such-session/", nil).Expect(t, http.StatusNotFound)
		for name, body := range map[string]apptest.Body{
			"malformed JSON": apptest.Raw("application/json", []byte(`{"keep_current": `)),
			"wrong type":     apptest.JSON(map[string]any{"keep_current": "maybe"}),
			"content type":   apptest.Raw("text/plain", []byte("hello")),
		} {
			if r := signed.Post("/api/v1/sessions/revoke-all/", body); r.Status < 400 || r.Status >= 500 {
				r.Errorf(t, "revoke-all with %s: status %d, want 4xx", name, r.Status)
			}
		}
	})
}
