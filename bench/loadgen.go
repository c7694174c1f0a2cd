package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// Load is one fixed-duration HTTP load: Concurrency workers, each on its own
// keep-alive connection, send the requests NewRequest makes back to back
// (a closed loop: a worker sends its next request when the previous answer
// has been read in full) for Duration, after a Warmup whose requests are not
// counted.
type Load struct {
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	// NewRequest makes the request worker (0 to Concurrency-1) sends next;
	// it is called concurrently. The worker's number lets a load pin each
	// connection to one of several servers.
	NewRequest func(ctx context.Context, worker int) (*http.Request, error)
	// WantStatus is the status of a successful answer; any other is counted
	// as a failure.
	WantStatus int
	// Tiers are the processes whose CPU time the measured part of the load
	// (not its warm-up) is measured in, each in LoadResult.CPU.
	Tiers []Tier
}

// The tiers a load's CPU is split into.
const (
	TierServer    = "server"    // the server under load (every replica)
	TierDatabase  = "database"  // a database server of its own (PostgreSQL)
	TierGenerator = "generator" // the load generator: this process
)

// Tier is processes whose CPU time a load measures: a server, a database,
// the load generator.
type Tier struct {
	Name string
	// CPU is the tier's CPU time so far, user and system, in seconds.
	CPU func() (float64, error)
}

// GeneratorTier is the CPU of this process, which runs the load generator.
func GeneratorTier() Tier {
	pid := os.Getpid()
	return Tier{Name: TierGenerator, CPU: func() (float64, error) { return ProcessCPU(pid) }}
}

// ProcessesTier is the CPU of the processes pids, and of what they start
// and wait for, as one tier.
func ProcessesTier(name string, pids ...int) Tier {
	return Tier{Name: name, CPU: func() (float64, error) {
		var sum float64
		for _, pid := range pids {
			s, err := ProcessTreeCPU(pid)
			if err != nil {
				return 0, err
			}
			sum += s
		}
		return sum, nil
	}}
}

// TierCPU is the CPU time a tier used during a load.
type TierCPU struct {
	Tier    string  `json:"tier"`
	Seconds float64 `json:"seconds"`
}

// LoadResult is what one Load measured. Latencies run from sending the
// request to reading the last byte of the answer.
type LoadResult struct {
	Requests       int64   `json:"requests"` // answered with WantStatus
	Failures       int64   `json:"failures"`
	FirstFailure   string  `json:"first_failure,omitempty"`
	Seconds        float64 `json:"seconds"`
	RequestsPerSec float64 `json:"requests_per_sec"`
	P50Ms          float64 `json:"p50_ms"`
	P90Ms          float64 `json:"p90_ms"`
	P99Ms          float64 `json:"p99_ms"`
	MaxMs          float64 `json:"max_ms"`
	// CPU is the CPU time of each of the load's Tiers that could be read.
	CPU []TierCPU `json:"cpu,omitempty"`
}

// CPUPerRequest is the CPU time the tier named used per answered request,
// in microseconds; ok is false when it was not measured.
func (r LoadResult) CPUPerRequest(tier string) (us float64, ok bool) {
	for _, c := range r.CPU {
		if c.Tier == tier && r.Requests > 0 {
			return c.Seconds * 1e6 / float64(r.Requests), true
		}
	}
	return 0, false
}

// NewLoadClient is an HTTP client for loads of up to concurrency requests
// at once to one host: one kept-alive connection per worker, no proxy (the
// environment's proxy settings must not reroute loopback traffic), no
// compression, and a timeout that stops a stuck server from stalling a run.
func NewLoadClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        concurrency,
			MaxIdleConnsPerHost: concurrency,
			MaxConnsPerHost:     concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// Run sends the load with client and measures it. A request that cannot be
// made ends the run with an error; failed answers are counted, not fatal.
func (l Load) Run(ctx context.Context, client *http.Client) (LoadResult, error) {
	if l.Concurrency < 1 || l.Duration <= 0 || l.NewRequest == nil {
		return LoadResult{}, errors.New("a load needs a concurrency of 1 or more, a duration and a request")
	}
	if l.Warmup > 0 {
		if _, err := l.phase(ctx, client, l.Warmup); err != nil {
			return LoadResult{}, err
		}
	}
	before := l.readTiers()
	res, err := l.phase(ctx, client, l.Duration)
	after := l.readTiers()
	for i, t := range l.Tiers {
		// A tier that could not be read at either end is left out.
		if before[i] >= 0 && after[i] >= 0 && after[i] >= before[i] {
			res.CPU = append(res.CPU, TierCPU{Tier: t.Name, Seconds: after[i] - before[i]})
		}
	}
	return res, err
}

// readTiers is each tier's CPU seconds so far, -1 where it cannot be read.
func (l Load) readTiers() []float64 {
	v := make([]float64, len(l.Tiers))
	for i, t := range l.Tiers {
		s, err := t.CPU()
		if err != nil {
			s = -1
		}
		v[i] = s
	}
	return v
}

// worker is one worker's tally, merged at the end so that workers share
// nothing while they run.
type worker struct {
	latencies    []time.Duration
	failures     int64
	firstFailure string
	err          error
}

func (l Load) phase(ctx context.Context, client *http.Client, d time.Duration) (LoadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := make([]worker, l.Concurrency)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			w := &workers[i]
			w.latencies = make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				req, err := l.NewRequest(ctx, i)
				if err != nil {
					w.err = err
					cancel()
					return
				}
				sent := time.Now()
				status, err := send(client, req)
				took := time.Since(sent)
				switch {
				case err != nil && ctx.Err() != nil:
					return
				case err != nil:
					w.fail(err.Error())
				case status != l.WantStatus:
					w.fail(fmt.Sprintf("%s %s answered %d, want %d", req.Method, req.URL.Path, status, l.WantStatus))
				default:
					w.latencies = append(w.latencies, took)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var (
		res LoadResult
		all []time.Duration
	)
	for i := range workers {
		w := &workers[i]
		if w.err != nil {
			return res, w.err
		}
		all = append(all, w.latencies...)
		res.Failures += w.failures
		if res.FirstFailure == "" {
			res.FirstFailure = w.firstFailure
		}
	}
	res.Requests = int64(len(all))
	res.Seconds = elapsed.Seconds()
	res.RequestsPerSec = float64(res.Requests) / elapsed.Seconds()
	slices.Sort(all)
	res.P50Ms = ms(percentile(all, 50))
	res.P90Ms = ms(percentile(all, 90))
	res.P99Ms = ms(percentile(all, 99))
	res.MaxMs = ms(percentile(all, 100))
	return res, nil
}

func (w *worker) fail(msg string) {
	w.failures++
	if w.firstFailure == "" {
		w.firstFailure = msg
	}
}

// send makes one request and reads its whole answer, so that the connection
// is reused and the latency covers the body.
func send(client *http.Client, req *http.Request) (int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
