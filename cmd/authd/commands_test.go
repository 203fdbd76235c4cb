package main

import (
	"bytes"
	"context"
	"fmt"
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

func TestCreateSuperuserRejectsInvalidInput(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			db := commandEnvironment(t, driver)
			tooLong := strings.Repeat("a", 300) + "@example.com"
			cases := []struct {
				email, want string
			}{
				{"bad email", `--email "bad email" rejected: Enter a valid email address.`},
				{"x", `--email "x" rejected: Enter a valid email address.`},
				{tooLong, "--email \"" + tooLong + "\" rejected: Ensure this field has no more than 254 characters."},
				{"\u202eadmin@example.com", `--email "\u202eadmin@example.com" rejected: Enter a valid email address.`},
				{"zw\u200b@example.com", `--email "zw\u200b@example.com" rejected: Enter a valid email address.`},
				{"ünï@example.com", `--email "ünï@example.com" rejected: Enter a valid email address.`},
			}
			for _, tc := range cases {
				_, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", tc.email)
				if err == nil || err.Error() != tc.want {
					t.Errorf("createsuperuser --email %q: error %v, want %s", tc.email, err, tc.want)
				}
			}

			_, err := runWithInput(t, "password\n", "createsuperuser", "--email", "root@example.com")
			if want := "password rejected: Password is too common."; err == nil || err.Error() != want {
				t.Errorf("a common password: error %v, want %s", err, want)
			}
			_, err = runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "root@example.com", "--username", "bad name!")
			if err == nil || !strings.HasPrefix(err.Error(), `--username "bad name!" rejected: Enter a valid username.`) {
				t.Errorf("an invalid username: error %v", err)
			}
			if n, _ := db.NewSelect().Model((*model.User)(nil)).Count(context.Background()); n != 0 {
				t.Fatalf("refused commands created %d users", n)
			}

			if _, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", " root@exämple.com ", "--username", "root"); err != nil {
				t.Fatalf("an internationalized domain: %v", err)
			}
			if u := userByEmail(t, db, "root@exämple.com"); u.Email != "root@exämple.com" {
				t.Errorf("stored e-mail %q, want the trimmed address", u.Email)
			}
			_, err = runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "other@example.com", "--username", "ROOT")
			if want := `--username "ROOT" rejected: This username is already taken. Please choose a different one.`; err == nil || err.Error() != want {
				t.Errorf("a taken username: error %v, want %s", err, want)
			}
		})
	}
}

func TestCommandsKeepLegacyAddressesUsable(t *testing.T) {
	db := commandEnvironment(t, storage.SQLite)
	ctx := context.Background()
	if _, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "legacy@example.com"); err != nil {
		t.Fatal(err)
	}
	// Earlier versions accepted a non-ASCII local part at registration.
	legacy := "ünï@example.com"
	_, err := db.NewUpdate().Model((*model.User)(nil)).Set("email = ?", legacy).Set("email_normalized = ?", model.NormalizeEmail(legacy)).
		Set("is_superuser = ?", false).Where("email_normalized = ?", "legacy@example.com").Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}

	out, err := runWithInput(t, "", "createsuperuser", "--email", legacy)
	if err != nil || !strings.Contains(out, "promoted "+legacy) {
		t.Fatalf("promote a legacy address: %v\n%s", err, out)
	}
	out, err = runWithInput(t, "Brand-New-Harbor-33\n", "user", "set-password", "--email", legacy)
	if err != nil || !strings.Contains(out, "signed out") {
		t.Fatalf("set-password of a legacy address: %v\n%s", err, out)
	}
	u := userByEmail(t, db, legacy)
	if !u.IsSuperuser {
		t.Error("the legacy account was not promoted to superuser")
	}
	if !verifies(t, u.Password, "Brand-New-Harbor-33") {
		t.Error("the new password of the legacy account does not verify")
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
	_, err = runWithInput(t, "", "user", "unlock", "--email", "nobody@example.com")
	if want := `no staff account has the e-mail address "nobody@example.com"`; err == nil || err.Error() != want {
		t.Errorf("unlock an unknown account: error %v, want %s", err, want)
	}
	_, err = runWithInput(t, cliPassword+"\n", "user", "set-password", "--email", "bad email")
	if want := `no staff account has the e-mail address "bad email"`; err == nil || err.Error() != want {
		t.Errorf("set-password of an unknown account: error %v, want %s", err, want)
	}

	// set-password revokes every family and raises the revocation epoch.
	_, err = db.NewRaw("INSERT INTO refresh_families (id, subject_type, subject_id, created_at, absolute_expires_at, remember_me) VALUES (?, 'staff', ?, ?, ?, ?)",
		"11111111-2222-3333-4444-555555555555", u.ID, time.Now().UTC(), time.Now().Add(time.Hour).UTC(), true).Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = runWithInput(t, "password\n", "user", "set-password", "--email", "ops@example.com")
	if want := "password rejected: Password is too common."; err == nil || err.Error() != want {
		t.Errorf("set-password with a common password: error %v, want %s", err, want)
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

	// Production with the test settings lacks only the public URL.
	t.Setenv("AUTHD_ENV", "production")
	_, _, err = runCommand(t, "check-config")
	if want := "invalid configuration (1 problem):\n  - AUTHD_PUBLIC_URL: required in production"; err == nil || err.Error() != want {
		t.Errorf("check-config with one problem: error %v, want %s", err, want)
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
	if !strings.Contains(err.Error(), " problems):\n") {
		t.Errorf("check-config error lacks the plural count:\n%v", err)
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
	if _, err := runWithInput(t, cliPassword+"\n", "createsuperuser", "--email", "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCommand(t, "seed", "demo", "--password", cliPassword)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1 existing account kept its password; run with --reset-passwords to replace it:\n  admin@example.com\n"; !strings.Contains(out, want) {
		t.Errorf("seed demo with one existing account printed:\n%s\nwant it to contain:\n%s", out, want)
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
	out, _, err = runCommand(t, "seed", "demo", "--password", "Other-Password-Value-12")
	if err != nil {
		t.Fatal(err)
	}
	keptNotice := fmt.Sprintf("%d existing accounts kept their passwords; run with --reset-passwords to replace them:\n", first[0]+first[1])
	if !strings.Contains(out, keptNotice) {
		t.Errorf("a second seed demo printed:\n%s\nwant it to contain:\n%s", out, keptNotice)
	}
	for _, email := range []string{"admin@example.com", "amsoperator@test.local", "john.doe@gmail.com", "lisa.anderson@gmail.com"} {
		if !strings.Contains(out, "\n  "+email+"\n") {
			t.Errorf("a second seed demo does not name the kept account %s", email)
		}
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
