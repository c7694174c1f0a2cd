// Package ratelimit holds the token buckets that the HTTP API and the portal
// limit requests with. Buckets are kept in memory, so limits hold per
// replica: behind a load balancer with N replicas a caller may make up to N
// times the rate.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// defaultMaxBuckets bounds the buckets a limiter keeps. A full bucket is the
// same as a missing one, so full buckets are dropped first; beyond that, an
// arbitrary bucket goes, which only ever lets a caller through sooner.
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
}

// Quota is a bucket's state after a Take or a Peek.
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
	b := l.buckets[name]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		if spend {
			l.makeRoom(now)
			l.buckets[name] = b
		}
	}
	b.refill(now, l.rate, l.burst)
	q := Quota{Allowed: b.tokens >= 1, Limit: int(l.burst)}
	if q.Allowed && spend {
		b.tokens--
	}
	if !q.Allowed {
		q.RetryAfter = l.duration(1 - b.tokens)
	}
	q.Remaining = int(math.Floor(b.tokens))
	q.Reset = l.duration(l.burst - b.tokens)
	if spend {
		l.ops++
		if l.ops%sweepEvery == 0 {
			l.sweep(now)
		}
	}
	return q
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
	for name := range l.buckets {
		if len(l.buckets) < l.maxBuckets*3/4 {
			break
		}
		delete(l.buckets, name)
	}
}

// sweep drops the buckets that have filled up again: idle callers.
func (l *Limiter) sweep(now time.Time) {
	for name, b := range l.buckets {
		b.refill(now, l.rate, l.burst)
		if b.tokens >= l.burst {
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
