package apikeys_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
)

const testPassword = "Blue-Harbor-Lantern-42"

// createUser makes an approved staff user with testPassword.
func createUser(t *testing.T, s *apptest.Server, email string, superuser bool) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true,
		IsStaff: true, IsSuperuser: superuser, FirstName: "Test", LastName: "User"}
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

// bearerClient signs email in and returns a client that sends the access
// token as Bearer and keeps no cookies.
func bearerClient(t *testing.T, s *apptest.Server, email string) *apptest.Client {
	t.Helper()
	login := s.Client().Post("/api/v1/token/obtain/", apptest.JSON(map[string]any{"email": email, "password": testPassword}))
	login.Expect(t, http.StatusOK)
	c := s.Client()
	c.Header.Set("Authorization", "Bearer "+login.String("access"))
	return c
}

// createKey creates a key through the API and returns the response.
func createKey(t *testing.T, admin *apptest.Client, body map[string]any) *apptest.Response {
	t.Helper()
	return admin.Post("/api/v1/keys/", apptest.JSON(body)).Expect(t, http.StatusCreated)
}

// keyClient returns a client that sends key as X-API-Key.
func keyClient(s *apptest.Server, key string) *apptest.Client {
	c := s.Client()
	c.Header.Set("X-API-Key", key)
	return c
}

// auditCount counts audit events named event.
func auditCount(t *testing.T, s *apptest.Server, event string) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Table("audit_events").Where("event = ?", event).Count(context.Background())
	if err != nil {
		t.Fatalf("count audit events: %v", err)
	}
	return int(n)
}
