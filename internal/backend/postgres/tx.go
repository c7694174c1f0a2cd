package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// ---------------------------------------------------------------- statements

// fail maps a statement's error and remembers it when it doomed the
// transaction in a way that running it again may fix.
func (t *tx) fail(ctx context.Context, op string, err error) error {
	mapped := classify(ctx, op, err)
	if r, ok := errors.AsType[*retryError](mapped); ok && t.doomed == nil {
		t.doomed = r
	}
	return mapped
}

// runAgain dooms the transaction to run again, as a serialization failure
// would, for a conflict with a concurrent transaction found otherwise.
func (t *tx) runAgain(op string, err error) error {
	r := &retryError{class: classSerialization, op: op, err: err}
	if t.doomed == nil {
		t.doomed = r
	}
	return r
}

func (t *tx) exec(ctx context.Context, op, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.conn.Exec(ctx, sql, args...)
	if err != nil {
		return tag, t.fail(ctx, op, err)
	}
	return tag, nil
}

// execGuarded runs a statement that may break a unique constraint under a
// savepoint, so that the transaction stays usable after the ECONFLICT (as a
// failed statement leaves a SQLite transaction). The three statements go in
// one round trip. On a unique violation, once rolled back to the savepoint,
// it returns what onConflict returns.
func (t *tx) execGuarded(ctx context.Context, op string, onConflict func() error, sql string, args ...any) (pgconn.CommandTag, error) {
	batch := &pgx.Batch{}
	batch.Queue("SAVEPOINT guard")
	batch.Queue(sql, args...)
	batch.Queue("RELEASE SAVEPOINT guard")
	results := t.conn.SendBatch(ctx, batch)
	_, spErr := results.Exec()
	tag, stmtErr := results.Exec()
	_, relErr := results.Exec()
	closeErr := results.Close()
	switch {
	case spErr != nil:
		return tag, t.fail(ctx, op, spErr)
	case stmtErr != nil && classOf(stmtErr) == classConflict && ctx.Err() == nil:
		if _, err := t.exec(ctx, op, "ROLLBACK TO SAVEPOINT guard; RELEASE SAVEPOINT guard"); err != nil {
			return tag, err
		}
		return tag, onConflict()
	case stmtErr != nil:
		return tag, t.fail(ctx, op, stmtErr)
	case relErr != nil:
		return tag, t.fail(ctx, op, relErr)
	case closeErr != nil:
		return tag, t.fail(ctx, op, closeErr)
	}
	return tag, nil
}

// queryOne runs a query of one row and scans it with scan; no row is
// ENOTFOUND for what.
func queryOne[T any](ctx context.Context, t *tx, op, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	v, err := scan(t.conn.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, backend.NotFound(what)
	}
	if err != nil {
		var zero T
		return zero, t.fail(ctx, op, err)
	}
	return v, nil
}

// queryAll runs a query and scans each row with scan; never a nil slice.
func queryAll[T any](ctx context.Context, t *tx, op string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := t.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, t.fail(ctx, op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, t.fail(ctx, op, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// count runs a query of one integer.
func (t *tx) count(ctx context.Context, op, sql string, args ...any) (int, error) {
	var n int64
	if err := t.conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, t.fail(ctx, op, err)
	}
	return int(n), nil
}

// params numbers the placeholders of a query built from parts.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// ---------------------------------------------------------------- values

// checkTime refuses times out of the years 0000-9999, the range the SQLite
// store keeps, so that both stores accept the same values.
func checkTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("postgres: %s %s is out of the storable range (years 0000-9999)", field, t)
	}
	return nil
}

// timeField is a named time for checkTimes; t is nil for an unset one.
type timeField struct {
	name string
	t    *time.Time
}

func at(name string, t time.Time) timeField        { return timeField{name, &t} }
func optional(name string, t *time.Time) timeField { return timeField{name, t} }

// checkTimes checks the times that are set with checkTime.
func checkTimes(fields ...timeField) error {
	for _, f := range fields {
		if f.t != nil {
			if err := checkTime(f.name, *f.t); err != nil {
				return err
			}
		}
	}
	return nil
}

// utcPtr converts a scanned nullable time to UTC (pgx returns local time).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nullID stores an empty reference as NULL, so that foreign keys apply to
// the references that are set.
func nullID(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// storable reports whether PostgreSQL can hold s as text: valid UTF-8
// without NUL. A lookup of any other value cannot match a stored row, and is
// answered without asking (the server would refuse the parameter).
func storable(values ...string) bool {
	for _, s := range values {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return false
		}
	}
	return true
}

// conflictIs is an onConflict of execGuarded that returns err.
func conflictIs(err error) func() error { return func() error { return err } }

// expectOneRow turns a statement that matched nothing into ENOTFOUND.
func expectOneRow(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return backend.NotFound(what)
	}
	return nil
}

// texts converts statuses to the text array of a "= ANY($n)" parameter.
func texts[S ~string](statuses []S) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}
