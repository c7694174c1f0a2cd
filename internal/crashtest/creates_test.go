package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// The create load of TestCrashDuringConcurrentCreates: createWorkers
// connections at once, so that the SQLite store's group commit takes many
// creates into each transaction, across createManagers managers; the
// backend is killed createKills times, each time once killEvery more
// creates have been acknowledged.
const (
	createWorkers  = 50
	createManagers = 5
	createKills    = 3
	killEvery      = 400
)

// TestCrashDuringConcurrentCreatesKeepsEveryAcknowledgedOne sends managed
// account creates from createWorkers connections at once and SIGKILLs the
// backend in the middle of that load, createKills times, restarting it each
// time on the same database and port. Half the workers send each create
// with an Idempotency-Key and send it again, with the same key, until it is
// answered 2xx; the others send each once. At the end, in the database:
//   - every create answered 2xx exists exactly once, with the id answered;
//   - a create that got no answer exists at most once (it may have
//     committed before the kill), and nothing exists that was never sent;
//   - no create exists in part: every managed account has its one active
//     primary key and its one creation event in the audit log, nothing
//     refers to an account that does not exist, each manager's count of
//     managed accounts (kept by triggers) is what its accounts add up to,
//     and the file passes SQLite's integrity check.
func TestCrashDuringConcurrentCreatesKeepsEveryAcknowledgedOne(t *testing.T) {
	if os.Getenv(EnvCrashTest) != "1" {
		t.Skipf("the crash-safety harness builds the backend and takes a minute: set %s=1 (make test-crash)", EnvCrashTest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if _, err := proc.Build(ctx, bin, "reference-backend", proc.BackendPackage); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	// The load is on the store, not the rate limits.
	be := newBackendProcess(t, bin, work, "--rate-limit", "0", "--auth-failure-rate-limit", "0")
	be.start(ctx, t)
	api := &apiClient{root: "http://" + be.addr, http: &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: createWorkers}}}

	managers := map[string]string{} // id -> key
	for i := range createManagers {
		var created struct {
			Data struct {
				ID     string `json:"id"`
				APIKey string `json:"api_key"`
			} `json:"data"`
		}
		if _, err := api.do(ctx, http.MethodPost, "/reference/accounts", be.operatorKey, "",
			map[string]any{"email": fmt.Sprintf("crash-creates-%d@example.com", i), "managed_account_limit": 1_000_000}, &created); err != nil {
			t.Fatal(err)
		}
		managers[created.Data.ID] = created.Data.APIKey
	}

	load := startCreates(ctx, t, api, slices.Collect(maps.Values(managers)))
	for kill := 1; kill <= createKills; kill++ {
		if err := load.waitAcknowledged(ctx, kill*killEvery); err != nil {
			t.Fatal(err)
		}
		be.kill()
		t.Logf("SIGKILLed the backend under %d connections of creates, %d creates acknowledged so far", createWorkers, load.acknowledgedCount())
		be.start(ctx, t)
	}
	if err := load.waitAcknowledged(ctx, (createKills+1)*killEvery); err != nil {
		t.Fatal(err)
	}
	sent, acknowledged := load.stop()
	be.stop(t)
	t.Logf("%d creates acknowledged, %d sent and never acknowledged", len(acknowledged), len(sent)-len(acknowledged))

	db := openDatabase(t, filepath.Join(be.dataDir, "reference.db"))
	checkCreates(t, db, slices.Collect(maps.Keys(managers)), sent, acknowledged)
	checkNoHalfCreates(t, db)
}

// createLoad is the workers of the create load and what they saw.
type createLoad struct {
	quit chan struct{}
	wg   sync.WaitGroup

	mu           sync.Mutex
	sent         map[string]bool   // business names sent at least once
	acknowledged map[string]string // business name -> id answered 2xx
	changed      chan struct{}     // closed and replaced at each acknowledgement
}

func startCreates(ctx context.Context, t *testing.T, api *apiClient, keys []string) *createLoad {
	l := &createLoad{quit: make(chan struct{}), sent: map[string]bool{}, acknowledged: map[string]string{}, changed: make(chan struct{})}
	runID := proc.RandomHex(4)
	for w := range createWorkers {
		l.wg.Go(func() {
			key := keys[w%len(keys)]
			for i := 0; ; i++ {
				select {
				case <-l.quit:
					return
				default:
				}
				name := fmt.Sprintf("Crash create %02d-%05d", w, i)
				idempotencyKey := ""
				if w%2 == 0 {
					idempotencyKey = fmt.Sprintf("crash-create-%s-%02d-%05d", runID, w, i)
				}
				l.send(ctx, t, api, key, idempotencyKey, name)
			}
		})
	}
	return l
}

// send creates the account name: once, or with an Idempotency-Key until it
// is acknowledged (or the load ends).
func (l *createLoad) send(ctx context.Context, t *testing.T, api *apiClient, key, idempotencyKey, name string) {
	for {
		l.mu.Lock()
		l.sent[name] = true
		l.mu.Unlock()
		var created struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		status, err := api.do(ctx, http.MethodPost, "/v2/managed_accounts", key, idempotencyKey,
			map[string]any{"business_name": name}, &created)
		if err == nil {
			l.mu.Lock()
			l.acknowledged[name] = created.Data.ID
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
			return
		}
		if status != 0 && status != http.StatusTooManyRequests && status < 500 {
			t.Errorf("create %q refused: %v", name, err)
			return
		}
		// The backend is down or busy: a pause, then the same request
		// again (with a key) or the next one (without).
		select {
		case <-l.quit:
			return
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
		if idempotencyKey == "" {
			return
		}
	}
}

func (l *createLoad) acknowledgedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acknowledged)
}

// waitAcknowledged waits until n creates have been acknowledged.
func (l *createLoad) waitAcknowledged(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		got, changed := len(l.acknowledged), l.changed
		l.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%d creates acknowledged, waiting for %d: %w", got, n, ctx.Err())
		}
	}
}

// stop ends the load and returns what was sent and what acknowledged.
func (l *createLoad) stop() (sent map[string]bool, acknowledged map[string]string) {
	close(l.quit)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent, l.acknowledged
}

// checkCreates: every acknowledged create exists once with the id answered;
// any other managed account of the managers was sent, and exists once.
func checkCreates(t *testing.T, db *sql.DB, managerIDs []string, sent map[string]bool, acknowledged map[string]string) {
	t.Helper()
	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(managerIDs)), ", ")
	rows, err := db.Query(`SELECT organization_name, id FROM accounts WHERE manager_id IN (`+placeholders+`)`, anys(managerIDs)...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	stored := map[string][]string{} // business name -> ids
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			t.Fatal(err)
		}
		stored[name] = append(stored[name], id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name, id := range acknowledged {
		if ids := stored[name]; len(ids) != 1 || ids[0] != id {
			t.Errorf("create %q was acknowledged as %s; the database holds %v", name, id, ids)
		}
	}
	for name, ids := range stored {
		if !sent[name] {
			t.Errorf("managed account %q (%v) was never sent", name, ids)
		}
		if len(ids) != 1 {
			t.Errorf("managed account %q exists %d times: %v", name, len(ids), ids)
		}
	}
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// checkNoHalfCreates: no managed account without its key or its creation
// event, no key or event without its account, every manager's kept count is
// its accounts', and SQLite finds the file sound.
func checkNoHalfCreates(t *testing.T, db *sql.DB) {
	t.Helper()
	for what, query := range map[string]string{
		"managed accounts without exactly one active primary key": `SELECT COUNT(*) FROM accounts a WHERE a.manager_id IS NOT NULL
			AND (SELECT COUNT(*) FROM api_keys k WHERE k.account_id = a.id AND k.kind = 'primary' AND k.status = 'active') <> 1`,
		"managed accounts without exactly one creation event": `SELECT COUNT(*) FROM accounts a WHERE a.manager_id IS NOT NULL
			AND (SELECT COUNT(*) FROM audit_events e WHERE e.account_id = a.id AND e.action = 'managed_account.create') <> 1`,
		"API keys without their account": `SELECT COUNT(*) FROM api_keys k WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = k.account_id)`,
		"creation events without their account": `SELECT COUNT(*) FROM audit_events e WHERE e.action = 'managed_account.create'
			AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.account_id)`,
		"managers whose kept count differs from their accounts": `SELECT COUNT(*) FROM (
			SELECT manager_id, status, COUNT(*) AS n FROM accounts WHERE manager_id IS NOT NULL GROUP BY manager_id, status) x
			FULL JOIN (SELECT manager_id, status, n FROM managed_account_counts WHERE n > 0) c USING (manager_id, status)
			WHERE x.n IS NOT c.n`,
		"rows whose foreign keys point nowhere": `SELECT COUNT(*) FROM pragma_foreign_key_check`,
	} {
		var n int
		if err := db.QueryRow(query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}
	var integrity string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check: %s %v", integrity, err)
	}
}
