package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Endpoints the HTTP benchmark loads.
const (
	EndpointRetrieve = "retrieve"
	EndpointList250  = "list250"
	EndpointCreate   = "create"
)

// listedAccounts is how many managed accounts the retrieve and list loads'
// manager has: a full page of 250.
const listedAccounts = 250

// createManagers share each run of the create load: 64,000 managed accounts
// at the default limit of 1,000 each, beyond what 50 connections create in
// a run.
const createManagers = 64

// HTTPOptions say what RunHTTP measures.
type HTTPOptions struct {
	Backend string // the reference-backend binary
	// Prism is the prism executable; when empty, PrismUnavailable says why
	// and only the backend is measured.
	Prism            string
	PrismUnavailable string
	Contract         string // the OpenAPI document Prism mocks
	Dir              string // work folder, created

	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	Runs        int
	Progress    io.Writer
}

// HTTPResults are the runs of the HTTP benchmark.
type HTTPResults struct {
	Concurrency      int            `json:"concurrency"`
	WarmupSeconds    float64        `json:"warmup_seconds"`
	DurationSeconds  float64        `json:"duration_seconds"`
	Runs             int            `json:"runs"`
	PrismVersion     string         `json:"prism_version,omitempty"`
	PrismUnavailable string         `json:"prism_unavailable,omitempty"`
	Endpoints        []EndpointRuns `json:"endpoints"`
	// LoadAverage is the machine's load averages when the runs began.
	LoadAverage string `json:"load_average,omitempty"`
}

// EndpointRuns are the runs of one endpoint's load, one element per run.
type EndpointRuns struct {
	Name             string       `json:"name"`
	Request          string       `json:"request"`
	Backend          []LoadResult `json:"backend"`
	Prism            []LoadResult `json:"prism,omitempty"`
	BackendPeakBytes []int64      `json:"backend_peak_bytes,omitempty"`
}

// Endpoint is the runs of the named endpoint, or nil.
func (h *HTTPResults) Endpoint(name string) *EndpointRuns {
	return find(h.Endpoints, func(e *EndpointRuns) bool { return e.Name == name })
}

// find is the first element of s that is, or nil: results are looked up in
// place, so that a caller can add to them.
func find[T any](s []T, is func(*T) bool) *T {
	for i := range s {
		if is(&s[i]) {
			return &s[i]
		}
	}
	return nil
}

// target is a server under load: the backend or Prism, whose paths lack
// the /v2 of the contract's server URL.
type target struct {
	name, base, key string
	// keys, when set, are the managers' keys the create load takes in turn.
	keys   []string
	client *http.Client
}

// RunHTTP loads the backend binary, and Prism when it is given, with the
// same generator: retrieve, a list page of 250, and create, each for
// Duration at Concurrency connections, Runs times, the backend then Prism
// for each endpoint in turn.
func RunHTTP(ctx context.Context, opts HTTPOptions) (*HTTPResults, error) {
	if opts.Concurrency < 1 || opts.Runs < 1 || opts.Duration <= 0 {
		return nil, errors.New("http benchmark: concurrency, runs and duration must be above 0")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	res := &HTTPResults{Concurrency: opts.Concurrency, WarmupSeconds: opts.Warmup.Seconds(), DurationSeconds: opts.Duration.Seconds(),
		Runs: opts.Runs, PrismUnavailable: opts.PrismUnavailable, LoadAverage: LoadAverage()}

	backend, err := StartBackend(ctx, opts.Backend, filepath.Join(opts.Dir, "backend"))
	if err != nil {
		return nil, err
	}
	defer backend.Stop()
	// Parsing 10,000 log lines a second would take CPU from the server.
	backend.SetCounting(false)
	_, managerKey, err := backend.NewManager(ctx, listedAccounts)
	if err != nil {
		return nil, err
	}
	accounts, err := backend.NewManagedAccounts(ctx, managerKey, listedAccounts)
	if err != nil {
		return nil, err
	}
	servers := []target{{name: "backend", base: backend.RootURL + "/v2", key: managerKey, client: NewLoadClient(opts.Concurrency)}}

	if opts.Prism != "" {
		prism, err := startPrism(ctx, opts.Prism, opts.Contract, filepath.Join(opts.Dir, "prism"))
		if err != nil {
			res.PrismUnavailable = "Prism did not start: " + err.Error()
			fmt.Fprintf(opts.Progress, "benchdriver: %s\n", res.PrismUnavailable)
		} else {
			defer prism.stop()
			res.PrismVersion = prism.version
			servers = append(servers, target{name: "prism", base: prism.url, key: "KEY" + strings.Repeat("0", 32) + "_bench", client: NewLoadClient(opts.Concurrency)})
		}
	}

	endpoints := opts.endpoints(accounts[0])
	for _, ep := range endpoints {
		res.Endpoints = append(res.Endpoints, EndpointRuns{Name: ep.name, Request: ep.request})
	}
	for run := 1; run <= opts.Runs; run++ {
		for i, ep := range endpoints {
			er := &res.Endpoints[i]
			for _, t := range servers {
				if ep.name == EndpointCreate && t.name == "backend" {
					// Each run's accounts go, in turn, to managers of their
					// own, within the default limit of 1,000 managed accounts
					// each: every run starts from managers of the same sizes,
					// and each create counts a realistic manager's accounts.
					if t.keys, err = backend.NewManagers(ctx, createManagers); err != nil {
						return nil, err
					}
				}
				if t.name == "backend" {
					_ = ResetPeakRSS(backend.Pid())
				}
				r, err := ep.load([]target{t}, run).Run(ctx, t.client)
				if err != nil {
					return nil, fmt.Errorf("%s load of %s: %w", ep.name, t.name, err)
				}
				if t.name == "backend" {
					er.Backend = append(er.Backend, r)
					if peak, err := PeakRSS(backend.Pid()); err == nil {
						er.BackendPeakBytes = append(er.BackendPeakBytes, peak)
					}
				} else {
					er.Prism = append(er.Prism, r)
				}
				fmt.Fprintf(opts.Progress, "http run %d/%d: %s %s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d failures%s\n",
					run, opts.Runs, t.name, ep.name, r.RequestsPerSec, r.P50Ms, r.P99Ms, r.Failures, firstFailure(r))
			}
		}
	}
	return res, nil
}

func firstFailure(r LoadResult) string {
	if r.FirstFailure == "" {
		return ""
	}
	return " (first: " + r.FirstFailure + ")"
}

// loadEndpoint is one endpoint of the HTTP loads.
type loadEndpoint struct {
	name, request string
	// load is the endpoint's load of run (from 1) on servers: worker w
	// sends to servers[w % len(servers)], so that each connection stays
	// with one server and the load is split evenly.
	load func(servers []target, run int) Load
}

// endpoints are the loads of RunHTTP and RunPostgresHTTP: retrieve the
// account accountID, a list page of 250, and create (with the servers'
// keys, when set, in turn).
func (o HTTPOptions) endpoints(accountID string) []loadEndpoint {
	return []loadEndpoint{
		{EndpointRetrieve, "GET /v2/managed_accounts/{id}", func(ts []target, _ int) Load {
			return o.load(http.StatusOK, func(ctx context.Context, w int) (*http.Request, error) {
				return ts[w%len(ts)].request(ctx, http.MethodGet, "/managed_accounts/"+accountID, nil)
			})
		}},
		{EndpointList250, "GET /v2/managed_accounts?page[size]=250", func(ts []target, _ int) Load {
			return o.load(http.StatusOK, func(ctx context.Context, w int) (*http.Request, error) {
				return ts[w%len(ts)].request(ctx, http.MethodGet, "/managed_accounts?page%5Bnumber%5D=1&page%5Bsize%5D=250", nil)
			})
		}},
		{EndpointCreate, `POST /v2/managed_accounts {"business_name": …}`, func(ts []target, run int) Load {
			var n atomic.Int64
			return o.load(http.StatusOK, func(ctx context.Context, w int) (*http.Request, error) {
				t := ts[w%len(ts)]
				i := n.Add(1)
				body := fmt.Sprintf(`{"business_name":"Load customer %d-%d"}`, run, i)
				req, err := t.request(ctx, http.MethodPost, "/managed_accounts", []byte(body))
				if err == nil && len(t.keys) > 0 {
					req.Header.Set("Authorization", "Bearer "+t.keys[int(i)%len(t.keys)])
				}
				return req, err
			})
		}},
	}
}

func (o HTTPOptions) load(status int, newRequest func(ctx context.Context, worker int) (*http.Request, error)) Load {
	return Load{Concurrency: o.Concurrency, Warmup: o.Warmup, Duration: o.Duration, WantStatus: status, NewRequest: newRequest}
}

func (t target) request(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// prismProcess is `prism mock` serving the contract on a loopback port.
type prismProcess struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	url     string
	version string
}

// startPrism runs `prism mock` on a free loopback port, its output (a line
// per request, as the backend's access log) to dir/prism.log, and waits
// until it answers.
func startPrism(ctx context.Context, prism, contract, dir string) (*prismProcess, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, prism, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("prism --version: %w", err)
	}
	port, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "prism.log")
	logFile, err := os.Create(logPath) //nolint:gosec // G304: the harness's work dir
	if err != nil {
		return nil, err
	}
	// The child gets its own descriptor of the log.
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, prism, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), contract) //nolint:gosec // G204: the prism installed by make bench
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that stop ends node and anything it forks.
	ownProcessGroup(cmd)
	cmd.Cancel = func() error { signalGroup(cmd, true); return nil }
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &prismProcess{cmd: cmd, exited: make(chan struct{}), url: "http://127.0.0.1:" + strconv.Itoa(port), version: strings.TrimSpace(string(out))}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	client := NewLoadClient(1)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("prism exited: %s", tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/balance", nil)
		if err != nil {
			p.stop()
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer KEYbench")
		if _, err := send(client, req); err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("prism did not answer within 2 minutes: %s", tail(logPath))
		}
	}
}

func (p *prismProcess) stop() {
	signalGroup(p.cmd, false)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		signalGroup(p.cmd, true)
		<-p.exited
	}
}

// freePort is a loopback port free at the time of asking.
func freePort(ctx context.Context) (int, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("a TCP listener with the address %v", ln.Addr())
	}
	return addr.Port, nil
}
