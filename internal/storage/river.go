package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverDriver returns the River driver of the dialect, used here only for
// River's own migrations. Package jobs builds its own driver for the client.
func riverDriver(driver string, sqlDB *sql.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch driver {
	case Postgres:
		return riverdatabasesql.New(sqlDB), nil
	case SQLite:
		return riversqlite.New(sqlDB), nil
	}
	return nil, fmt.Errorf("unknown database driver %q", driver)
}

func newRiverMigrator(driver string, sqlDB *sql.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	riverDB, err := riverDriver(driver, sqlDB)
	if err != nil {
		return nil, err
	}
	// River logs each applied version at info level; Migrate reports
	// failures itself, so River's log is dropped.
	return rivermigrate.New(riverDB, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
}

// migrateRiver applies the job queue library's migrations on conn, the
// connection that holds the migration lock. Each River version runs in its
// own transaction on conn. River's Migrate would take other connections
// from the pool, which SQLite's single connection cannot give while conn
// is held. River also advises against one transaction for all versions,
// because some versions must commit before the next uses them.
func (db *DB) migrateRiver(ctx context.Context, conn *sql.Conn) error {
	migrator, err := newRiverMigrator(db.Driver, db.DB.DB)
	if err != nil {
		return fmt.Errorf("migrate the job queue: %w", err)
	}
	for {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate the job queue: begin: %w", err)
		}
		// MigrateTx is deprecated because it batches versions in one
		// transaction; with MaxSteps 1 it applies one.
		result, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{MaxSteps: 1})
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate the job queue: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate the job queue: commit: %w", err)
		}
		if len(result.Versions) == 0 {
			return nil
		}
	}
}

// riverMigrationIDs names every River migration version of both dialects.
func riverMigrationIDs() []string {
	var ids []string
	for _, driver := range []string{Postgres, SQLite} {
		// The drivers only read the embedded migration files here, so no
		// database handle is needed.
		migrator, err := newRiverMigrator(driver, nil)
		if err != nil {
			panic(fmt.Sprintf("load River migrations: %v", err))
		}
		for _, m := range migrator.AllVersions() {
			ids = append(ids, "river/"+driver+"/"+strconv.Itoa(m.Version)+"_"+m.Name+"\n"+m.SQLUp)
		}
	}
	return ids
}
