package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

// limiterUnderTest is what the tests and BenchmarkLimiter ask of a limiter,
// so that they run on Limiter and on its contender built on
// golang.org/x/time/rate (xrateLimiter).
type limiterUnderTest interface {
	Take(name string) Quota
	Peek(name string) Quota
	// reserve is Reserve; its reservation is nil when it was not allowed.
	reserve(ctx context.Context, name string) (reservation, Quota, error)
	size() int
	holds(name string) bool
	setMaxBuckets(n int)
}

type reservation interface {
	Spend() Quota
	Refund()
}

type newLimiterFunc func(rate float64, burst int, now func() time.Time) limiterUnderTest

// limiters are the implementations under test, by name.
var limiters = []struct {
	name string
	new  newLimiterFunc
}{
	{"hand-written", func(rate float64, burst int, now func() time.Time) limiterUnderTest { return New(rate, burst, now) }},
	{"x-time-rate", func(rate float64, burst int, now func() time.Time) limiterUnderTest {
		return newXrate(rate, burst, now)
	}},
}

// eachLimiter runs test on each implementation.
func eachLimiter(t *testing.T, test func(t *testing.T, newLimiter newLimiterFunc)) {
	for _, impl := range limiters {
		t.Run(impl.name, func(t *testing.T) { test(t, impl.new) })
	}
}

func (l *Limiter) reserve(ctx context.Context, name string) (reservation, Quota, error) {
	res, q, err := l.Reserve(ctx, name)
	if res == nil {
		return nil, q, err
	}
	return res, q, err
}

func (l *Limiter) holds(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.buckets[name]
	return ok
}

func (l *Limiter) setMaxBuckets(n int) { l.maxBuckets = n }

func (l *xrateLimiter) reserve(ctx context.Context, name string) (reservation, Quota, error) {
	res, q, err := l.Reserve(ctx, name)
	if res == nil {
		return nil, q, err
	}
	return res, q, err
}

func (l *xrateLimiter) holds(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.buckets[name]
	return ok
}

func (l *xrateLimiter) setMaxBuckets(n int) { l.maxBuckets = n }

func TestTokenBucketAllowsTheBurstThenTheRate(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		clock := newFakeClock()
		l := newLimiter(2, 4, clock.Now) // 2 per second, 4 at once
		for i := range 4 {
			q := l.Take("key")
			if !q.Allowed || q.Limit != 4 || q.Remaining != 3-i {
				t.Fatalf("request %d of the burst: %+v, want allowed with %d remaining of 4", i+1, q, 3-i)
			}
		}
		q := l.Take("key")
		if q.Allowed || q.Remaining != 0 {
			t.Fatalf("request beyond the burst: %+v, want refused", q)
		}
		if q.RetryAfter != 500*time.Millisecond || q.Reset != 2*time.Second {
			t.Fatalf("retryAfter %s, reset %s; want 500ms until a token, 2s until full", q.RetryAfter, q.Reset)
		}
		// A refused request spends nothing: half a second later one passes.
		clock.advance(500 * time.Millisecond)
		if q := l.Take("key"); !q.Allowed || q.Remaining != 0 {
			t.Fatalf("after 500ms: %+v, want one request allowed", q)
		}
		// Other keys have buckets of their own.
		if q := l.Take("other"); !q.Allowed || q.Remaining != 3 {
			t.Fatalf("another key: %+v, want a full bucket", q)
		}
		// The bucket fills up to the burst, never beyond.
		clock.advance(time.Hour)
		if q := l.Take("key"); q.Remaining != 3 || q.Reset != 500*time.Millisecond {
			t.Fatalf("after an hour: %+v, want 3 remaining and 500ms to full", q)
		}
	})
}

func TestPeekSpendsNothingAndKeepsNothing(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		clock := newFakeClock()
		l := newLimiter(1, 2, clock.Now)
		for range 5 {
			if q := l.Peek("addr"); !q.Allowed || q.Remaining != 2 {
				t.Fatalf("peek: %+v, want a full bucket", q)
			}
		}
		if n := l.size(); n != 0 {
			t.Fatalf("peeking kept %d buckets, want 0", n)
		}
		l.Take("addr")
		l.Take("addr")
		if q := l.Peek("addr"); q.Allowed {
			t.Fatalf("peek at an empty bucket: %+v, want refused", q)
		}
	})
}

func TestLimiterDefaultsAndOff(t *testing.T) {
	if l := New(0, 10, nil); l != nil {
		t.Fatal("a rate of 0 must disable the limiter")
	}
	if l := newXrate(0, 10, nil); l != nil {
		t.Fatal("a rate of 0 must disable the contender")
	}
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		if q := newLimiter(2.5, 0, nil).Peek("addr"); q.Limit != 3 {
			t.Fatalf("burst %v, want the rate rounded up (3)", q.Limit)
		}
		if q := newLimiter(0.2, 0, nil).Peek("addr"); q.Limit != 1 {
			t.Fatalf("burst %v, want at least 1", q.Limit)
		}
	})
}

func TestIdleBucketsAreEvicted(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		clock := newFakeClock()
		l := newLimiter(10, 10, clock.Now)
		const maxBuckets = 100
		l.setMaxBuckets(maxBuckets)
		for i := range 99 {
			l.Take(fmt.Sprint("idle-", i))
		}
		clock.advance(2 * time.Second) // every bucket is full again
		l.Take("busy")
		l.Take("newcomer") // the map is at its bound: full buckets go first
		if n := l.size(); n != 2 {
			t.Fatalf("%d buckets after the sweep, want the 2 in use", n)
		}
		// Under a flood of distinct names the map stays bounded.
		for i := range 1000 {
			l.Take(fmt.Sprint("flood-", i))
		}
		if n := l.size(); n > maxBuckets {
			t.Fatalf("%d buckets, over the bound of %d", n, maxBuckets)
		}
		// And the periodic sweep drops idle buckets without any pressure.
		l.setMaxBuckets(defaultMaxBuckets)
		clock.advance(2 * time.Second)
		for range sweepEvery {
			l.Take("busy")
			clock.advance(time.Millisecond)
		}
		if n := l.size(); n != 1 {
			t.Fatalf("%d buckets after a periodic sweep, want only the busy one", n)
		}
	})
}

func TestClientAddressGroupsIPv6By64(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:4321", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"not an address", "not an address"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/v2/balance", nil)
		r.RemoteAddr = tc.remote
		if got := ClientAddress(r); got != tc.want {
			t.Errorf("ClientAddress(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

// TestReserveBoundsTheAttemptsRunningAtOnce: of 100 attempts at once on a
// bucket of 5, exactly 5 run; the others wait while those run (one might
// give its token back) and are refused once all 5 have failed.
func TestReserveBoundsTheAttemptsRunningAtOnce(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		l := newLimiter(1, 5, newFakeClock().Now)
		const n = 100
		var (
			start, release = make(chan struct{}), make(chan struct{})
			reserved       = make(chan struct{}, n)
			allowed        atomic.Int64
			wg             sync.WaitGroup
		)
		for range n {
			wg.Go(func() {
				<-start
				res, q, err := l.reserve(context.Background(), "addr")
				if err != nil || q.Allowed != (res != nil) {
					t.Errorf("Reserve: %v, %+v, %v", res, q, err)
					return
				}
				if !q.Allowed {
					if q.RetryAfter != time.Second {
						t.Errorf("refused with RetryAfter %s, want 1s", q.RetryAfter)
					}
					return
				}
				allowed.Add(1)
				reserved <- struct{}{}
				<-release
				res.Spend() // the attempt failed
			})
		}
		close(start)
		for range 5 {
			<-reserved
		}
		close(release)
		wg.Wait()
		if got := allowed.Load(); got != 5 {
			t.Fatalf("%d of %d attempts ran, want 5", got, n)
		}
		if q := l.Peek("addr"); q.Allowed || q.Remaining != 0 {
			t.Fatalf("after 5 failures: %+v, want an empty bucket", q)
		}
	})
}

// TestRefundedReservationsLetEveryAttemptThrough: attempts that succeed give
// their token back, so 50 at once on a bucket of 2 all run (the others wait
// their turn) and leave the bucket full.
func TestRefundedReservationsLetEveryAttemptThrough(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		l := newLimiter(1, 2, newFakeClock().Now)
		var (
			start   = make(chan struct{})
			allowed atomic.Int64
			wg      sync.WaitGroup
		)
		for range 50 {
			wg.Go(func() {
				<-start
				res, q, err := l.reserve(context.Background(), "addr")
				if err != nil || !q.Allowed {
					t.Errorf("Reserve: %+v, %v; want allowed", q, err)
					return
				}
				allowed.Add(1)
				res.Refund()
			})
		}
		close(start)
		wg.Wait()
		if got := allowed.Load(); got != 50 {
			t.Fatalf("%d of 50 succeeding attempts ran, want all", got)
		}
		if q := l.Peek("addr"); q.Remaining != 2 {
			t.Fatalf("after refunds: %+v, want the bucket full", q)
		}
	})
}

// TestRefundAfterTheAttemptRan: a token given back after the attempt has
// taken its time (a password hash, a database round trip) is back in the
// bucket, and one spent after it is spent, on a bucket that refills far
// slower than the attempt runs.
func TestRefundAfterTheAttemptRan(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		clock := newFakeClock()
		l := newLimiter(1.0/3600, 2, clock.Now) // a token an hour
		succeeds, _, _ := l.reserve(context.Background(), "addr")
		fails, q, _ := l.reserve(context.Background(), "addr")
		if q.Remaining != 0 {
			t.Fatalf("two reservations of 2: %+v, want none remaining", q)
		}
		clock.advance(time.Second)
		succeeds.Refund()
		if q := fails.Spend(); q.Remaining != 1 {
			t.Fatalf("one refunded, one spent, a second later: %+v, want 1 remaining", q)
		}
		if res, q, _ := l.reserve(context.Background(), "addr"); res == nil || q.Remaining != 0 {
			t.Fatalf("reserving the refunded token: %v, %+v; want it taken", res, q)
		}
	})
}

func TestReservationSettlesOnce(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		l := newLimiter(1, 3, newFakeClock().Now)
		first, _, _ := l.reserve(context.Background(), "addr")
		second, q, _ := l.reserve(context.Background(), "addr")
		if q.Remaining != 1 {
			t.Fatalf("two reservations of 3: %+v, want 1 remaining", q)
		}
		if q := first.Spend(); q.Remaining != 1 {
			t.Fatalf("spent: %+v, want 1 remaining", q)
		}
		first.Refund() // after Spend: nothing
		second.Refund()
		second.Refund() // again: nothing
		if q := l.Peek("addr"); q.Remaining != 2 {
			t.Fatalf("one spent, one refunded twice: %+v, want 2 remaining", q)
		}
	})
	// A nil limiter allows everything, and its nil reservation does nothing.
	var off *Limiter
	res, q, err := off.Reserve(context.Background(), "addr")
	if res != nil || !q.Allowed || err != nil {
		t.Fatalf("nil limiter: %v, %+v, %v", res, q, err)
	}
	res.Refund()
	if q := res.Spend(); !q.Allowed {
		t.Fatalf("nil reservation's Spend: %+v", q)
	}
}

// TestReserveWaitEndsWithItsContext: a Reserve that waits for a running
// attempt gives up when its context ends.
func TestReserveWaitEndsWithItsContext(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		l := newLimiter(1, 1, newFakeClock().Now)
		held, _, _ := l.reserve(context.Background(), "addr")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if res, _, err := l.reserve(ctx, "addr"); res != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("waiting with an ended context: %v, %v; want context.Canceled", res, err)
		}
		held.Refund()
		if res, q, err := l.reserve(ctx, "addr"); res == nil || !q.Allowed || err != nil {
			t.Fatalf("a token to take: %v, %+v, %v; want it taken, without waiting", res, q, err)
		}
	})
}

// TestBucketsWithReservationsAreNotEvicted: a bucket whose tokens are
// reserved stays, however many names flood the limiter and however full it
// is again, so that the reservations settle on it and no new full bucket
// replaces it meanwhile.
func TestBucketsWithReservationsAreNotEvicted(t *testing.T) {
	eachLimiter(t, func(t *testing.T, newLimiter newLimiterFunc) {
		clock := newFakeClock()
		l := newLimiter(10, 10, clock.Now)
		l.setMaxBuckets(100)
		res, _, _ := l.reserve(context.Background(), "held")
		clock.advance(time.Hour) // full again, but for the reservation
		for i := range 1000 {
			l.Take(fmt.Sprint("flood-", i))
		}
		if !l.holds("held") {
			t.Fatal("a bucket with a pending reservation was evicted")
		}
		res.Spend()
	})
}

// TestAFloodOfNamesDoesNotEvictAnExhaustedBucket: a caller that spent its
// burst (a sign-in throttle's target, say) stays limited when an attacker
// fills the limiter with new names: the buckets with the most tokens go
// first when it is full, so the flood's own buckets go before the exhausted
// one, and the attacker cannot reset a throttle by cycling names.
func TestAFloodOfNamesDoesNotEvictAnExhaustedBucket(t *testing.T) {
	clock := newFakeClock()
	l := New(1, 5, clock.Now)
	const maxBuckets = 100
	l.setMaxBuckets(maxBuckets)
	for range 5 {
		l.Take("victim")
	}
	if q := l.Peek("victim"); q.Allowed {
		t.Fatal("the victim's burst is not spent")
	}
	// Each flood name spends one token of its burst: more tokens left than
	// the victim's bucket, which an arbitrary eviction would not tell apart.
	for i := range 10 * maxBuckets {
		l.Take(fmt.Sprint("flood-", i))
	}
	if n := l.size(); n > maxBuckets {
		t.Fatalf("%d buckets, over the bound of %d", n, maxBuckets)
	}
	if q := l.Peek("victim"); q.Allowed {
		t.Fatal("a flood of new names evicted the victim's exhausted bucket: its throttle was reset")
	}
}
