package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one embedded schema change. Both dialects have the same
// versions, each written in its own SQL.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations when several instances start at once ("authd" in ASCII).
const migrationLockKey = 0x6175746864

// Migrations returns the embedded migrations of a driver, ordered by version.
func Migrations(driver string) ([]Migration, error) {
	dir := path.Join("migrations", driver)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations of %s: %w", driver, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version < 1 {
			return nil, fmt.Errorf("migration file %s/%s must be named NNNN_name.sql", dir, name)
		}
		content, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: strings.TrimSuffix(name, ".sql"), SQL: string(content)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two %s migrations have version %d", driver, out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every migration not applied yet and records the
// installation instant on the first run. It is idempotent and safe when
// several processes start at once: PostgreSQL instances take an advisory
// lock, and SQLite's immediate transactions admit one writer at a time.
func (db *DB) Migrate(ctx context.Context, now time.Time) error {
	migrations, err := Migrations(db.Driver)
	if err != nil {
		return err
	}
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: get a connection: %w", err)
	}
	defer conn.Close()
	if db.Driver == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migrate: take the advisory lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at VARCHAR(64) NOT NULL)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	for _, m := range migrations {
		if err := db.apply(ctx, conn, m, now); err != nil {
			return err
		}
	}
	if err := db.migrateRiver(ctx, conn); err != nil {
		return err
	}
	return db.recordInstallation(ctx, conn, now)
}

// apply runs one migration in its own transaction unless it is applied
// already; the check happens inside the transaction, under the lock.
func (db *DB) apply(ctx context.Context, conn *sql.Conn, m Migration, now time.Time) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback()
	var applied int
	if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&applied); err != nil {
		return fmt.Errorf("migrate %s: read schema_migrations: %w", m.Name, err)
	}
	if applied > 0 {
		return nil
	}
	for _, statement := range splitStatements(m.SQL) {
		if _, err := tx.ExecContext(ctx, statement); err != nil {
			return fmt.Errorf("migrate %s: %w\nstatement: %s", m.Name, err, firstLine(statement))
		}
	}
	insert := db.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
	if _, err := tx.ExecContext(ctx, insert, m.Version, m.Name, now.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("migrate %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: commit: %w", m.Name, err)
	}
	return nil
}

func (db *DB) recordInstallation(ctx context.Context, conn *sql.Conn, now time.Time) error {
	insert := db.rebind("INSERT INTO installation (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
	if _, err := conn.ExecContext(ctx, insert, "installed_at", now.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("migrate: record the installation instant: %w", err)
	}
	return nil
}

// SchemaStatus returns the newest applied migration version and the newest
// embedded one; they are equal on a migrated database.
func (db *DB) SchemaStatus(ctx context.Context) (applied, latest int, err error) {
	migrations, err := Migrations(db.Driver)
	if err != nil {
		return 0, 0, err
	}
	if len(migrations) > 0 {
		latest = migrations[len(migrations)-1].Version
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, latest, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), latest, nil
}

// InstalledAt returns the instant of the first migration run.
func (db *DB) InstalledAt(ctx context.Context) (time.Time, error) {
	var raw string
	err := db.QueryRowContext(ctx, "SELECT value FROM installation WHERE key = ?", "installed_at").Scan(&raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the installation instant: %w", NotFound(err))
	}
	return time.Parse(time.RFC3339Nano, raw)
}

// rebind turns ? placeholders into $n for PostgreSQL in the queries this
// file runs on a raw *sql.Conn; bun formats ? itself everywhere else.
func (db *DB) rebind(query string) string {
	if db.Driver != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// splitStatements splits a migration at semicolons that end a line. The
// migrations contain no semicolons inside strings or bodies that end a line.
func splitStatements(script string) []string {
	var out []string
	var current strings.Builder
	for _, line := range strings.Split(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || (trimmed == "" && current.Len() == 0) {
			continue
		}
		current.WriteString(line)
		current.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(current.String()))
			current.Reset()
		}
	}
	if rest := strings.TrimSpace(current.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// ExtraMigrationIDs names schema changes applied by Migrate besides the SQL
// files (the job queue library's own migrations), so test templates are
// rebuilt when they change.
func ExtraMigrationIDs() []string {
	return riverMigrationIDs()
}
