package ratelimit

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// xrateLimiter is Limiter with its buckets' arithmetic left to
// golang.org/x/time/rate: the contender that the tests (eachLimiter) and
// BenchmarkLimiter run beside Limiter. The library keeps one bucket and has
// no notion of the rest, which is therefore Limiter's again: buckets by name,
// their bound and sweep, and reservations that attempts settle afterwards
// and that others wait for.
//
// A reservation only counts as pending here, and Spend takes its token: the
// library's own reservation cannot be refunded once the attempt has run,
// since rate.Reservation.Cancel restores nothing after the reservation's
// time (TestXrateCancelRestoresNothingAfterTheAttempt). A token reserved
// therefore does not refill while its attempt runs, which is stricter than
// Limiter when the bucket is nearly full, and never looser.
type xrateLimiter struct {
	limit      rate.Limit
	burst      int
	now        func() time.Time
	maxBuckets int

	mu      sync.Mutex
	buckets map[string]*xrateBucket
	ops     int
}

type xrateBucket struct {
	lim     *rate.Limiter
	pending int
	settled chan struct{}
}

func newXrate(r float64, burst int, now func() time.Time) *xrateLimiter {
	if r <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(r)))
	}
	if now == nil {
		now = time.Now
	}
	return &xrateLimiter{limit: rate.Limit(r), burst: burst, now: now, maxBuckets: defaultMaxBuckets, buckets: map[string]*xrateBucket{}}
}

// available is what a bucket may still give: its tokens less those pending.
func (b *xrateBucket) available(now time.Time) float64 {
	return b.lim.TokensAt(now) - float64(b.pending)
}

func (l *xrateLimiter) Take(name string) Quota { return l.use(name, true) }

func (l *xrateLimiter) Peek(name string) Quota { return l.use(name, false) }

func (l *xrateLimiter) use(name string, spend bool) Quota {
	if l == nil {
		return Quota{Allowed: true}
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(name, now, spend)
	allowed := b.available(now) >= 1
	if allowed && spend {
		b.lim.AllowN(now, 1)
	}
	if spend {
		l.counted(now)
	}
	return l.quota(b, now, allowed)
}

func (l *xrateLimiter) bucket(name string, now time.Time, keep bool) *xrateBucket {
	b := l.buckets[name]
	if b == nil {
		b = &xrateBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		if keep {
			l.makeRoom(now)
			l.buckets[name] = b
		}
	}
	return b
}

func (l *xrateLimiter) counted(now time.Time) {
	l.ops++
	if l.ops%sweepEvery == 0 {
		l.sweep(now)
	}
}

func (l *xrateLimiter) quota(b *xrateBucket, now time.Time, allowed bool) Quota {
	tokens := b.available(now)
	q := Quota{Allowed: allowed, Limit: l.burst, Remaining: int(math.Floor(tokens)), Reset: l.duration(float64(l.burst) - tokens)}
	if !allowed {
		q.RetryAfter = l.duration(1 - tokens)
	}
	return q
}

func (l *xrateLimiter) duration(tokens float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(tokens / float64(l.limit) * float64(time.Second))
}

type xrateReservation struct {
	l       *xrateLimiter
	b       *xrateBucket
	settled bool
}

func (l *xrateLimiter) Reserve(ctx context.Context, name string) (*xrateReservation, Quota, error) {
	if l == nil {
		return nil, Quota{Allowed: true}, nil
	}
	for {
		now := l.now()
		l.mu.Lock()
		b := l.bucket(name, now, true)
		l.counted(now)
		if b.available(now) >= 1 {
			b.pending++
			q := l.quota(b, now, true)
			l.mu.Unlock()
			return &xrateReservation{l: l, b: b}, q, nil
		}
		if b.pending == 0 {
			q := l.quota(b, now, false)
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

func (r *xrateReservation) Spend() Quota {
	if r == nil {
		return Quota{Allowed: true}
	}
	return r.settle(false)
}

func (r *xrateReservation) Refund() {
	if r != nil {
		r.settle(true)
	}
}

func (r *xrateReservation) settle(refund bool) Quota {
	now := r.l.now()
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	b := r.b
	if !r.settled {
		r.settled = true
		b.pending--
		if !refund {
			// The bucket held a token for each pending reservation.
			b.lim.AllowN(now, 1)
		}
		if b.settled != nil {
			close(b.settled)
			b.settled = nil
		}
	}
	return r.l.quota(b, now, true)
}

func (l *xrateLimiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxBuckets {
		return
	}
	l.sweep(now)
	for name, b := range l.buckets {
		if len(l.buckets) < l.maxBuckets*3/4 {
			break
		}
		if b.pending == 0 {
			delete(l.buckets, name)
		}
	}
}

func (l *xrateLimiter) sweep(now time.Time) {
	for name, b := range l.buckets {
		if b.pending == 0 && b.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, name)
		}
	}
}

func (l *xrateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// TestXrateCancelRestoresNothingAfterTheAttempt: the library's reservation
// gives its token back when cancelled before its time, not after: so it
// cannot be the refund of an attempt that ran, which is why xrateLimiter
// counts reservations itself.
func TestXrateCancelRestoresNothingAfterTheAttempt(t *testing.T) {
	clock := newFakeClock()
	lim := rate.NewLimiter(rate.Every(time.Minute), 1)
	res := lim.ReserveN(clock.Now(), 1)
	clock.advance(time.Second) // the attempt runs
	res.CancelAt(clock.Now())
	if tokens := lim.TokensAt(clock.Now()); tokens >= 1 {
		t.Fatalf("%.3f tokens after a refund by Cancel: the library refunds after the attempt now; xrateLimiter could use it", tokens)
	}
}
