package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The tests of group commit (groupcommit.go) form their batches on purpose:
// a first caller holds the writer inside its function while the others
// queue, then lets go, and the committer takes every caller that waits into
// the batch of the first (maxAge is raised so that holding the writer does
// not close that batch). SQLite's commit hook counts the commits.

// batchFixture is a store whose writes the test batches, with an account
// that ledger entries can belong to.
type batchFixture struct {
	t       *testing.T
	db      *DB
	ctx     context.Context
	account string
	commits *atomic.Int64 // counted by SQLite's commit hook
	// onCommit, when set, runs inside each commit (on the committer).
	onCommit atomic.Pointer[func()]
}

func newBatchFixture(t *testing.T) *batchFixture {
	t.Helper()
	db := openTemp(t)
	db.commits.maxAge = time.Hour
	f := &batchFixture{t: t, db: db, ctx: t.Context(), account: "acc-batch", commits: new(atomic.Int64)}
	now := time.Now()
	a := &backend.Account{ID: f.account, Email: "batch@example.com", OrganizationName: "Batch", Status: backend.StatusEnabled,
		CreatedAt: now, UpdatedAt: now}
	if err := db.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) }); err != nil {
		t.Fatal(err)
	}
	// The writer pool keeps its one connection: the hook stays on it.
	conn, err := db.writer.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		hooks, ok := dc.(*stmtCacheConn).base.(interface{ RegisterCommitHook(sqlite.CommitHookFn) })
		if !ok {
			return errors.New("the driver's connection has no commit hook")
		}
		hooks.RegisterCommitHook(func() int32 {
			f.commits.Add(1)
			if fn := f.onCommit.Load(); fn != nil {
				(*fn)()
			}
			return 0
		})
		return nil
	})
	if err := errors.Join(err, conn.Close()); err != nil {
		t.Fatal(err)
	}
	return f
}

// entry is a ledger entry of the fixture's account with the given id.
func (f *batchFixture) entry(id string) *backend.LedgerEntry {
	now := time.Now()
	return &backend.LedgerEntry{ID: id, AccountID: f.account, Kind: backend.LedgerUsage, Amount: 1, Currency: "USD",
		CreatedAt: now, SettlesAt: now}
}

// insert is a WriteTx function that inserts the entry id.
func (f *batchFixture) insert(id string) func(backend.Tx) error {
	return func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, f.entry(id)) }
}

// stored is the ids of the committed ledger entries, sorted.
func (f *batchFixture) stored() []string {
	f.t.Helper()
	rows, err := f.db.reader.QueryContext(f.ctx, `SELECT id FROM ledger_entries ORDER BY id`)
	if err != nil {
		f.t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// rawTx is the database/sql transaction under a store's: statements run on
// it go through the connection's guard as the store's do.
func rawTx(t backend.Tx) *sql.Tx {
	st, ok := t.(*tx)
	if !ok {
		panic(fmt.Sprintf("a %T is not this store's transaction", t))
	}
	return st.tx
}

// wantStoredInOneCommit fails the test unless the committed entries are
// want and they took one commit.
func (f *batchFixture) wantStoredInOneCommit(want []string) {
	f.t.Helper()
	if got := f.stored(); !slices.Equal(got, want) {
		f.t.Errorf("stored %v, want %v", got, want)
	}
	if n := f.commits.Load(); n != 1 {
		f.t.Errorf("%d commits, want 1", n)
	}
}

// hold starts a WriteTx that holds the writer inside its function until
// the returned let is called; let returns that WriteTx's error.
func (f *batchFixture) hold(id string) (let func() error) {
	f.t.Helper()
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- f.db.WriteTx(f.ctx, func(tx backend.Tx) error {
			close(inside)
			<-release
			return tx.InsertLedgerEntry(f.ctx, f.entry(id))
		})
	}()
	select {
	case <-inside:
	case err := <-done:
		f.t.Fatalf("the holding write ended before it held the writer: %v", err)
	}
	return func() error { close(release); return <-done }
}

// call is a WriteTx started in a goroutine of its own.
type call struct {
	done chan error
	err  error
}

// queue starts a WriteTx of fn under ctx and waits until it waits for its
// turn, so that calls queue in the order they are made.
func (f *batchFixture) queue(ctx context.Context, fn func(backend.Tx) error) *call {
	f.t.Helper()
	c := &call{done: make(chan error, 1)}
	before := len(f.db.commits.queue)
	go func() { c.done <- f.db.WriteTx(ctx, fn) }()
	f.waitQueued(before + 1)
	return c
}

// waitQueued waits until n calls wait for their turn.
func (f *batchFixture) waitQueued(n int) {
	f.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); len(f.db.commits.queue) < n; {
		if time.Now().After(deadline) {
			f.t.Fatalf("%d calls wait for their turn after 30s, want %d", len(f.db.commits.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// insertTogether holds the writer with the entry e-00, queues n writers of
// the entries e-01 to e-n, lets go, and fails the test for each that fails.
func (f *batchFixture) insertTogether(n int) {
	f.t.Helper()
	let := f.hold("e-00")
	var calls []*call
	for i := 1; i <= n; i++ {
		calls = append(calls, f.queue(f.ctx, f.insert(fmt.Sprintf("e-%02d", i))))
	}
	if err := let(); err != nil {
		f.t.Fatal(err)
	}
	for i, c := range calls {
		if err := c.wait(); err != nil {
			f.t.Errorf("writer %d: %v", i+1, err)
		}
	}
}

func (c *call) wait() error {
	c.err = <-c.done
	return c.err
}

func TestWritersWaitingTogetherShareOneCommit(t *testing.T) {
	f := newBatchFixture(t)
	f.insertTogether(20)
	if n := f.commits.Load(); n != 1 {
		t.Errorf("21 writers that waited together committed %d times, want once", n)
	}
	if got := f.stored(); len(got) != 21 {
		t.Errorf("%d entries stored, want 21: %v", len(got), got)
	}
	// A writer alone commits at once, in a batch of its own.
	if err := f.db.WriteTx(f.ctx, f.insert("e-21")); err != nil {
		t.Fatal(err)
	}
	if n := f.commits.Load(); n != 2 {
		t.Errorf("%d commits after a lone write, want 2", n)
	}
}

func TestBatchesAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name        string
		max         int
		age         time.Duration
		wantCommits int64
	}{
		{"by count", 4, time.Hour, 3}, // 1 + 9 callers, 4 at a time
		{"by age", 64, 0, 10},         // a batch too old to take anyone in
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newBatchFixture(t)
			f.db.commits.maxBatch, f.db.commits.maxAge = tc.max, tc.age
			f.insertTogether(9)
			if n := f.commits.Load(); n != tc.wantCommits {
				t.Errorf("%d commits, want %d", n, tc.wantCommits)
			}
			if got := f.stored(); len(got) != 10 {
				t.Errorf("%d entries stored, want 10", len(got))
			}
		})
	}
}

func TestFailingCallersOfABatchRollBackAlone(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-00")
	domainErr := backend.Errorf(backend.EINVALID, "refused")
	plain := errors.New("plain failure")
	var calls []*call
	var want []string
	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("e-%02d", i)
		fn := f.insert(id)
		switch i % 3 {
		case 0:
			want = append(want, id)
		case 1: // writes, then fails with a domain error
			fn = func(tx backend.Tx) error {
				if err := f.insert(id)(tx); err != nil {
					return err
				}
				return domainErr
			}
		case 2: // writes twice, the second time a duplicate
			fn = func(tx backend.Tx) error {
				if err := f.insert(id)(tx); err != nil {
					return err
				}
				if err := f.insert("e-00")(tx); backend.ErrorKind(err) != backend.ECONFLICT {
					return fmt.Errorf("a duplicate of a write earlier in the batch: %w, want ECONFLICT", err)
				}
				return fmt.Errorf("wrapped: %w", plain)
			}
		}
		calls = append(calls, f.queue(f.ctx, fn))
	}
	if err := let(); err != nil {
		t.Fatal(err)
	}
	for i, c := range calls {
		err := c.wait()
		switch (i + 1) % 3 {
		case 0:
			if err != nil {
				t.Errorf("call %d: %v", i+1, err)
			}
		case 1:
			if err != domainErr { //nolint:errorlint // the very same error value must come back
				t.Errorf("call %d: %v, want the function's error unchanged", i+1, err)
			}
		case 2:
			if !errors.Is(err, plain) {
				t.Errorf("call %d: %v, want %v", i+1, err, plain)
			}
		}
	}
	// The holder's and the successful callers' entries only.
	f.wantStoredInOneCommit(append([]string{"e-00"}, want...))
}

func TestPanicInABatchRollsBackOnlyItsCaller(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	type marker struct{ msg string }
	recovered := make(chan any, 1)
	exited := make(chan struct{})
	var calls []*call
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("e-%d", i)
		switch i {
		case 2: // panics after writing, in its own goroutine
			before := len(f.db.commits.queue)
			go func() {
				defer func() { recovered <- recover() }()
				_ = f.db.WriteTx(f.ctx, func(tx backend.Tx) error {
					if err := f.insert(id)(tx); err != nil {
						return err
					}
					panic(marker{"boom"})
				})
			}()
			f.waitQueued(before + 1)
		case 4: // ends its goroutine (t.FailNow does) after writing
			before := len(f.db.commits.queue)
			go func() {
				defer close(exited)
				_ = f.db.WriteTx(f.ctx, func(tx backend.Tx) error {
					if err := f.insert(id)(tx); err != nil {
						return err
					}
					runtime.Goexit()
					return nil
				})
				t.Error("WriteTx returned after its function called runtime.Goexit")
			}()
			f.waitQueued(before + 1)
		default:
			calls = append(calls, f.queue(f.ctx, f.insert(id)))
		}
	}
	if err := let(); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if err := c.wait(); err != nil {
			t.Error(err)
		}
	}
	if r := <-recovered; r != (marker{"boom"}) {
		t.Errorf("recovered %#v, want the original panic value", r)
	}
	<-exited
	// Every entry but the panicking and the exiting callers'.
	f.wantStoredInOneCommit([]string{"e-0", "e-1", "e-3", "e-5"})
}

func TestCallerCancelledBeforeItsTurnNeverRuns(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	ctx, cancel := context.WithCancel(f.ctx)
	var ran atomic.Bool
	cancelled := f.queue(ctx, func(tx backend.Tx) error {
		ran.Store(true)
		return f.insert("e-1")(tx)
	})
	after := f.queue(f.ctx, f.insert("e-2"))
	cancel()
	// It returns while the writer is still held: it waits for no one.
	if err := cancelled.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want context.Canceled", err)
	}
	if err := let(); err != nil {
		t.Fatal(err)
	}
	if err := after.wait(); err != nil {
		t.Error(err)
	}
	if ran.Load() {
		t.Error("the function of a caller cancelled before its turn ran")
	}
	f.wantStoredInOneCommit([]string{"e-0", "e-2"})
}

// slowFunctionStarted and slowFunctionRelease drive gc_test_wait, an SQL
// function that blocks until released, for a statement still running when
// its caller's context is cancelled.
var (
	slowFunctionOnce    sync.Once
	slowFunctionStarted = make(chan struct{}, 1)
	slowFunctionRelease = make(chan struct{}, 1)
)

func registerSlowFunction(t *testing.T) {
	slowFunctionOnce.Do(func() {
		err := sqlite.RegisterScalarFunction("gc_test_wait", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
			slowFunctionStarted <- struct{}{}
			<-slowFunctionRelease
			return int64(1), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestCallerCancelledDuringItsTurnRollsBackAlone(t *testing.T) {
	registerSlowFunction(t) // before the store opens its connections
	f := newBatchFixture(t)
	let := f.hold("e-0")
	first := f.queue(f.ctx, f.insert("e-1"))

	// Cancelled while one of its statements runs: SQLite would answer an
	// interrupted INSERT by rolling back the whole transaction, the batch's.
	ctx, cancel := context.WithCancel(f.ctx)
	var afterCancel error
	mid := f.queue(ctx, func(t backend.Tx) error {
		_, err := rawTx(t).ExecContext(ctx, `INSERT INTO ledger_entries
			(id, account_id, kind, amount, currency, created_at, settles_at)
			SELECT 'e-2', ?, 'usage', gc_test_wait(), 'USD', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z'`, f.account)
		if err != nil {
			return err
		}
		afterCancel = f.insert("e-2b")(t)
		return nil
	})
	// Cancelled after its last statement, before its commit.
	ctx2, cancel2 := context.WithCancel(f.ctx)
	late := f.queue(ctx2, func(tx backend.Tx) error {
		if err := tx.InsertLedgerEntry(ctx2, f.entry("e-3")); err != nil {
			return err
		}
		cancel2()
		return nil
	})
	last := f.queue(f.ctx, f.insert("e-4"))

	go func() {
		<-slowFunctionStarted
		cancel()
		// Time for the driver to interrupt the statement, were its context
		// the caller's: a test of a mutation, never of the code as it is.
		time.Sleep(100 * time.Millisecond)
		slowFunctionRelease <- struct{}{}
	}()
	if err := let(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*call{first, last} {
		if err := c.wait(); err != nil {
			t.Errorf("a caller beside the cancelled ones: %v", err)
		}
	}
	if err := mid.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("caller cancelled during a statement: %v, want context.Canceled", err)
	}
	if !errors.Is(afterCancel, context.Canceled) {
		t.Errorf("a statement after the cancellation: %v, want context.Canceled", afterCancel)
	}
	if err := late.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("caller cancelled before its commit: %v, want context.Canceled", err)
	}
	f.wantStoredInOneCommit([]string{"e-0", "e-1", "e-4"})
}

func TestReadYourWritesInOrderWithinABatch(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	now := time.Now()
	child := &backend.Account{ID: "acc-child", Email: "child@example.com", OrganizationName: "Child",
		Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	creates := f.queue(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, child) })
	// Queued after it: sees the account, which its entry needs (a foreign key).
	uses := f.queue(f.ctx, func(tx backend.Tx) error {
		got, err := tx.GetAccountByEmail(f.ctx, "CHILD@example.com")
		if err != nil {
			return fmt.Errorf("the account written before in the batch: %w", err)
		}
		e := f.entry("e-1")
		e.AccountID = got.ID
		if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
			return err
		}
		sums, err := tx.LedgerTotals(f.ctx, got.ID, time.Now())
		if err != nil || sums.Settled != 1 {
			return fmt.Errorf("its own entry: settled %d, %w", sums.Settled, err)
		}
		return nil
	})
	// The same email again: taken by the batch's first caller.
	dup := *child
	dup.ID = "acc-dup"
	conflicts := f.queue(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, &dup) })
	if err := let(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*call{creates, uses} {
		if err := c.wait(); err != nil {
			t.Error(err)
			continue
		}
		// Answered only once committed: a read transaction begun now sees it.
		err := f.db.ReadTx(f.ctx, func(tx backend.Tx) error {
			_, err := tx.GetAccount(f.ctx, child.ID)
			return err
		})
		if err != nil {
			t.Errorf("read after the answer: %v", err)
		}
	}
	if err := conflicts.wait(); backend.ErrorKind(err) != backend.ECONFLICT {
		t.Errorf("the same email later in the batch: %v, want ECONFLICT", err)
	}
	f.wantStoredInOneCommit([]string{"e-0", "e-1"})
}

func TestNoCallerAnsweredBeforeTheCommit(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	var calls []*call
	for i := 1; i <= 5; i++ {
		calls = append(calls, f.queue(f.ctx, f.insert(fmt.Sprintf("e-%d", i))))
	}
	// Inside the commit every function has run; no caller may have returned.
	answered := make(chan int, 1)
	hook := func() {
		time.Sleep(50 * time.Millisecond) // time for a caller that does not wait to return
		n := 0
		for _, c := range calls {
			if len(c.done) > 0 {
				n++
			}
		}
		answered <- n
	}
	f.onCommit.Store(&hook)
	if err := let(); err != nil {
		t.Fatal(err)
	}
	if n := <-answered; n != 0 {
		t.Errorf("%d callers had their answer before the commit", n)
	}
	f.onCommit.Store(nil)
	for _, c := range calls {
		if err := c.wait(); err != nil {
			t.Error(err)
		}
	}
}

// TestBrokenBatchFailsEveryCallerThatRan covers the three ways a batch
// cannot commit: an error after which SQLite may have rolled back the whole
// transaction (here disk full), the transaction rolled back under the batch
// (as SQLite does after some of those errors), and a failing COMMIT.
func TestBrokenBatchFailsEveryCallerThatRan(t *testing.T) {
	for _, tc := range []struct {
		name string
		// breaks is the function of the caller that breaks the batch.
		breaks func(f *batchFixture) func(backend.Tx) error
		// nextBatch: the callers after the breaking one run in the next batch.
		nextBatch bool
	}{
		{"disk full", func(f *batchFixture) func(backend.Tx) error {
			return fillTheDisk(f, func(t backend.Tx) error {
				// SQLite rolls back the whole transaction after this one.
				return t.InsertAuditEvent(f.ctx, &backend.AuditEvent{ID: "big", AccountID: f.account,
					ChangeMadeBy: backend.ChangeByOperator, Action: "test.big",
					Changes: map[string]any{"blob": strings.Repeat("x", 1<<20)}, CreatedAt: time.Now()})
			})
		}, true},
		{"disk full, the statement alone rolled back", func(f *batchFixture) func(backend.Tx) error {
			return fillTheDisk(f, func(t backend.Tx) error {
				// With RETURNING, SQLite rolls back this statement alone and
				// the transaction goes on: the error still breaks the batch.
				_, err := rawTx(t).ExecContext(f.ctx, `INSERT INTO audit_events
					(id, account_id, change_made_by, action, changes, created_at)
					VALUES ('big', ?, 'operator', 'test.big', ?, '2025-01-01T00:00:00.000000Z') RETURNING id`,
					f.account, `{"blob":"`+strings.Repeat("x", 1<<20)+`"}`)
				return err
			})
		}, true},
		{"rolled back under it", func(f *batchFixture) func(backend.Tx) error {
			return func(t backend.Tx) error {
				if err := f.insert("e-2")(t); err != nil {
					return err
				}
				// Behind the store's back, as SQLite does after some errors
				// (wherever they surface: a row's Scan, say).
				if _, err := rawTx(t).ExecContext(f.ctx, "ROLLBACK"); err != nil {
					return err
				}
				// Would commit on its own, were it run.
				_ = f.insert("e-2b")(t)
				return nil
			}
		}, true},
		{"commit fails", func(f *batchFixture) func(backend.Tx) error {
			return func(t backend.Tx) error {
				// A foreign key checked at COMMIT only, and broken.
				raw := rawTx(t)
				if _, err := raw.ExecContext(f.ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
					return err
				}
				e := f.entry("e-2")
				e.AccountID = "no-such-account"
				return t.InsertLedgerEntry(f.ctx, e)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newBatchFixture(t)
			let := f.hold("e-0")
			before := f.queue(f.ctx, f.insert("e-1"))
			breaking := f.queue(f.ctx, tc.breaks(f))
			after := f.queue(f.ctx, f.insert("e-3"))
			holderErr := let()
			for name, err := range map[string]error{"holder": holderErr, "caller before": before.wait(), "breaking caller": breaking.wait()} {
				if err == nil {
					t.Errorf("%s of a batch that could not commit: answered nil", name)
				}
			}
			err := after.wait()
			var want []string
			if tc.nextBatch {
				// Never ran in the broken batch: the next one commits it.
				if err != nil {
					t.Errorf("caller after the breaking one: %v, want it to commit in the next batch", err)
				}
				want = []string{"e-3"}
			} else if err == nil {
				t.Error("caller after the breaking one, in the same batch: answered nil")
			}
			if got := f.stored(); !slices.Equal(got, want) {
				t.Errorf("stored %v, want %v", got, want)
			}
			// The store goes on (max_page_count is the connection's).
			if _, err := f.db.writer.ExecContext(f.ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
				t.Fatal(err)
			}
			if err := f.db.WriteTx(f.ctx, f.insert("e-9")); err != nil {
				t.Errorf("a write after the broken batch: %v", err)
			}
		})
	}
}

// fillTheDisk is the function of a caller that makes the database full for
// the rest of its transaction (max_page_count, the connection's), runs
// overflow, which must fail with SQLITE_FULL, swallows that error and writes
// e-2: what no batch may commit after such an error, were the statement
// even allowed to run.
func fillTheDisk(f *batchFixture, overflow func(backend.Tx) error) func(backend.Tx) error {
	return func(t backend.Tx) error {
		raw := rawTx(t)
		var pages int64
		if err := raw.QueryRowContext(f.ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			return err
		}
		if _, err := raw.ExecContext(f.ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
			return err
		}
		if err := overflow(t); !strings.Contains(fmt.Sprint(err), "full") {
			return fmt.Errorf("a write beyond max_page_count: %w, want database or disk is full", err)
		}
		_ = f.insert("e-2")(t)
		return nil
	}
}

func TestWriteTxAfterCloseFails(t *testing.T) {
	db := openTemp(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := db.WriteTx(t.Context(), func(backend.Tx) error { ran = true; return nil }); err == nil || ran {
		t.Errorf("WriteTx after Close: %v (function ran: %v), want an error and no run", err, ran)
	}
}

func TestCloseWaitsForTheBatchInProgress(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	queued := f.queue(f.ctx, f.insert("e-1"))
	closed := make(chan struct{})
	go func() { f.db.commits.close(); close(closed) }()
	if err := let(); err != nil {
		t.Errorf("the batch in progress at Close: %v", err)
	}
	<-closed
	// Queued behind the holder: it either joined its batch or was refused.
	if err := queued.wait(); err != nil && !errors.Is(err, errClosed) {
		t.Errorf("caller queued at Close: %v, want success or errClosed", err)
	}
	if err := f.db.WriteTx(f.ctx, f.insert("e-2")); !errors.Is(err, errClosed) {
		t.Errorf("WriteTx after Close: %v, want errClosed", err)
	}
}

// TestNestedAndClaimWithinABatch: the callers of one batch use Tx.Claim and
// Tx.Nested (the idempotency layer's nested transactions) as they would
// alone: a nested function that fails undoes its own writes and nothing of
// its caller's, a caller that fails after a nested success undoes both, and
// a panic in a nested function that its caller recovers keeps what a
// transaction of its own would have kept.
func TestNestedAndClaimWithinABatch(t *testing.T) {
	f := newBatchFixture(t)
	let := f.hold("e-0")
	nestedErr := backend.Errorf(backend.EINVALID, "nested refused")
	outerErr := errors.New("outer refused")
	// Writes e-1a, its nested function e-1b: both kept.
	both := f.queue(f.ctx, func(tx backend.Tx) error {
		if err := tx.Claim(f.ctx, backend.SetManagedAccounts, f.account); err != nil {
			return err
		}
		if err := f.insert("e-1a")(tx); err != nil {
			return err
		}
		return tx.Nested(f.ctx, f.insert("e-1b"))
	})
	// Its nested function writes e-2b and fails: e-2a and e-2c kept.
	nestedFails := f.queue(f.ctx, func(tx backend.Tx) error {
		if err := f.insert("e-2a")(tx); err != nil {
			return err
		}
		err := tx.Nested(f.ctx, func(tx backend.Tx) error {
			if err := f.insert("e-2b")(tx); err != nil {
				return err
			}
			return nestedErr
		})
		if err != nestedErr { //nolint:errorlint // Nested returns fn's error unchanged
			return fmt.Errorf("nested: %w, want its function's error", err)
		}
		return f.insert("e-2c")(tx)
	})
	// Its nested function succeeds, then it fails: nothing of it kept.
	outerFails := f.queue(f.ctx, func(tx backend.Tx) error {
		if err := tx.Nested(f.ctx, f.insert("e-3b")); err != nil {
			return err
		}
		return outerErr
	})
	// Recovers a panic of its nested function and returns nil: kept, as
	// alone (Nested did not return, its savepoint stays open in the
	// caller's, which commits with it).
	panics := f.queue(f.ctx, func(tx backend.Tx) error {
		defer func() {
			if r := recover(); r != "nested panic" {
				panic(r)
			}
		}()
		if err := f.insert("e-4a")(tx); err != nil {
			return err
		}
		_ = tx.Nested(f.ctx, func(tx backend.Tx) error {
			if err := f.insert("e-4b")(tx); err != nil {
				return err
			}
			panic("nested panic")
		})
		return nil
	})
	// After them all, sees exactly what they kept.
	var seen []string
	reads := f.queue(f.ctx, func(tx backend.Tx) error {
		seen = nil
		for _, id := range []string{"e-1a", "e-1b", "e-2a", "e-2b", "e-2c", "e-3b", "e-4a", "e-4b"} {
			var n int
			if err := rawTx(tx).QueryRowContext(f.ctx, `SELECT count(*) FROM ledger_entries WHERE id = ?`, id).Scan(&n); err != nil {
				return err
			}
			if n == 1 {
				seen = append(seen, id)
			}
		}
		return nil
	})
	if err := let(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*call{"both": both, "nested fails": nestedFails, "reads": reads} {
		if err := c.wait(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := outerFails.wait(); !errors.Is(err, outerErr) {
		t.Errorf("outer fails: %v, want %v", err, outerErr)
	}
	if err := panics.wait(); err != nil {
		t.Errorf("panics: %v", err)
	}
	want := []string{"e-1a", "e-1b", "e-2a", "e-2c", "e-4a", "e-4b"}
	if !slices.Equal(seen, want) {
		t.Errorf("the last caller of the batch saw %v, want %v", seen, want)
	}
	f.wantStoredInOneCommit(append([]string{"e-0"}, want...))
}
