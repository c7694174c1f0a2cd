package bench

import (
	"strings"
	"testing"
)

const goBenchSample = `usagebench: fixture of 10013000 events reused from /tmp/x
usagebench: fixture 1000 accounts created in 1.2s; 10013000 events ingested in 10m0s (16688 events/s); database 2886 MB
goos: linux
cpu: Test CPU @ 2.0GHz
BenchmarkReport31Days1000Accounts/http-2         	      20	  40000000 ns/op	        41.5 p50-ms	      1816 rows
BenchmarkReport31Days1000Accounts/http-2         	      20	  30000000 ns/op	        30.5 p50-ms	      1816 rows
BenchmarkReport31Days1000Accounts/http-2         	      20	  90000000 ns/op	        90.5 p50-ms	      1816 rows
BenchmarkReport31Days1000Accounts/service-2      	      20	  20000000 ns/op	        20 p50-ms
BenchmarkRawGroupBy-2                            	       1	18000000000 ns/op	     18000 p50-ms
BenchmarkIngest10kBatch-2                        	      10	 250000000 ns/op	     40000 events/s
BenchmarkIngest10kBatchHTTP-2                    	      10	 270000000 ns/op	     37000 events/s
BenchmarkIngest10kBatchRandomIDs-2               	      10	 300000000 ns/op	     33000 events/s
BenchmarkIngest10kBatchHTTP2Producers-2          	      10	 200000000 ns/op	     50000 events/s
BenchmarkCreateManagedAccount-2                  	    1000	   1600000 ns/op	    600000 cpu-ns/op	   32903 B/op	     570 allocs/op
PASS
`

// TestGoBenchTakesMedians: each figure is the median of the runs, in each
// unit, and the fixture line that has an ingestion rate is kept.
func TestGoBenchTakesMedians(t *testing.T) {
	g := &GoBench{}
	if err := ParseGoBench(strings.NewReader(goBenchSample), g); err != nil {
		t.Fatal(err)
	}
	if v, _ := g.Figure(benchReportHTTP, "p50-ms"); v != 41.5 {
		t.Errorf("median p50 %v, want 41.5", v)
	}
	if v, _ := g.Figure(benchReportHTTP, "ns/op"); v != 40000000 {
		t.Errorf("median ns/op %v, want 40000000", v)
	}
	if v, _ := g.Figure(benchCreate, "cpu-ns/op"); v != 600000 {
		t.Errorf("cpu-ns/op %v, want 600000", v)
	}
	if _, ok := g.Figure("BenchmarkNothing", "ns/op"); ok {
		t.Error("a figure of a benchmark that did not run")
	}
	if g.CPU != "Test CPU @ 2.0GHz" || len(g.Fixtures) != 1 || !strings.Contains(g.Fixtures[0], "10013000 events ingested") {
		t.Errorf("cpu %q, fixtures %q", g.CPU, g.Fixtures)
	}
	if len(g.Order) != 8 || g.Order[0] != benchReportHTTP {
		t.Errorf("order %v", g.Order)
	}
}

func TestMedianOfEvenAndOdd(t *testing.T) {
	if m, _ := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median of 3 values %v", m)
	}
	if m, _ := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4 values %v", m)
	}
	if _, ok := median(nil); ok {
		t.Error("a median of nothing")
	}
}
