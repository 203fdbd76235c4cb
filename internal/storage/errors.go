package storage

import (
	"database/sql"
	"errors"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// ErrNotFound reports that no row matched.
var ErrNotFound = errors.New("not found")

// ConstraintError is a violated database constraint, the same on both
// dialects, so handlers can turn it into a field error or a 409 instead of a
// 500.
type ConstraintError struct {
	Kind    ConstraintKind
	Table   string
	Columns []string // the columns of a unique or foreign key, when known
	Err     error
}

// ConstraintKind names the kind of violated constraint.
type ConstraintKind string

// Constraint kinds.
const (
	Unique     ConstraintKind = "unique"
	ForeignKey ConstraintKind = "foreign_key"
	Check      ConstraintKind = "check"
	NotNull    ConstraintKind = "not_null"
)

func (e *ConstraintError) Error() string {
	return string(e.Kind) + " constraint violated on " + e.Table + "(" + strings.Join(e.Columns, ", ") + "): " + e.Err.Error()
}

func (e *ConstraintError) Unwrap() error { return e.Err }

// On reports whether the violation is on table and includes column.
func (e *ConstraintError) On(table, column string) bool {
	if e.Table != table {
		return false
	}
	for _, c := range e.Columns {
		if c == column {
			return true
		}
	}
	return false
}

// SQLite extended result codes for constraint failures.
const (
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// PostgreSQL writes the key of a violation as "Key (a, b)=(...) ...".
var pgDetailColumns = regexp.MustCompile(`^Key \(([^)]*)\)=`)

// SQLite writes "UNIQUE constraint failed: users.email, users.name".
var sqliteColumns = regexp.MustCompile(`(?:UNIQUE|NOT NULL) constraint failed: ([\w., ]+)`)

// AsConstraint returns the constraint violation inside err, if there is one.
func AsConstraint(err error) (*ConstraintError, bool) {
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return ce, true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		kind := map[string]ConstraintKind{"23505": Unique, "23503": ForeignKey, "23514": Check, "23502": NotNull}[pgErr.Code]
		if kind == "" {
			return nil, false
		}
		ce = &ConstraintError{Kind: kind, Table: pgErr.TableName, Err: err}
		if m := pgDetailColumns.FindStringSubmatch(pgErr.Detail); m != nil {
			for _, c := range strings.Split(m[1], ",") {
				ce.Columns = append(ce.Columns, strings.TrimSpace(c))
			}
		} else if pgErr.ColumnName != "" {
			ce.Columns = []string{pgErr.ColumnName}
		}
		return ce, true
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		kind := map[int]ConstraintKind{
			sqliteConstraintUnique: Unique, sqliteConstraintPrimaryKey: Unique,
			sqliteConstraintForeignKey: ForeignKey, sqliteConstraintCheck: Check, sqliteConstraintNotNull: NotNull,
		}[sqliteErr.Code()]
		if kind == "" {
			return nil, false
		}
		ce = &ConstraintError{Kind: kind, Err: err}
		if m := sqliteColumns.FindStringSubmatch(sqliteErr.Error()); m != nil && kind != Check {
			for _, qualified := range strings.Split(m[1], ",") {
				table, column, ok := strings.Cut(strings.TrimSpace(qualified), ".")
				if !ok {
					continue
				}
				ce.Table = table
				ce.Columns = append(ce.Columns, column)
			}
		}
		return ce, true
	}
	return nil, false
}

// IsUnique reports whether err is a unique violation on table.column.
func IsUnique(err error, table, column string) bool {
	ce, ok := AsConstraint(err)
	return ok && ce.Kind == Unique && ce.On(table, column)
}

// NotFound turns sql.ErrNoRows into ErrNotFound and leaves other errors as
// they are.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
