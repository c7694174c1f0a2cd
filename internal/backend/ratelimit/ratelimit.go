// Package ratelimit holds the token buckets that the HTTP API and the portal
// limit requests with. Buckets are kept in memory, so limits hold per
// replica: behind a load balancer with N replicas a caller may make up to N
// times the rate.
package ratelimit

// The buckets are written here, not built on golang.org/x/time/rate, which
// loses on correctness and on speed. A reserved token must come back when
// the attempt that holds it succeeds, after it ran; rate.Reservation.Cancel
// restores nothing once the reservation's time has passed (with it,
// TestRefundAfterTheAttemptRan fails). So a limiter on the library counts
// its reservations itself and keeps all the rest of this file (buckets by
// name, their bound and sweep, waiting for running attempts): the library
// takes over only the refill arithmetic. That contender (xrateLimiter in
// xrate_internal_test.go) passes every test here, and is slower:
// BenchmarkLimiter, 6 runs of each interleaved, twice, on a busy 2-core
// machine (medians, benchstat intervals of ±4 to 28%): a request's Peek,
// Reserve, Refund and Take 525 and 625 ns here against 814 and 730 ns; a
// failed authentication 155 and 149 against 191 and 170 ns; a flood of new
// names 645 and 478 against 1,145 and 670 ns, and 46 bytes allocated a name
// against 100.

import (
	"cmp"
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// defaultMaxBuckets bounds the buckets a limiter keeps. A full bucket is the
// same as a missing one, so full buckets are dropped first; beyond that, the
// fullest go first (dropping a bucket lets its caller through sooner, so the
// ones that restrict least), and a bucket with a pending reservation stays.
const defaultMaxBuckets = 50_000

// sweepEvery is how many takes pass between two sweeps of the full buckets.
const sweepEvery = 4096

// Limiter is a set of token buckets of one rate and burst, by name. A nil
// *Limiter is no limit: use New's result without checking it.
type Limiter struct {
	rate  float64 // tokens added per second
	burst float64 // the most a bucket holds
	now   func() time.Time
	// maxBuckets is defaultMaxBuckets but in tests.
	maxBuckets int

	mu      sync.Mutex
	buckets map[string]*bucket
	ops     int
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
	// pending counts the reservations not yet spent or refunded; a bucket
	// with any is never dropped, so that they find it again.
	pending int
	// settled is closed, and cleared, when a reservation is spent or
	// refunded, to wake the Reserves waiting for one; nil when none waits.
	settled chan struct{}
}

// Quota is a bucket's state after a Take, a Peek, a Reserve or a Spend.
type Quota struct {
	Allowed    bool
	Limit      int           // the bucket's size
	Remaining  int           // whole tokens left
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // until the next request may pass (when refused)
}

// New returns a limiter of rate requests per second with burst, or nil (no
// limit) when rate is 0 or less. A burst under 1 becomes the rate rounded
// up, and at least 1. now is its clock (nil: time.Now).
func New(rate float64, burst int, now func() time.Time) *Limiter {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, burst: float64(burst), now: now, maxBuckets: defaultMaxBuckets, buckets: map[string]*bucket{}}
}

// Take spends a token of name's bucket when it has one. A nil limiter allows
// everything.
func (l *Limiter) Take(name string) Quota { return l.use(name, true) }

// Peek tells whether name's bucket has a token, without spending it (nor
// keeping a bucket for name).
func (l *Limiter) Peek(name string) Quota { return l.use(name, false) }

func (l *Limiter) use(name string, spend bool) Quota {
	if l == nil {
		return Quota{Allowed: true}
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(name, now, spend)
	allowed := b.tokens >= 1
	if allowed && spend {
		b.tokens--
	}
	if spend {
		l.counted(now)
	}
	return l.quota(b, allowed)
}

// bucket returns name's bucket brought up to date, kept in the map when keep
// (a missing bucket is a full one). l.mu must be held.
func (l *Limiter) bucket(name string, now time.Time, keep bool) *bucket {
	b := l.buckets[name]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		if keep {
			l.makeRoom(now)
			l.buckets[name] = b
		}
	}
	b.refill(now, l.rate, l.burst)
	return b
}

// counted counts an operation that may have added a bucket, sweeping the
// full ones every sweepEvery. l.mu must be held.
func (l *Limiter) counted(now time.Time) {
	l.ops++
	if l.ops%sweepEvery == 0 {
		l.sweep(now)
	}
}

// quota describes b, allowed or not. l.mu must be held.
func (l *Limiter) quota(b *bucket, allowed bool) Quota {
	q := Quota{Allowed: allowed, Limit: int(l.burst), Remaining: int(math.Floor(b.tokens)), Reset: l.duration(l.burst - b.tokens)}
	if !allowed {
		q.RetryAfter = l.duration(1 - b.tokens)
	}
	return q
}

// Reservation is a token taken from a bucket ahead of an attempt whose
// outcome decides whether it counts: Spend it when the attempt fails, Refund
// it when it succeeds. A nil *Reservation (of a nil Limiter) does nothing.
type Reservation struct {
	l       *Limiter
	b       *bucket
	settled bool // guarded by l.mu
}

// Reserve takes a token of name's bucket before an attempt, so that however
// many attempts arrive at once, no more run than the bucket allows (checking
// the bucket before the attempt and spending after it would let through
// every attempt that arrives meanwhile). When the bucket is empty but
// attempts holding its tokens are still running, Reserve waits until one of
// them settles, since it may give its token back: so attempts that succeed
// are never refused for running at the same time. When none is running it
// refuses at once. The Quota tells whether it was allowed; the Reservation
// is nil when it was not. It returns ctx's error if ctx ends while it waits.
// A nil limiter allows everything.
func (l *Limiter) Reserve(ctx context.Context, name string) (*Reservation, Quota, error) {
	if l == nil {
		return nil, Quota{Allowed: true}, nil
	}
	for {
		now := l.now()
		l.mu.Lock()
		b := l.bucket(name, now, true)
		l.counted(now)
		if b.tokens >= 1 {
			b.tokens--
			b.pending++
			q := l.quota(b, true)
			l.mu.Unlock()
			return &Reservation{l: l, b: b}, q, nil
		}
		if b.pending == 0 {
			q := l.quota(b, false)
			l.mu.Unlock()
			return nil, q, nil
		}
		if b.settled == nil {
			b.settled = make(chan struct{})
		}
		settled := b.settled
		l.mu.Unlock()
		select {
		case <-settled:
		case <-ctx.Done():
			return nil, Quota{}, ctx.Err()
		}
	}
}

// Spend keeps the reserved token spent (the attempt failed) and returns the
// bucket's state after it. Spending or refunding again does nothing.
func (r *Reservation) Spend() Quota {
	if r == nil {
		return Quota{Allowed: true}
	}
	return r.settle(false)
}

// Refund gives the reserved token back (the attempt succeeded, or was never
// made). After Spend, or a first Refund, it does nothing: defer it to settle
// a reservation on every path.
func (r *Reservation) Refund() {
	if r != nil {
		r.settle(true)
	}
}

func (r *Reservation) settle(refund bool) Quota {
	now := r.l.now()
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	b := r.b
	b.refill(now, r.l.rate, r.l.burst)
	if !r.settled {
		r.settled = true
		b.pending--
		if refund {
			b.tokens = math.Min(r.l.burst, b.tokens+1)
		}
		if b.settled != nil {
			close(b.settled)
			b.settled = nil
		}
	}
	return r.l.quota(b, true)
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(burst, b.tokens+elapsed*rate)
		b.at = now
	}
}

// duration is how long the bucket takes to gain tokens.
func (l *Limiter) duration(tokens float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(tokens / l.rate * float64(time.Second))
}

// makeRoom keeps the map under maxBuckets before a bucket is added.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxBuckets {
		return
	}
	l.sweep(now)
	if len(l.buckets) < l.maxBuckets {
		return
	}
	// The buckets with the most tokens go first: they restrict their callers
	// least. An attacker who floods new names to evict a throttled caller's
	// bucket (and reset its throttle) loses its own buckets first.
	type candidate struct {
		name   string
		tokens float64
	}
	candidates := make([]candidate, 0, len(l.buckets))
	for name, b := range l.buckets {
		if b.pending == 0 {
			candidates = append(candidates, candidate{name, b.tokens})
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int { return cmp.Compare(b.tokens, a.tokens) })
	for _, c := range candidates {
		if len(l.buckets) < l.maxBuckets*3/4 {
			break
		}
		delete(l.buckets, c.name)
	}
}

// sweep drops the buckets that have filled up again: idle callers.
func (l *Limiter) sweep(now time.Time) {
	for name, b := range l.buckets {
		b.refill(now, l.rate, l.burst)
		if b.tokens >= l.burst && b.pending == 0 {
			delete(l.buckets, name)
		}
	}
}

func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientAddress is the bucket of a request's peer address: the address
// itself for IPv4, its /64 for IPv6 (one host commonly holds a whole /64).
// Forwarded headers are not trusted: behind a proxy every client shares the
// proxy's bucket, which the operator sizes accordingly.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	}
	return addr.String()
}
