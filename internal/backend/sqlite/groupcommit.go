package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Group commit. With synchronous=FULL every commit waits for an fsync of the
// write-ahead log, and with one writer connection those waits queued one
// behind the other: the create load spent most of its time waiting for the
// disk, not computing (BENCHMARKS.md). So the write transactions that wait
// at the same time share one SQLite transaction and one fsync:
//
//   - a committer goroutine takes the first waiting WriteTx, begins a
//     transaction (IMMEDIATE) and hands it to that caller, which runs its
//     function in its own goroutine inside a savepoint of its own: released
//     when the function returns nil, rolled back to when it fails or panics,
//     exactly what the function's own transaction would have kept;
//   - the committer then hands the same transaction to each caller already
//     waiting, one after another, up to maxBatch callers and for as long as
//     the batch is younger than maxBatchAge; it never waits for a caller to
//     arrive, so a lone writer commits at once, as before;
//   - it commits once, and only then does any caller of the batch return:
//     none is answered before its writes are durable, and a commit that
//     fails fails every caller of the batch, none acknowledged.
//
// Each function sees the writes of those that ran before it in the batch:
// callers run in the order of one serial schedule, which is why Tx.Claim
// still has nothing to do. A caller whose function failed also waits for
// the commit, because its answer may rest on what the batch wrote before it
// (an email taken by the caller before it, say): if that is not committed,
// neither is its answer given, and it gets the batch's error instead.
//
// What one caller does cannot undo the others' work behind their backs. The
// store's statements go through the connection's statement cache
// (stmtcache.go), where a guard set for the caller whose turn it is
// (memberGuard) sees each of them:
//   - its statements run with a context that cannot be cancelled: SQLite
//     answers an interrupted INSERT, UPDATE or DELETE by rolling back the
//     whole transaction, which would take the batch with it. A cancelled
//     caller's next statement fails instead, and so does its function, which
//     is rolled back to its savepoint; a caller cancelled before its turn
//     leaves the queue and never runs.
//   - an error after which SQLite may have rolled back the whole transaction
//     (disk full, I/O error, interrupt, out of memory, corruption, busy: the
//     codes abortsTransaction lists), a rollback of the transaction that the
//     writer connection's rollback hook reports (SQLite's own, after such an
//     error, wherever the error surfaced: in a statement, a row's Scan, a
//     function that swallowed it), or a savepoint that cannot be released or
//     rolled back to, breaks the batch: no statement runs after it (each
//     would otherwise commit on its own), the transaction is rolled back and
//     every caller that ran gets that error.
//   - a panic (or runtime.Goexit) in a function is rolled back to its
//     savepoint and goes on up the caller's own goroutine, as before; the
//     batch goes on without it.
//
// A function that runs long holds up the batch it is in, as it held up
// every writer after it before; maxBatchAge bounds how long a batch takes
// in new callers, not how long one function may run.

// The bounds of a batch, copied into each committer (tests change theirs).
var (
	// maxBatch bounds the callers of one batch.
	maxBatch = 64
	// maxBatchAge is how long after its start a batch still takes in the
	// callers that are waiting.
	maxBatchAge = 10 * time.Millisecond
)

// memberSavepoint names each caller's savepoint: callers of a batch run one
// after another, each savepoint released or rolled back to before the next
// begins, so one name serves them all, and its statements stay prepared in
// the connection's cache (Nested's names are new each time).
const memberSavepoint = "group_member"

// errClosed answers a WriteTx after Close.
var errClosed = errors.New("sqlite: the database is closed")

// committer runs the batches on the writer pool.
type committer struct {
	pool *sql.DB
	// rollbacks counts the rollbacks on pool's connection (see batch.intact).
	rollbacks *atomic.Uint64

	queue   chan *member
	quit    chan struct{}
	stopped chan struct{} // closed when run has returned
	stop    sync.Once

	// The bounds, from maxBatch and maxBatchAge when the committer starts.
	maxBatch int
	maxAge   time.Duration
}

// member is a WriteTx waiting for its turn in a batch.
type member struct {
	state atomic.Int32 // memberWaiting, then memberGranted or memberAbandoned
	turn  chan grant   // the committer's answer; buffered
}

const (
	memberWaiting int32 = iota
	memberGranted
	memberAbandoned
)

// grant is a member's turn: the batch whose transaction it may use, or the
// error that stopped the batch from beginning.
type grant struct {
	b   *batch
	err error
}

// batch is one SQLite transaction shared by its members.
type batch struct {
	// conn is the writer connection the batch holds; sqlTx its transaction.
	conn  *sql.Conn
	sqlTx *sql.Tx
	// rollbacks is the committer's count; began its value when the
	// transaction began.
	rollbacks *atomic.Uint64
	began     uint64
	// ran receives once the member whose turn it is has finished with sqlTx.
	ran chan struct{}
	// broken is set, by the member whose turn it is, when the transaction
	// can no longer be committed; read by the committer after ran.
	broken error
	// done is closed once the batch has committed or rolled back; err is
	// then its outcome.
	done chan struct{}
	err  error
}

func newCommitter(pool *sql.DB, rollbacks *atomic.Uint64) *committer {
	c := &committer{pool: pool, rollbacks: rollbacks, queue: make(chan *member, 1024), quit: make(chan struct{}), stopped: make(chan struct{}),
		maxBatch: maxBatch, maxAge: maxBatchAge}
	go c.run()
	return c
}

// close stops the committer once the batch in progress, if any, has ended.
// Callers still waiting for a turn get errClosed.
func (c *committer) close() {
	c.stop.Do(func() { close(c.quit) })
	<-c.stopped
}

func (c *committer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.quit:
			return
		case m := <-c.queue:
			if m.state.CompareAndSwap(memberWaiting, memberGranted) {
				c.runBatch(m)
			}
		}
	}
}

// runBatch runs the batch that first begins, then commits.
func (c *committer) runBatch(first *member) {
	began := c.rollbacks.Load()
	conn, sqlTx, err := c.begin()
	if err != nil {
		// Those waiting now would wait for the same lock or disk: they fail
		// with the same error rather than each wait for it in turn.
		err = dbError("begin transaction", err)
		for m := first; m != nil; m = c.next() {
			m.turn <- grant{err: err}
		}
		return
	}
	b := &batch{conn: conn, sqlTx: sqlTx, rollbacks: c.rollbacks, began: began, ran: make(chan struct{}, 1), done: make(chan struct{})}
	start := time.Now()
	for m, n := first, 1; m != nil; n++ {
		m.turn <- grant{b: b}
		<-b.ran
		m = nil
		// Callers left waiting when the batch breaks run in the next one.
		if b.intact() == nil && n < c.maxBatch && time.Since(start) < c.maxAge {
			m = c.next()
		}
	}
	if b.intact() != nil {
		b.err = b.broken
		_ = sqlTx.Rollback() // may fail: SQLite may have rolled it back already
	} else if err := sqlTx.Commit(); err != nil {
		b.err = dbError("commit", err)
	}
	_ = conn.Close() // gives the connection back to the pool
	close(b.done)
}

// begin takes the writer connection and begins a transaction on it. The
// connection, not only the transaction, is the batch's: its members set the
// connection's guard (sql.Conn.Raw).
func (c *committer) begin() (*sql.Conn, *sql.Tx, error) {
	// The context is never cancelled: a batch ends by its commit or
	// rollback, not by one caller's context.
	ctx := context.Background()
	conn, err := c.pool.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, errors.Join(err, conn.Close())
	}
	return conn, sqlTx, nil
}

// next is the next caller already waiting, or nil: a batch never waits for
// one to arrive.
func (c *committer) next() *member {
	for {
		select {
		case m := <-c.queue:
			if m.state.CompareAndSwap(memberWaiting, memberGranted) {
				return m
			}
		default:
			return nil
		}
	}
}

// writeTx is WriteTx: it queues for a turn in a batch, runs fn in it, and
// returns once the batch has committed or failed.
func (c *committer) writeTx(ctx context.Context, fn func(backend.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return dbError("begin transaction", err)
	}
	select {
	case <-c.stopped:
		return errClosed
	default:
	}
	m := &member{turn: make(chan grant, 1)}
	select {
	case c.queue <- m:
	case <-ctx.Done():
		return dbError("begin transaction", ctx.Err())
	case <-c.stopped:
		return errClosed
	}
	var g grant
	select {
	case g = <-m.turn:
	case <-ctx.Done():
		if m.state.CompareAndSwap(memberWaiting, memberAbandoned) {
			return dbError("begin transaction", ctx.Err())
		}
		g = <-m.turn // the turn came at the same moment
	case <-c.stopped:
		if m.state.CompareAndSwap(memberWaiting, memberAbandoned) {
			return errClosed
		}
		g = <-m.turn
	}
	if g.err != nil {
		return g.err
	}
	b := g.b
	fnErr := b.runMember(ctx, fn)
	<-b.done
	if b.err != nil {
		return b.err
	}
	return fnErr
}

// runMember runs fn in its own savepoint of the batch's transaction, in the
// caller's goroutine, and then gives the transaction back to the committer.
// A panic in fn (or a Goexit) is rolled back to the savepoint and goes on
// up once the transaction is given back.
func (b *batch) runMember(ctx context.Context, fn func(backend.Tx) error) (err error) {
	defer func() { b.ran <- struct{}{} }()
	if err := ctx.Err(); err != nil {
		return dbError("begin transaction", err)
	}
	if _, err := b.sqlTx.ExecContext(context.Background(), "SAVEPOINT "+memberSavepoint); err != nil {
		b.breaks(dbError("savepoint", err))
		return b.broken
	}
	if err := b.guard(&memberGuard{ctx: ctx, b: b}); err != nil {
		b.breaks(dbError("guard statements", err))
		return b.broken
	}
	returned := false
	defer func() {
		if !returned { // a panic or a Goexit
			b.endMember(errors.New("the function did not return"))
		}
	}()
	err = fn(&tx{tx: b.sqlTx})
	returned = true
	if err == nil {
		// A context cancelled while fn ran cancels its transaction, as it
		// would have on a transaction of its own.
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = dbError("commit", ctxErr)
		}
	}
	b.endMember(err)
	return err // unchanged, so domain errors reach the caller as they are
}

// endMember ends the turn of the member whose function ended with err:
// keeps its writes when err is nil, undoes them otherwise.
func (b *batch) endMember(err error) {
	if guardErr := b.guard(nil); guardErr != nil {
		b.breaks(dbError("guard statements", guardErr))
	}
	switch {
	case b.intact() != nil:
		// The batch rolls back whole.
	case err != nil:
		b.rollbackMember()
	default:
		if _, relErr := b.sqlTx.ExecContext(context.Background(), "RELEASE "+memberSavepoint); relErr != nil {
			b.breaks(dbError("release savepoint", relErr))
		}
	}
}

// rollbackMember undoes the member's writes, keeping the batch's. When that
// fails (the savepoint is gone: SQLite rolled back the whole transaction),
// the batch is broken.
func (b *batch) rollbackMember() {
	if b.intact() != nil {
		return
	}
	bg := context.Background()
	if _, err := b.sqlTx.ExecContext(bg, "ROLLBACK TO "+memberSavepoint); err != nil {
		b.breaks(dbError("roll back to savepoint", err))
		return
	}
	if _, err := b.sqlTx.ExecContext(bg, "RELEASE "+memberSavepoint); err != nil {
		b.breaks(dbError("release savepoint", err))
	}
}

// errRolledBack breaks a batch whose transaction SQLite rolled back by
// itself (after an error such as SQLITE_FULL), which the rollback hook of
// the writer connection reports. Statements run after it would each commit
// on their own.
var errRolledBack = errors.New("sqlite: the transaction was rolled back after an error")

// intact is the error that keeps the batch from committing, if any: it is
// broken, or its transaction is no longer (see errRolledBack).
func (b *batch) intact() error {
	if b.broken == nil && b.rollbacks.Load() != b.began {
		b.breaks(errRolledBack)
	}
	return b.broken
}

// breaks marks the batch as one that must not commit, for err.
func (b *batch) breaks(err error) {
	if b.broken == nil {
		b.broken = fmt.Errorf("%w (the transaction was rolled back with every write that shared it)", err)
		if _, domain := errors.AsType[*backend.Error](err); domain {
			b.broken = err // EUNAVAILABLE stays a retry for the client
		}
	}
}

// guard sets (or, with nil, clears) the guard of the batch's connection:
// the statements run while it is set are the member's.
func (b *batch) guard(g *memberGuard) error {
	return b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("the writer connection is a %T", dc)
		}
		c.guard = g
		return nil
	})
}

// memberGuard watches the statements of a member of a batch, on the
// connection (stmtCacheConn): a caller cancelled, or a batch broken, runs no
// statement, and the others run with a context that cannot be cancelled
// (see the top of this file).
type memberGuard struct {
	ctx context.Context // the caller's
	b   *batch
}

// admit is the context a statement under g runs with, or the error that
// keeps it from running. No guard admits every statement as it is.
func (g *memberGuard) admit(ctx context.Context) (context.Context, error) {
	if g == nil {
		return ctx, nil
	}
	if err := g.b.intact(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := g.ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// observe breaks the batch when err may have rolled back its transaction.
func (g *memberGuard) observe(err error) {
	if g != nil && err != nil && abortsTransaction(err) {
		g.b.breaks(dbError("statement", err))
	}
}

// abortsTransaction reports whether err is one of the errors after which
// SQLite may have rolled back the whole transaction rather than the one
// statement (https://sqlite.org/lang_transaction.html, "Response To Errors
// Within A Transaction"), or which leave the file in doubt.
func abortsTransaction(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	if !ok {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}
