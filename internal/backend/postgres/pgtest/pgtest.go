// Package pgtest gives tests fresh PostgreSQL databases.
//
// Tests that need PostgreSQL read the admin URL of a server from the
// environment variable REFERENCE_BACKEND_TEST_POSTGRES_URL (for example
// postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable: a role that
// may create and drop databases) and skip when it is unset.
//
// NewDatabase gives each test a database of its own with the current schema
// and no rows. Creating one is a copy (CREATE DATABASE … TEMPLATE) of a
// template migrated once per schema, rbtest_tmpl_<digest of the migrations>,
// made by the first test process that needs it (under an advisory lock, so
// that test binaries running in parallel make it once) and kept for later
// runs. A copy takes a few hundred milliseconds, so when a test ends its
// database is emptied (once nobody is connected to it, its schema checked to
// be the template's, every table's rows deleted) and kept for the next test
// of the process; one that fails any check is dropped instead.
//
// A database in use is named rbtest_<unix time>_<random>, an emptied one
// rbidle_<process>_<random>. Each process holds an advisory lock of its own
// while it runs, so that the next test process drops the emptied databases
// of processes that have ended (their lock is free), and the databases in
// use that a killed run left once they are half an hour old and nobody is
// connected to them. A process claims an emptied database by renaming it,
// so that it never hands out one that another dropped. Templates of earlier
// schemas are kept; any rbtest_* or rbidle_* database may be dropped while
// no test runs.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
)

// URLEnv names the environment variable that holds the admin URL.
const URLEnv = "REFERENCE_BACKEND_TEST_POSTGRES_URL"

// templateLockKey serialises the creation of template databases across test
// processes ("rbtmpl" in ASCII).
const templateLockKey int64 = 0x7262746d706c

// processLockClass is the first key of the advisory lock each test process
// holds while it runs ("rbpr" in ASCII); the second is the process's id.
const processLockClass int32 = 0x72627072

const (
	// setupTimeout bounds creating the template, a database, or dropping one.
	setupTimeout = 2 * time.Minute
	// maxIdle bounds the emptied databases a process keeps for its next tests.
	maxIdle = 8
	// staleAfter is the age past which a database nobody is connected to
	// belongs to a process that is gone: longer than a test binary runs
	// (go test stops one after 10 minutes unless told otherwise).
	staleAfter = 30 * time.Minute
)

// databaseName matches the names of databases in use, capturing the time;
// idleName the names of emptied ones, capturing their process; legacyName
// the names an earlier version gave.
var (
	databaseName = regexp.MustCompile(`^rbtest_([0-9]+)_[0-9a-f]+$`)
	idleName     = regexp.MustCompile(`^rbidle_([0-9a-f]{8})_[0-9a-f]+$`)
	legacyName   = regexp.MustCompile(`^rbtest_[0-9a-f]{16}$`)
)

// Enabled reports whether the environment names a PostgreSQL server.
func Enabled() bool { return os.Getenv(URLEnv) != "" }

// AdminURL returns the admin URL, skipping t when it is not set.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(URLEnv)
	if u == "" {
		t.Skipf("PostgreSQL tests are skipped: set %s to the admin URL of a PostgreSQL server "+
			"(e.g. postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable) to run them", URLEnv)
	}
	return u
}

// admin is this process's connection pool to the admin database, the
// template it made sure of, and the emptied databases it keeps; set up once.
type admin struct {
	url      *url.URL
	pool     *pgxpool.Pool
	template string
	// process identifies this process; its advisory lock is held on
	// processConn for as long as the process runs.
	process     int32
	processConn *pgx.Conn

	mu   sync.Mutex
	idle []string // emptied databases, ready for a test
	// schema is the fingerprint of a fresh copy of the template (see
	// fingerprint), which an emptied database must still have.
	schema string
}

var (
	adminMu    sync.Mutex
	adminState *admin
)

// NewDatabase returns the URL of a database of t's own, with the current
// schema and no rows, which goes back to pgtest when t ends (after the
// test's own cleanups, so close what uses it in a cleanup). It skips t when
// no server is configured.
func NewDatabase(t testing.TB) string {
	t.Helper()
	a, ctx, cancel := setUp(t)
	defer cancel()
	name, err := a.takeIdle(ctx)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	fresh := name == ""
	if fresh {
		if name, err = a.create(ctx, a.template); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	onCleanup(t, a.recycle, name)
	if fresh {
		if err := a.learnSchema(ctx, name); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	return a.databaseURL(name)
}

// NewEmptyDatabase creates a fresh database without the schema (no
// migration applied), drops it when t ends, and returns its URL. It skips t
// when no server is configured.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	a, ctx, cancel := setUp(t)
	defer cancel()
	name, err := a.create(ctx, "template0")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	onCleanup(t, a.drop, name)
	return a.databaseURL(name)
}

// setUp is the admin of the configured server (it skips t when none is)
// and a context that bounds a step of setting up t's database.
func setUp(t testing.TB) (*admin, context.Context, context.CancelFunc) {
	t.Helper()
	a, err := getAdmin(AdminURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	return a, ctx, cancel
}

// onCleanup gives database name back with giveBack (recycle or drop) when t
// ends.
func onCleanup(t testing.TB, giveBack func(context.Context, string) error, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := giveBack(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
}

func getAdmin(raw string) (*admin, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if adminState != nil {
		return adminState, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("%s must be a postgres:// URL", URLEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid connection URL", URLEnv)
	}
	cfg.MaxConns = 4
	// Check every connection before use: a test elsewhere may have restarted
	// the server since (replicatest does), and the admin's calls are few.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the admin database: %w", err)
	}
	a := &admin{url: u, pool: pool, process: randomInt32()}
	for _, step := range []func(context.Context) error{a.holdProcessLock, a.ensureTemplate, a.dropStale} {
		if err := step(ctx); err != nil {
			if a.processConn != nil {
				_ = a.processConn.Close(ctx)
			}
			pool.Close()
			return nil, err
		}
	}
	adminState = a
	return a, nil
}

// ensureTemplate makes sure the template of the current schema exists,
// creating and migrating it when it does not.
func (a *admin) ensureTemplate(ctx context.Context) (err error) {
	digest, err := postgres.MigrationsDigest()
	if err != nil {
		return fmt.Errorf("read the migrations: %w", err)
	}
	a.template = "rbtest_tmpl_" + digest[:16]
	conn, err := a.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the admin database: %w", err)
	}
	// The advisory lock is the connection's: close it rather than pool it.
	defer func() { _ = conn.Hijack().Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return fmt.Errorf("lock the template: %w", err)
	}
	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", a.template).Scan(&ready)
	switch {
	case err == nil && ready:
		return nil
	case err == nil:
		// Left half-made by a process that died: start again.
		if _, err := conn.Exec(ctx, "DROP DATABASE "+quote(a.template)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop the unfinished template %s: %w", a.template, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("look for the template %s: %w", a.template, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+quote(a.template)); err != nil {
		return fmt.Errorf("create the template %s: %w", a.template, err)
	}
	db, err := postgres.Open(ctx, a.databaseURL(a.template), postgres.Options{MaxConns: 1})
	if err != nil {
		return fmt.Errorf("migrate the template %s: %w", a.template, err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	// Nobody may connect to a template, so that copying it never finds it in use.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+quote(a.template)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark %s a template: %w", a.template, err)
	}
	return nil
}

// holdProcessLock takes this process's advisory lock on a connection of its
// own, kept open (never closed: it ends with the process).
func (a *admin) holdProcessLock(ctx context.Context) error {
	conn, err := a.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the admin database: %w", err)
	}
	a.processConn = conn.Hijack()
	if _, err := a.processConn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", processLockClass, a.process); err != nil {
		return fmt.Errorf("take the process lock: %w", err)
	}
	return nil
}

// processEnded reports whether the process that holds (or held) the lock
// of id has ended: its lock is free.
func (a *admin) processEnded(ctx context.Context, id int32) (bool, error) {
	var free bool
	if err := a.processConn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", processLockClass, id).Scan(&free); err != nil {
		return false, fmt.Errorf("look for process %08x: %w", uint32(id), err) //nolint:gosec // G115: the bits, printed
	}
	if free {
		if _, err := a.processConn.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", processLockClass, id); err != nil {
			return false, fmt.Errorf("look for process %08x: %w", uint32(id), err) //nolint:gosec // G115: the bits, printed
		}
	}
	return free, nil
}

// dropStale drops the databases of processes that are gone: the emptied
// databases of processes whose lock is free, and the databases in use older
// than staleAfter that nobody is connected to.
func (a *admin) dropStale(ctx context.Context) error {
	rows, err := a.pool.Query(ctx, `SELECT datname FROM pg_database d
		WHERE (datname LIKE 'rbtest\_%' OR datname LIKE 'rbidle\_%') AND NOT datistemplate
		AND NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.datname = d.datname)`)
	if err != nil {
		return fmt.Errorf("list the test databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list the test databases: %w", err)
	}
	ended := map[int32]bool{}
	for _, name := range names {
		m := databaseName.FindStringSubmatch(name)
		idle := idleName.FindStringSubmatch(name)
		switch {
		case legacyName.MatchString(name):
			// Named before names said when: left by a run of an older pgtest.
		case idle != nil:
			id, err := strconv.ParseUint(idle[1], 16, 32)
			if err != nil {
				continue
			}
			process := int32(id) //nolint:gosec // G115: the bits of the id, as written
			gone, known := ended[process]
			if !known {
				if gone, err = a.processEnded(ctx, process); err != nil {
					return err
				}
				ended[process] = gone
			}
			if !gone {
				continue
			}
		case m == nil:
			continue
		default:
			created, err := strconv.ParseInt(m[1], 10, 64)
			if err != nil || time.Since(time.Unix(created, 0)) < staleAfter {
				continue
			}
		}
		if err := a.drop(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// newName is a database name that sorts by creation and says when.
func newName() string { return fmt.Sprintf("rbtest_%d_%s", time.Now().Unix(), randomHex(6)) }

func (a *admin) create(ctx context.Context, template string) (string, error) {
	name := newName()
	if _, err := a.pool.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE "+quote(template)); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

func (a *admin) drop(ctx context.Context, name string) error {
	// FORCE ends the connections a failed test may have left open.
	if _, err := a.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// takeIdle claims an emptied database, renaming it to a name in use, or
// returns "" when there is none. One that another process dropped (its
// rename fails) is passed over.
func (a *admin) takeIdle(ctx context.Context) (string, error) {
	for {
		a.mu.Lock()
		if len(a.idle) == 0 {
			a.mu.Unlock()
			return "", nil
		}
		idle := a.idle[len(a.idle)-1]
		a.idle = a.idle[:len(a.idle)-1]
		a.mu.Unlock()
		name := newName()
		if _, err := a.pool.Exec(ctx, "ALTER DATABASE "+quote(idle)+" RENAME TO "+quote(name)); err == nil {
			return name, nil
		}
	}
}

// learnSchema records the fingerprint of name, a fresh copy of the
// template, once per process.
func (a *admin) learnSchema(ctx context.Context, name string) error {
	a.mu.Lock()
	known := a.schema != ""
	a.mu.Unlock()
	if known {
		return nil
	}
	conn, err := pgx.Connect(ctx, a.databaseURL(name))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", name, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	schema, err := fingerprint(ctx, conn)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.schema = schema
	a.mu.Unlock()
	return nil
}

// fingerprint sums up the schema of the connection's database: its
// relations, columns, functions, triggers and recorded migrations. A test
// that changed any of them leaves a database that is not reused.
func fingerprint(ctx context.Context, conn *pgx.Conn) (string, error) {
	var sum string
	err := conn.QueryRow(ctx, `SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
		SELECT 'relation ' || c.relname || ' ' || c.relkind::text
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()
		UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL SELECT 'function ' || p.proname || ' ' || md5(p.prosrc)
			FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
		UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL SELECT 'migration ' || version::text FROM schema_migrations
	) AS schema (x)`).Scan(&sum)
	if err != nil {
		return "", fmt.Errorf("fingerprint the schema: %w", err)
	}
	return sum, nil
}

// recycle empties name for the next test, or drops it when it cannot be
// trusted to be as fresh: a connection outlived the test, or the schema
// changed.
func (a *admin) recycle(ctx context.Context, name string) error {
	a.mu.Lock()
	full, schema := len(a.idle) >= maxIdle, a.schema
	a.mu.Unlock()
	if full || schema == "" {
		return a.drop(ctx, name)
	}
	emptied, err := a.empty(ctx, name, schema)
	if err != nil || !emptied {
		return errors.Join(err, a.drop(ctx, name))
	}
	// Named as this process's, so that it is dropped once the process ends.
	idle := fmt.Sprintf("rbidle_%08x_%s", uint32(a.process), randomHex(6)) //nolint:gosec // G115: the bits, printed
	if _, err := a.pool.Exec(ctx, "ALTER DATABASE "+quote(name)+" RENAME TO "+quote(idle)); err != nil {
		return errors.Join(fmt.Errorf("rename database %s: %w", name, err), a.drop(ctx, name))
	}
	a.mu.Lock()
	a.idle = append(a.idle, idle)
	a.mu.Unlock()
	return nil
}

// empty truncates every table of name but schema_migrations, once nobody is
// connected to it and its schema is still the template's; false when it is
// not.
func (a *admin) empty(ctx context.Context, name, schema string) (bool, error) {
	// A store closes its connections before the test's cleanups end, but
	// the server may not have seen them go yet: wait a little for that.
	deadline := time.Now().Add(2 * time.Second)
	for {
		var connected int
		if err := a.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&connected); err != nil {
			return false, fmt.Errorf("count the connections to %s: %w", name, err)
		}
		if connected == 0 {
			break
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	conn, err := pgx.Connect(ctx, a.databaseURL(name))
	if err != nil {
		return false, nil //nolint:nilerr // not reusable: dropped instead
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if got, err := fingerprint(ctx, conn); err != nil || got != schema {
		return false, nil //nolint:nilerr // not reusable: dropped instead
	}
	rows, err := conn.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`)
	if err != nil {
		return false, fmt.Errorf("list the tables of %s: %w", name, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return false, fmt.Errorf("list the tables of %s: %w", name, err)
	}
	// DELETE, not TRUNCATE: a test leaves a few rows, and deleting them is
	// much cheaper than the new files TRUNCATE makes for every table and
	// index. Replica mode skips the triggers (append-only tables refuse
	// DELETE) and the foreign keys; it takes a superuser, as does most of
	// what a test server's admin does; without it the database is dropped.
	script := "SET session_replication_role = replica;"
	for _, table := range tables {
		script += " DELETE FROM " + table + ";"
	}
	if _, err := conn.Exec(ctx, script); err != nil {
		return false, nil //nolint:nilerr // not reusable: dropped instead
	}
	return true, nil
}

// databaseURL is the admin URL with another database.
func (a *admin) databaseURL(name string) string {
	u := *a.url
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// quote quotes an identifier; the names here are made of [a-z0-9_], so this
// only guards against a future change.
func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomInt32() int32 {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	//nolint:gosec // G115: random bits, reinterpreted
	return int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
