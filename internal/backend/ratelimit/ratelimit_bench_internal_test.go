package ratelimit

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkLimiter measures Limiter and its contender on golang.org/x/time/rate
// (xrateLimiter) on the server's shapes of use, from as many goroutines as
// GOMAXPROCS, on the real clock and the server's default rates:
//
//   - request: what each authenticated API request does, over 1,000 client
//     addresses and 1,000 keys: Peek the address's bucket of failed
//     authentications for the headers, Reserve a token of it, Refund it once
//     authenticated, and Take a token of the key's bucket.
//   - failed-auth: a failed authentication or sign-in, Reserve then Spend,
//     over 1,000 addresses, most of them already throttled.
//   - distinct-names: Take on a name never seen in a while, as a flood of
//     addresses does: the map grows to its bound and is swept.
func BenchmarkLimiter(b *testing.B) {
	addrs, keys, flood := benchNames("192.0.2.", 1000), benchNames("key-", 1000), benchNames("flood-", 1<<17)
	shapes := []struct {
		name string
		run  func(b *testing.B, newLimiter newLimiterFunc)
	}{
		{"request", func(b *testing.B, newLimiter newLimiterFunc) {
			failures, perKey := newLimiter(1, 10, nil), newLimiter(100, 200, nil)
			runParallel(b, func(i int) {
				addr, key := addrs[i%len(addrs)], keys[i%len(keys)]
				failures.Peek(addr)
				res, _, err := failures.reserve(context.Background(), addr)
				if err != nil {
					b.Error(err)
				}
				if res != nil {
					res.Refund()
				}
				perKey.Take(key)
			})
		}},
		{"failed-auth", func(b *testing.B, newLimiter newLimiterFunc) {
			failures := newLimiter(1, 10, nil)
			runParallel(b, func(i int) {
				res, _, err := failures.reserve(context.Background(), addrs[i%len(addrs)])
				if err != nil {
					b.Error(err)
				}
				if res != nil {
					res.Spend()
				}
			})
		}},
		{"distinct-names", func(b *testing.B, newLimiter newLimiterFunc) {
			perKey := newLimiter(100, 200, nil)
			runParallel(b, func(i int) { perKey.Take(flood[i%len(flood)]) })
		}},
	}
	for _, shape := range shapes {
		for _, impl := range limiters {
			b.Run("shape="+shape.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				shape.run(b, impl.new)
			})
		}
	}
}

func benchNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

// runParallel runs op from b.RunParallel's goroutines, each on its own
// stretch of indexes.
func runParallel(b *testing.B, op func(i int)) {
	var goroutines atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(goroutines.Add(1)) * 7919
		for pb.Next() {
			op(i)
			i++
		}
	})
}
