package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadCountsAnswersAndFailures: a load counts the answers with the
// wanted status as requests, the others as failures with the first one
// described, and reports percentiles in order.
func TestLoadCountsAnswersAndFailures(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	load := Load{
		Concurrency: 4, Duration: 200 * time.Millisecond, WantStatus: http.StatusOK,
		NewRequest: func(ctx context.Context, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
		},
	}
	res, err := load.Run(t.Context(), NewLoadClient(4))
	if err != nil {
		t.Fatal(err)
	}
	total := n.Load()
	if res.Requests == 0 || res.Failures == 0 || res.Requests+res.Failures > total {
		t.Fatalf("%d requests and %d failures out of %d answers", res.Requests, res.Failures, total)
	}
	if res.FirstFailure == "" {
		t.Error("no description of the first failure")
	}
	if !(res.P50Ms <= res.P90Ms && res.P90Ms <= res.P99Ms && res.P99Ms <= res.MaxMs) {
		t.Errorf("percentiles out of order: %+v", res)
	}
	if res.RequestsPerSec <= 0 || res.Seconds <= 0 {
		t.Errorf("no rate: %+v", res)
	}
}

// TestLoadStopsOnARequestThatCannotBeMade: an error making a request ends
// the run with that error.
func TestLoadStopsOnARequestThatCannotBeMade(t *testing.T) {
	load := Load{Concurrency: 2, Duration: time.Second, WantStatus: http.StatusOK,
		NewRequest: func(ctx context.Context, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "BAD METHOD", "http://127.0.0.1:1/", nil)
		}}
	if _, err := load.Run(t.Context(), NewLoadClient(2)); err == nil {
		t.Fatal("a request that cannot be made did not fail the run")
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.5, time.Millisecond}} {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("the percentile of nothing is not 0")
	}
}

// TestLoadMeasuresItsTiersAroundTheMeasuredPart: each tier's CPU is read
// just before and just after the measured part (not the warm-up), and a
// tier that cannot be read is left out rather than reported as nothing.
func TestLoadMeasuresItsTiersAroundTheMeasuredPart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	var reads atomic.Int64
	load := Load{
		Concurrency: 2, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond, WantStatus: http.StatusOK,
		NewRequest: func(ctx context.Context, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
		},
		Tiers: []Tier{
			// 1.5 s at the first read, 4 s at the second.
			{Name: TierServer, CPU: func() (float64, error) {
				return []float64{1.5, 4}[min(reads.Add(1)-1, 1)], nil
			}},
			{Name: TierDatabase, CPU: func() (float64, error) { return 0, errors.New("not here") }},
			GeneratorTier(),
		},
	}
	res, err := load.Run(t.Context(), NewLoadClient(2))
	if err != nil {
		t.Fatal(err)
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("the server tier was read %d times, want twice (before and after the measured part)", n)
	}
	if len(res.CPU) != 2 || res.CPU[0] != (TierCPU{Tier: TierServer, Seconds: 2.5}) || res.CPU[1].Tier != TierGenerator {
		t.Fatalf("CPU %+v, want the server's 2.5 s then the generator's, and no database", res.CPU)
	}
	us, ok := res.CPUPerRequest(TierServer)
	if !ok || us != 2.5e6/float64(res.Requests) {
		t.Errorf("server CPU per request %v µs (%v), want %v", us, ok, 2.5e6/float64(res.Requests))
	}
	if _, ok := res.CPUPerRequest(TierDatabase); ok {
		t.Error("a CPU per request for a tier that was not measured")
	}
}
