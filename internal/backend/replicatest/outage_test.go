package replicatest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// RestartCommandEnv names a shell command that restarts the whole PostgreSQL
// server (`scripts/postgres.sh restart`). When it is set,
// TestDatabaseOutageUnderLoad restarts the server; otherwise it cuts off
// only its own database, which leaves the tests that share the server alone.
// .ci/run sets it for a run of that test on its own.
const RestartCommandEnv = "REFERENCE_BACKEND_TEST_POSTGRES_RESTART_CMD"

// Bounds of TestDatabaseOutageUnderLoad.
const (
	outageWorkers  = 4
	outageDuration = 2 * time.Second  // how long the database refuses connections
	recoveryBound  = 30 * time.Second // how soon after it returns requests must succeed
)

// TestDatabaseOutageUnderLoad takes the database away while a backend serves
// concurrent reads and writes, and brings it back: every answer meanwhile is
// a success or a 503 in the error envelope with Retry-After (never a 500 or a
// dropped connection), /readyz says 503 while the database is away and /healthz
// stays 200, and requests succeed again by themselves, with nothing restarted.
func TestDatabaseOutageUnderLoad(t *testing.T) {
	database := pgtest.NewDatabase(t)
	env := newReplicaEnv(database)
	r := startReplicas(t, 1, env)[0]
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	manager := newManager(ctx, t, r, env.operatorKey, 10)

	var (
		mu        sync.Mutex
		seen      = map[int]int{} // status -> count
		bad       []string        // answers that break the rule
		successes atomic.Int64    // 2xx answers so far
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	record := func(a answer, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			bad = append(bad, "transport error: "+err.Error())
			return
		case a.status == http.StatusOK || a.status == http.StatusCreated:
			successes.Add(1)
		case a.status == http.StatusServiceUnavailable:
			if a.header.Get("Retry-After") == "" || a.errorCode() == "" {
				bad = append(bad, "a 503 without Retry-After or the error envelope: "+a.String())
			}
		default:
			bad = append(bad, a.String())
		}
		seen[a.status]++
	}
	for w := range outageWorkers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if (w+i)%2 == 0 {
					record(call(ctx, http.MethodGet, r.url+"/v2/balance", manager.key, nil, ""))
				} else {
					record(call(ctx, http.MethodPost, r.url+"/reference/accounts/"+manager.id+"/adjustments", env.operatorKey,
						map[string]any{"amount": "0.01", "description": "load"}, ""))
				}
			}
		})
	}
	var stopOnce sync.Once
	stopLoad := func() { stopOnce.Do(func() { close(stop); wg.Wait() }) }
	defer stopLoad()
	waitFor(ctx, t, "requests to succeed under load", 10*time.Second, func() bool { return successes.Load() >= 20 })

	restartCmd := os.Getenv(RestartCommandEnv)
	if restartCmd != "" {
		t.Logf("restarting PostgreSQL with %q", restartCmd)
		cmd := exec.CommandContext(ctx, "sh", "-c", restartCmd)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", restartCmd, err, out)
		}
	} else {
		cutOff(ctx, t, database, func() {
			// While the database is away the replica is not ready, but alive.
			waitFor(ctx, t, "/readyz to answer 503", outageDuration, func() bool {
				a, err := call(ctx, http.MethodGet, r.url+"/readyz", "", nil, "")
				return err == nil && a.status == http.StatusServiceUnavailable && a.header.Get("Retry-After") != ""
			})
			if a, err := call(ctx, http.MethodGet, r.url+"/healthz", "", nil, ""); err != nil || a.status != http.StatusOK {
				t.Errorf("/healthz while the database is away: %v %v; want 200", a, err)
			}
		})
	}
	back := successes.Load()
	waitFor(ctx, t, "requests to succeed again", recoveryBound, func() bool { return successes.Load() >= back+20 })
	waitFor(ctx, t, "/readyz to answer 200 again", recoveryBound, func() bool {
		a, err := call(ctx, http.MethodGet, r.url+"/readyz", "", nil, "")
		return err == nil && a.status == http.StatusOK
	})
	stopLoad()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers by status: %v", seen)
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%d answers were neither a success nor a 503 in the envelope; the first ones:\n%s", len(bad), strings.Join(bad[:min(len(bad), 5)], "\n"))
	}
	if restartCmd == "" && seen[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request answered 503 while the database was away: the outage was not observed")
	}
}

// cutOff makes the test's database refuse connections, ends those it has,
// runs during, and after outageDuration lets connections in again. The
// server and the other databases on it are untouched.
func cutOff(ctx context.Context, t *testing.T, database string, during func()) {
	t.Helper()
	u, err := url.Parse(database)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin := connect(ctx, t, os.Getenv(pgtest.URLEnv))
	allow := func(ok bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", pgx.Identifier{name}.Sanitize(), ok)); err != nil {
			t.Fatalf("ALTER DATABASE %s ALLOW_CONNECTIONS %t: %v", name, ok, err)
		}
	}
	allow(false)
	// Whatever happens, let connections in again: the database is dropped
	// at the end of the test.
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS true", pgx.Identifier{name}.Sanitize()))
	})
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
		t.Fatalf("end the database's connections: %v", err)
	}
	started := time.Now()
	during()
	if rest := outageDuration - time.Since(started); rest > 0 {
		time.Sleep(rest)
	}
	allow(true)
}

// waitFor polls cond until it holds, failing the test after within.
func waitFor(ctx context.Context, t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
