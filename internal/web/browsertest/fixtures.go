package browsertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/uptrace/bun"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/seed"
	"github.com/mapactive/authd/internal/storage"
)

// Password is the password of every account the fixtures create.
const Password = "Violet-Canyon-Ledger-73"

// Systems are stand-ins for the downstream frontends. Each serves a page
// naming the system on every path, so a test can check that a redirect
// arrived.
type Systems struct {
	TTS, HDTS, AMS, BMS *httptest.Server
}

// StartSystems starts the stand-in frontends on 127.0.0.1.
func StartSystems(t *testing.T) *Systems {
	t.Helper()
	start := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html lang="en"><head><title>` + name + `</title></head><body><h1 id="system">` +
				name + `</h1></body></html>`))
		}))
		t.Cleanup(s.Close)
		return s
	}
	return &Systems{TTS: start("TTS landing"), HDTS: start("HDTS landing"), AMS: start("AMS landing"), BMS: start("BMS landing")}
}

// Env returns the configuration that points the system URLs at the
// stand-ins.
func (s *Systems) Env() map[string]string {
	return map[string]string{
		"TTS_SYSTEM_URL":     s.TTS.URL + "/",
		"HDTS_SYSTEM_URL":    s.HDTS.URL + "/employee/home",
		"AMS_SYSTEM_URL":     s.AMS.URL + "/ams",
		"BMS_SYSTEM_URL":     s.BMS.URL + "/bms",
		"DEFAULT_SYSTEM_URL": s.AMS.URL + "/dashboard",
	}
}

// NewServer starts authd on SQLite with the four systems and their
// built-in roles. env entries override apptest.TestEnv.
func NewServer(t *testing.T, env map[string]string) *apptest.Server {
	t.Helper()
	s := apptest.New(t, storage.SQLite, env)
	seeder := &seed.Seeder{DB: s.App.DB, Now: s.Clock.Now}
	if err := seeder.AllRoles(context.Background()); err != nil {
		t.Fatalf("seed systems and roles: %v", err)
	}
	return s
}

// CreateStaff creates an approved, active staff user with Password.
func CreateStaff(t *testing.T, s *apptest.Server, email string, mutate func(*accounts.NewUser)) *model.User {
	t.Helper()
	n := &accounts.NewUser{Email: email, Password: Password, Status: model.StatusApproved, IsActive: true,
		FirstName: "Avery", LastName: "Stone"}
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
		t.Fatalf("create staff user %s: %v", email, err)
	}
	return u
}

// Assign gives a user an active role in a system.
func Assign(t *testing.T, s *apptest.Server, userID int64, slug, roleName string) {
	t.Helper()
	ctx := context.Background()
	role := &model.Role{}
	err := s.App.DB.NewSelect().Model(role).Join("JOIN systems AS s ON s.id = role.system_id").
		Where("s.slug = ?", slug).Where("role.name = ?", roleName).Scan(ctx)
	if err != nil {
		t.Fatalf("find role %s in %s: %v", roleName, slug, err)
	}
	a := &model.Assignment{UserID: userID, SystemID: role.SystemID, RoleID: role.ID, AssignedAt: s.Clock.Now(),
		IsActive: true, Settings: map[string]any{"is_deployed": true}}
	if _, err := s.App.DB.NewInsert().Model(a).Exec(ctx); err != nil {
		t.Fatalf("assign %s/%s: %v", slug, roleName, err)
	}
}
