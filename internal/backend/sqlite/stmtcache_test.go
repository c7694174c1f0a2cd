package sqlite

import (
	"errors"
	"fmt"
	"strings"
	"testing"
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
	db := openTemp(t)
	ctx := t.Context()
	conn, err := db.writer.Conn(ctx)
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
	long := "SELECT 1" + strings.Repeat(" ", maxCachedQueryLen)
	if _, err := conn.ExecContext(ctx, long); err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("the connection is a %T, not a *stmtCacheConn", dc)
		}
		if n := c.lru.Len(); n != stmtCacheSize || len(c.stmts) != n {
			return fmt.Errorf("the cache holds %d statements (%d by text), want %d", n, len(c.stmts), stmtCacheSize)
		}
		if _, ok := c.stmts[long]; ok {
			return errors.New("a statement longer than maxCachedQueryLen was cached")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
