package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// listenerPool opens a pgx pool of at most one connection with the
// connection settings of sqlDB, a database/sql pool over pgx's stdlib
// driver. River takes that connection for LISTEN and keeps it.
func listenerPool(ctx context.Context, sqlDB *sql.DB) (*pgxpool.Pool, error) {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("get a PostgreSQL connection: %w", err)
	}
	defer conn.Close()

	var connConfig *pgx.ConnConfig
	err = conn.Raw(func(driverConn any) error {
		stdlibConn, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL pool uses %T, not pgx's stdlib driver", driverConn)
		}
		connConfig = stdlibConn.Conn().Config().Copy()
		// The copied config still routes notifications to the buffer of the
		// connection it came from. Cleared, pgx installs the new
		// connection's own buffer, which WaitForNotification reads.
		connConfig.OnNotification = nil
		return nil
	})
	if err != nil {
		return nil, err
	}

	// ParseConfig("") gives the pool defaults, and the connection settings
	// are replaced by the application's.
	poolConfig, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("pgx pool defaults: %w", err)
	}
	poolConfig.ConnConfig = connConfig
	poolConfig.MaxConns = 1
	poolConfig.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("open the LISTEN pool: %w", err)
	}
	return pool, nil
}
