package bench

import (
	"context"
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
