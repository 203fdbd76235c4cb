package employees_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/employees"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/seed"
)

const (
	testPassword  = "Blue-Harbor-Lantern-42"
	otherPassword = "Quiet-Meadow-Compass-77"
)

// pngImage returns a small valid PNG of w x h pixels.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, 0, color.RGBA{R: 200, G: 40, B: 40, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// register posts a JSON registration and expects 201.
func register(t *testing.T, s *apptest.Server, email string, extra map[string]any) *apptest.Response {
	t.Helper()
	body := map[string]any{"email": email, "password": testPassword, "first_name": "Eva", "last_name": "Reyes"}
	for k, v := range extra {
		body[k] = v
	}
	return s.Client().Post("/api/v1/hdts/employees/api/register/", apptest.JSON(body)).Expect(t, http.StatusCreated)
}

// approvedEmployee registers an employee through the service and approves
// it directly in the database.
func approvedEmployee(t *testing.T, s *apptest.Server, email string) *model.Employee {
	t.Helper()
	e, err := s.App.Employees.Register(context.Background(), &employees.NewEmployee{Email: email, Password: testPassword,
		FirstName: "Ana", LastName: "Cruz"})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	_, err = s.App.DB.NewUpdate().Model((*model.Employee)(nil)).Set("status = ?", model.StatusApproved).Where("id = ?", e.ID).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.Status = model.StatusApproved
	return e
}

// loadEmployee reads an employee row.
func loadEmployee(t *testing.T, s *apptest.Server, id int64) *model.Employee {
	t.Helper()
	e, err := employees.ByID(context.Background(), s.App.DB, id)
	if err != nil {
		t.Fatalf("load employee %d: %v", id, err)
	}
	return e
}

// staffUser creates an approved, active staff user with roles given as
// "system/Role" strings, seeding the systems and their built-in roles.
func staffUser(t *testing.T, s *apptest.Server, email string, superuser bool, roles ...string) *model.User {
	t.Helper()
	ctx := context.Background()
	seeder := &seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}
	if err := seeder.AllRoles(ctx); err != nil {
		t.Fatalf("seed roles: %v", err)
	}
	n := &accounts.NewUser{Email: email, Password: testPassword, Status: model.StatusApproved, IsActive: true,
		FirstName: "Staff", LastName: "Member", IsStaff: true, IsSuperuser: superuser}
	var u *model.User
	err := s.App.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = s.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatalf("create staff user %s: %v", email, err)
	}
	for _, spec := range roles {
		assign(t, s, u, spec)
	}
	return u
}

// assign gives a staff user an active role "system/Role".
func assign(t *testing.T, s *apptest.Server, u *model.User, spec string) {
	t.Helper()
	ctx := context.Background()
	slug, roleName, _ := strings.Cut(spec, "/")
	role := &model.Role{}
	err := s.App.DB.NewSelect().Model(role).Relation("System").
		Where("system.slug = ?", slug).Where("role.name = ?", roleName).Scan(ctx)
	if err != nil {
		t.Fatalf("find role %s: %v", spec, err)
	}
	a := &model.Assignment{UserID: u.ID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Clock.Now(), IsActive: true,
		Settings: map[string]any{"is_deployed": true}}
	if _, err := s.App.DB.NewInsert().Model(a).Exec(ctx); err != nil {
		t.Fatalf("assign %s: %v", spec, err)
	}
}

// staffClient signs a staff user in through the staff API and returns its
// client, which then holds the staff cookies.
func staffClient(t *testing.T, s *apptest.Server, email string) *apptest.Client {
	t.Helper()
	c := s.Client()
	c.Post("/api/v1/users/login/api/", apptest.JSON(map[string]any{"email": email, "password": testPassword})).Expect(t, http.StatusOK)
	return c
}

// employeeLogin signs an employee in and returns the client and the body.
func employeeLogin(t *testing.T, s *apptest.Server, email, password string) (*apptest.Client, *apptest.Response) {
	t.Helper()
	c := s.Client()
	res := c.Post("/api/v1/hdts/employees/api/login/", apptest.JSON(map[string]any{"email": email, "password": password}))
	return c, res
}

// signedInEmployee registers, approves and signs in an employee.
func signedInEmployee(t *testing.T, s *apptest.Server, email string) (*apptest.Client, *model.Employee) {
	t.Helper()
	e := approvedEmployee(t, s, email)
	c, res := employeeLogin(t, s, email, testPassword)
	res.Expect(t, http.StatusOK)
	return c, e
}

// loginError returns the first non-field error of a failed employee login.
func loginError(r *apptest.Response) string {
	list, _ := r.Get("errors.non_field_errors").([]any)
	if len(list) == 0 {
		return ""
	}
	s, _ := list[0].(string)
	return s
}

// parseShared verifies a token the way the help-desk backend does: HS256
// with the shared key, at the server's clock.
func parseShared(t *testing.T, s *apptest.Server, raw string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(s.Clock.Now))
	_, err := parser.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(apptest.TestEnv()["AUTHD_JWT_SIGNING_KEY"]), nil })
	if err != nil {
		t.Fatalf("downstream verification failed: %v", err)
	}
	return claims
}

// apiKey creates an API key with scopes and returns its plain value.
func apiKey(t *testing.T, s *apptest.Server, name string, scopes ...string) string {
	t.Helper()
	created, err := s.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &name, Scopes: scopes}, nil)
	if err != nil {
		t.Fatalf("create API key: %v", err)
	}
	return created.Plain
}

// auditCount counts audit events of a name about an employee.
func auditCount(t *testing.T, s *apptest.Server, name string, employeeID int64) int {
	t.Helper()
	n, err := s.App.DB.NewSelect().Table("audit_events").Where("event = ?", name).
		Where("subject_type = 'employee'").Where("subject_id = ?", employeeID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
