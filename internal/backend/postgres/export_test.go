package postgres

import (
	"context"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

// What the tests of package postgres_test reach inside.

// SetRetryPolicy changes how often and how soon db runs a transaction again.
func (db *DB) SetRetryPolicy(attempts, escalateAfter, connectionRetries int, backoff time.Duration) {
	db.retry = retryPolicy{attempts: attempts, escalateAfter: escalateAfter, connectionRetries: connectionRetries,
		backoff: backoff, maxBackoff: 64 * backoff}
}

// Exec runs a statement in the transaction of t, as the store's own
// statements run (its errors mapped the same way).
func Exec(ctx context.Context, t backend.Tx, sql string, args ...any) error {
	_, err := own(t).exec(ctx, "test statement", sql, args...)
	return err
}

// BackendPID is the server process of the connection of t.
func BackendPID(t backend.Tx) uint32 { return own(t).conn.PgConn().PID() }

func own(t backend.Tx) *tx {
	pt, ok := t.(*tx)
	if !ok {
		panic(fmt.Sprintf("a %T is not a transaction of package postgres", t))
	}
	return pt
}

// OpenLazy returns a DB on url without connecting or migrating, as Open
// would configure it, for tests of a server that cannot be reached.
func OpenLazy(url string, opts Options) (*DB, error) {
	cfg, err := poolConfig(url, opts)
	if err != nil {
		return nil, err
	}
	db := &DB{retry: defaultRetryPolicy}
	db.pool, err = pgxpool.NewWithConfig(context.Background(), cfg)
	return db, err
}

// MigrationLockKey is the advisory lock the migrations run under.
const MigrationLockKey = migrationLockKey

// MigrateUpTo applies the embedded migrations up to version to the database
// of url, as the release that shipped version left it.
func MigrateUpTo(ctx context.Context, url string, version int) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	known, err := migrations.Load(migrationFiles)
	if err != nil {
		return err
	}
	files := fstest.MapFS{}
	for _, m := range known {
		if m.Version <= version {
			files[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	return migrate(ctx, cfg, files)
}
