// Package postgres is the PostgreSQL implementation of backend.Store, on pgx
// v5 and its connection pool. Several backend processes (replicas) may share
// one database.
//
// # Concurrency
//
// The SQLite store serialises its writers; PostgreSQL runs them side by side,
// across processes. Every write transaction here is REPEATABLE READ (snapshot
// isolation): it reads one snapshot, and when it updates a row that another
// transaction updated since that snapshot, it fails with SQLSTATE 40001 (or
// 40P01, a deadlock) and is run again from the start, fn included, after a
// short jittered pause. So a read-then-update of one row (a managed account's
// settings, a key's status) never loses a concurrent update.
//
// Snapshot isolation alone would let two transactions that read the same
// rows and insert different ones both commit (write skew): two charges each
// seeing the balance before the other, two creations each counting the
// manager's accounts before the other. The domain's rules that read such a
// set and then write claim it (backend.Tx.Claim, whose contract is
// documented there): the transaction remembers its claims, and commit
// updates one row of table write_points per claim (account and set) in the
// same round trip as COMMIT. Two transactions that claimed one set so update
// one row, and the second fails and runs again on a snapshot that holds the
// first. A claim costs nothing until the commit, and a transaction that ends
// without committing writes none. The store itself claims nothing: unique
// constraints guard the rest (emails, idempotency keys, usage event ids,
// rollups, which are upserts of one row). (SERIALIZABLE would need no
// claims, but its predicate locks are coarse on small tables: transactions
// on different accounts failed each other most of the time in our tests.)
//
// A transaction that has failed escalateAfter times runs alone: it takes an
// advisory lock exclusively before it begins, which every other write
// transaction takes shared, so nothing can conflict with it and a hot account
// cannot starve a writer. Readers (ReadTx, REPEATABLE READ READ ONLY
// snapshots) never fail or block writers, and never wait for that lock.
//
// Because fn may run more than once, it must not have effects outside the
// transaction that a second run would repeat; the domain's closures only set
// variables that each run overwrites.
//
// # Errors
//
// A unique violation is ECONFLICT, as in the SQLite store, and the
// transaction stays usable (inserts use ON CONFLICT DO NOTHING, updates that
// may conflict run under a savepoint). A lost connection, a server shutting
// down, too many connections or a statement timeout is EUNAVAILABLE, which the
// HTTP layer answers with a 503; a transaction that lost its connection before
// COMMIT is run again once, on a fresh connection. PostgreSQL text cannot hold
// a NUL character (nor bytes that are not UTF-8): storing one is EINVALID, and
// looking one up finds nothing, as it does in the SQLite store.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Options tunes the connection pool. A zero field takes its default.
type Options struct {
	// MaxConns is the most connections the pool opens (default 10). Every
	// replica opens its own pool: the database's max_connections must cover
	// the sum.
	MaxConns int32
	// MinConns is how many connections the pool keeps open when idle (default 0).
	MinConns int32
	// StatementTimeout is how long one statement may run before the server
	// cancels it (default 30s); the request then fails with a 503.
	StatementTimeout time.Duration
	// ConnectTimeout bounds each attempt to connect (default 5s).
	ConnectTimeout time.Duration
}

// Defaults of Options.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 30 * time.Second
	DefaultConnectTimeout   = 5 * time.Second
)

// Advisory lock keys (per database). migrationLockKey serialises the
// migrations of replicas that start together; writerLockKey is taken shared
// by every write transaction and exclusively by one that must run alone.
// The values are arbitrary but fixed: "refmigra" and "refwrite" in ASCII.
const (
	migrationLockKey int64 = 0x7265666d69677261
	writerLockKey    int64 = 0x7265667772697465
)

// retryPolicy says how often and how soon a failed transaction runs again.
type retryPolicy struct {
	// attempts bounds the runs of one write transaction.
	attempts int
	// escalateAfter is the number of serialization failures after which a
	// write transaction runs alone.
	escalateAfter int
	// connectionRetries bounds the runs again after a lost connection.
	connectionRetries int
	// backoff is the longest pause before the first run again; it doubles
	// with each run, and the pause is drawn uniformly below it.
	backoff, maxBackoff time.Duration
}

var defaultRetryPolicy = retryPolicy{
	attempts:          8,
	escalateAfter:     3,
	connectionRetries: 1,
	backoff:           time.Millisecond,
	maxBackoff:        50 * time.Millisecond,
}

// DB is a PostgreSQL database opened as a backend.Store.
type DB struct {
	pool  *pgxpool.Pool
	retry retryPolicy
	// Counts since Open, for the metrics (Stats) and tests: runs that failed
	// for a conflict or a lost connection, and runs alone.
	serializationFailures, connectionFailures, runsAlone atomic.Int64
}

var (
	_ backend.Store         = (*DB)(nil)
	_ backend.StatsReporter = (*DB)(nil)
)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string), checks that it answers, and applies the pending
// migrations under an advisory lock, so that replicas starting together
// migrate once. The error never repeats the URL, which may hold a password.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := poolConfig(url, opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create the connection pool: %w", err)
	}
	db := &DB{pool: pool, retry: defaultRetryPolicy}
	if err := db.pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, cfg.ConnConfig, migrationFiles); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return db, nil
}

// poolConfig parses url and applies opts and the session settings every
// connection needs.
func poolConfig(url string, opts Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message quotes the connection string, password masked only
		// as far as it can tell one: say what is wrong without it.
		return nil, errors.New("postgres: the database URL is malformed (expected postgres://user:password@host:port/database?sslmode=...)")
	}
	cfg.MaxConns = DefaultMaxConns
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.MinConns < 0 || opts.MinConns > cfg.MaxConns {
		return nil, fmt.Errorf("postgres: MinConns %d must be between 0 and MaxConns (%d)", opts.MinConns, cfg.MaxConns)
	}
	cfg.MinConns = opts.MinConns
	cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	timeout := DefaultStatementTimeout
	if opts.StatementTimeout > 0 {
		timeout = opts.StatementTimeout
	}
	params := cfg.ConnConfig.RuntimeParams
	params["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	// Months and days are cut in UTC, whatever the server's zone.
	params["timezone"] = "UTC"
	if params["application_name"] == "" {
		params["application_name"] = "reference-backend"
	}
	return cfg, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return dbError(ctx, "ping", err)
	}
	return nil
}

// Close closes the pool's connections, waiting for those in use.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Stats reports the connection pool and the transactions run again, for the
// metrics.
func (db *DB) Stats() backend.StoreStats {
	st := db.pool.Stat()
	return backend.StoreStats{
		Pools: []backend.PoolStats{{
			Name: "main", MaxConns: int(st.MaxConns()),
			InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
			Waits: st.EmptyAcquireCount(), WaitTime: st.EmptyAcquireWaitTime(),
		}},
		Retries: &backend.TxRetryStats{
			Serialization: db.serializationFailures.Load(),
			Connection:    db.connectionFailures.Load(),
			RunsAlone:     db.runsAlone.Load(),
		},
	}
}

// Isolation of the two kinds of transaction. A writer also takes the writer
// lock shared in the same round trip as BEGIN (see the package comment).
var (
	beginWrite = "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_advisory_xact_lock_shared(" +
		strconv.FormatInt(writerLockKey, 10) + ")"
	beginWriteAlone = "BEGIN ISOLATION LEVEL REPEATABLE READ"
	beginRead       = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

// WriteTx runs fn in a REPEATABLE READ transaction, running it again when the
// database reports a serialization failure (see the package comment).
func (db *DB) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	return db.run(ctx, true, fn)
}

// ReadTx runs fn in a REPEATABLE READ, READ ONLY transaction: one snapshot for
// all its reads, and it never blocks or fails a writer.
func (db *DB) ReadTx(ctx context.Context, fn func(backend.Tx) error) error {
	return db.run(ctx, false, fn)
}

func (db *DB) run(ctx context.Context, write bool, fn func(backend.Tx) error) error {
	serializationFailures, connectionFailures := 0, 0
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("postgres: begin transaction: %w", err)
		}
		alone := write && serializationFailures >= db.retry.escalateAfter
		if alone {
			db.runsAlone.Add(1)
		}
		err := db.attempt(ctx, write, alone, fn)
		var retry *retryError
		if !errors.As(err, &retry) {
			return err
		}
		switch retry.class {
		case classSerialization:
			serializationFailures++
			db.serializationFailures.Add(1)
		case classConnection:
			connectionFailures++
			db.connectionFailures.Add(1)
			// Connections opened before the server went away are likely
			// dead too: drop them rather than fail on each in turn.
			db.pool.Reset()
			if connectionFailures > db.retry.connectionRetries {
				return unavailable(retry.op, retry.err)
			}
		}
		if attempt+1 >= db.retry.attempts {
			if retry.class == classSerialization {
				return busy(retry.op, retry.err)
			}
			return unavailable(retry.op, retry.err)
		}
		if err := db.pause(ctx, attempt); err != nil {
			return fmt.Errorf("postgres: wait to run the transaction again: %w", err)
		}
	}
}

// pause sleeps a random time below the backoff of the attempt-th run again,
// so that transactions that failed together do not run again together.
func (db *DB) pause(ctx context.Context, attempt int) error {
	limit := db.retry.backoff << min(attempt, 16)
	if limit > db.retry.maxBackoff || limit <= 0 {
		limit = db.retry.maxBackoff
	}
	if limit <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(rand.N(limit)) //nolint:gosec // G404: jitter, not a secret
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// retryError says that a run of a transaction failed in a way that running it
// again may fix; run decides whether it does.
type retryError struct {
	class failureClass
	op    string
	err   error
}

func (e *retryError) Error() string { return "postgres: " + e.op + ": " + e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// Is makes a retryError backend.ErrTxRetry: a handler that sees one (inside
// a request's joined transaction) meets no bug, only a transaction that the
// store is about to run again.
func (e *retryError) Is(target error) bool { return target == backend.ErrTxRetry }

// attempt runs fn once, in one transaction on one connection.
func (db *DB) attempt(ctx context.Context, write, alone bool, fn func(backend.Tx) error) (err error) {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return dbError(ctx, "acquire a connection", err)
	}
	conn := pooled.Conn()
	// cleanup runs whatever fn did, panics included: it ends the transaction
	// and the exclusive lock, and gives the connection back only when it is
	// in a clean state.
	open, locked := false, false
	defer func() {
		cleanCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		clean := true
		if open {
			if _, rbErr := conn.Exec(cleanCtx, "ROLLBACK"); rbErr != nil {
				clean = false
			}
		}
		if locked {
			if _, unlockErr := conn.Exec(cleanCtx, "SELECT pg_advisory_unlock($1)", writerLockKey); unlockErr != nil {
				clean = false
			}
		}
		if !clean {
			// The connection may still hold the transaction or the lock:
			// close it, which ends both, instead of pooling it.
			_ = pooled.Hijack().Close(cleanCtx)
			return
		}
		pooled.Release()
	}()

	begin := beginRead
	if write {
		begin = beginWrite
		if alone {
			if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", writerLockKey); err != nil {
				return classify(ctx, "wait to run alone", err)
			}
			locked = true
			begin = beginWriteAlone
		}
	}
	if _, err := conn.Exec(ctx, begin); err != nil {
		// A failed BEGIN may leave a transaction open (the lock after it
		// failed): roll back to be sure.
		open = true
		return classify(ctx, "begin transaction", err)
	}
	open = true
	t := &tx{conn: conn}
	fnErr := fn(t)
	if t.doomed != nil {
		// A statement failed in a way that aborted the transaction and that
		// running it again may fix, whatever fn made of the error.
		return t.doomed
	}
	if fnErr != nil {
		return fnErr // unchanged, so domain errors reach the caller as they are
	}
	open, err = t.commit(ctx)
	return err
}

// tx implements backend.Tx over one connection inside a transaction.
type tx struct {
	conn *pgx.Conn
	// doomed is set by the first statement that failed in a way that
	// aborted the transaction and that running it again may fix.
	doomed *retryError
	// claims are the sets the transaction has claimed, which commit
	// writes.
	claims map[claim]bool
}

var _ backend.Tx = (*tx)(nil)
