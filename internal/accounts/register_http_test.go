package accounts_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/mapactive/authd/internal/apptest"
)

const registerPath = "/api/v1/users/register/"

// registerEnv lifts the per-address registration limit, so one client can
// post every case.
var registerEnv = map[string]string{"AUTHD_THROTTLE_REGISTER_IP_MAX": "1000"}

func TestRegisterSuccess(t *testing.T) {
	apptest.EachDialect(t, registerEnv, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		resp := c.Post(registerPath, apptest.JSON(map[string]any{
			"email": "new.person@example.com", "password": testPassword, "first_name": "New", "middle_name": "Middle",
			"last_name": "Person", "suffix": "Jr.", "phone_number": "0917 123 4567", "department": "IT Department",
			"notified": true, "unknown_field": "ignored",
		}))
		resp.Expect(t, http.StatusCreated)
		companyID := resp.String("company_id")
		if !regexp.MustCompile(`^MA\d{4,}$`).MatchString(companyID) {
			t.Errorf("company_id = %q, want MA and at least four digits", companyID)
		}
		expectBody(t, resp, http.StatusCreated, map[string]any{
			"email": "new.person@example.com", "username": "new.person", "first_name": "New", "middle_name": "Middle",
			"last_name": "Person", "suffix": "Jr.", "phone_number": "+639171234567", "company_id": companyID,
			"department": "IT Department", "status": "Pending", "notified": true,
		})
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("registration must not sign in: %v", resp.Header.Values("Set-Cookie"))
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM user_system_roles"); n != 0 {
			t.Errorf("registration assigned %d roles", n)
		}

		// The default username takes a numeric suffix when the local part is taken.
		second := c.Post("/api/v1/users/register", apptest.Form(map[string]string{"email": "NEW.PERSON@other.example.com", "password": testPassword}))
		second.Expect(t, http.StatusCreated)
		if second.String("username") != "NEW.PERSON1" {
			t.Errorf("username = %q, want NEW.PERSON1", second.String("username"))
		}
		if second.Get("middle_name") != nil || second.Get("suffix") != nil || second.Get("phone_number") != nil || second.Get("notified") != false {
			second.Errorf(t, "optional fields must default to null and false")
		}
		multipart := c.Post(registerPath, apptest.Multipart(map[string]string{"email": "multi@example.com", "password": testPassword, "notified": "on"}))
		multipart.Expect(t, http.StatusCreated)
		if multipart.Get("notified") != true {
			multipart.Errorf(t, "notified=on in a form must read as true")
		}
	})
}

func TestRegisterFieldErrors(t *testing.T) {
	apptest.EachDialect(t, registerEnv, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		c.Post(registerPath, apptest.JSON(map[string]any{"email": "taken@example.com", "password": testPassword,
			"username": "TakenName", "phone_number": "+15551234567"})).Expect(t, http.StatusCreated)
		before := countRows(t, s, "SELECT COUNT(*) FROM users")

		cases := []struct {
			name string
			body map[string]any
			want map[string]any
		}{
			{"missing", map[string]any{}, map[string]any{"email": []string{"This field is required."}, "password": []string{"This field is required."}}},
			{"blank", map[string]any{"email": "", "password": ""}, map[string]any{"email": []string{"This field may not be blank."}, "password": []string{"This field may not be blank."}}},
			{"malformed e-mail", map[string]any{"email": "not-an-address", "password": testPassword}, map[string]any{"email": []string{"Enter a valid email address."}}},
			{"e-mail too long", map[string]any{"email": strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".com", "password": testPassword},
				map[string]any{"email": []string{"Ensure this field has no more than 254 characters."}}},
			{"e-mail taken in another case", map[string]any{"email": "TAKEN@Example.com", "password": testPassword}, map[string]any{"email": []string{"A user with this email already exists."}}},
			{"username taken in another case", map[string]any{"email": "u1@example.com", "password": testPassword, "username": "takenname"},
				map[string]any{"username": []string{"This username is already taken. Please choose a different one."}}},
			{"username characters", map[string]any{"email": "u2@example.com", "password": testPassword, "username": "has space"},
				map[string]any{"username": []string{"Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."}}},
			{"username too long", map[string]any{"email": "u3@example.com", "password": testPassword, "username": strings.Repeat("u", 151)},
				map[string]any{"username": []string{"Ensure this field has no more than 150 characters."}}},
			{"phone format", map[string]any{"email": "p1@example.com", "password": testPassword, "phone_number": "12345"},
				map[string]any{"phone_number": []string{"Phone number must be in E.164 format (e.g., +15551234567) or local format (09XXXXXXXXX)."}}},
			{"phone taken", map[string]any{"email": "p2@example.com", "password": testPassword, "phone_number": "+1 555 123 4567"},
				map[string]any{"phone_number": []string{"A user with this phone number already exists."}}},
			{"suffix choice", map[string]any{"email": "s1@example.com", "password": testPassword, "suffix": "Esq."}, map[string]any{"suffix": []string{`"Esq." is not a valid choice.`}}},
			{"department choice", map[string]any{"email": "d1@example.com", "password": testPassword, "department": "Sales"}, map[string]any{"department": []string{`"Sales" is not a valid choice.`}}},
			{"name too long", map[string]any{"email": "n1@example.com", "password": testPassword, "first_name": strings.Repeat("n", 101)},
				map[string]any{"first_name": []string{"Ensure this field has no more than 100 characters."}}},
			{"common password", map[string]any{"email": "c1@example.com", "password": "password123"}, map[string]any{"password": []string{"Password is too common."}}},
			{"short password", map[string]any{"email": "c2@example.com", "password": "Ab1!"}, map[string]any{"password": []string{"Password must be at least 8 characters long."}}},
			{"password contains the e-mail", map[string]any{"email": "marigold@example.com", "password": "xMarigold-Lantern-9"},
				map[string]any{"password": []string{"Password must not contain your username.", "Password must not contain part of your email address."}}},
			{"wrong types", map[string]any{"email": 12, "password": []any{"x"}, "notified": "maybe"},
				map[string]any{"email": []string{"Enter a valid email address."}, "password": []string{"Not a valid string."}, "notified": []string{"Must be a valid boolean."}}},
			{"NUL byte", map[string]any{"email": "nul@example.com", "password": testPassword, "first_name": "a\x00b"},
				map[string]any{"first_name": []string{"Null characters are not allowed."}}},
			// Uniqueness and policy errors come together with the other field
			// errors, as Django REST framework reports them.
			{"every kind at once", map[string]any{"email": "taken@example.com", "password": "password", "username": "TAKENNAME", "suffix": "Esq.", "phone_number": "+15551234567"},
				map[string]any{
					"email":        []string{"A user with this email already exists."},
					"password":     []string{"Password is too common."},
					"username":     []string{"This username is already taken. Please choose a different one."},
					"suffix":       []string{`"Esq." is not a valid choice.`},
					"phone_number": []string{"A user with this phone number already exists."},
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectBody(t, c.Post(registerPath, apptest.JSON(tc.body)), http.StatusBadRequest, tc.want)
			})
		}
		if after := countRows(t, s, "SELECT COUNT(*) FROM users"); after != before {
			t.Errorf("rejected registrations wrote %d users", after-before)
		}
	})
}

func TestRegisterThrottledPerAddress(t *testing.T) {
	apptest.EachDialect(t, nil, func(t *testing.T, s *apptest.Server) {
		c := s.Client()
		for i := 0; i < 10; i++ {
			c.Post(registerPath, apptest.JSON(map[string]any{"email": fmt.Sprintf("burst%d@example.com", i), "password": testPassword})).Expect(t, http.StatusCreated)
		}
		resp := c.Post(registerPath, apptest.JSON(map[string]any{"email": "burst-last@example.com", "password": testPassword}))
		expectBody(t, resp, http.StatusTooManyRequests, map[string]any{"detail": "Too many requests. Please try again later.", "code": "throttled", "retry_after": 3600})
		if resp.Header.Get("Retry-After") != "3600" {
			t.Errorf("Retry-After = %q, want 3600", resp.Header.Get("Retry-After"))
		}
		if n := countRows(t, s, "SELECT COUNT(*) FROM users WHERE email = 'burst-last@example.com'"); n != 0 {
			t.Error("a throttled registration created the user")
		}
	})
}
