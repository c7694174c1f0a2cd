package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// tx implements backend.Tx over one database/sql transaction.
type tx struct {
	tx *sql.Tx
}

var _ backend.Tx = (*tx)(nil)

// Claim does nothing: write transactions run one at a time (one writer
// connection, each transaction IMMEDIATE, which other processes on the file
// wait for too; the functions that share a batch of group commit run one
// after another, each seeing what those before it wrote), so a rule's read
// of a set is current until it commits.
func (t *tx) Claim(context.Context, backend.Set, string) error { return nil }

// timeLayout is how times are stored: fixed width, UTC, microseconds, so that
// the text sorts as the time does.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// formatTime renders t in UTC, truncated to the microsecond (the stored
// precision; the service itself keeps milliseconds).
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	// The layout has no zone element, so Parse returns UTC.
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// checkTime refuses times that do not fit the fixed-width layout, which would
// break the ordering of the stored text.
func checkTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("sqlite: %s %s is out of the storable range (years 0000-9999)", field, t)
	}
	return nil
}

func nullTime(field string, t *time.Time) (sql.NullString, error) {
	if t == nil {
		return sql.NullString{}, nil
	}
	if err := checkTime(field, *t); err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: formatTime(*t), Valid: true}, nil
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// nullID stores an empty reference as NULL, so that foreign keys apply to the
// references that are set.
func nullID(id string) sql.NullString { return sql.NullString{String: id, Valid: id != ""} }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// conflict is the ECONFLICT answer to a unique violation on what.
func conflict(what string) error {
	return &backend.Error{Kind: backend.ECONFLICT, Detail: what + " already exists."}
}

// inStatuses is the condition "status IN (?, …)" on statuses and its
// arguments after args; ok is false when statuses is empty, which nothing
// matches.
func inStatuses[S ~string](args []any, statuses []S) (cond string, all []any, ok bool) {
	if len(statuses) == 0 {
		return "", nil, false
	}
	for _, s := range statuses {
		args = append(args, string(s))
	}
	return "status IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ") + ")", args, true
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// expectOneRow turns an UPDATE that matched nothing into ENOTFOUND.
func expectOneRow(res sql.Result, what, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(op, err)
	}
	if n == 0 {
		return backend.NotFound(what)
	}
	return nil
}
