package portal_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

const testPassword = "Blue-Harbor-Lantern-42"

// newUser makes an approved staff user with testPassword; mutate adjusts
// the fields first.
func newUser(t testing.TB, s *apptest.Server, email string, superuser bool, mutate func(*accounts.NewUser)) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true,
		IsStaff: superuser, IsSuperuser: superuser, FirstName: "Test", LastName: "User"}
	if mutate != nil {
		mutate(n)
	}
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

// login signs email in to the portal and returns a client that holds the
// session cookie and sends the CSRF header on every request.
func login(t testing.TB, s *apptest.Server, email string) *apptest.Client {
	t.Helper()
	c := s.Client()
	c.Post("/superadmin/api/login/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
	token := c.Cookie("csrftoken")
	if token == "" {
		t.Fatalf("portal login set no csrftoken cookie")
	}
	c.Header.Set("X-CSRFToken", token)
	return c
}

// reload reads a user row.
func reload(t *testing.T, s *apptest.Server, id int64) *model.User {
	t.Helper()
	u, err := accounts.UserByID(context.Background(), s.App.DB, id)
	if err != nil {
		t.Fatalf("reload user %d: %v", id, err)
	}
	return u
}

// count counts rows of table matching where.
func count(t *testing.T, s *apptest.Server, table, where string, args ...any) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// jsonBody builds a JSON body for Do.
func jsonBody(v any) *apptest.Body {
	b := apptest.JSON(v)
	return &b
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
