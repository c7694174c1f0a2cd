package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// TestCachedStatementReusedWhileItsRowsAreOpen: a statement whose rows are
// still being read is not handed out again (SQLite runs one query per
// statement handle at a time); the same text gets a statement of its own,
// and both give their full answers.
func TestCachedStatementReusedWhileItsRowsAreOpen(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	const q = `SELECT value FROM json_each(?) ORDER BY key`
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	outer, err := tx.QueryContext(ctx, q, `[1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v int
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		// The same text again, while outer still steps through its rows.
		var inner int
		if err := tx.QueryRowContext(ctx, q, fmt.Sprintf("[%d]", v*10)).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d/%d", v, inner))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1/10 2/20 3/30]" {
		t.Fatalf("rows %v, want [1/10 2/20 3/30]", got)
	}
}

// TestStatementCacheEvictsBeyondItsSize: more distinct statements than the
// cache holds all run, the cache stays within its size, and a long
// statement is not kept.
func TestStatementCacheEvictsBeyondItsSize(t *testing.T) {
	db, counts := openCounted(t)
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range stmtCacheSize + 50 {
		var v int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d gave %d, %v", i, v, err)
		}
	}
	if n := counts.live.Load(); n != stmtCacheSize {
		t.Fatalf("the cache holds %d statements, want %d", n, stmtCacheSize)
	}
	long := "SELECT 1" + strings.Repeat(" ", maxCachedQueryLen)
	prepared := counts.prepared.Load()
	for range 2 {
		if _, err := conn.ExecContext(ctx, long); err != nil {
			t.Fatal(err)
		}
	}
	if n := counts.prepared.Load() - prepared; n != 2 {
		t.Fatalf("a statement longer than maxCachedQueryLen run twice was prepared %d times, want 2 (not cached)", n)
	}
	if n := counts.live.Load(); n != stmtCacheSize {
		t.Fatalf("the cache holds %d statements after the long one, want %d", n, stmtCacheSize)
	}
}

// TestStatementCacheFinalizesWhatItDrops: a statement evicted while its rows
// are open keeps answering them and is finalized when they are closed, the
// statement of its own that the same text got meanwhile is finalized after
// its query, and closing the connection finalizes the rest: no more
// statements stay prepared than the cache holds, and none once closed.
func TestStatementCacheFinalizesWhatItDrops(t *testing.T) {
	db, counts := openCounted(t)
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const q = `SELECT value FROM json_each(?) ORDER BY key`
	rows, err := conn.QueryContext(ctx, q, `[1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	next := func() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	next()
	var v int
	if err := conn.QueryRowContext(ctx, q, `[7]`).Scan(&v); err != nil || v != 7 {
		t.Fatalf("the same text while its rows are open: %d, %v", v, err)
	}
	for i := range stmtCacheSize { // as many others: q is evicted
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d gave %d, %v", i, v, err)
		}
	}
	for rows.Next() {
		next()
	}
	if err := rows.Close(); err != nil || rows.Err() != nil {
		t.Fatal(err, rows.Err())
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("the evicted statement's rows: %v, want [1 2 3]", got)
	}
	if n := counts.live.Load(); n != stmtCacheSize {
		t.Fatalf("%d statements prepared and not finalized, want the %d the cache holds", n, stmtCacheSize)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := counts.live.Load(); n != 0 {
		t.Fatalf("%d statements left prepared once the connection is closed", n)
	}
	if n := counts.closedTwice.Load(); n != 0 {
		t.Fatalf("%d statements finalized twice", n)
	}
}

// stmtCounts counts the statements the driver prepares, those not yet
// finalized, and those finalized more than once.
type stmtCounts struct{ prepared, live, closedTwice atomic.Int64 }

// openCounted opens a pool of one connection on a new database whose
// statements are cached as the store's are, and counted below the cache.
func openCounted(t *testing.T) (*sql.DB, *stmtCounts) {
	t.Helper()
	base, err := sqlite.NewConnector(filepath.Join(t.TempDir(), "counted.db"))
	if err != nil {
		t.Fatal(err)
	}
	counts := &stmtCounts{}
	db := sql.OpenDB(&stmtCacheConnector{base: countingConnector{Connector: base, counts: counts}})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db, counts
}

type countingConnector struct {
	driver.Connector
	counts *stmtCounts
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, counts: c.counts}, nil
}

type countingConn struct {
	driver.Conn
	counts *stmtCounts
}

func (c countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query) //nolint:errcheck // the store's driver prepares with a context (stmtCacheConnector checks)
	if err != nil {
		return nil, err
	}
	c.counts.prepared.Add(1)
	c.counts.live.Add(1)
	return &countingStmt{Stmt: st, counts: c.counts}, nil
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts) //nolint:errcheck // as above
}

type countingStmt struct {
	driver.Stmt
	counts *stmtCounts
	closed bool
}

func (s *countingStmt) Close() error {
	if s.closed {
		s.counts.closedTwice.Add(1)
		return nil
	}
	s.closed = true
	s.counts.live.Add(-1)
	return s.Stmt.Close()
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args) //nolint:errcheck // as above
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args) //nolint:errcheck // as above
}
