package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver, to read the backend's database once it is stopped

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// EnvCrashTest, set to 1, runs the harness.
const EnvCrashTest = "REFERENCE_BACKEND_CRASH_TEST"

// The configuration: managedAccounts accounts, the first half with an email
// of their own (a duplicate would be refused as taken) and the others with
// one the backend generates (a duplicate would go unnoticed but for this
// test); managerKeys keys of the manager and one key for each of the first
// managedKeys accounts.
const (
	managedAccounts = 50
	managerKeys     = 25
	managedKeys     = 25
	totalObjects    = managedAccounts + managerKeys + managedKeys
	// killAfter is how many objects must exist before the backend is killed.
	killAfter = 20
)

// TestCrashDuringApplyLosesNothing applies 100 objects while an operator
// posts ledger adjustments, and kills the backend three times during the
// apply, restarting it each time on the same database and port: once with
// SIGKILL at a random point (when killAfter objects exist), then twice right
// after it has committed a create (a managed account, then an API key) but
// before its answer reaches Terraform, which a proxy in front of the backend
// holds back; the provider must retry into a replay, not a second object.
// It then applies until an apply succeeds and checks the end state against
// the configuration, the Terraform state, the audit log and the ledger.
func TestCrashDuringApplyLosesNothing(t *testing.T) {
	if os.Getenv(EnvCrashTest) != "1" {
		t.Skipf("the crash-safety harness builds both programs and takes a minute or two: set %s=1 (make test-crash)", EnvCrashTest)
	}
	terraformPath, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("the crash-safety harness needs terraform on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	bin := t.TempDir()
	for name, pkg := range map[string]string{"terraform-provider-telnyx": proc.Module, "reference-backend": proc.BackendPackage} {
		if _, err := proc.Build(ctx, bin, name, pkg); err != nil {
			t.Fatal(err)
		}
	}

	work := t.TempDir()
	be := newBackendProcess(t, bin, work)
	be.start(ctx, t)
	api := &apiClient{root: "http://" + be.addr, http: &http.Client{Timeout: 5 * time.Second}}
	managerID := be.managerID(t)
	proxy := newDropProxy(t, be)

	tf := newTerraform(t, terraformPath, bin, work, proxy.url+"/v2", be.managerKey)

	applied := make(chan error, 1)
	go func() { applied <- tf.run(ctx, "apply", "-auto-approve", "-input=false", "-parallelism=10") }()
	adjustments := startAdjuster(ctx, t, api, be.operatorKey, managerID)

	created, err := waitForObjects(ctx, api, be, managerID, killAfter, applied)
	if err != nil {
		t.Fatalf("before the crash: %v\n%s", err, tf.output())
	}
	be.kill()
	t.Logf("SIGKILLed the backend once %d objects existed", created)
	be.start(ctx, t)
	proxy.arm("POST /v2/managed_accounts", "POST /v2/api_keys")

	var applyErr error
	for waiting := true; waiting; {
		select {
		case route := <-proxy.drops:
			t.Logf("SIGKILLed the backend after it answered %s, before the answer reached Terraform", route)
			be.start(ctx, t)
		case applyErr = <-applied:
			waiting = false
		}
	}
	if missed := proxy.armedLeft(); len(missed) > 0 {
		t.Errorf("the apply ended before the backend answered %v: the harness could not drop that answer", missed)
	}
	if applyErr != nil {
		t.Logf("the apply that lived through the crashes failed (allowed; applying again): %v\n%s", applyErr, tail(tf.output(), 40))
	} else {
		t.Log("the apply that lived through the crashes succeeded: the provider's retries bridged the restarts")
	}
	posted := adjustments.stop()
	t.Logf("%d operator adjustments were acknowledged, those in flight at a crash after retries", len(posted))

	// Apply until an apply succeeds; each must converge, not pile up.
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		if lastErr = tf.run(ctx, "apply", "-auto-approve", "-input=false", "-parallelism=10"); lastErr == nil {
			break
		}
		t.Logf("apply %d after the crashes failed: %v\n%s", attempt, lastErr, tail(tf.output(), 40))
	}
	if lastErr != nil {
		t.Fatalf("no apply succeeded after the crashes: %v\n%s", lastErr, tail(tf.output(), 80))
	}
	if err := tf.run(ctx, "plan", "-detailed-exitcode", "-input=false"); err != nil {
		t.Fatalf("the plan after the last apply is not empty (or failed): %v\n%s", err, tail(tf.output(), 80))
	}
	state := tf.state(ctx, t)

	// Balances as the API reports them, before the backend stops.
	accountIDs := append([]string{managerID}, slices.Collect(maps.Keys(state.accounts))...)
	balances := map[string]backend.Money{}
	for _, id := range accountIDs {
		balances[id] = api.totalBalance(t, be.operatorKey, id)
	}
	be.stop(t)

	db := openDatabase(t, filepath.Join(be.dataDir, "reference.db"))
	checkObjects(t, db, managerID, state)
	checkAuditLog(t, db, state)
	checkLedger(t, db, managerID, balances, posted)
}

// dropProxy forwards Terraform's requests to the backend. Once a route is
// armed, the first 2xx answer of that route is held back: the proxy
// SIGKILLs the backend, closes Terraform's connection without an answer and
// reports the route on drops, for the test to restart the backend. The
// backend has committed the change by then; only its answer is lost, as
// when a server dies between its commit and its reply.
type dropProxy struct {
	url       string
	backend   *backendProcess
	transport *http.Transport
	drops     chan string

	mu    sync.Mutex
	armed map[string]bool
}

func newDropProxy(t *testing.T, be *backendProcess) *dropProxy {
	p := &dropProxy{
		backend: be, drops: make(chan string, 4), armed: map[string]bool{},
		transport: &http.Transport{ResponseHeaderTimeout: 30 * time.Second},
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(p.transport.CloseIdleConnections)
	p.url = srv.URL
	return p
}

func (p *dropProxy) arm(routes ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range routes {
		p.armed[r] = true
	}
}

func (p *dropProxy) armedLeft() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.armed))
}

// take disarms route and reports whether it was armed.
func (p *dropProxy) take(route string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.armed[route] {
		return false
	}
	delete(p.armed, route)
	return true
}

func (p *dropProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = "http", p.backend.addr, p.backend.addr, ""
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		hangUp(w) // the backend is down: so is the connection, as without a proxy
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		hangUp(w)
		return
	}
	if route := r.Method + " " + r.URL.Path; resp.StatusCode/100 == 2 && p.take(route) {
		p.backend.kill()
		hangUp(w)
		p.drops <- route
		return
	}
	maps.Copy(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	_ = conn.Close()
}

// backendProcess is the reference backend as a process of its own, started
// again and again on the same port and database.
type backendProcess struct {
	bin, dataDir, logPath, addr string
	operatorKey, managerKey     string
	args                        []string // more flags of serve

	mu      sync.Mutex
	running *proc.Backend // nil while stopped
}

// newBackendProcess is the backend built in bin, with its database and log
// in work and more flags of serve in args, killed at the end of the test.
func newBackendProcess(t *testing.T, bin, work string, args ...string) *backendProcess {
	t.Helper()
	// The backend listens on the same port after each restart, so that
	// clients' retries reach the new process.
	addr, err := proc.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	be := &backendProcess{
		bin:         filepath.Join(bin, "reference-backend"),
		dataDir:     filepath.Join(work, "data"),
		logPath:     filepath.Join(work, "backend.log"),
		addr:        addr,
		operatorKey: "OPK" + proc.RandomHex(16),
		managerKey:  "KEY" + proc.RandomHex(16),
		args:        args,
	}
	t.Cleanup(be.kill)
	return be
}

// start runs the backend and waits until it answers /healthz. Its log is
// appended to logPath across restarts.
func (b *backendProcess) start(ctx context.Context, t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(b.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	running, err := proc.Start(ctx, proc.Options{
		Binary: b.bin,
		Args:   append([]string{"--addr", b.addr, "--data-dir", b.dataDir}, b.args...),
		// Secrets go through the environment, as an operator would pass them.
		Env: append(os.Environ(),
			"REFERENCE_BACKEND_OPERATOR_KEY="+b.operatorKey,
			"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY="+b.managerKey,
			"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL=crash-manager@example.com",
		),
		Log: logFile,
	})
	if err != nil {
		_ = logFile.Close()
		t.Fatalf("start the backend: %v", err)
	}
	go func() {
		<-running.Exited()
		_ = logFile.Close()
	}()
	b.mu.Lock()
	b.running = running
	b.mu.Unlock()
}

// take returns the running backend, if any, and forgets it.
func (b *backendProcess) take() *proc.Backend {
	b.mu.Lock()
	defer b.mu.Unlock()
	running := b.running
	b.running = nil
	return running
}

// kill sends SIGKILL to the backend, if it runs, and waits for it to exit:
// no shutdown, no flush, no closing of the database.
func (b *backendProcess) kill() {
	if running := b.take(); running != nil {
		running.Kill()
	}
}

// stop asks the backend to shut down (SIGTERM) and waits until it has.
func (b *backendProcess) stop(t *testing.T) {
	t.Helper()
	if running := b.take(); running != nil {
		if err := running.Stop(30 * time.Second); errors.Is(err, proc.ErrStopTimeout) {
			t.Fatal(err)
		}
	}
}

// managerID reads the bootstrap manager's id from the backend's log.
func (b *backendProcess) managerID(t *testing.T) string {
	t.Helper()
	scanner := bufio.NewScanner(strings.NewReader(readFile(b.logPath)))
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for scanner.Scan() {
		var line struct {
			Msg       string `json:"msg"`
			AccountID string `json:"account_id"`
		}
		if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "bootstrap manager ready" && line.AccountID != "" {
			return line.AccountID
		}
	}
	t.Fatalf("the backend's log does not name the bootstrap manager:\n%s", tail(readFile(b.logPath), 20))
	return ""
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	return string(b)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// apiClient calls the backend directly, around Terraform.
type apiClient struct {
	root string
	http *http.Client
}

// do sends one request and decodes a 2xx answer's body into out.
func (c *apiClient) do(ctx context.Context, method, path, key, idempotencyKey string, body, out any) (int, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+path, reader)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// total returns the total_results of a list.
func (c *apiClient) total(ctx context.Context, path, key string) (int, error) {
	var list struct {
		Meta struct {
			TotalResults int `json:"total_results"`
		} `json:"meta"`
	}
	_, err := c.do(ctx, http.MethodGet, path, key, "", nil, &list)
	return list.Meta.TotalResults, err
}

// totalBalance is an account's balance plus its pending top-ups: what its
// whole ledger adds up to.
func (c *apiClient) totalBalance(t *testing.T, operatorKey, accountID string) backend.Money {
	t.Helper()
	var account struct {
		Data struct {
			Balance struct {
				Balance string `json:"balance"`
				Pending string `json:"pending"`
			} `json:"balance"`
		} `json:"data"`
	}
	if _, err := c.do(context.Background(), http.MethodGet, "/reference/accounts/"+accountID, operatorKey, "", nil, &account); err != nil {
		t.Fatalf("read the balance of %s: %v", accountID, err)
	}
	balance, err := backend.ParseMoney(account.Data.Balance.Balance)
	if err != nil {
		t.Fatalf("balance of %s: %v", accountID, err)
	}
	pending, err := backend.ParseMoney(account.Data.Balance.Pending)
	if err != nil {
		t.Fatalf("pending of %s: %v", accountID, err)
	}
	sum, err := balance.Add(pending)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// waitForObjects polls the API until at least n of the configuration's
// objects exist (managed accounts and the manager's own keys), and returns
// how many it saw. It fails if the apply ends first.
func waitForObjects(ctx context.Context, api *apiClient, be *backendProcess, managerID string, n int, applied <-chan error) (int, error) {
	for {
		accounts, errA := api.total(ctx, "/reference/accounts/"+managerID+"/managed_accounts?page[size]=1", be.operatorKey)
		keys, errK := api.total(ctx, "/v2/api_keys?page[size]=1", be.managerKey)
		if errA == nil && errK == nil && accounts+keys >= n {
			return accounts + keys, nil
		}
		select {
		case err := <-applied:
			return 0, fmt.Errorf("the apply ended before %d objects existed: %w", n, err)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// adjuster posts operator adjustments to the manager's ledger, one after
// another, through the crash: each with an Idempotency-Key of its own,
// sent again with the same key after a network error, a 429 or a 5xx until
// it is acknowledged, as a careful client does.
type adjuster struct {
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
	posted   map[string]backend.Money // description -> amount, once acknowledged
}

func startAdjuster(ctx context.Context, t *testing.T, api *apiClient, operatorKey, accountID string) *adjuster {
	a := &adjuster{quit: make(chan struct{}), done: make(chan struct{}), posted: map[string]backend.Money{}}
	runID := proc.RandomHex(4)
	t.Cleanup(func() { a.stop() })
	go func() {
		defer close(a.done)
		for i := 0; ; i++ {
			select {
			case <-a.quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
			description := fmt.Sprintf("crash adjustment %04d", i)
			amount := backend.Money((i%97 + 1) * 10_000) // 0.01 to 0.97
			key := fmt.Sprintf("crash-%s-%04d", runID, i)
			body := map[string]string{"amount": amount.String(), "description": description}
			for {
				status, err := api.do(ctx, http.MethodPost, "/reference/accounts/"+accountID+"/adjustments", operatorKey, key, body, nil)
				if err == nil {
					a.posted[description] = amount
					break
				}
				if status != 0 && status != http.StatusTooManyRequests && status < 500 {
					t.Errorf("adjustment %s refused: %v", description, err)
					break
				}
				if ctx.Err() != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	return a
}

// stop ends the adjustments and returns those acknowledged.
func (a *adjuster) stop() map[string]backend.Money {
	a.stopOnce.Do(func() { close(a.quit) })
	<-a.done
	return a.posted
}

// terraformRun runs terraform on the crash configuration, with a CLI
// configuration of its own whose dev_overrides point at the provider built
// by the test, so that nothing is downloaded and no init is needed.
type terraformRun struct {
	path, dir string
	env       []string

	mu  sync.Mutex
	out bytes.Buffer
}

func newTerraform(t *testing.T, terraformPath, pluginDir, work, baseURL, apiKey string) *terraformRun {
	t.Helper()
	dir := filepath.Join(work, "config")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(work, "terraform.rc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/managedaccounts/telnyx", pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(crashConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return &terraformRun{path: terraformPath, dir: dir, env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
		// The key travels in the environment, never in a file.
		"TELNYX_BASE_URL="+baseURL, "TELNYX_API_KEY="+apiKey,
	)}
}

// crashConfig retries long enough (20 retries, waits of 250ms to 2s) for
// the provider to ride out the backend's restart.
var crashConfig = fmt.Sprintf(`
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {
  max_retries    = 20
  retry_wait_min = "250ms"
  retry_wait_max = "2s"
}

resource "telnyx_managed_account" "a" {
  count         = %[1]d
  business_name = format("Crash Test %%02d", count.index)
  email         = count.index < %[1]d / 2 ? format("crash-%%02d@example.com", count.index) : null
}

resource "telnyx_api_key" "manager" {
  count       = %[2]d
  description = format("manager key %%02d", count.index)
}

resource "telnyx_api_key" "managed" {
  count              = %[3]d
  managed_account_id = telnyx_managed_account.a[count.index].id
  description        = format("managed key %%02d", count.index)
}
`, managedAccounts, managerKeys, managedKeys)

// run runs one terraform command; its output is kept for failure messages.
func (r *terraformRun) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, r.path, append([]string{"-chdir=" + r.dir}, append(args, "-no-color")...)...)
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.Reset()
	r.out.Write(out.Bytes())
	return err
}

func (r *terraformRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// tfState is what the Terraform state says exists.
type tfState struct {
	accounts map[string]string // id -> business_name
	keys     map[string]string // id -> managed_account_id ("" for the manager's)
}

func (r *terraformRun) state(ctx context.Context, t *testing.T) tfState {
	t.Helper()
	cmd := exec.CommandContext(ctx, r.path, "-chdir="+r.dir, "show", "-json")
	cmd.Env = r.env
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(raw, &shown); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	s := tfState{accounts: map[string]string{}, keys: map[string]string{}}
	for _, res := range shown.Values.RootModule.Resources {
		id, _ := res.Values["id"].(string)
		switch res.Type {
		case "telnyx_managed_account":
			s.accounts[id], _ = res.Values["business_name"].(string)
		case "telnyx_api_key":
			s.keys[id], _ = res.Values["managed_account_id"].(string)
		}
	}
	if len(s.accounts) != managedAccounts || len(s.keys) != managerKeys+managedKeys {
		t.Fatalf("the state holds %d managed accounts and %d keys, want %d and %d",
			len(s.accounts), len(s.keys), managedAccounts, managerKeys+managedKeys)
	}
	return s
}

// openDatabase opens the stopped backend's SQLite file to read it.
func openDatabase(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return db
}

// counts runs a query of (name, count) rows into a map.
func counts(t *testing.T, db *sql.DB, query string, args ...any) map[string]int {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name sql.NullString
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		out[name.String] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkObjects: the manager has exactly the configured managed accounts,
// each business name once, and they are the state's; every active key is
// one of the state's keys, and every key of the state is active.
func checkObjects(t *testing.T, db *sql.DB, managerID string, state tfState) {
	t.Helper()
	names := counts(t, db, `SELECT organization_name, COUNT(*) FROM accounts WHERE manager_id = ? AND status <> 'cancelled' GROUP BY organization_name`, managerID)
	for i := range managedAccounts {
		name := fmt.Sprintf("Crash Test %02d", i)
		if names[name] != 1 {
			t.Errorf("managed account %q exists %d times, want once", name, names[name])
		}
		delete(names, name)
	}
	for name, n := range names {
		t.Errorf("managed account %q (%d of them) is not in the configuration", name, n)
	}
	ids := counts(t, db, `SELECT id, COUNT(*) FROM accounts WHERE manager_id = ? AND status <> 'cancelled' GROUP BY id`, managerID)
	for id := range ids {
		if _, ok := state.accounts[id]; !ok {
			t.Errorf("managed account %s is in no Terraform state: an orphan", id)
		}
	}
	for id, name := range state.accounts {
		if ids[id] != 1 {
			t.Errorf("managed account %s (%q) of the state does not exist in the backend", id, name)
		}
	}
	active := counts(t, db, `SELECT id, COUNT(*) FROM api_keys WHERE kind = 'user' AND status = 'active' GROUP BY id`)
	for id := range active {
		if _, ok := state.keys[id]; !ok {
			t.Errorf("active API key %s is in no Terraform state: an orphan", id)
		}
	}
	for id := range state.keys {
		if active[id] != 1 {
			t.Errorf("API key %s of the state is not an active key of the backend", id)
		}
	}
}

// checkAuditLog: one create event per object, and none for an object that
// does not exist.
func checkAuditLog(t *testing.T, db *sql.DB, state tfState) {
	t.Helper()
	wantOneCreateEach(t, "managed account", state.accounts,
		counts(t, db, `SELECT account_id, COUNT(*) FROM audit_events WHERE action = 'managed_account.create' GROUP BY account_id`))
	wantOneCreateEach(t, "API key", state.keys,
		counts(t, db, `SELECT json_extract(changes, '$.api_key_id'), COUNT(*) FROM audit_events WHERE action = 'api_key.create' GROUP BY 1`))
}

// wantOneCreateEach: each object of the state (by id) has one create event
// of the kind, and no other object has any.
func wantOneCreateEach(t *testing.T, kind string, state map[string]string, events map[string]int) {
	t.Helper()
	for id := range state {
		if events[id] != 1 {
			t.Errorf("%s %s has %d create events in the audit log, want 1", kind, id, events[id])
		}
		delete(events, id)
	}
	for id, n := range events {
		t.Errorf("the audit log has %d create events of %s %s, which is not in the state", n, kind, id)
	}
}

// checkLedger: every acknowledged adjustment is in the manager's ledger
// exactly once (the ones in flight at the crash too, once their retries were
// acknowledged), and every balance the API reported is the sum of its
// account's ledger.
func checkLedger(t *testing.T, db *sql.DB, managerID string, balances map[string]backend.Money, posted map[string]backend.Money) {
	t.Helper()
	if len(posted) == 0 {
		t.Error("no adjustment was acknowledged during the test")
	}
	entries := counts(t, db, `SELECT description, COUNT(*) FROM ledger_entries WHERE account_id = ? AND kind = 'adjustment' GROUP BY description`, managerID)
	for description := range posted {
		if entries[description] != 1 {
			t.Errorf("adjustment %q is in the ledger %d times, want once", description, entries[description])
		}
	}
	for description, n := range entries {
		if _, ok := posted[description]; !ok && strings.HasPrefix(description, "crash adjustment") {
			t.Errorf("adjustment %q is in the ledger %d times but was never acknowledged", description, n)
		}
	}
	for id, reported := range balances {
		var sum sql.NullInt64
		if err := db.QueryRow(`SELECT SUM(amount) FROM ledger_entries WHERE account_id = ?`, id).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if backend.Money(sum.Int64) != reported {
			t.Errorf("account %s: the API reported a balance (with pending) of %s, its ledger adds up to %s",
				id, reported, backend.Money(sum.Int64))
		}
	}
	var want backend.Money
	for _, amount := range posted {
		want += amount
	}
	if got := balances[managerID]; got != want {
		t.Errorf("the manager's balance is %s, the acknowledged adjustments add up to %s", got, want)
	}
}
