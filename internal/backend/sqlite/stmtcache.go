package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync"
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
	return &stmtCacheConn{base: conn, prep: prep, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c *stmtCacheConnector) Driver() driver.Driver { return c.base.Driver() }

// stmtCacheConn is a connection with its prepared statements, least recently
// used last. database/sql never uses a connection from two goroutines at
// once; the mutex covers a statement closed while the connection is idle.
type stmtCacheConn struct {
	base  driver.Conn
	prep  driver.ConnPrepareContext
	mu    sync.Mutex
	stmts map[string]*list.Element // of *cachedStmt
	lru   *list.List
}

// cachedStmt is a prepared statement kept by its connection. inUse is set
// while database/sql holds it (until the rows of a query are closed): the
// same text wanted meanwhile gets a statement of its own, since SQLite runs
// one statement handle one query at a time.
type cachedStmt struct {
	driver.Stmt
	conn  *stmtCacheConn
	query string
	inUse bool
	// evicted: dropped from the cache while in use; finalized when given back.
	evicted bool
}

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if len(query) > maxCachedQueryLen {
		return c.prep.PrepareContext(ctx, query)
	}
	c.mu.Lock()
	if el, ok := c.stmts[query]; ok {
		s := el.Value.(*cachedStmt) //nolint:errcheck // the list holds only *cachedStmt
		if !s.inUse {
			s.inUse = true
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return s, nil
		}
		c.mu.Unlock()
		// In use by an open query: a statement of its own, not cached.
		return c.prep.PrepareContext(ctx, query)
	}
	c.mu.Unlock()

	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{Stmt: st, conn: c, query: query, inUse: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stmts[query] = c.lru.PushFront(s)
	if c.lru.Len() > stmtCacheSize {
		oldest := c.lru.Back()
		old := oldest.Value.(*cachedStmt) //nolint:errcheck // the list holds only *cachedStmt
		c.lru.Remove(oldest)
		delete(c.stmts, old.query)
		if old.inUse {
			old.evicted = true
		} else {
			_ = old.Stmt.Close()
		}
	}
	return s, nil
}

// Close gives the statement back to its connection; it stays prepared.
func (s *cachedStmt) Close() error {
	s.conn.mu.Lock()
	defer s.conn.mu.Unlock()
	s.inUse = false
	if s.evicted {
		return s.Stmt.Close()
	}
	return nil
}

// ExecContext and QueryContext hand the context on to the driver, which
// interrupts a statement whose context ends.
func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if ex, ok := s.Stmt.(driver.StmtExecContext); ok {
		return ex.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // SA1019: the fallback of a driver without contexts
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // SA1019: the fallback of a driver without contexts
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
	for el := c.lru.Front(); el != nil; el = el.Next() {
		errs = append(errs, el.Value.(*cachedStmt).Stmt.Close()) //nolint:errcheck // the list holds only *cachedStmt
	}
	c.stmts, c.lru = nil, list.New()
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
