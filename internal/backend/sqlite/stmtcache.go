package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"modernc.org/sqlite"
)

// Parsing SQL was the largest cost of a request: the driver prepares every
// statement anew for each query, and a retrieve of a managed account spent
// about 40% of its CPU in SQLite's parser (make bench, BenchmarkRetrieve-
// ManagedAccount). The connections of both pools therefore keep their
// prepared statements, by SQL text, and reuse them: the driver resets a
// prepared statement when its rows are closed, and SQLite re-prepares it by
// itself after a schema change.
//
// The cache works below database/sql: its connections do not offer the
// driver's direct Exec and Query, so database/sql prepares each statement
// (here, takes it from the cache), runs it, and closes it (here, gives it
// back). Every query of the store goes through it unchanged.
//
// Which statements stay is HashiCorp's golang-lru's business (simplelru,
// under the connection's own mutex). It replaced a map and list written here
// as fast and as correct: every test here passes on both (they count what
// the driver prepares and finalizes), and on BenchmarkStatementCache, old
// and new runs interleaved on a busy 2-core machine, the cache alone
// (bookkeeping, 20 runs each) took 84 ns before and 87 ns after (medians;
// 57 ns at best for both), while hits and churn through SQLite (12 runs
// each) differed by less than the runs' own spread (±20 to 70%).

// stmtCacheSize bounds the statements a connection keeps: the store's
// statements (about 80) and the multi-row INSERTs of usage ingestion (about
// 40: bulkInsert's chunk sizes per table) fit, and statements built on the
// fly (a list of placeholders of some length) cannot grow the cache without
// end.
const stmtCacheSize = 192

// maxCachedQueryLen leaves statements longer than bulkInsert's out of the
// cache, whose compiled programs would be large.
const maxCachedQueryLen = 64 << 10

// stmtCacheConnector makes connections that cache their statements.
type stmtCacheConnector struct {
	base driver.Connector
	// rollbacks, when set, counts every transaction rolled back on the
	// connections, SQLite's automatic rollbacks included (groupcommit.go).
	rollbacks *atomic.Uint64
}

// rollbackHooker is what the driver's connections offer to watch rollbacks.
type rollbackHooker interface {
	RegisterRollbackHook(sqlite.RollbackHookFn)
}

func (c *stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	prep, ok := conn.(driver.ConnPrepareContext)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("sqlite: the driver's connections cannot prepare statements with a context")
	}
	if c.rollbacks != nil {
		hooks, ok := conn.(rollbackHooker)
		if !ok {
			_ = conn.Close()
			return nil, errors.New("sqlite: the driver's connections cannot report their rollbacks")
		}
		rollbacks := c.rollbacks
		hooks.RegisterRollbackHook(func() { rollbacks.Add(1) })
	}
	stmts, err := simplelru.NewLRU(stmtCacheSize, dropStmt)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &stmtCacheConn{base: conn, prep: prep, stmts: stmts}, nil
}

func (c *stmtCacheConnector) Driver() driver.Driver { return c.base.Driver() }

// stmtCacheConn is a connection with its prepared statements, by SQL text,
// the least recently used evicted first. database/sql never uses a
// connection from two goroutines at once; the mutex covers a statement
// closed while the connection is idle.
type stmtCacheConn struct {
	base  driver.Conn
	prep  driver.ConnPrepareContext
	mu    sync.Mutex
	stmts *simplelru.LRU[string, *cachedStmt]
	// guard, while set, watches the statements of the member of a write
	// batch whose turn it is (groupcommit.go). Set and cleared by that
	// member, with database/sql's hold on the connection (sql.Conn.Raw).
	guard *memberGuard
}

// cachedStmt is a prepared statement kept by its connection. inUse is set
// while database/sql holds it (until the rows of a query are closed): the
// same text wanted meanwhile gets a statement of its own, since SQLite runs
// one statement handle one query at a time.
type cachedStmt struct {
	driver.Stmt
	conn  *stmtCacheConn
	inUse bool
	// evicted: dropped from the cache while in use; finalized when given back.
	evicted bool
	// uncached: never in the cache (too long, or its text was in use);
	// finalized when closed.
	uncached bool
}

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if len(query) > maxCachedQueryLen {
		return c.prepareUncached(ctx, query)
	}
	c.mu.Lock()
	if s, ok := c.stmts.Get(query); ok {
		if !s.inUse {
			s.inUse = true
			c.mu.Unlock()
			return s, nil
		}
		c.mu.Unlock()
		// In use by an open query: a statement of its own, not cached.
		return c.prepareUncached(ctx, query)
	}
	c.mu.Unlock()

	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{Stmt: st, conn: c, inUse: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts.Add(query, s)
	return s, nil
}

// prepareUncached prepares a statement the cache does not keep; it still
// runs through cachedStmt, so that the connection's guard sees it.
func (c *stmtCacheConn) prepareUncached(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &cachedStmt{Stmt: st, conn: c, uncached: true}, nil
}

// dropStmt is the eviction of a statement from its connection's cache, with
// the connection's mutex held.
func dropStmt(_ string, s *cachedStmt) {
	if s.inUse {
		s.evicted = true
	} else {
		_ = s.Stmt.Close()
	}
}

// Close gives the statement back to its connection; it stays prepared.
func (s *cachedStmt) Close() error {
	if s.uncached {
		return s.Stmt.Close()
	}
	s.conn.mu.Lock()
	defer s.conn.mu.Unlock()
	s.inUse = false
	if s.evicted {
		return s.Stmt.Close()
	}
	return nil
}

// ExecContext and QueryContext hand the context on to the driver, which
// interrupts a statement whose context ends; under a guard (a member of a
// write batch), only once the guard has let the statement run, with the
// context's cancellation cut off (groupcommit.go says why).
func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	g := s.conn.guard
	ctx, err := g.admit(ctx)
	if err != nil {
		return nil, err
	}
	var res driver.Result
	if ex, ok := s.Stmt.(driver.StmtExecContext); ok {
		res, err = ex.ExecContext(ctx, args)
	} else {
		res, err = s.Stmt.Exec(values(args)) //nolint:staticcheck // SA1019: the fallback of a driver without contexts
	}
	g.observe(err)
	return res, err
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	g := s.conn.guard
	ctx, err := g.admit(ctx)
	if err != nil {
		return nil, err
	}
	var rows driver.Rows
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		rows, err = q.QueryContext(ctx, args)
	} else {
		rows, err = s.Stmt.Query(values(args)) //nolint:staticcheck // SA1019: the fallback of a driver without contexts
	}
	g.observe(err)
	return rows, err
}

func values(args []driver.NamedValue) []driver.Value {
	v := make([]driver.Value, len(args))
	for i, a := range args {
		v[i] = a.Value
	}
	return v
}

// Close finalizes the cached statements, then closes the connection.
func (c *stmtCacheConn) Close() error {
	c.mu.Lock()
	var errs []error
	for _, s := range c.stmts.Values() {
		errs = append(errs, s.Stmt.Close())
	}
	c.stmts = nil
	c.mu.Unlock()
	return errors.Join(append(errs, c.base.Close())...)
}

func (c *stmtCacheConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.base.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errors.New("sqlite: the driver's connections cannot begin a transaction with options")
}

func (c *stmtCacheConn) Ping(ctx context.Context) error {
	if p, ok := c.base.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	if r, ok := c.base.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *stmtCacheConn) IsValid() bool {
	if v, ok := c.base.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

var (
	_ driver.Connector          = (*stmtCacheConnector)(nil)
	_ driver.ConnPrepareContext = (*stmtCacheConn)(nil)
	_ driver.ConnBeginTx        = (*stmtCacheConn)(nil)
	_ driver.Pinger             = (*stmtCacheConn)(nil)
	_ driver.SessionResetter    = (*stmtCacheConn)(nil)
	_ driver.Validator          = (*stmtCacheConn)(nil)
	_ driver.StmtExecContext    = (*cachedStmt)(nil)
	_ driver.StmtQueryContext   = (*cachedStmt)(nil)
)
