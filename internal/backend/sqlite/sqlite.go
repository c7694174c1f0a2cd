// Package sqlite is the SQLite implementation of backend.Store, on the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// A DB holds two pools on one database file. The writer pool has a single
// connection, on which the write transactions that wait at the same time
// share one transaction and one commit, each in a savepoint of its own
// (group commit, groupcommit.go); each such transaction begins IMMEDIATE,
// taking the write lock up front rather than failing to upgrade a read lock
// mid-way. The reader pool has several query-only connections; in WAL mode
// they read a consistent snapshot while a write is in progress.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// busyTimeoutMillis is how long a connection waits for a lock that another
// process holds before failing with SQLITE_BUSY. A variable for tests.
var busyTimeoutMillis = 5000

// readerConns is the size of the reader pool. Readers never block each other
// or the writer in WAL mode; a few cover a small server's concurrent requests.
const readerConns = 4

// DB is a SQLite database file opened as a backend.Store.
type DB struct {
	writer  *sql.DB
	reader  *sql.DB
	commits *committer // the write transactions, on writer
}

var (
	_ backend.Store         = (*DB)(nil)
	_ backend.StatsReporter = (*DB)(nil)
)

// Open opens (creating it and its parent directories when missing) the SQLite
// database at path and applies the pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		// Each pooled connection would get a database of its own.
		return nil, errors.New("sqlite: a database file path is required")
	}
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after a '?' as connection parameters.
		return nil, fmt.Errorf("sqlite: database path %q must not contain '?'", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolve database path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create database directory: %w", err)
	}
	// Create the file ourselves so that it is private: it holds key hashes and
	// sealed secrets. SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600) //nolint:gosec // G304: the path is the operator's --database setting
	if err != nil {
		return nil, fmt.Errorf("sqlite: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: create database file: %w", err)
	}

	// The writer connections count their rollbacks for group commit.
	rollbacks := new(atomic.Uint64)
	writer, err := openPoolCounting(abs, false, rollbacks)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db := &DB{writer: writer}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	if err := db.setUp(ctx, abs); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	db.commits = newCommitter(db.writer, rollbacks)
	return db, nil
}

func (db *DB) setUp(ctx context.Context, path string) error {
	mode, err := db.journalMode(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// SQLite silently keeps the old journal mode where WAL is impossible (some
	// network file systems); the snapshot reads the Store promises need WAL.
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: open %s: journal_mode is %q, not wal (is the file on a network file system?)", path, mode)
	}
	if err := migrate(ctx, db.writer, migrationFiles); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	reader, err := openPool(path, true)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	db.reader = reader
	db.reader.SetMaxOpenConns(readerConns)
	db.reader.SetMaxIdleConns(readerConns)
	if err := db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open readers on %s: %w", path, err)
	}
	return nil
}

// openPool returns a pool on path whose every connection the driver sets up
// from the DSN parameters. It connects lazily.
func openPool(path string, readOnly bool) (*sql.DB, error) {
	return openPoolCounting(path, readOnly, nil)
}

// openPoolCounting is openPool whose connections count their rollbacks in
// rollbacks, when it is not nil.
func openPoolCounting(path string, readOnly bool, rollbacks *atomic.Uint64) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMillis)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL syncs the WAL at every commit. NORMAL would be faster but may lose
	// the last committed transactions on a power failure or OS crash; a ledger
	// entry or a key rotation reported as done must survive that. A killed
	// process loses nothing committed in either mode (the commit has reached
	// the WAL before it returns, and the next open replays the WAL), which
	// internal/crashtest checks end to end with SIGKILL.
	q.Add("_pragma", "synchronous(FULL)")
	// Temporary b-trees (ORDER BY without an index) stay in memory.
	q.Add("_pragma", "temp_store(MEMORY)")
	// A double-quoted word is an identifier, never silently a string literal.
	q.Set("_dqs", "0")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
		// The writer's page cache holds a big write transaction without
		// spilling it to the WAL half-way: a batch of 10,000 usage events
		// with time-ordered ids dirties about 3 MiB since migration 0011;
		// random ids touch up to one index page each. 32 MiB, where the
		// default is 2: the cache fills up to its size as the database
		// grows, and 64 MiB put the server over its 150 MB memory target
		// under a load of creates (BENCHMARKS.md).
		q.Add("_pragma", "cache_size(-32768)")
	}
	base, err := sqlite.NewConnector(path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	// Each connection keeps its prepared statements (stmtcache.go).
	return sql.OpenDB(&stmtCacheConnector{base: base, rollbacks: rollbacks}), nil
}

// journalMode connects the writer, which switches a new file to WAL, and
// answers the journal mode in force. Switching a file to WAL needs it to
// itself for a moment, and SQLite answers SQLITE_BUSY at once, without its
// busy handler, when another process opens the same new file at that moment:
// the switch is tried again for as long as busy_timeout would have waited.
func (db *DB) journalMode(ctx context.Context) (string, error) {
	deadline := time.Now().Add(time.Duration(busyTimeoutMillis) * time.Millisecond)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		var mode string
		err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return mode, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && (e.Code()&0xff == sqlite3.SQLITE_BUSY || e.Code()&0xff == sqlite3.SQLITE_LOCKED)
}

// Ping checks that both pools reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return dbError("ping writer", err)
	}
	if err := db.reader.PingContext(ctx); err != nil {
		return dbError("ping reader", err)
	}
	return nil
}

// Stats reports both pools, for the metrics. A write transaction never runs
// again here (there is one writer), so there are no retries to report.
func (db *DB) Stats() backend.StoreStats {
	pools := []backend.PoolStats{poolStats("writer", db.writer)}
	if db.reader != nil {
		pools = append(pools, poolStats("reader", db.reader))
	}
	return backend.StoreStats{Pools: pools}
}

func poolStats(name string, pool *sql.DB) backend.PoolStats {
	st := pool.Stats()
	return backend.PoolStats{Name: name, MaxConns: st.MaxOpenConnections, InUse: st.InUse, Idle: st.Idle,
		Waits: st.WaitCount, WaitTime: st.WaitDuration}
}

// Close ends the write transactions (the batch in progress commits; those
// still waiting fail), then closes both pools.
func (db *DB) Close() error {
	if db.commits != nil {
		db.commits.close()
	}
	var errs []error
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	errs = append(errs, db.writer.Close())
	return errors.Join(errs...)
}

// WriteTx runs fn in a savepoint of an IMMEDIATE transaction on the single
// writer connection, which it may share with other callers' functions (group
// commit, groupcommit.go), and returns once that transaction has committed:
// fn's writes are then durable, or, when it returns an error, none of them
// is kept.
func (db *DB) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	return db.commits.writeTx(ctx, fn)
}

// ReadTx runs fn in a read-only transaction on a reader connection. In WAL
// mode its snapshot is fixed by its first read and kept until it ends.
func (db *DB) ReadTx(ctx context.Context, fn func(backend.Tx) error) error {
	return runTx(ctx, db.reader, &sql.TxOptions{ReadOnly: true}, fn)
}

func runTx(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(backend.Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return dbError("begin transaction", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// On an error or a panic; the panic goes on up once rolled back.
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			if _, domain := errors.AsType[*backend.Error](err); !domain {
				err = errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
			}
		}
	}()
	if err := fn(&tx{tx: sqlTx}); err != nil {
		return err // unchanged, so domain errors reach the caller as they are
	}
	if err := sqlTx.Commit(); err != nil {
		return dbError("commit", err)
	}
	committed = true
	return nil
}

// Result codes this package tells apart (extended codes are on).
const (
	codeUniqueViolation     = sqlite3.SQLITE_CONSTRAINT_UNIQUE
	codePrimaryKeyViolation = sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
)

// isUniqueViolation reports whether err is SQLite refusing a duplicate key.
func isUniqueViolation(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && (e.Code() == codeUniqueViolation || e.Code() == codePrimaryKeyViolation)
}

// dbError wraps a database error with what was being done. A database still
// locked by another process after busy_timeout becomes EUNAVAILABLE, which
// tells the client to retry.
func dbError(op string, err error) error {
	if isBusy(err) {
		return &backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The database is busy; retry shortly."}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
