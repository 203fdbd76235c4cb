package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/passwords"
	"github.com/mapactive/authd/internal/storage"
	"github.com/uptrace/bun"
)

const cliPassword = "Copper-Kettle-Orbit-58"

// runWithInput runs authd with args and stdin as its standard input.
func runWithInput(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func userByEmail(t *testing.T, db bun.IDB, email string) *model.User {
	t.Helper()
	u := &model.User{}
	if err := db.NewSelect().Model(u).Where("email_normalized = ?", model.NormalizeEmail(email)).Scan(context.Background()); err != nil {
		t.Fatalf("load %s: %v", email, err)
	}
	return u
}

func verifies(t *testing.T, hash, password string) bool {
	t.Helper()
	h := passwords.NewHasher(passwords.Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, time.Second)
	ok, _, err := h.Verify(context.Background(), hash, password, true)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestCreateSuperuserCommand(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			db := commandEnvironment(t, driver)

			if _, err := runWithInput(t, "password\n", "createsuperuser", "--email", "root@example.com"); err == nil || !strings.Contains(err.Error(), "Password is too common.") {
				t.Errorf("a common password: error %v, want the policy message", err)
			}
			if _, err := runWithInput(t, "", "createsuperuser", "--email", "root@example.com"); err == nil {
				t.Error("an empty standard input must be refused")
			}
			if _, err := runWithInput(t, cliPassword+"\n", "createsuperuser"); err == nil || !strings.Contains(err.Error(), "--email") {
				t.Errorf("a missing --email: error %v", err)
			}
			if n, _ := db.NewSelect().Model((*model.User)(nil)).Count(context.Background()); n != 0 {
				t.Fatalf("refused commands created %d users", n)
			}

			out, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "root@example.com", "--username", "root")
			if err != nil || !strings.Contains(out, "created superuser root@example.com") {
				t.Fatalf("createsuperuser: %v\n%s", err, out)
			}
			u := userByEmail(t, db, "root@example.com")
			if !u.IsSuperuser || !u.IsStaff || !u.IsActive || u.Status != model.StatusApproved || *u.Username != "root" || !u.PasswordNFC {
				t.Errorf("superuser row: %+v", u)
			}
			if !verifies(t, u.Password, cliPassword) {
				t.Error("the piped password does not verify")
			}

			// An existing account is promoted, and a new password replaces the old.
			if _, err := db.NewUpdate().Model((*model.User)(nil)).Set("is_superuser = ?", false).Set("is_staff = ?", false).
				Set("is_active = ?", false).Where("id = ?", u.ID).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			out, err = runWithInput(t, "Second-Kettle-Orbit-91\r\n", "createsuperuser", "--email", "ROOT@example.com")
			if err != nil || !strings.Contains(out, "promoted root@example.com") {
				t.Fatalf("promote: %v\n%s", err, out)
			}
			promoted := userByEmail(t, db, "root@example.com")
			if !promoted.IsSuperuser || !promoted.IsStaff || !promoted.IsActive || !verifies(t, promoted.Password, "Second-Kettle-Orbit-91") {
				t.Errorf("promoted row: superuser=%v staff=%v active=%v", promoted.IsSuperuser, promoted.IsStaff, promoted.IsActive)
			}
		})
	}
}

func TestUserSupportCommands(t *testing.T) {
	db := commandEnvironment(t, storage.SQLite)
	ctx := context.Background()
	if _, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	u := userByEmail(t, db, "ops@example.com")
	until := time.Now().Add(time.Hour)
	_, err := db.NewUpdate().Model((*model.User)(nil)).Set("is_locked = ?", true).Set("lock_reason = ?", model.LockFailures).
		Set("locked_until = ?", until).Set("failed_login_attempts = 10").Where("id = ?", u.ID).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runWithInput(t, "", "user", "unlock", "--email", "ops@example.com")
	if err != nil || !strings.Contains(out, "unlocked ops@example.com") {
		t.Fatalf("unlock: %v\n%s", err, out)
	}
	if row := userByEmail(t, db, "ops@example.com"); row.IsLocked || row.FailedLoginAttempts != 0 || row.LockedUntil != nil || row.LockReason != nil {
		t.Errorf("after unlock: %+v", row)
	}
	if _, err := runWithInput(t, "", "user", "unlock", "--email", "nobody@example.com"); err == nil {
		t.Error("unlocking an unknown account must fail")
	}

	// set-password revokes every family and raises the revocation epoch.
	_, err = db.NewRaw("INSERT INTO refresh_families (id, subject_type, subject_id, created_at, absolute_expires_at, remember_me) VALUES (?, 'staff', ?, ?, ?, ?)",
		"11111111-2222-3333-4444-555555555555", u.ID, time.Now().UTC(), time.Now().Add(time.Hour).UTC(), true).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runWithInput(t, "short\n", "user", "set-password", "--email", "ops@example.com"); err == nil {
		t.Error("set-password must apply the policy")
	}
	out, err = runWithInput(t, "Brand-New-Harbor-33\n", "user", "set-password", "--email", "ops@example.com")
	if err != nil || !strings.Contains(out, "signed out") {
		t.Fatalf("set-password: %v\n%s", err, out)
	}
	row := userByEmail(t, db, "ops@example.com")
	if !verifies(t, row.Password, "Brand-New-Harbor-33") || row.TokensValidAfter == nil {
		t.Errorf("after set-password: verifies=%v tokens_valid_after=%v", verifies(t, row.Password, "Brand-New-Harbor-33"), row.TokensValidAfter)
	}
	var live int
	if err := db.NewRaw("SELECT COUNT(*) FROM refresh_families WHERE revoked_at IS NULL").Scan(ctx, &live); err != nil || live != 0 {
		t.Errorf("live families after set-password: %d (%v)", live, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			commandEnvironment(t, driver)
			first, _, err := runCommand(t, "migrate")
			if err != nil {
				t.Fatal(err)
			}
			second, _, err := runCommand(t, "migrate")
			if err != nil || first != second || !strings.HasPrefix(first, "database is at schema version ") {
				t.Errorf("migrate twice: %q then %q (%v)", first, second, err)
			}
		})
	}
}

func TestCheckConfigCommand(t *testing.T) {
	commandEnvironment(t, storage.SQLite)
	out, _, err := runCommand(t, "check-config")
	if err != nil || !strings.Contains(out, "configuration is valid (development mode, sqlite database)") {
		t.Errorf("check-config in development: %v\n%s", err, out)
	}

	// Production refuses the development defaults and names every cause.
	t.Setenv("AUTHD_ENV", "production")
	t.Setenv("AUTHD_SECRET_KEY", "django-insecure-abc")
	t.Setenv("AUTHD_JWT_SIGNING_KEY", "changeme")
	t.Setenv("AUTHD_DEBUG", "true")
	t.Setenv("AUTHD_PUBLIC_URL", "http://auth.example.com")
	t.Setenv("AUTHD_CORS_ALLOWED_ORIGINS", "*")
	t.Setenv("AUTHD_CAPTCHA_PROVIDER", "none")
	t.Setenv("AUTHD_ACCESS_TOKEN_LIFETIME", "soon")
	t.Setenv("DJANGO_DEFAULT_FROM_EMAIL", "noreply@yourapp.com")
	_, _, err = runCommand(t, "check-config")
	if err == nil {
		t.Fatal("check-config accepted a production configuration with development defaults")
	}
	for _, want := range []string{"django-insecure", "AUTHD_JWT_SIGNING_KEY", "debug must be off", "must be https://",
		`"*" is not allowed`, "none is for development only", "AUTHD_ACCESS_TOKEN_LIFETIME", "DJANGO_DEFAULT_FROM_EMAIL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("check-config error lacks %q:\n%v", want, err)
		}
	}
}

func TestSeedDemoCommand(t *testing.T) {
	db := commandEnvironment(t, storage.SQLite)
	if _, _, err := runCommand(t, "seed", "demo", "--password", cliPassword); err != nil {
		t.Fatal(err)
	}
	countAll := func() [4]int {
		var out [4]int
		for i, table := range []string{"users", "employees", "roles", "user_system_roles"} {
			if err := db.NewRaw("SELECT COUNT(*) FROM "+table).Scan(context.Background(), &out[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	first := countAll()
	if first[0] < 15 || first[1] < 8 || first[2] < 12 {
		t.Errorf("seed demo created users, employees, roles, assignments = %v", first)
	}
	admin := userByEmail(t, db, "admin@example.com")
	if !admin.IsSuperuser || !verifies(t, admin.Password, cliPassword) {
		t.Error("the demo superuser lacks its flag or password")
	}
	if _, _, err := runCommand(t, "seed", "demo", "--password", "Other-Password-Value-12"); err != nil {
		t.Fatal(err)
	}
	if second := countAll(); second != first {
		t.Errorf("a second seed demo changed the counts from %v to %v", first, second)
	}
	if again := userByEmail(t, db, "admin@example.com"); again.Password != admin.Password {
		t.Error("a second seed demo replaced a password without --reset-passwords")
	}

	t.Setenv("AUTHD_ENV", "production")
	t.Setenv("AUTHD_SECRET_KEY", "a-production-secret-key-of-sufficient-length-01")
	t.Setenv("AUTHD_JWT_SIGNING_KEY", "a-production-signing-key-of-sufficient-length-02")
	t.Setenv("AUTHD_PUBLIC_URL", "https://auth.example.com")
	t.Setenv("AUTHD_EMAIL_PROVIDER", "memory")
	for _, args := range [][]string{{"seed", "demo"}, {"seed", "demo", "--force"}} {
		_, _, err := runCommand(t, args...)
		if err == nil || !strings.Contains(err.Error(), "production") {
			t.Errorf("%v in production: error %v", args, err)
		}
	}
	if _, _, err := runCommand(t, "seed", "systems"); err == nil {
		t.Error("seed systems in production without --force must be refused")
	}
	if _, _, err := runCommand(t, "seed", "systems", "--force"); err != nil {
		t.Errorf("seed systems --force in production: %v", err)
	}
}

func TestVersionCommand(t *testing.T) {
	out, _, err := runCommand(t, "version")
	if err != nil || out != "authd dev\n" {
		t.Errorf("version: %q %v", out, err)
	}
}
