package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/mapactive/authd/internal/config"
)

// Driver names.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is an open database with its dialect.
type DB struct {
	*bun.DB
	Driver string
}

// Open connects to the database the configuration names and pings it. An SQLite file and its folder are created when missing.
func Open(ctx context.Context, cfg config.Database) (*DB, error) {
	var (
		sqlDB *sql.DB
		db    *DB
		err   error
	)
	switch cfg.Driver {
	case Postgres:
		sqlDB, err = sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		sqlDB.SetMaxOpenConns(cfg.MaxConns)
		sqlDB.SetMaxIdleConns(min(cfg.MaxConns, 10))
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db = &DB{DB: bun.NewDB(sqlDB, pgdialect.New()), Driver: Postgres}
	case SQLite:
		sqlDB, err = openSQLite(cfg.SQLitePath)
		if err != nil {
			return nil, err
		}
		db = &DB{DB: bun.NewDB(sqlDB, sqlitedialect.New()), Driver: SQLite}
	default:
		return nil, fmt.Errorf("unknown database driver %q", cfg.Driver)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", cfg.Driver, err)
	}
	return db, nil
}

func openSQLite(path string) (*sql.DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create the folder of the SQLite file %q: %w", path, err)
		}
	}
	// Foreign keys are off by default in SQLite. WAL lets readers in other
	// processes (authd worker, the CLI) run beside a writer, busy_timeout makes
	// them wait for the write lock instead of failing, and immediate
	// transactions take that lock at BEGIN so two writers never deadlock on
	// lock upgrades.
	query := url.Values{}
	query.Add("_pragma", "foreign_keys(1)")
	query.Add("_pragma", "journal_mode(WAL)")
	query.Add("_pragma", "busy_timeout(15000)")
	query.Add("_pragma", "synchronous(NORMAL)")
	query.Set("_txlock", "immediate")
	sqlDB, err := sql.Open("sqlite", "file:"+path+"?"+query.Encode())
	if err != nil {
		return nil, fmt.Errorf("open SQLite file %q: %w", path, err)
	}
	// One connection: SQLite has one writer at a time, and River's SQLite
	// driver expects a single connection.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetConnMaxIdleTime(0)
	return sqlDB, nil
}

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back on an error or a panic.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, fn)
}
