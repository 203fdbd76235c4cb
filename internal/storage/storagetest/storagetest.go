// Package storagetest gives each test its own migrated database, on SQLite
// and on PostgreSQL, so one test suite covers both dialects.
package storagetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mapactive/authd/internal/config"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/testenv"
)

// Epoch is the fixed instant tests migrate at and start their clocks from.
var Epoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// EachDialect runs fn as a subtest named "sqlite" and one named "postgres",
// each with a fresh migrated database. The PostgreSQL subtest skips, or fails
// under CI=true, when AUTHD_TEST_POSTGRES_URL is not set.
func EachDialect(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run(storage.SQLite, func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run(storage.Postgres, func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// Open returns a fresh migrated database of the named driver.
func Open(t testing.TB, driver string) *storage.DB {
	t.Helper()
	if driver == storage.Postgres {
		return OpenPostgres(t)
	}
	return OpenSQLite(t)
}

// OpenSQLite returns a migrated database in a new file under t.TempDir().
func OpenSQLite(t testing.TB) *storage.DB {
	t.Helper()
	cfg := config.Database{Driver: storage.SQLite, SQLitePath: filepath.Join(t.TempDir(), "authd.sqlite3"), MaxConns: 1}
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), Epoch); err != nil {
		t.Fatalf("migrate SQLite: %v", err)
	}
	return db
}

// EmptyDatabase returns the settings of a new database without any schema,
// for tests of migrations themselves.
func EmptyDatabase(t testing.TB, driver string) config.Database {
	t.Helper()
	if driver == storage.SQLite {
		return config.Database{Driver: storage.SQLite, SQLitePath: filepath.Join(t.TempDir(), "empty.sqlite3"), MaxConns: 1}
	}
	adminURL := testenv.Require(t, testenv.PostgresURL, "PostgreSQL")
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatalf("open PostgreSQL admin connection: %v", err)
	}
	defer admin.Close()
	name := "authd_e_" + randomSuffix()
	if _, err := admin.Exec(fmt.Sprintf("CREATE DATABASE %s", name)); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(adminURL, name) })
	return config.Database{Driver: storage.Postgres, URL: withDatabase(adminURL, name), MaxConns: 5}
}

// OpenPostgres returns a new database cloned from a migrated template and
// dropped when the test ends.
func OpenPostgres(t testing.TB) *storage.DB {
	t.Helper()
	adminURL := testenv.Require(t, testenv.PostgresURL, "PostgreSQL")
	ctx := context.Background()
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		t.Fatalf("open PostgreSQL admin connection: %v", err)
	}
	defer admin.Close()
	template, err := ensureTemplate(ctx, admin, adminURL)
	if err != nil {
		t.Fatalf("prepare the template database: %v", err)
	}
	name := "authd_t_" + randomSuffix()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	db, err := storage.Open(ctx, config.Database{Driver: storage.Postgres, URL: withDatabase(adminURL, name), MaxConns: 20})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		dropDatabase(adminURL, name)
	})
	return db
}

func dropDatabase(adminURL, name string) {
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return
	}
	defer admin.Close()
	admin.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
}

// templateLockKey serialises template creation across test processes, which
// go test runs in parallel, one per package.
const templateLockKey = 0x61757468647400

// ensureTemplate creates, once per schema, a migrated database to clone. Its
// name carries a hash of the migrations, so a schema change makes a new one.
func ensureTemplate(ctx context.Context, admin *sql.DB, adminURL string) (string, error) {
	migrations, err := storage.Migrations(storage.Postgres)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migrations {
		h.Write([]byte(m.Name))
		h.Write([]byte(m.SQL))
	}
	for _, extra := range storage.ExtraMigrationIDs() {
		h.Write([]byte(extra))
	}
	name := "authd_tpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey)

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s", building)); err != nil {
		return "", err
	}
	db, err := storage.Open(ctx, config.Database{Driver: storage.Postgres, URL: withDatabase(adminURL, building), MaxConns: 2})
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, Epoch)
	db.Close()
	if err != nil {
		return "", err
	}
	// Renaming after a complete migration means no process ever clones a
	// half-built template.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" && (strings.HasPrefix(u.Host, "127.0.0.1") || strings.HasPrefix(u.Host, "localhost")) {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
