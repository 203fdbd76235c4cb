package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/apptest"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/storage/storagetest"
)

// runCommand runs authd with args and returns its standard output and
// standard error.
func runCommand(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCommand()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

// commandEnvironment points the commands at a new empty database of driver.
func commandEnvironment(t *testing.T, driver string) *storage.DB {
	t.Helper()
	for name, value := range apptest.TestEnv() {
		t.Setenv(name, value)
	}
	t.Setenv("AUTHD_MEDIA_DIR", t.TempDir())
	database := storagetest.EmptyDatabase(t, driver)
	if driver == storage.SQLite {
		t.Setenv("AUTHD_SQLITE_PATH", database.SQLitePath)
	} else {
		t.Setenv("AUTHD_DATABASE_URL", database.URL)
	}
	if _, _, err := runCommand(t, "migrate"); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	db, err := storage.Open(context.Background(), database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var printedKey = regexp.MustCompile(`^authd_[a-z2-7]{8}_[A-Za-z0-9_-]{43}\n$`)

func TestAPIKeyCommands(t *testing.T) {
	for _, driver := range []string{storage.SQLite, storage.Postgres} {
		t.Run(driver, func(t *testing.T) {
			db := commandEnvironment(t, driver)
			keys := apikeys.NewService(apikeys.Deps{DB: db, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ctx := context.Background()

			stdout, stderr, err := runCommand(t, "apikey", "create", "--name", "helpdesk", "--scopes", "users:read, employees:read", "--expires-in", "720h")
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if !printedKey.MatchString(stdout) {
				t.Fatalf("create printed %q, want the key alone", stdout)
			}
			if !strings.Contains(stderr, "cannot show it again") || !strings.Contains(stderr, "users:read,employees:read") {
				t.Errorf("create notes = %q", stderr)
			}
			first := strings.TrimSpace(stdout)
			described, err := keys.Verify(ctx, first, "192.0.2.1")
			if err != nil || !described.HasScope("employees:read") || described.HasScope("assignments:read") {
				t.Fatalf("created key verifies as %+v, %v", described, err)
			}
			k, _ := keys.Get(ctx, described.ID)
			if k.ExpiresAt == nil || k.CreatedByID != nil {
				t.Errorf("created key row = %+v", k)
			}

			listed, _, err := runCommand(t, "apikey", "list")
			if err != nil || !strings.Contains(listed, "helpdesk") || !strings.Contains(listed, "active") || strings.Contains(listed, first[15:]) {
				t.Errorf("list printed %q, %v", listed, err)
			}

			id := "1"
			rotated, _, err := runCommand(t, "apikey", "rotate", "--id", id, "--overlap", "600")
			if err != nil || !printedKey.MatchString(rotated) {
				t.Fatalf("rotate printed %q, %v", rotated, err)
			}
			if _, err := keys.Verify(ctx, first, "192.0.2.1"); err != nil {
				t.Errorf("old key stopped inside the overlap: %v", err)
			}
			if _, err := keys.Verify(ctx, strings.TrimSpace(rotated), "192.0.2.1"); err != nil {
				t.Errorf("rotated key rejected: %v", err)
			}
			if _, _, err := runCommand(t, "apikey", "rotate", "--id", id); err == nil || !strings.Contains(err.Error(), "revoked or already rotated") {
				t.Errorf("second rotation of key 1: %v", err)
			}

			out, _, err := runCommand(t, "apikey", "revoke", "--id", id)
			if err != nil || !strings.Contains(out, `revoked API key 1 "helpdesk"`) {
				t.Errorf("revoke printed %q, %v", out, err)
			}
			if _, err := keys.Verify(ctx, first, "192.0.2.1"); !errors.Is(err, apikeys.ErrInvalid) {
				t.Errorf("revoked key still verifies: %v", err)
			}
			if _, _, err := runCommand(t, "apikey", "revoke", "--id", id); err != nil {
				t.Errorf("revoking twice failed: %v", err)
			}
			all, _, _ := runCommand(t, "apikey", "list", "--all")
			if !strings.Contains(all, "revoked") {
				t.Errorf("list --all printed %q", all)
			}

			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"apikey", "create", "--scopes", "*"}, "--name and --scopes are required"},
				{[]string{"apikey", "create", "--name", "x"}, "--name and --scopes are required"},
				{[]string{"apikey", "create", "--name", "x", "--scopes", ","}, `--scopes "," rejected: This list may not be empty.`},
				{[]string{"apikey", "create", "--name", "x", "--scopes", "users:write"}, `--scopes "users:write" rejected: "users:write" is not a valid choice.`},
				{[]string{"apikey", "create", "--name", "x", "--scopes", "*", "--expires-in", "soon"}, `invalid --expires-in "soon"`},
				{[]string{"apikey", "create", "--name", "x", "--scopes", "*", "--expires-in", "-5"}, `--expires-in "-5" rejected: The expiry must be in the future.`},
				{[]string{"apikey", "create", "--name", "helpdesk", "--scopes", "*"}, `--name "helpdesk" rejected: ` + apikeys.MsgNameTaken},
				{[]string{"apikey", "revoke"}, "--id is required"},
				{[]string{"apikey", "revoke", "--id", "99"}, "no API key has id 99"},
				{[]string{"apikey", "rotate", "--id", "2", "--overlap", "200h"}, `invalid --overlap "200h"`},
			} {
				_, _, err := runCommand(t, tc.args...)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("authd %s: error %v, want %q", strings.Join(tc.args, " "), err, tc.want)
				}
			}
		})
	}
}
