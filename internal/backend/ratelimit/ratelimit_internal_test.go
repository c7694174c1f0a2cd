package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestTokenBucketAllowsTheBurstThenTheRate(t *testing.T) {
	clock := newFakeClock()
	l := New(2, 4, clock.Now) // 2 per second, 4 at once
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
}

func TestPeekSpendsNothingAndKeepsNothing(t *testing.T) {
	clock := newFakeClock()
	l := New(1, 2, clock.Now)
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
}

func TestLimiterDefaultsAndOff(t *testing.T) {
	if l := New(0, 10, nil); l != nil {
		t.Fatal("a rate of 0 must disable the limiter")
	}
	if l := New(2.5, 0, nil); l.burst != 3 {
		t.Fatalf("burst %v, want the rate rounded up (3)", l.burst)
	}
	if l := New(0.2, 0, nil); l.burst != 1 {
		t.Fatalf("burst %v, want at least 1", l.burst)
	}
}

func TestIdleBucketsAreEvicted(t *testing.T) {
	clock := newFakeClock()
	l := New(10, 10, clock.Now)
	l.maxBuckets = 100
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
	if n := l.size(); n > l.maxBuckets {
		t.Fatalf("%d buckets, over the bound of %d", n, l.maxBuckets)
	}
	// And the periodic sweep drops idle buckets without any pressure.
	l.maxBuckets = defaultMaxBuckets
	clock.advance(2 * time.Second)
	for range sweepEvery {
		l.Take("busy")
		clock.advance(time.Millisecond)
	}
	if n := l.size(); n != 1 {
		t.Fatalf("%d buckets after a periodic sweep, want only the busy one", n)
	}
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
