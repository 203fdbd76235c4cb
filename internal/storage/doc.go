// Package storage opens authd's database (an SQLite file by default,
// PostgreSQL in production), applies the embedded versioned migrations, runs
// transactions, and maps constraint violations of both dialects to one set of
// errors.
//
// Queries are written with bun, which renders each dialect. Domain packages
// own their queries and take a bun.IDB, so the same code runs on the database
// handle or inside a transaction.
//
// SQLite runs with a single open connection: code inside a transaction must
// use the transaction, never the DB handle, or it waits for itself.
package storage
