package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkStatementCache measures the statement cache on the store's
// shape of use, from as many goroutines as GOMAXPROCS on the reader pool:
//
//   - hits: 120 statements of 250 bytes or so (the store's and usage
//     ingestion's), each query found in its connection's cache, run, and
//     given back: the hot path of every request.
//   - churn: 400 statements, more than a connection keeps, so that every
//     query prepares its statement and evicts another.
//   - bookkeeping: the cache alone, each goroutine on a connection of its
//     own: take a cached statement and give it back, without running it.
func BenchmarkStatementCache(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	statements := func(n int) []string {
		qs := make([]string, n)
		for i := range qs {
			qs[i] = fmt.Sprintf("SELECT ?1 + %d AS n -- %s", i, strings.Repeat("x", 220))
		}
		return qs
	}
	query := func(b *testing.B, qs []string) {
		b.ReportAllocs()
		var goroutines atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			// Each goroutine on its own stretch of statements.
			for i := int(goroutines.Add(1)) * 7919; pb.Next(); i++ {
				var n int
				if err := db.reader.QueryRowContext(b.Context(), qs[i%len(qs)], 1).Scan(&n); err != nil || n != 1+i%len(qs) {
					b.Errorf("%s: %d, %v", qs[i%len(qs)], n, err)
				}
			}
		})
	}
	b.Run("shape=hits", func(b *testing.B) { query(b, statements(120)) })
	b.Run("shape=churn", func(b *testing.B) { query(b, statements(400)) })
	b.Run("shape=bookkeeping", func(b *testing.B) {
		qs := statements(120)
		b.ReportAllocs()
		var goroutines atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			conn, err := db.reader.Conn(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			i := int(goroutines.Add(1)) * 7919
			err = conn.Raw(func(dc any) error {
				c, ok := dc.(*stmtCacheConn)
				if !ok {
					return fmt.Errorf("the connection is a %T, not a *stmtCacheConn", dc)
				}
				for pb.Next() {
					s, err := c.PrepareContext(context.Background(), qs[i%len(qs)])
					if err != nil {
						return err
					}
					if err := s.Close(); err != nil {
						return err
					}
					i++
				}
				return nil
			})
			if err != nil {
				b.Error(err)
			}
		})
	})
}
