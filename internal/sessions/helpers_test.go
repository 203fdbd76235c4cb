package sessions_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/secrets"
)

const testPassword = "Blue-Harbor-Lantern-42"

// staffUser creates an approved, active staff user with testPassword.
func staffUser(t *testing.T, s *apptest.Server, email string) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true,
		FirstName: "Rita", LastName: "Lopez", IsStaff: true}
	var u *model.User
	err := s.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// approvedEmployee registers an employee and approves it in the database.
func approvedEmployee(t *testing.T, s *apptest.Server, email string) *model.Employee {
	t.Helper()
	e, err := s.App.Employees.Register(context.Background(), &employees.NewEmployee{Email: email, Password: testPassword,
		FirstName: "Ana", LastName: "Cruz"})
	if err != nil {
		t.Fatalf("register employee %s: %v", email, err)
	}
	exec(t, s, "UPDATE employees SET status = ? WHERE id = ?", model.StatusApproved, e.ID)
	e.Status = model.StatusApproved
	return e
}

// exec runs a statement against the test database.
func exec(t *testing.T, s *apptest.Server, query string, args ...any) {
	t.Helper()
	if _, err := s.App.DB.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// count returns the number of rows a query selects.
func count(t *testing.T, s *apptest.Server, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// signIn signs a staff user in at login/api with a new client and returns
// the client (holding both cookies) and the response.
func signIn(t *testing.T, s *apptest.Server, email string, extra map[string]any) (*apptest.Client, *apptest.Response) {
	t.Helper()
	body := map[string]any{"email": email, "password": testPassword}
	for k, v := range extra {
		body[k] = v
	}
	c := s.Client()
	resp := c.Post("/api/v1/users/login/api/", apptest.JSON(body)).Expect(t, http.StatusOK)
	return c, resp
}

// employeeSignIn signs an employee in and returns the client with its
// cookies and the response.
func employeeSignIn(t *testing.T, s *apptest.Server, email string) (*apptest.Client, *apptest.Response) {
	t.Helper()
	c := s.Client()
	resp := c.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": email, "password": testPassword}))
	resp.Expect(t, http.StatusOK)
	return c, resp
}

// sharedKey is the HS256 key the test servers sign with.
func sharedKey() []byte { return []byte(apptest.TestEnv()["AUTHD_JWT_SIGNING_KEY"]) }

// mint signs claims with key, the way a forged or legacy token is made.
func mint(t *testing.T, key []byte, claims jwt.MapClaims) string {
	t.Helper()
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// staffClaims returns a complete staff claim set of tokenType issued at iat.
func staffClaims(u *model.User, tokenType string, iat time.Time, life time.Duration) jwt.MapClaims {
	return jwt.MapClaims{
		"token_type": tokenType, "iat": iat.Unix(), "exp": iat.Add(life).Unix(), "jti": secrets.HexID(),
		"user_id": u.ID, "email": u.Email, "username": u.Username, "full_name": u.FullName(),
		"user_type": "staff", "roles": []any{},
	}
}

// expectBody fails unless the response has status and a JSON object body
// equal to want: the same keys with the same values.
func expectBody(t *testing.T, r *apptest.Response, status int, want map[string]any) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
		return
	}
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("body %q is not a JSON object: %v", r.Body, err)
		return
	}
	wantJSON, _ := json.Marshal(want)
	var normalized map[string]any
	json.Unmarshal(wantJSON, &normalized)
	if !reflect.DeepEqual(got, normalized) {
		t.Errorf("body %s, want %s", strings.TrimSpace(string(r.Body)), wantJSON)
	}
}

// setCookieLines returns the raw Set-Cookie header lines of a response for
// one cookie name.
func setCookieLines(r *apptest.Response, name string) []string {
	var out []string
	for _, line := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			out = append(out, line)
		}
	}
	return out
}

// Standard error bodies of the API.
var (
	bodyNotAuthenticated = map[string]any{"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
	bodyTokenNotValid    = map[string]any{"detail": "Given token not valid for any token type", "code": "token_not_valid"}
	bodyTokenExpired     = map[string]any{"detail": "Token is expired", "code": "token_expired"}
	bodyTokenRevoked     = map[string]any{"detail": "Token has been revoked", "code": "token_revoked"}
	bodyWrongUserType    = map[string]any{"detail": "This endpoint is not available for this account type.", "code": "wrong_user_type"}
	bodyInvalidOrExpired = map[string]any{"detail": "Token is invalid or expired", "code": "token_not_valid"}
)
