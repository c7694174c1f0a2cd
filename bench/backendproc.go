package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// BackendProcess is a reference-backend binary serving on a loopback port,
// started by the harness on a fresh SQLite database with the rate limits
// off. It counts the requests of its access log, route by route.
type BackendProcess struct {
	RootURL     string // http://127.0.0.1:PORT
	OperatorKey string
	backend     *proc.Backend
	stopWatch   func() bool // stops the kill at the end of StartBackend's context
	counts      *RequestCounter
	client      *http.Client
	logClosed   <-chan struct{} // closed once backend.log is flushed and closed
}

// StartBackend runs `binary serve` on a free loopback port with its data in
// dir (created), and returns once it answers. Its log, access log included,
// is written to dir/backend.log.
func StartBackend(ctx context.Context, binary, dir string) (*BackendProcess, error) {
	return startBackend(ctx, binary, dir, "bench-operator-"+proc.RandomHex(16), "--data-dir", dir)
}

// StartPostgresBackend runs `binary serve` as StartBackend does, on the
// PostgreSQL database at databaseURL instead, with serverSecret and
// operatorKey (the same on every replica of one database) and at most
// maxConns database connections. Its log is written to dir/backend.log.
func StartPostgresBackend(ctx context.Context, binary, dir, databaseURL, serverSecret, operatorKey string, maxConns int) (*BackendProcess, error) {
	return startBackend(ctx, binary, dir, operatorKey, "--database", databaseURL, "--server-secret", serverSecret,
		"--db-max-conns", strconv.Itoa(maxConns))
}

// startBackend runs `binary serve` with storeArgs (the flags that choose
// its database) and operatorKey, its log to dir/backend.log.
func startBackend(ctx context.Context, binary, dir, opKey string, storeArgs ...string) (*BackendProcess, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "backend.log")) //nolint:gosec // G304: a file in the harness's own work dir
	if err != nil {
		return nil, err
	}
	counts := NewRequestCounter()
	log := &countingLog{file: bufio.NewWriterSize(logFile, 64<<10), counts: counts}
	// The rate limits are off: a benchmark measures the server, not its
	// throttle (100 requests per second per key by default).
	backend, err := proc.Start(ctx, proc.Options{
		Binary: binary,
		Args:   append(storeArgs, "--operator-key", opKey, "--rate-limit", "0", "--auth-failure-rate-limit", "0"),
		Env:    append(os.Environ(), "REFERENCE_BACKEND_LOG_LEVEL=info"),
		Log:    log,
	})
	if err != nil {
		// The backend has exited: its log is whole.
		_ = log.file.Flush()
		_ = logFile.Close()
		return nil, err
	}
	logClosed := make(chan struct{})
	go func() {
		defer close(logClosed)
		<-backend.Exited()
		_ = log.file.Flush()
		_ = logFile.Close()
	}()
	// The backend ends with Stop, or is killed when the harness's context
	// ends (Ctrl-C).
	stopWatch := context.AfterFunc(ctx, backend.Kill)
	return &BackendProcess{RootURL: backend.URL, OperatorKey: opKey, backend: backend, stopWatch: stopWatch,
		counts: counts, client: NewLoadClient(16), logClosed: logClosed}, nil
}

// countingLog writes the backend's log to a file, and counts its access-log
// lines on the way.
type countingLog struct {
	file   *bufio.Writer
	counts *RequestCounter
}

func (l *countingLog) Write(line []byte) (int, error) {
	l.counts.observe(line)
	return l.file.Write(line)
}

// Pid is the backend's process id.
func (b *BackendProcess) Pid() int { return b.backend.Pid() }

// SetCounting turns the counting of requests on (the default) or off.
func (b *BackendProcess) SetCounting(on bool) { b.counts.SetCounting(on) }

// Counts is a snapshot of the requests served so far, by route (the start's
// probe of /healthz included: see CountsSince).
func (b *BackendProcess) Counts() map[string]int {
	// The access log line is written after the answer: let the last
	// answers' lines reach the reader first.
	time.Sleep(200 * time.Millisecond)
	return b.counts.Snapshot()
}

// Stop ends the backend with SIGTERM (it drains in-flight requests), and
// kills it if it has not exited within 30 seconds.
func (b *BackendProcess) Stop() {
	b.stopWatch()
	_ = b.backend.Stop(30 * time.Second)
	// The log is whole on return, for callers that read it next.
	<-b.logClosed
}

// Call sends one API request with key (the operator key for /reference) and
// decodes the answer's "data" into out.
func (b *BackendProcess) Call(ctx context.Context, method, path, key string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.RootURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, &struct {
		Data any `json:"data"`
	}{out})
}

// NewManager creates a manager account through the operator API, allowed
// managedAccountLimit managed accounts, and returns its id and key.
func (b *BackendProcess) NewManager(ctx context.Context, managedAccountLimit int) (id, key string, err error) {
	suffix := proc.RandomHex(16)
	var acct struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	err = b.Call(ctx, http.MethodPost, "/reference/accounts", b.OperatorKey, map[string]any{
		"email": "bench-" + suffix[:12] + "@example.com", "managed_account_limit": managedAccountLimit,
	}, &acct)
	if err == nil && (acct.ID == "" || acct.APIKey == "") {
		err = errors.New("the operator API answered a manager without its id or api_key")
	}
	return acct.ID, acct.APIKey, err
}

// NewManagers creates n managers with the default limit of managed
// accounts, a few at a time, and returns their keys.
func (b *BackendProcess) NewManagers(ctx context.Context, n int) ([]string, error) {
	keys := make([]string, n)
	err := fewAtATime(n, func(i int) (err error) {
		_, keys[i], err = b.NewManager(ctx, backend.DefaultManagedAccountLimit)
		return err
	})
	return keys, err
}

// NewManagedAccounts creates n managed accounts of the manager whose key is
// given, a few at a time, and returns their ids in creation order.
func (b *BackendProcess) NewManagedAccounts(ctx context.Context, managerKey string, n int) ([]string, error) {
	ids := make([]string, n)
	err := fewAtATime(n, func(i int) error {
		var a struct {
			ID string `json:"id"`
		}
		err := b.Call(ctx, http.MethodPost, "/v2/managed_accounts", managerKey,
			map[string]any{"business_name": fmt.Sprintf("Bench customer %05d", i)}, &a)
		ids[i] = a.ID
		return err
	})
	return ids, err
}

// fewAtATime calls do for 0 to n-1, eight calls at a time, and joins their
// errors.
func fewAtATime(n int, do func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = do(i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// RequestCounter counts the access-log lines of a backend by route: the
// method and the path with its ids replaced by {id}.
type RequestCounter struct {
	// off stops the counting, so that the harness does not take CPU from a
	// server under load to parse its log.
	off    atomic.Bool
	mu     sync.Mutex
	counts map[string]int
}

// SetCounting turns the counting of requests on (the default) or off.
func (c *RequestCounter) SetCounting(on bool) { c.off.Store(!on) }

// NewRequestCounter is an empty counter.
func NewRequestCounter() *RequestCounter { return &RequestCounter{counts: map[string]int{}} }

// accessLine is what the counter reads of a log line.
type accessLine struct {
	Msg    string `json:"msg"`
	Method string `json:"method"`
	Path   string `json:"path"`
}

// observe reads one log line: an access-log entry is counted, other lines
// are ignored.
func (c *RequestCounter) observe(line []byte) {
	if c.off.Load() || !bytes.Contains(line, []byte(`"msg":"request"`)) {
		return
	}
	var l accessLine
	if json.Unmarshal(line, &l) != nil || l.Msg != "request" {
		return
	}
	c.mu.Lock()
	c.counts[l.Method+" "+Route(l.Path)]++
	c.mu.Unlock()
}

// Snapshot is a copy of the counts so far.
func (c *RequestCounter) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// CountsSince is the requests counted in after that were not in before.
func CountsSince(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for route, n := range after {
		if d := n - before[route]; d > 0 {
			out[route] = d
		}
	}
	return out
}

// Route is path with each id (a UUID) replaced by {id}.
func Route(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if isUUID(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path) //nolint:gosec // G304: a log in the harness's work dir
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	const keep = 2000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return strings.TrimSpace(string(b))
}

// largestPeak is the largest peak resident memory of the replicas since
// their peaks were last reset; false when none could be read.
func largestPeak(replicas []*BackendProcess) (int64, bool) {
	var peak int64
	ok := false
	for _, b := range replicas {
		if p, err := PeakRSS(b.Pid()); err == nil {
			peak, ok = max(peak, p), true
		}
	}
	return peak, ok
}
