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
	"slices"
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
	// HTTPLimit is the httplimit anchor (from the BENCH_ANCHORS folder): a
	// net/http server that answers the retrieve from memory, the physical
	// limit of a retrieve on the machine. When empty, HTTPLimitSkipped says
	// why and the retrieve is not compared with it.
	HTTPLimit        string
	HTTPLimitSkipped string
	Dir              string // work folder, created
	// Endpoints, when set, are the only endpoints loaded (Endpoint*); all
	// of them otherwise.
	Endpoints []string

	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	Runs        int
	Progress    io.Writer
}

// HTTPResults are the runs of the HTTP benchmark.
type HTTPResults struct {
	Concurrency      int     `json:"concurrency"`
	WarmupSeconds    float64 `json:"warmup_seconds"`
	DurationSeconds  float64 `json:"duration_seconds"`
	Runs             int     `json:"runs"`
	PrismVersion     string  `json:"prism_version,omitempty"`
	PrismUnavailable string  `json:"prism_unavailable,omitempty"`
	// HTTPLimitSkipped says why the httplimit anchor was not measured.
	HTTPLimitSkipped string         `json:"httplimit_skipped,omitempty"`
	Endpoints        []EndpointRuns `json:"endpoints"`
	// LoadAverage is the machine's load averages when the runs began.
	LoadAverage string `json:"load_average,omitempty"`
}

// EndpointRuns are the runs of one endpoint's load, one element per run.
type EndpointRuns struct {
	Name    string       `json:"name"`
	Request string       `json:"request"`
	Backend []LoadResult `json:"backend"`
	Prism   []LoadResult `json:"prism,omitempty"`
	// HTTPLimit are the runs of the httplimit anchor (the retrieve only).
	HTTPLimit        []LoadResult `json:"httplimit,omitempty"`
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

// The servers of the HTTP loads, as the results name them.
const (
	serverBackend   = "backend"
	serverPrism     = "prism"
	serverHTTPLimit = "httplimit"
)

// target is a server under load: the backend, Prism (whose paths lack the
// /v2 of the contract's server URL) or httplimit.
type target struct {
	name, base, key string
	// keys, when set, are the managers' keys the create load takes in turn.
	keys   []string
	client *http.Client
	// pid is the server's process, whose CPU the loads measure.
	pid int
	// retrieveOnly: the server answers the retrieve and nothing else.
	retrieveOnly bool
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
		Runs: opts.Runs, PrismUnavailable: opts.PrismUnavailable, HTTPLimitSkipped: opts.HTTPLimitSkipped, LoadAverage: LoadAverage()}

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
	servers := []target{{name: serverBackend, base: backend.RootURL + "/v2", key: managerKey, client: NewLoadClient(opts.Concurrency), pid: backend.Pid()}}

	if opts.HTTPLimit != "" {
		// The anchor answers the backend's own bytes for the same request.
		body, err := servers[0].get(ctx, "/managed_accounts/"+accounts[0])
		if err != nil {
			return nil, fmt.Errorf("the retrieve httplimit is to answer: %w", err)
		}
		anchor, err := startHTTPLimit(ctx, opts.HTTPLimit, filepath.Join(opts.Dir, "httplimit"), managerKey, body)
		if err != nil {
			res.HTTPLimitSkipped = "httplimit did not start: " + err.Error()
			fmt.Fprintf(opts.Progress, "benchdriver: %s\n", res.HTTPLimitSkipped)
		} else {
			defer anchor.stop()
			servers = append(servers, target{name: serverHTTPLimit, base: anchor.url + "/v2", key: managerKey,
				client: NewLoadClient(opts.Concurrency), pid: anchor.cmd.Process.Pid, retrieveOnly: true})
		}
	}

	if opts.Prism != "" {
		prism, err := startPrism(ctx, opts.Prism, opts.Contract, filepath.Join(opts.Dir, "prism"))
		if err != nil {
			res.PrismUnavailable = "Prism did not start: " + err.Error()
			fmt.Fprintf(opts.Progress, "benchdriver: %s\n", res.PrismUnavailable)
		} else {
			defer prism.stop()
			res.PrismVersion = prism.version
			servers = append(servers, target{name: serverPrism, base: prism.url, key: "KEY" + strings.Repeat("0", 32) + "_bench",
				client: NewLoadClient(opts.Concurrency), pid: prism.cmd.Process.Pid})
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
				if t.retrieveOnly && ep.name != EndpointRetrieve {
					continue
				}
				if ep.name == EndpointCreate && t.name == serverBackend {
					// Each run's accounts go, in turn, to managers of their
					// own, within the default limit of 1,000 managed accounts
					// each: every run starts from managers of the same sizes,
					// and each create counts a realistic manager's accounts.
					if t.keys, err = backend.NewManagers(ctx, createManagers); err != nil {
						return nil, err
					}
				}
				if t.name == serverBackend {
					_ = ResetPeakRSS(backend.Pid())
				}
				load := ep.load([]target{t}, run)
				load.Tiers = []Tier{ProcessesTier(TierServer, t.pid), GeneratorTier()}
				r, err := load.Run(ctx, t.client)
				if err != nil {
					return nil, fmt.Errorf("%s load of %s: %w", ep.name, t.name, err)
				}
				switch t.name {
				case serverBackend:
					er.Backend = append(er.Backend, r)
					if peak, err := PeakRSS(backend.Pid()); err == nil {
						er.BackendPeakBytes = append(er.BackendPeakBytes, peak)
					}
				case serverHTTPLimit:
					er.HTTPLimit = append(er.HTTPLimit, r)
				default:
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
// keys, when set, in turn); only those of o.Endpoints when it is set.
func (o HTTPOptions) endpoints(accountID string) []loadEndpoint {
	all := o.allEndpoints(accountID)
	if len(o.Endpoints) == 0 {
		return all
	}
	return slices.DeleteFunc(all, func(ep loadEndpoint) bool { return !slices.Contains(o.Endpoints, ep.name) })
}

func (o HTTPOptions) allEndpoints(accountID string) []loadEndpoint {
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

// get is the body of the target's answer to GET path, which must be 200.
func (t target) get(ctx context.Context, path string) ([]byte, error) {
	req, err := t.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s answered %d: %s", path, resp.StatusCode, body)
	}
	return body, err
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

// serverProcess is a server the harness runs on a loopback port beside the
// backend: Prism or httplimit.
type serverProcess struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	url     string
	version string
}

// startPrism runs `prism mock` on a free loopback port, its output (a line
// per request, as the backend's access log) to dir/prism.log, and waits
// until it answers.
func startPrism(ctx context.Context, prism, contract, dir string) (*serverProcess, error) {
	out, err := exec.CommandContext(ctx, prism, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("prism --version: %w", err)
	}
	p, err := startServer(ctx, dir, "prism", func(port int) []string {
		return []string{prism, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), contract}
	}, func(ctx context.Context, url string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/balance", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer KEYbench")
		}
		return req, err
	})
	if err != nil {
		return nil, err
	}
	p.version = strings.TrimSpace(string(out))
	return p, nil
}

// startHTTPLimit runs the httplimit anchor on a free loopback port, to
// answer a retrieve with key by body, and waits until it answers.
func startHTTPLimit(ctx context.Context, binary, dir, key string, body []byte) (*serverProcess, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return nil, err
	}
	return startServer(ctx, dir, "httplimit", func(port int) []string {
		return []string{binary, "127.0.0.1:" + strconv.Itoa(port), key, bodyFile}
	}, func(ctx context.Context, url string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v2/managed_accounts/probe", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		return req, err
	})
}

// startServer runs the command args(port) on a free loopback port, its
// output to dir/name.log, and waits until probe's request is answered.
func startServer(ctx context.Context, dir, name string, args func(port int) []string,
	probe func(ctx context.Context, url string) (*http.Request, error)) (*serverProcess, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath) //nolint:gosec // G304: the harness's work dir
	if err != nil {
		return nil, err
	}
	// The child gets its own descriptor of the log.
	defer logFile.Close()
	argv := args(port)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) //nolint:gosec // G204: the prism installed by make bench, or the anchor it built
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that stop ends node and anything it forks.
	ownProcessGroup(cmd)
	cmd.Cancel = func() error { signalGroup(cmd, true); return nil }
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serverProcess{cmd: cmd, exited: make(chan struct{}), url: "http://127.0.0.1:" + strconv.Itoa(port)}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	client := NewLoadClient(1)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited: %s", name, tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		req, err := probe(ctx, p.url)
		if err != nil {
			p.stop()
			return nil, err
		}
		if _, err := send(client, req); err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not answer within 2 minutes: %s", name, tail(logPath))
		}
	}
}

func (p *serverProcess) stop() {
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
