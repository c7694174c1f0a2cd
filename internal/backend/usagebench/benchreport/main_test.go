package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `usagebench: fixture of 10013000 events reused from /tmp/x
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
PASS
`

// TestReportTakesMediansAndJudgesTargets: each figure is the median of the
// runs, and each target says met or missed from it.
func TestReportTakesMediansAndJudgesTargets(t *testing.T) {
	p := &parsed{results: map[string]*result{}}
	if err := parse(strings.NewReader(sample), p); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.figure("BenchmarkReport31Days1000Accounts/http", "p50-ms"); v != 41.5 {
		t.Fatalf("median p50 %v, want 41.5", v)
	}
	var out bytes.Buffer
	write(&out, p)
	md := out.String()
	if strings.Contains(md, "reused") {
		t.Errorf("a reused fixture has no ingestion figure to show:\n%s", md)
	}
	for _, want := range []string{
		"Test CPU @ 2.0GHz",
		"| 900 times (20.0 ms against 18000 ms) | met |",
		"| 41.5 ms through HTTP (20.0 ms in the service) | met |",
		"| 40000 events/s (service), 37000 events/s (HTTP) | **missed** |",
		"10013000 events ingested",
		"Report fixture: fixture 1000",
		"| Report31Days1000Accounts/http | 3 | 20 | 40.00 ms/op | 41.5 p50-ms, 1816 rows |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}
