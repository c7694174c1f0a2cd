package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// running is a `serve` started in-process.
type running struct {
	url    string
	cancel context.CancelFunc // what SIGTERM does in main
	done   chan int           // the exit code, once serve returns
	logs   *proc.SyncBuffer
}

// startServe runs `reference-backend serve args…` on a random loopback port
// and waits until /healthz answers.
func startServe(t *testing.T, a *app, args ...string) *running {
	t.Helper()
	logs := &proc.SyncBuffer{}
	a.stdout, a.stderr = io.Discard, logs
	if a.getenv == nil {
		a.getenv = func(string) string { return "" }
	}
	addrs := make(chan string, 1)
	a.onListen = func(addr string) { addrs <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan int, 1), logs: logs}
	go func() { r.done <- a.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop")
		}
	})
	select {
	case addr := <-addrs:
		r.url = "http://" + addr
	case code := <-r.done:
		t.Fatalf("serve exited with %d before listening:\n%s", code, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start:\n%s", logs)
	}
	if err := proc.WaitHealthy(t.Context(), r.url); err != nil {
		t.Fatal(err)
	}
	return r
}

// stop cancels serve's context, as SIGTERM does, and returns its exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code // for the cleanup
		return code
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

func apiClient(t *testing.T, baseURL, key string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: baseURL + "/v2", APIKey: key, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestServeBootstrapsAndKeepsItsSecret: serve creates the server secret 0600,
// the bootstrap key works, a restart reuses the secret (a managed account's
// api_key reads back the same), and no key or secret is ever logged.
func TestServeBootstrapsAndKeepsItsSecret(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	const (
		operatorKey  = "op-key-for-the-serve-test"
		bootstrapKey = "KEYbootstrap-manager-key-0001"
	)
	args := []string{"--data-dir", dataDir, "--operator-key", operatorKey,
		"--bootstrap-manager-key", bootstrapKey, "--bootstrap-manager-email", "boot@example.com"}

	first := startServe(t, &app{}, args...)
	manager := apiClient(t, first.url, bootstrapKey)
	if _, err := manager.GetBalance(t.Context()); err != nil {
		t.Fatalf("the bootstrap key does not authenticate: %v", err)
	}
	created, err := manager.CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Survivor"})
	if err != nil {
		t.Fatal(err)
	}
	secretPath := filepath.Join(dataDir, serverSecretFile)
	info, err := os.Stat(secretPath)
	if err != nil {
		t.Fatalf("no server secret file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("server secret mode %o, want 600", perm)
	}
	secret, err := os.ReadFile(secretPath)
	if err != nil {
		t.Fatal(err)
	}
	if code := first.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, first.logs)
	}

	second := startServe(t, &app{}, args...)
	again, err := apiClient(t, second.url, bootstrapKey).GetManagedAccount(t.Context(), created.ID)
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if again.APIKey != created.APIKey || again.APIToken != created.APIToken {
		t.Fatal("after a restart the managed account's credentials read back differently: the server secret was not reused")
	}
	if _, err := apiClient(t, second.url, created.APIKey).GetBalance(t.Context()); err != nil {
		t.Fatalf("the managed account's key no longer authenticates after a restart: %v", err)
	}
	if after, _ := os.ReadFile(secretPath); !bytes.Equal(after, secret) {
		t.Fatal("the server secret file changed on restart")
	}
	if code := second.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, second.logs)
	}

	logs := first.logs.String() + second.logs.String()
	for _, want := range []string{`"msg":"reference backend listening"`, `"addr":"127.0.0.1:`, `"database":"` + filepath.Join(dataDir, "reference.db")} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	for name, s := range map[string]string{
		"operator key": operatorKey, "bootstrap key": bootstrapKey, "managed api_key": created.APIKey,
		"managed api_token": created.APIToken, "server secret": strings.TrimSpace(string(secret)),
	} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the %s", name)
		}
	}
}

// TestServeOnPostgres: a postgres:// --database migrates at start, serves,
// and after a restart with the same server secret finds its data and keys
// again; neither the URL's password nor a key reaches the log. It runs when
// pgtest has a PostgreSQL server (make test-postgres) and skips otherwise.
func TestServeOnPostgres(t *testing.T) {
	database, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	// The test server trusts local connections, so the password is never
	// checked: it is there to be kept out of the log.
	const password = "pw-never-logged-7f3a"
	database.User = url.UserPassword(database.User.Username(), password)
	const (
		operatorKey  = "op-key-for-the-postgres-test"
		bootstrapKey = "KEYbootstrap-postgres-key-0001"
	)
	secret := strings.Repeat("0123456789abcdef", 4)
	env := map[string]string{"REFERENCE_BACKEND_SERVER_SECRET": secret, "REFERENCE_BACKEND_DB_MAX_CONNS": "4"}
	args := []string{"--database", database.String(), "--operator-key", operatorKey,
		"--bootstrap-manager-key", bootstrapKey, "--bootstrap-manager-email", "boot@example.com"}
	newServe := func() *app { return &app{getenv: func(k string) string { return env[k] }} }

	first := startServe(t, newServe(), args...)
	resp, err := http.Get(first.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz answered %d", resp.StatusCode)
	}
	created, err := apiClient(t, first.url, bootstrapKey).CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Kept"})
	if err != nil {
		t.Fatal(err)
	}
	if code := first.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, first.logs)
	}

	second := startServe(t, newServe(), args...)
	again, err := apiClient(t, second.url, bootstrapKey).GetManagedAccount(t.Context(), created.ID)
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if again.APIKey != created.APIKey {
		t.Fatal("after a restart the managed account's key reads back differently")
	}
	if _, err := apiClient(t, second.url, created.APIKey).GetBalance(t.Context()); err != nil {
		t.Fatalf("the managed account's key no longer authenticates after a restart: %v", err)
	}
	if code := second.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, second.logs)
	}

	logs := first.logs.String() + second.logs.String()
	for _, want := range []string{`"database":"postgres://`, `:xxxxx@`, `"db_max_conns":4`, `"db_statement_timeout":"15s"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	for name, s := range map[string]string{
		"database password": password, "operator key": operatorKey, "bootstrap key": bootstrapKey,
		"managed api_key": created.APIKey, "server secret": secret,
	} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the %s", name)
		}
	}
}

// TestServeRefusesAnUnreachablePostgres: a database that cannot be reached
// at start is a clear error (exit 1), without the URL's password.
func TestServeRefusesAnUnreachablePostgres(t *testing.T) {
	// A port nobody listens on: bind one, note it, and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	var stderr proc.SyncBuffer
	a := newApp(io.Discard, &stderr, func(string) string { return "" })
	code := a.run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0",
		"--database", "postgres://app:pw-never-logged@" + addr + "/telnyx?sslmode=disable",
		"--server-secret", strings.Repeat("s", 32), "--db-connect-timeout", "2s"})
	if code != 1 {
		t.Fatalf("exit code %d, want 1:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "open database postgres://app:xxxxx@") || strings.Contains(stderr.String(), "pw-never-logged") {
		t.Fatalf("the error should name the database without its password:\n%s", stderr.String())
	}
}

// TestServeDrainsInFlightRequests: on SIGTERM (the context cancelled) serve
// stops taking connections but finishes the requests it is serving.
func TestServeDrainsInFlightRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	a := &app{wrapHandler: func(api http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", api)
		mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, _ *http.Request) {
			close(entered)
			<-release
			_, _ = io.WriteString(w, "finished")
		})
		return mux
	}}
	r := startServe(t, a, "--data-dir", t.TempDir())

	type result struct {
		status int
		body   string
		err    error
	}
	results := make(chan result, 1)
	go func() {
		resp, err := http.Get(r.url + "/test/slow")
		if err != nil {
			results <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		results <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-entered
	r.cancel()

	// New connections are refused while the slow request is still served.
	addr := strings.TrimPrefix(r.url, "http://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener stayed open after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-r.done:
		t.Fatalf("serve returned %d with a request in flight", code)
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	res := <-results
	if res.err != nil || res.status != http.StatusOK || res.body != "finished" {
		t.Fatalf("the in-flight request got %d %q (%v), want 200 finished", res.status, res.body, res.err)
	}
	select {
	case code := <-r.done:
		r.done <- code
		if code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, r.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after draining")
	}
	if !strings.Contains(r.logs.String(), `"msg":"reference backend stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", r.logs)
	}
}

// TestParseServeConfig: flags win over environment variables, defaults fill
// in, and bad combinations are refused with a clear message.
func TestParseServeConfig(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	t.Run("defaults", func(t *testing.T) {
		cfg, err := parseServeConfig(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.addr != "127.0.0.1:8787" || cfg.dataDir != "./reference-data" || cfg.database != filepath.Join("reference-data", "reference.db") || cfg.operatorKey != "" ||
			cfg.topUpSettlementDelay != 0 {
			t.Fatalf("%+v", cfg)
		}
	})
	t.Run("environment, and flags over it", func(t *testing.T) {
		vars := map[string]string{
			"REFERENCE_BACKEND_ADDR": "127.0.0.1:9999", "REFERENCE_BACKEND_DATA_DIR": "/env/data",
			"REFERENCE_BACKEND_OPERATOR_KEY": "env-operator-key-123", "REFERENCE_BACKEND_LOG_LEVEL": "debug",
			"REFERENCE_BACKEND_SERVER_SECRET":         strings.Repeat("s", 32),
			"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY": "KEYenv-bootstrap-0001", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL": "env@example.com",
			"REFERENCE_BACKEND_TOPUP_SETTLEMENT_DELAY": "90s",
		}
		cfg, err := parseServeConfig([]string{"--addr", "127.0.0.1:7000", "--database", "/flag/db.sqlite"}, env(vars), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.addr != "127.0.0.1:7000" || cfg.database != "/flag/db.sqlite" || cfg.dataDir != "/env/data" ||
			cfg.operatorKey != "env-operator-key-123" || cfg.serverSecret != strings.Repeat("s", 32) ||
			cfg.bootstrapKey != "KEYenv-bootstrap-0001" || cfg.bootstrapEmail != "env@example.com" || cfg.logLevel.String() != "DEBUG" ||
			cfg.topUpSettlementDelay != 90*time.Second {
			t.Fatalf("%+v", cfg)
		}
	})
	t.Run("help does not print keys from the environment", func(t *testing.T) {
		var out bytes.Buffer
		_, err := parseServeConfig([]string{"--help"}, env(map[string]string{"REFERENCE_BACKEND_OPERATOR_KEY": "env-secret-operator-key"}), &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("err %v", err)
		}
		if strings.Contains(out.String(), "env-secret-operator-key") || !strings.Contains(out.String(), "REFERENCE_BACKEND_OPERATOR_KEY") {
			t.Fatalf("help:\n%s", out.String())
		}
	})
	secret := strings.Repeat("s", 32)
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--database", "postgres://u:p@localhost/db"}, "give --server-secret"},
		{[]string{"--database", "postgresql://u:p@localhost/db", "--data-dir", ""}, "--data-dir must not be empty"},
		{[]string{"--database", "postgres://u:p@localhost:port/db", "--server-secret", secret}, "not a valid PostgreSQL URL"},
		{[]string{"--database", "postgres://u:p@localhost/db", "--server-secret", secret, "--db-max-conns", "0"}, "from 1 to 1000"},
		{[]string{"--database", "postgres://u:p@localhost/db", "--server-secret", secret, "--db-max-conns", "1001"}, "from 1 to 1000"},
		{[]string{"--database", "postgres://u:p@localhost/db", "--server-secret", secret, "--db-max-conns", "ten"}, "from 1 to 1000"},
		{[]string{"--database", "postgres://u:p@localhost/db", "--server-secret", secret, "--db-statement-timeout", "0s"}, "1ms or more"},
		{[]string{"--database", "postgres://u:p@localhost/db", "--server-secret", secret, "--db-connect-timeout", "-1s"}, "1ms or more"},
		{[]string{"--db-max-conns", "5"}, "applies to a PostgreSQL --database"},
		{[]string{"--database", "/tmp/x.db", "--db-statement-timeout", "5s"}, "applies to a PostgreSQL --database"},
		{[]string{"--bootstrap-manager-key", "KEYonly-the-key-000001"}, "give both or neither"},
		{[]string{"--bootstrap-manager-email", "a@example.com"}, "give both or neither"},
		{[]string{"--bootstrap-manager-password", "long enough password"}, "needs --bootstrap-manager-key"},
		{[]string{"--bootstrap-manager-key", "KEYonly-the-key-000001", "--bootstrap-manager-email", "a@example.com",
			"--bootstrap-manager-password", "short"}, "8 to 72 bytes"},
		{[]string{"--operator-key", "short"}, "at least 16"},
		{[]string{"--server-secret", "short"}, "at least 32"},
		{[]string{"--log-level", "trace"}, "info or debug"},
		{[]string{"--topup-settlement-delay", "-1s"}, "0s or more"},
		{[]string{"--topup-settlement-delay", "soon"}, "0s or more"},
		{[]string{"--no-such-flag"}, "not defined"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, b := range bad {
		t.Run(strings.Join(b.args, " "), func(t *testing.T) {
			_, err := parseServeConfig(b.args, env(nil), io.Discard)
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Fatalf("err %v, want one containing %q", err, b.want)
			}
			if strings.Contains(fmt.Sprint(err), "u:p@") || strings.Contains(fmt.Sprint(err), secret) {
				t.Fatalf("the error repeats the database URL's password: %v", err)
			}
		})
	}
}

// TestParseServeConfigPostgres: a postgres:// or postgresql:// --database
// selects PostgreSQL with its pool settings, from flags or the environment;
// replicas must share a server secret, so one is required unless the
// operator chose the folder that keeps it.
func TestParseServeConfigPostgres(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	secret := strings.Repeat("s", 32)
	t.Run("defaults", func(t *testing.T) {
		for given, want := range map[string]string{
			"postgres://app:pw@db.internal:5432/telnyx?sslmode=disable": "postgres://app:pw@db.internal:5432/telnyx?sslmode=disable",
			"PostgreSQL://db.internal/telnyx":                           "postgresql://db.internal/telnyx",
		} {
			cfg, err := parseServeConfig([]string{"--database", given, "--server-secret", secret}, env(nil), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.postgres || cfg.database != want || cfg.dbMaxConns != defaultDBMaxConns ||
				cfg.dbStatementTimeout != defaultDBStatementTimeout || cfg.dbConnectTimeout != defaultDBConnectTimeout {
				t.Fatalf("%+v", cfg)
			}
		}
	})
	t.Run("environment, and flags over it", func(t *testing.T) {
		vars := map[string]string{
			"REFERENCE_BACKEND_DATABASE": "postgres://db.internal/telnyx", "REFERENCE_BACKEND_SERVER_SECRET": secret,
			"REFERENCE_BACKEND_DB_MAX_CONNS": "25", "REFERENCE_BACKEND_DB_STATEMENT_TIMEOUT": "30s",
			"REFERENCE_BACKEND_DB_CONNECT_TIMEOUT": "2s",
		}
		cfg, err := parseServeConfig(nil, env(vars), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.postgres || cfg.dbMaxConns != 25 || cfg.dbStatementTimeout != 30*time.Second || cfg.dbConnectTimeout != 2*time.Second {
			t.Fatalf("%+v", cfg)
		}
		cfg, err = parseServeConfig([]string{"--db-max-conns", "4", "--db-statement-timeout", "500ms"}, env(vars), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.dbMaxConns != 4 || cfg.dbStatementTimeout != 500*time.Millisecond {
			t.Fatalf("%+v", cfg)
		}
	})
	t.Run("a chosen data folder keeps the secret", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			vars map[string]string
		}{
			{[]string{"--database", "postgres://db.internal/telnyx", "--data-dir", "/srv/reference"}, nil},
			{[]string{"--database", "postgres://db.internal/telnyx"}, map[string]string{"REFERENCE_BACKEND_DATA_DIR": "/srv/reference"}},
		} {
			cfg, err := parseServeConfig(c.args, env(c.vars), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.dataDir != "/srv/reference" || cfg.serverSecret != "" {
				t.Fatalf("%+v", cfg)
			}
		}
	})
}

// TestRedactDatabase: what is logged of a database never holds its password.
func TestRedactDatabase(t *testing.T) {
	cases := map[string]string{
		"/var/lib/reference/reference.db":                      "/var/lib/reference/reference.db",
		"postgres://app:s3cret@db:5432/telnyx?sslmode=require": "postgres://app:xxxxx@db:5432/telnyx?sslmode=require",
		"postgresql://app@db/telnyx":                           "postgresql://app@db/telnyx",
		"postgres://db/telnyx?password=s3cret&sslmode=disable": "postgres://db/telnyx?password=xxxxx&sslmode=disable",
		"postgres://app:s3cret@db:port/telnyx":                 "(a PostgreSQL URL that does not parse)",
	}
	for in, want := range cases {
		if got := redactDatabase(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunCommands(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := newApp(&stdout, &stderr, func(string) string { return "" }).run(t.Context(), args)
		return code, stdout.String(), stderr.String()
	}
	if code, out, _ := run("version"); code != 0 || !strings.HasPrefix(out, "reference-backend "+version) {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := run("--help"); code != 0 || !strings.Contains(out, "reference-backend serve") {
		t.Fatalf("--help: %d %q", code, out)
	}
	if code, _, errOut := run("frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := run(); code != 2 {
		t.Fatalf("no command: %d", code)
	}
	if code, _, errOut := run("serve", "--database", "postgres://localhost/x"); code != 2 || !strings.Contains(errOut, "PostgreSQL") {
		t.Fatalf("serve with postgres: %d %q", code, errOut)
	}
	if code, _, _ := run("serve", "--help"); code != 0 {
		t.Fatalf("serve --help: %d", code)
	}
}

// TestServerSecretFile: an existing secret is read back; a short one is refused.
func TestServerSecretFile(t *testing.T) {
	dir := t.TempDir()
	s1, created, err := loadOrCreateServerSecret(dir)
	if err != nil || !created || len(s1) != 64 {
		t.Fatalf("create: %q %v %v", s1, created, err)
	}
	s2, created, err := loadOrCreateServerSecret(dir)
	if err != nil || created || !bytes.Equal(s1, s2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	if err := os.WriteFile(filepath.Join(dir, serverSecretFile), []byte("tiny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadOrCreateServerSecret(dir); err == nil || !strings.Contains(err.Error(), "shorter than") {
		t.Fatalf("short secret: %v", err)
	}
}
