// Package rbactest builds the callers and objects that the authorization
// tests of the admin and integration routes share. A World has two systems
// with roles, a superuser, an admin of each system, a plain staff user, an
// employee and API keys. Each caller gets an HTTP client that sends its
// credentials.
package rbactest

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/rbac"
	"github.com/mapactive/authd/internal/tokens"
)

// Password is the password of every user World creates.
const Password = "Blue-Harbor-Lantern-42"

// World is a populated authd for authorization tests.
type World struct {
	S *apptest.Server

	TTS, HDTS                   *model.System
	TTSAdmin, TTSAgent, TTSBoss *model.Role // TTSAgent is custom, TTSBoss built-in
	HDTSAdmin, HDTSCoordinator  *model.Role

	Super       *model.User // superuser without assignments
	AdminOfTTS  *model.User // is_staff, active Admin assignment in tts
	AdminOfHDTS *model.User // is_staff, active Admin assignment in hdts
	Agent       *model.User // TTSAgent in tts and Ticket Coordinator in hdts
	Plain       *model.User // staff without assignments
	FormerAdmin *model.User // is_staff, inactive Admin assignment in tts
	Employee    *model.Employee

	AgentTTS *model.Assignment // Agent's tts assignment
}

// Caller is one kind of client of the permission matrix.
type Caller struct {
	Name   string
	Client *apptest.Client
}

// New creates the World's rows on s.
func New(t testing.TB, s *apptest.Server) *World {
	t.Helper()
	w := &World{S: s}
	ctx := context.Background()
	svc := s.App.RBAC
	err := s.App.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if w.TTS, w.TTSAdmin, err = system(ctx, tx, svc, "Ticket Tracking System", "tts"); err != nil {
			return err
		}
		if w.HDTS, w.HDTSAdmin, err = system(ctx, tx, svc, "Help Desk and Ticketing System", "hdts"); err != nil {
			return err
		}
		if w.TTSAgent, err = svc.CreateRole(ctx, tx, nil, w.TTS, "Agent", nil, true); err != nil {
			return err
		}
		if w.TTSBoss, err = svc.CreateRole(ctx, tx, nil, w.TTS, "Budget Manager", nil, false); err != nil {
			return err
		}
		w.HDTSCoordinator, err = svc.CreateRole(ctx, tx, nil, w.HDTS, "Ticket Coordinator", nil, false)
		return err
	})
	if err != nil {
		t.Fatalf("create systems: %v", err)
	}

	w.Super = w.User(t, "super@example.com", func(n *accounts.NewUser) { n.IsSuperuser = true })
	w.AdminOfTTS = w.User(t, "ttsadmin@example.com", func(n *accounts.NewUser) { n.IsStaff = true })
	w.AdminOfHDTS = w.User(t, "hdtsadmin@example.com", func(n *accounts.NewUser) { n.IsStaff = true })
	w.Agent = w.User(t, "agent@example.com", nil)
	w.Plain = w.User(t, "plain@example.com", nil)
	w.FormerAdmin = w.User(t, "former@example.com", func(n *accounts.NewUser) { n.IsStaff = true })

	w.Assign(t, w.AdminOfTTS, w.TTS, w.TTSAdmin, true)
	w.Assign(t, w.AdminOfHDTS, w.HDTS, w.HDTSAdmin, true)
	w.AgentTTS = w.Assign(t, w.Agent, w.TTS, w.TTSAgent, true)
	w.Assign(t, w.Agent, w.HDTS, w.HDTSCoordinator, true)
	w.Assign(t, w.FormerAdmin, w.TTS, w.TTSAdmin, false)
	w.Employee = w.NewEmployee(t, "employee@example.com")
	return w
}

func system(ctx context.Context, tx bun.Tx, svc *rbac.Service, name, slug string) (*model.System, *model.Role, error) {
	sys, err := svc.CreateSystem(ctx, tx, nil, rbac.SystemInput{Name: &name, Slug: &slug})
	if err != nil {
		return nil, nil, err
	}
	admin := &model.Role{}
	err = tx.NewSelect().Model(admin).Where("system_id = ?", sys.ID).Where("name = ?", model.AdminRole).Scan(ctx)
	admin.System = sys
	return sys, admin, err
}

// User creates an approved, active staff user with Password.
func (w *World) User(t testing.TB, email string, mutate func(*accounts.NewUser)) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: Password, Status: model.StatusApproved, IsActive: true, FirstName: "Test", LastName: "User"}
	if mutate != nil {
		mutate(n)
	}
	var u *model.User
	err := w.S.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = w.S.App.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Assign gives u the role in sys.
func (w *World) Assign(t testing.TB, u *model.User, sys *model.System, role *model.Role, active bool) *model.Assignment {
	t.Helper()
	var a *model.Assignment
	err := w.S.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		a, err = w.S.App.RBAC.Assign(ctx, tx, nil, u, sys, role, active, nil)
		return err
	})
	if err != nil {
		t.Fatalf("assign %s to %s/%s: %v", u.Email, sys.Slug, role.Name, err)
	}
	return a
}

// NewEmployee inserts an approved employee row.
func (w *World) NewEmployee(t testing.TB, email string) *model.Employee {
	t.Helper()
	now := w.S.Clock.Now()
	e := &model.Employee{Email: email, EmailNormalized: model.NormalizeEmail(email), Password: "!unusable", FirstName: "Em", LastName: "Ployee",
		Status: model.StatusApproved, CreatedAt: now, UpdatedAt: now}
	if _, err := w.S.App.DB.NewInsert().Model(e).Exec(context.Background()); err != nil {
		t.Fatalf("insert employee: %v", err)
	}
	return e
}

// Client returns a client that sends an access token of u as a Bearer
// header.
func (w *World) Client(t testing.TB, u *model.User) *apptest.Client {
	t.Helper()
	ctx := context.Background()
	var pair *tokens.Pair
	err := w.S.App.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		subject, err := accounts.Subject(ctx, tx, u)
		if err != nil {
			return err
		}
		pair, err = w.S.App.Tokens.StartFamily(ctx, tx, subject, tokens.FamilyMeta{})
		return err
	})
	if err != nil {
		t.Fatalf("token for %s: %v", u.Email, err)
	}
	c := w.S.Client()
	c.Header.Set("Authorization", "Bearer "+pair.Access)
	return c
}

// EmployeeClient returns a client that sends an employee access token.
func (w *World) EmployeeClient(t testing.TB, e *model.Employee) *apptest.Client {
	t.Helper()
	var pair *tokens.Pair
	err := w.S.App.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		pair, err = w.S.App.Tokens.StartFamily(ctx, tx, &tokens.Subject{Type: tokens.Employee, ID: e.ID, Email: e.Email,
			Username: e.Username, FullName: e.FullName(), Roles: []tokens.Role{{System: "hdts", Role: "Employee"}}}, tokens.FamilyMeta{})
		return err
	})
	if err != nil {
		t.Fatalf("employee token: %v", err)
	}
	c := w.S.Client()
	c.Header.Set("Authorization", "Bearer "+pair.Access)
	return c
}

// KeyClient returns a client that sends a new API key with scopes.
func (w *World) KeyClient(t testing.TB, name string, scopes ...string) *apptest.Client {
	t.Helper()
	created, err := w.S.App.APIKeys.Create(context.Background(), apikeys.Spec{Name: &name, Scopes: scopes}, nil)
	if err != nil {
		t.Fatalf("create API key: %v", err)
	}
	c := w.S.Client()
	c.Header.Set("X-API-Key", created.Plain)
	return c
}

// Callers returns one client of every kind the permission matrix covers,
// keyed by name: superuser, tts admin, hdts admin, former admin, plain
// staff, employee, anonymous, key users:read, key assignments:read and key
// employees:read.
func (w *World) Callers(t testing.TB) map[string]*apptest.Client {
	t.Helper()
	return map[string]*apptest.Client{
		"superuser":            w.Client(t, w.Super),
		"tts admin":            w.Client(t, w.AdminOfTTS),
		"hdts admin":           w.Client(t, w.AdminOfHDTS),
		"former admin":         w.Client(t, w.FormerAdmin),
		"plain staff":          w.Client(t, w.Plain),
		"agent":                w.Client(t, w.Agent),
		"employee":             w.EmployeeClient(t, w.Employee),
		"anonymous":            w.S.Client(),
		"key users:read":       w.KeyClient(t, "users", "users:read"),
		"key assignments:read": w.KeyClient(t, "assignments", "assignments:read"),
		"key employees:read":   w.KeyClient(t, "employees", "employees:read"),
	}
}
