package backendtest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// openStore opens the store of one Start: a fresh PostgreSQL database when
// REFERENCE_BACKEND_TEST_POSTGRES_URL names a server (pgtest), so that every
// suite built on the harness runs unchanged on either store; a temporary
// SQLite file otherwise. It returns the file's path (SQLite) or the
// database's URL (PostgreSQL); the store closes when the test ends.
func openStore(t testing.TB) (store backend.Store, dbPath, dbURL string) {
	t.Helper()
	var err error
	if pgtest.Enabled() {
		dbURL = pgtest.NewDatabase(t)
		// A pool smaller than a server's: hundreds of tests each open one.
		store, err = postgres.Open(context.Background(), dbURL, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatalf("backendtest: open PostgreSQL store: %v", err)
		}
	} else {
		dbPath = filepath.Join(t.TempDir(), "reference.db")
		store, err = sqlite.Open(context.Background(), dbPath)
		if err != nil {
			t.Fatalf("backendtest: open SQLite store: %v", err)
		}
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("backendtest: close the store: %v", err)
		}
	})
	return store, dbPath, dbURL
}

// OnPostgres reports whether the backend runs on PostgreSQL.
func (s *Server) OnPostgres() bool { return s.DatabaseURL != "" }

// StoredData returns everything the store holds, for tests that scan it for
// secrets: the SQLite file and its write-ahead log as they are on disk, or,
// on PostgreSQL, every row of every table of the schema as text, followed by
// the raw bytes of its bytea columns (which the text shows in hex).
func (s *Server) StoredData(t testing.TB) []byte {
	t.Helper()
	if s.OnPostgres() {
		return dumpPostgres(t, s.DatabaseURL)
	}
	var stored []byte
	for _, path := range []string{s.DBPath, s.DBPath + "-wal"} {
		b, err := os.ReadFile(path) //nolint:gosec // G304: the test's own temporary database file
		if errors.Is(err, fs.ErrNotExist) && path != s.DBPath {
			continue
		}
		if err != nil {
			t.Fatalf("backendtest: read %s: %v", path, err)
		}
		stored = append(stored, b...)
	}
	return stored
}

func dumpPostgres(t testing.TB, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("backendtest: connect to dump the database: %v", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	rows, err := conn.Query(ctx, `SELECT c.relname,
		COALESCE(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.atttypid = 'bytea'::regtype), '{}')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE n.nspname = current_schema() AND c.relkind = 'r'
		GROUP BY c.relname ORDER BY c.relname`)
	if err != nil {
		t.Fatalf("backendtest: list the tables: %v", err)
	}
	type table struct {
		name  string
		bytea []string
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (table, error) {
		var tb table
		err := row.Scan(&tb.name, &tb.bytea)
		return tb, err
	})
	if err != nil || len(tables) == 0 {
		t.Fatalf("backendtest: list the tables: %d tables, %v", len(tables), err)
	}
	var dump []byte
	for _, tb := range tables {
		name := pgx.Identifier{tb.name}.Sanitize()
		columns := []string{name + "::text"}
		for _, col := range tb.bytea {
			columns = append(columns, pgx.Identifier{col}.Sanitize())
		}
		query := "SELECT "
		for i, c := range columns {
			if i > 0 {
				query += ", "
			}
			query += c
		}
		rows, err := conn.Query(ctx, query+" FROM "+name)
		if err != nil {
			t.Fatalf("backendtest: dump %s: %v", tb.name, err)
		}
		for rows.Next() {
			values, err := rows.Values()
			if err != nil {
				t.Fatalf("backendtest: dump %s: %v", tb.name, err)
			}
			for _, v := range values {
				switch v := v.(type) {
				case string:
					dump = append(dump, v...)
				case []byte:
					dump = append(dump, v...)
				}
				dump = append(dump, '\n')
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("backendtest: dump %s: %v", tb.name, err)
		}
	}
	return dump
}
