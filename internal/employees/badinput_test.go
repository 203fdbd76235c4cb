package employees_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

// badBodies are malformed or hostile request bodies that every JSON route
// must reject with a 4xx.
func badBodies() map[string]apptest.Body {
	return map[string]apptest.Body{
		"malformed JSON":     apptest.Raw("application/json", []byte(`{"email": "a@example.com",`)),
		"JSON array":         apptest.Raw("application/json", []byte(`["email"]`)),
		"invalid UTF-8":      apptest.Raw("application/json", []byte("{\"email\": \"\xff\xfe@example.com\"}")),
		"huge JSON body":     apptest.Raw("application/json", append([]byte(`{"email": "`), bytes.Repeat([]byte("a"), 2<<20)...)),
		"unsupported type":   apptest.Raw("text/plain", []byte("email=a@example.com")),
		"huge multipart":     apptest.Multipart(map[string]string{"email": "a@example.com"}, apptest.File{Field: "profile_picture", Name: "big.png", Data: bytes.Repeat([]byte{0}, 6<<20)}),
		"NUL in a field":     apptest.JSON(map[string]any{"email": "a\x00@example.com", "password": "x\x00y", "old_password": "a\x00", "token": "\x00", "first_name": "A\x00n", "last_name": "B", "otp_code": "12\x003456"}),
		"wrong field types":  apptest.JSON(map[string]any{"email": 12, "password": true, "first_name": map[string]any{"a": 1}, "old_password": []any{1}, "token": 5.5}),
		"invalid form UTF-8": apptest.Raw("application/x-www-form-urlencoded", []byte("email=%ff%fe&password=x&first_name=%ff&last_name=%fe")),
	}
}

func TestBadInputGetsClientErrors(t *testing.T) {
	apptest.EachDialect(t, noCaptcha, func(t *testing.T, s *apptest.Server) {
		c, _ := signedInEmployee(t, s, "careful@example.com")
		routes := []struct{ method, path string }{
			{http.MethodPost, registerPath},
			{http.MethodPost, loginPath},
			{http.MethodPatch, profilePath},
			{http.MethodPut, profilePath},
			{http.MethodPost, changePath},
			{http.MethodPost, forgotPath},
			{http.MethodPost, resetPath},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/enable/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/disable/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/verify-otp/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/request-otp/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/totp/setup/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/totp/confirm/"},
			{http.MethodDelete, "/api/v1/hdts/employees/api/2fa/totp/"},
			{http.MethodPost, "/api/v1/hdts/employees/api/2fa/recovery-codes/"},
		}
		for name, body := range badBodies() {
			for _, rt := range routes {
				res := c.Do(rt.method, rt.path, &body)
				if res.Status < 400 || res.Status >= 500 {
					res.Errorf(t, "%s on %s %s: status %d, want a 4xx", name, rt.method, rt.path, res.Status)
				}
			}
		}
		count, err := s.App.DB.NewSelect().Model((*model.Employee)(nil)).Count(context.Background())
		if err != nil || count != 1 {
			t.Errorf("employees after the bad requests: %d (%v), want 1", count, err)
		}
	})
}

func TestBadTokensGetUnauthorized(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"token_type":"access","user_id":1,"employee_id":1,"user_type":"employee","exp":9999999999,"jti":"x"}`))
		tokens := map[string]string{
			"garbage":   "not.a.token",
			"alg none":  header + "." + payload + ".",
			"empty sig": header + "." + payload,
			"non-ASCII": "abc\u00e9def",
			"huge":      strings.Repeat("a", 9000),
		}
		for name, token := range tokens {
			c := s.Client()
			c.Header.Set("Authorization", "Bearer "+token)
			res := c.Get(profilePath)
			if res.Status != http.StatusUnauthorized {
				res.Errorf(t, "%s bearer: %d", name, res.Status)
			}
			if name == "non-ASCII" {
				continue // no valid cookie value
			}
			refresh := s.Client()
			refresh.SetCookie("refresh_token", token)
			if got := refresh.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized).String("detail"); got != "Invalid refresh token" {
				t.Errorf("%s refresh cookie: %q", name, got)
			}
		}
		if got := s.Client().Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized).String("detail"); got != "Refresh token not found" {
			t.Errorf("no refresh cookie: %q", got)
		}
		c := s.Client()
		c.Get(profilePath).Expect(t, http.StatusUnauthorized)
		// The access token is no refresh token.
		browser, _ := signedInEmployee(t, s, "holder@example.com")
		misuse := s.Client()
		misuse.SetCookie("refresh_token", browser.Cookie("access_token"))
		misuse.Post(refreshPath, apptest.JSON(map[string]any{})).Expect(t, http.StatusUnauthorized)
	})
}

// manyRegistrations lifts the per-address registration limit for tests
// that register more than ten accounts from one address.
var manyRegistrations = map[string]string{"AUTHD_THROTTLE_REGISTER_IP_MAX": "1000"}

func TestRegistrationFieldRules(t *testing.T) {
	apptest.EachDialect(t, manyRegistrations, func(t *testing.T, s *apptest.Server) {
		register(t, s, "first@example.com", map[string]any{"username": "first.one", "phone_number": "+15551234567", "company_id": "MA0100"})
		cases := []struct {
			name   string
			fields map[string]any
			field  string
			want   string
		}{
			{"duplicate e-mail in other case", map[string]any{"email": "FIRST@example.com"}, "email", "An employee with this email already exists."},
			{"duplicate username", map[string]any{"username": "FIRST.ONE"}, "username", "An employee with this username already exists."},
			{"duplicate phone", map[string]any{"phone_number": "+15551234567"}, "phone_number", "An employee with this phone number already exists."},
			{"duplicate company id", map[string]any{"company_id": "0100"}, "company_id", "An employee with this company ID already exists."},
			{"company id of 5 digits", map[string]any{"company_id": "12345"}, "company_id", "Company ID must be 4 digits."},
			{"company id of letters", map[string]any{"company_id": "abcd"}, "company_id", "Company ID must be 4 digits."},
			{"company id MA with 3 digits", map[string]any{"company_id": "MA123"}, "company_id", "Company ID must be 4 digits."},
			{"phone of the wrong form", map[string]any{"phone_number": "12345"}, "phone_number", "Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."},
			{"common password", map[string]any{"password": "password123"}, "password", "Password is too common."},
			{"short password", map[string]any{"password": "Ab1!"}, "password", "Password must be at least 8 characters long."},
			{"unknown suffix", map[string]any{"suffix": "Esq."}, "suffix", `"Esq." is not a valid choice.`},
			{"unknown department", map[string]any{"department": "Kitchen"}, "department", `"Kitchen" is not a valid choice.`},
			{"missing e-mail", map[string]any{"email": nil}, "email", "This field may not be null."},
			{"invalid e-mail", map[string]any{"email": "no-at-sign"}, "email", "Enter a valid email address."},
			{"name too long", map[string]any{"first_name": strings.Repeat("n", 101)}, "first_name", "Ensure this field has no more than 100 characters."},
			{"picture as text", map[string]any{"profile_picture": "http://example.com/a.png"}, "profile_picture", "The submitted data was not a file. Check the encoding type on the form."},
		}
		for _, tc := range cases {
			body := map[string]any{"email": "new@example.com", "password": testPassword}
			for k, v := range tc.fields {
				body[k] = v
			}
			res := s.Client().Post(registerPath, apptest.JSON(body)).Expect(t, http.StatusBadRequest)
			if got := fmt.Sprint(res.Get(tc.field)); !strings.Contains(got, tc.want) {
				res.Errorf(t, "%s: %s = %s, want %q", tc.name, tc.field, got, tc.want)
			}
		}
		generated := register(t, s, "second@example.com", map[string]any{"company_id": ""})
		if generated.String("company_id") != "MA0101" {
			generated.Errorf(t, "generated company id %q, want MA0101 after MA0100", generated.String("company_id"))
		}
		prefixed := register(t, s, "third@example.com", map[string]any{"company_id": "ma0007", "notified": true})
		if prefixed.String("company_id") != "MA0007" {
			prefixed.Errorf(t, "company id %q, want MA0007", prefixed.String("company_id"))
		}
	})
}

func TestRegistrationPictureRules(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		cases := map[string]struct {
			data []byte
			want string
		}{
			"not an image": {[]byte("<?php echo 1; ?>"), "Invalid image file."},
			"too wide":     {pngImage(t, 1025, 4), "Profile picture dimensions must not exceed 1024x1024 pixels."},
			"too large":    {append(pngImage(t, 4, 4), bytes.Repeat([]byte{0}, 2<<20)...), "Profile picture file size must be less than 2MB."},
		}
		for name, tc := range cases {
			res := s.Client().Post(registerPath, apptest.Multipart(map[string]string{"email": "pic@example.com", "password": testPassword},
				apptest.File{Field: "profile_picture", Name: "x.png", Data: tc.data})).Expect(t, http.StatusBadRequest)
			if got := fmt.Sprint(res.Get("profile_picture")); got != "["+tc.want+"]" {
				res.Errorf(t, "%s: %s", name, got)
			}
		}
		// A registration refused after the picture was stored keeps no file.
		register(t, s, "taken@example.com", nil)
		s.Client().Post(registerPath, apptest.Multipart(map[string]string{"email": "taken@example.com", "password": testPassword},
			apptest.File{Field: "profile_picture", Name: "ok.png", Data: pngImage(t, 4, 4)})).Expect(t, http.StatusBadRequest)
		files, _ := os.ReadDir(filepath.Join(s.App.Config.MediaDir, "profile_pics"))
		if len(files) != 0 {
			t.Errorf("refused registrations left %d picture files", len(files))
		}
	})
}

func TestCaptchaAfterThreeFailures(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		e := approvedEmployee(t, s, "guarded@example.com")
		for i := 0; i < 3; i++ {
			_, res := employeeLogin(t, s, e.Email, "Wrong-Guess-Number-1")
			res.Expect(t, http.StatusBadRequest)
		}
		_, res := employeeLogin(t, s, e.Email, testPassword)
		res.Expect(t, http.StatusBadRequest)
		if res.Get("captcha_required") != true || res.Get("errors.g_recaptcha_response") == nil {
			res.Errorf(t, "the fourth attempt must ask for a CAPTCHA")
		}
	})
}

func TestRegistrationLimitPerAddress(t *testing.T) {
	apptest.EachDialect(t, map[string]string{"AUTHD_THROTTLE_REGISTER_IP_MAX": "2"}, func(t *testing.T, s *apptest.Server) {
		register(t, s, "one@example.com", nil)
		s.Client().Post(registerPath, apptest.JSON(map[string]any{"email": "bad"})).Expect(t, http.StatusBadRequest)
		res := s.Client().Post(registerPath, apptest.JSON(map[string]any{"email": "three@example.com", "password": testPassword}))
		if res.Expect(t, http.StatusTooManyRequests).String("code") != "throttled" || res.Header.Get("Retry-After") == "" {
			res.Errorf(t, "the third registration must be throttled")
		}
	})
}

func TestConcurrentRegistrationsGetDistinctCompanyIDs(t *testing.T) {
	apptest.EachDialect(t, manyRegistrations, func(t *testing.T, s *apptest.Server) {
		const n = 8
		results := make(chan *apptest.Response, n)
		for i := 0; i < n; i++ {
			go func(i int) {
				body := map[string]any{"email": fmt.Sprintf("crowd%d@example.com", i), "password": testPassword}
				results <- s.Client().Post(registerPath, apptest.JSON(body))
			}(i)
		}
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			res := <-results
			if res.Status != http.StatusCreated {
				res.Errorf(t, "concurrent registration: %d", res.Status)
				continue
			}
			id := res.String("company_id")
			if seen[id] {
				t.Errorf("company id %s was given twice", id)
			}
			seen[id] = true
		}
	})
}
