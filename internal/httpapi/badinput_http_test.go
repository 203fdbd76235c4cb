package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

// badBody is one malformed request body with the answer every route that
// reads a body must give it.
type badBody struct {
	name   string
	body   apptest.Body
	status int
	want   map[string]any // nil: only the status is checked
}

func badBodies() []badBody {
	huge := append([]byte(`{"email": "`), bytes.Repeat([]byte("a"), 1<<20+10)...)
	huge = append(huge, `"}`...)
	hugeForm := apptest.Multipart(map[string]string{"email": strings.Repeat("b", 5<<20+10)})
	return []badBody{
		{"malformed JSON", apptest.Raw("application/json", []byte(`{"email": `)), http.StatusBadRequest, nil},
		{"trailing garbage", apptest.Raw("application/json", []byte(`{"email": "a@example.com"} x`)), http.StatusBadRequest, nil},
		{"JSON array", apptest.Raw("application/json", []byte(`[1, 2]`)), http.StatusBadRequest,
			map[string]any{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got list."}}},
		{"JSON string", apptest.Raw("application/json", []byte(`"email"`)), http.StatusBadRequest,
			map[string]any{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got str."}}},
		{"JSON null", apptest.Raw("application/json", []byte(`null`)), http.StatusBadRequest,
			map[string]any{"non_field_errors": []string{"Invalid data. Expected a dictionary, but got NoneType."}}},
		{"invalid UTF-8 JSON", apptest.Raw("application/json", []byte("{\"email\": \"\xff\xfe\"}")), http.StatusBadRequest,
			map[string]any{"detail": "Request body is not valid UTF-8.", "code": "parse_error"}},
		{"invalid UTF-8 form", apptest.Raw("application/x-www-form-urlencoded", []byte("email=%FF%FE&password=x")), http.StatusBadRequest, nil},
		{"body over 1 MiB", apptest.Raw("application/json", huge), http.StatusRequestEntityTooLarge,
			map[string]any{"detail": "Request body too large.", "code": "too_large"}},
		{"multipart over 5 MiB", hugeForm, http.StatusRequestEntityTooLarge,
			map[string]any{"detail": "Request body too large.", "code": "too_large"}},
		{"multipart without boundary", apptest.Raw("multipart/form-data", []byte("x")), http.StatusBadRequest, nil},
		{"XML", apptest.Raw("application/xml", []byte("<email>a</email>")), http.StatusUnsupportedMediaType,
			map[string]any{"detail": "Unsupported media type.", "code": "unsupported_media_type"}},
		{"plain text", apptest.Raw("text/plain", []byte("email=a")), http.StatusUnsupportedMediaType,
			map[string]any{"detail": "Unsupported media type.", "code": "unsupported_media_type"}},
	}
}

func TestBadBodiesOnEveryRoute(t *testing.T) {
	env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none", "AUTHD_THROTTLE_REGISTER_IP_MAX": "1000", "AUTHD_THROTTLE_LOGIN_IP_MAX": "1000"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "input@example.com")
		login := s.Client().Post("/token/", apptest.JSON(map[string]any{"email": "input@example.com", "password": testPassword})).Expect(t, http.StatusOK)
		authed := s.Client()
		authed.Header.Set("Authorization", "Bearer "+login.String("access"))
		routes := []struct {
			method, path string
			client       *apptest.Client
		}{
			{http.MethodPost, "/api/v1/users/login/api/", s.Client()},
			{http.MethodPost, "/token/", s.Client()},
			{http.MethodPost, "/api/v1/token/obtain/", s.Client()},
			{http.MethodPost, "/api/v1/users/login/", s.Client()},
			{http.MethodPost, "/api/v1/token/refresh/", s.Client()},
			{http.MethodPost, "/api/v1/token/verify/", s.Client()},
			{http.MethodPost, "/api/v1/users/register/", s.Client()},
			{http.MethodPost, "/api/v1/users/email/confirm/", s.Client()},
			{http.MethodPatch, "/api/v1/users/profile/", authed},
			{http.MethodPut, "/api/v1/users/profile/", authed},
		}
		counts := func() [3]int {
			return [3]int{rowCount(t, s, "users"), rowCount(t, s, "refresh_families"), rowCount(t, s, "email_change_requests")}
		}
		before := counts()
		for _, route := range routes {
			for _, bad := range badBodies() {
				t.Run(route.method+" "+route.path+" "+bad.name, func(t *testing.T) {
					resp := route.client.Do(route.method, route.path, &bad.body)
					if route.path == "/api/v1/users/login/api/" && bad.status == http.StatusBadRequest {
						// login/api keeps its own failure shape for unreadable bodies.
						errs, _ := resp.Get("errors").(map[string]any)
						if resp.Status != http.StatusBadRequest || resp.Get("success") != false || len(errs) == 0 {
							resp.Errorf(t, "login/api must answer an unreadable body with its failure shape")
						}
						return
					}
					if bad.want != nil {
						jsonEqual(t, resp, bad.status, bad.want)
						return
					}
					resp.Expect(t, bad.status)
					if resp.String("detail") == "" && len(resp.JSON) == 0 {
						resp.Errorf(t, "a %d needs a message", resp.Status)
					}
				})
			}
		}
		if after := counts(); after != before {
			t.Errorf("rows (users, families, e-mail changes) went from %v to %v", before, after)
		}
	})
}

func TestBadFieldValuesAtSignIn(t *testing.T) {
	env := map[string]string{"AUTHD_CAPTCHA_PROVIDER": "none", "AUTHD_THROTTLE_LOGIN_IP_MAX": "1000"}
	apptest.EachDialect(t, env, func(t *testing.T, s *apptest.Server) {
		newUser(t, s, "fields@example.com")
		cases := []struct {
			name string
			body map[string]any
			want map[string]any
		}{
			{"missing", map[string]any{}, map[string]any{"email": []string{"This field is required."}, "password": []string{"This field is required."}}},
			{"nulls", map[string]any{"email": nil, "password": nil}, map[string]any{"email": []string{"This field may not be null."}, "password": []string{"This field may not be null."}}},
			{"blank", map[string]any{"email": " ", "password": ""}, map[string]any{"email": []string{"This field may not be blank."}, "password": []string{"This field may not be blank."}}},
			{"malformed e-mail", map[string]any{"email": "fields", "password": "x"}, map[string]any{"email": []string{"Enter a valid email address."}}},
			{"e-mail as a number", map[string]any{"email": 42, "password": "x"}, map[string]any{"email": []string{"Enter a valid email address."}}},
			{"password as a list", map[string]any{"email": "fields@example.com", "password": []any{"a"}}, map[string]any{"password": []string{"Not a valid string."}}},
			{"password as an object", map[string]any{"email": "fields@example.com", "password": map[string]any{"a": 1}}, map[string]any{"password": []string{"Not a valid string."}}},
			{"password over 1024", map[string]any{"email": "fields@example.com", "password": strings.Repeat("p", 1025)}, map[string]any{"password": []string{"Ensure this field has no more than 1024 characters."}}},
			{"e-mail over 254", map[string]any{"email": strings.Repeat("e", 250) + "@example.com", "password": "x"}, map[string]any{"email": []string{"Ensure this field has no more than 254 characters."}}},
			{"NUL in e-mail", map[string]any{"email": "fields\x00@example.com", "password": "x"}, map[string]any{"email": []string{"Null characters are not allowed."}}},
			{"NUL in password", map[string]any{"email": "fields@example.com", "password": "a\x00b"}, map[string]any{"password": []string{"Null characters are not allowed."}}},
			{"remember_me not a boolean", map[string]any{"email": "fields@example.com", "password": "x", "remember_me": "maybe"}, map[string]any{"remember_me": []string{"Must be a valid boolean."}}},
			{"otp_code over 32", map[string]any{"email": "fields@example.com", "password": "x", "otp_code": strings.Repeat("1", 33)}, map[string]any{"otp_code": []string{"Ensure this field has no more than 32 characters."}}},
		}
		c := s.Client()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				jsonEqual(t, c.Post("/token/", apptest.JSON(tc.body)), http.StatusBadRequest, tc.want)
				jsonEqual(t, c.Post("/api/v1/users/login/api/", apptest.JSON(tc.body)), http.StatusBadRequest,
					map[string]any{"success": false, "otp_required": false, "errors": tc.want})
			})
		}
		if n := rowCount(t, s, "refresh_families"); n != 0 {
			t.Errorf("bad sign-ins created %d families", n)
		}
		if row := rowCount(t, s, "users WHERE failed_login_attempts > 0"); row != 0 {
			t.Errorf("field errors counted as password failures")
		}
		// Unicode oddities in a well-formed address are just a wrong login.
		for _, email := range []string{"f\u200bields@example.com", "\u0066ields@ex\u0430mple.com", "fields@example.com\u202e"} {
			c.Post("/token/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusBadRequest)
		}
	})
}

func TestBadTokensAndIDs(t *testing.T) {
	s := apptest.New(t, "sqlite", nil)
	c := s.Client()
	for _, token := range []string{"", "a", "a.b.c", strings.Repeat("x", 10000), "eyJhbGciOiJub25lIn0.e30.", "\x00\x01"} {
		resp := c.Post("/api/v1/token/verify/", apptest.JSON(map[string]any{"token": token}))
		if resp.Status != http.StatusBadRequest && resp.Status != http.StatusUnauthorized {
			t.Errorf("token %.20q: status %d", token, resp.Status)
		}
	}
	for _, id := range []string{"0", "-1", "99999999999999999999", "'%20OR%201=1--", strings.Repeat("9", 300)} {
		resp := c.Get("/api/v1/users/profile/by-company/"+id+"/", "Authorization", "Bearer garbage")
		jsonEqual(t, resp, http.StatusUnauthorized, map[string]any{"detail": "Given token not valid for any token type", "code": "token_not_valid"})
	}
	// A NUL byte is rejected before authentication, like a bad Host.
	resp := c.Get("/api/v1/users/profile/by-company/%00/", "Authorization", "Bearer garbage")
	jsonEqual(t, resp, http.StatusBadRequest, map[string]any{"detail": "Null characters are not allowed.", "code": "invalid_url"})
}

func rowCount(t *testing.T, s *apptest.Server, from string) int {
	t.Helper()
	var n int
	if err := s.App.DB.NewRaw("SELECT COUNT(*) FROM "+from).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
