package replicatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// The workload of TestReplicasShareOneDatabase. Every figure is chosen so
// that the end state is exact whatever order the requests run in.
const (
	accountLimit   = 8  // the racing manager's limit of managed accounts
	accountRacers  = 16 // creations attempted against that limit
	twinEmails     = 5  // emails each created on both replicas at once
	topUps         = 20 // top-ups of topUpAmount
	topUpAmount    = "3.00"
	repeatedTopUps = 5 // top-ups of repeatAmount, each sent to both replicas with one Idempotency-Key
	repeatAmount   = "2.00"
	adjustments    = 20 // operator adjustments of -1.00 on the manager
	// Auto-recharge on another account: funds start at threshold +
	// recharge (15.00) and every charge is 1.00, so each 6th charge crosses
	// the threshold and recharges by 6.00, back to 15.00.
	rechargeThreshold = "10.00"
	rechargeAmount    = "5.00"
	rechargeCharges   = 36
	wantRecharges     = 6
	usageEvents       = 20 // one batch, posted to both replicas at once
	revocations       = 10 // keys revoked, each checked on both replicas at once
)

// TestReplicasShareOneDatabase runs two `reference-backend serve` processes on
// one PostgreSQL database, splits concurrent top-ups, charges with
// auto-recharge, managed-account creations against the limit and key
// revocations across them, and checks that nothing is lost or duplicated:
// the ledger is exact, the limit holds, each threshold crossing recharges
// once, and a revoked key is refused by both replicas as soon as the revoke
// returns.
func TestReplicasShareOneDatabase(t *testing.T) {
	env := newReplicaEnv(pgtest.NewDatabase(t))
	replicas := startReplicas(t, 2, env)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	on := func(i int) *replica { return replicas[i%len(replicas)] }

	// The replicas started together, with the same bootstrap manager: one
	// account, whose key works on both.
	for _, r := range replicas {
		must(ctx, t, http.StatusOK, http.MethodGet, r.url+"/v2/balance", env.bootstrapKey, nil)
		must(ctx, t, http.StatusOK, http.MethodGet, r.url+"/readyz", "", nil)
	}

	// Set up, on both replicas in turn.
	racing := newManager(ctx, t, on(0), env.operatorKey, accountLimit)
	must(ctx, t, http.StatusOK, http.MethodPost, on(1).url+"/v2/payment_methods", racing.key, cardBody())
	owner := newManager(ctx, t, on(1), env.operatorKey, 100)
	recharged := newManaged(ctx, t, on(0), owner.key, map[string]any{"business_name": "Recharged"})
	must(ctx, t, http.StatusOK, http.MethodPost, on(1).url+"/v2/payment_methods", recharged.key, cardBody())
	must(ctx, t, http.StatusCreated, http.MethodPost, on(0).url+"/reference/accounts/"+recharged.id+"/adjustments", env.operatorKey,
		map[string]any{"amount": "15.00", "description": "opening funds"})
	must(ctx, t, http.StatusOK, http.MethodPatch, on(1).url+"/v2/payment/auto_recharge_prefs", recharged.key,
		map[string]any{"enabled": true, "threshold_amount": rechargeThreshold, "recharge_amount": rechargeAmount})
	usageAccount := newManaged(ctx, t, on(1), owner.key, map[string]any{"business_name": "Busy"})
	type issuedKey struct{ id, secret string }
	keys := make([]issuedKey, revocations)
	for i := range keys {
		var k struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		}
		must(ctx, t, http.StatusOK, http.MethodPost, on(i).url+"/v2/api_keys", racing.key, map[string]any{"description": "to revoke"}).decode(t, &k)
		keys[i] = issuedKey{k.ID, k.APIKey}
	}
	runID := proc.RandomHex(4)
	occurred := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	batch := make([]map[string]any, usageEvents)
	for i := range batch {
		batch[i] = map[string]any{
			"id": fmt.Sprintf("replica-%s-%d", runID, i), "account_id": usageAccount.id, "product": "messaging",
			"occurred_at": occurred, "direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1,
		}
	}

	// Everything at once, split across the replicas.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	// send runs one request in the background and hands its answer to check.
	send := func(r *replica, method, path, key string, body any, check func(answer)) {
		wg.Go(func() {
			a, err := callRetrying(ctx, method, r.url+path, key, body)
			if err != nil {
				fail("%s %s on %s: %v", method, path, r.name, err)
				return
			}
			check(a)
		})
	}
	expect := func(what string, want int) func(answer) {
		return func(a answer) {
			if a.status != want {
				fail("%s: %s, want %d", what, a, want)
			}
		}
	}

	var created, refused int
	for i := range accountRacers {
		body := map[string]any{"business_name": fmt.Sprintf("Racer %d", i), "email": fmt.Sprintf("racer-%s-%d@example.com", runID, i)}
		send(on(i), http.MethodPost, "/v2/managed_accounts", racing.key, body, func(a answer) {
			mu.Lock()
			defer mu.Unlock()
			switch a.status {
			case http.StatusOK:
				created++
			case http.StatusUnprocessableEntity:
				refused++
			default:
				failures = append(failures, "create a managed account: "+a.String())
			}
		})
	}
	twinStatuses := make([][]answer, twinEmails)
	for i := range twinEmails {
		body := map[string]any{"business_name": fmt.Sprintf("Twin %d", i), "email": fmt.Sprintf("twin-%s-%d@example.com", runID, i)}
		for _, r := range replicas {
			send(r, http.MethodPost, "/v2/managed_accounts", owner.key, body, func(a answer) {
				mu.Lock()
				defer mu.Unlock()
				twinStatuses[i] = append(twinStatuses[i], a)
			})
		}
	}
	for i := range topUps {
		send(on(i), http.MethodPost, "/v2/payment/stored_payment_transactions", racing.key,
			map[string]any{"amount": topUpAmount}, expect("top-up", http.StatusOK))
	}
	repeatAnswers := make([][]answer, repeatedTopUps)
	for i := range repeatedTopUps {
		idempotencyKey := uuid.NewString()
		for _, r := range replicas {
			wg.Go(func() {
				a, err := call(ctx, http.MethodPost, r.url+"/v2/payment/stored_payment_transactions", racing.key,
					map[string]any{"amount": repeatAmount}, idempotencyKey)
				if err != nil {
					fail("repeated top-up on %s: %v", r.name, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				repeatAnswers[i] = append(repeatAnswers[i], a)
			})
		}
	}
	for i := range adjustments {
		send(on(i), http.MethodPost, "/reference/accounts/"+racing.id+"/adjustments", env.operatorKey,
			map[string]any{"amount": "-1.00", "description": "charge"}, expect("adjustment", http.StatusCreated))
	}
	for i := range rechargeCharges {
		send(on(i), http.MethodPost, "/reference/accounts/"+recharged.id+"/adjustments", env.operatorKey,
			map[string]any{"amount": "-1.00", "description": "charge"}, expect("charge", http.StatusCreated))
	}
	var accepted, duplicates int
	for _, r := range replicas {
		send(r, http.MethodPost, "/reference/usage_events", env.operatorKey, map[string]any{"events": batch}, func(a answer) {
			if a.status != http.StatusOK {
				fail("usage batch: %s", a)
				return
			}
			var res struct {
				Data struct {
					Accepted   int `json:"accepted"`
					Duplicates int `json:"duplicates"`
				} `json:"data"`
			}
			if err := json.Unmarshal(a.body, &res); err != nil {
				fail("usage batch: %s: %v", a, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			accepted += res.Data.Accepted
			duplicates += res.Data.Duplicates
		})
	}
	for i, k := range keys {
		wg.Go(func() {
			for _, r := range replicas {
				if a, err := call(ctx, http.MethodGet, r.url+"/v2/balance", k.secret, nil, ""); err != nil || a.status != http.StatusOK {
					fail("key %d before its revocation on %s: %v %v", i, r.name, a, err)
				}
			}
			if a, err := callRetrying(ctx, http.MethodDelete, on(i).url+"/v2/api_keys/"+k.id, racing.key, nil); err != nil || a.status != http.StatusOK {
				fail("revoke key %d on %s: %v %v", i, on(i).name, a, err)
				return
			}
			// Right after the revoke returns: refused everywhere, at once.
			for _, r := range replicas {
				if a, err := call(ctx, http.MethodGet, r.url+"/v2/balance", k.secret, nil, ""); err != nil || a.status != http.StatusUnauthorized {
					fail("key %d right after its revocation on %s: %v %v; want 401", i, r.name, a, err)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d requests were sent again after a 503", retried.Load())

	// Disabling and cancelling an account refuse its key on every replica as
	// soon as they return, as revoking a key does.
	shut := newManaged(ctx, t, on(0), owner.key, map[string]any{"business_name": "Shut"})
	for _, step := range []struct {
		what, method, path, key string
		on                      *replica
		want                    int
	}{
		{"created", "", "", "", nil, http.StatusOK},
		{"disabled", http.MethodPost, "/v2/managed_accounts/" + shut.id + "/actions/disable", owner.key, on(1), http.StatusUnauthorized},
		{"enabled", http.MethodPost, "/v2/managed_accounts/" + shut.id + "/actions/enable", owner.key, on(0), http.StatusOK},
		{"cancelled", http.MethodDelete, "/reference/accounts/" + shut.id, env.operatorKey, on(1), http.StatusUnauthorized},
	} {
		if step.on != nil {
			must(ctx, t, http.StatusOK, step.method, step.on.url+step.path, step.key, nil)
		}
		for _, r := range replicas {
			if a, err := call(ctx, http.MethodGet, r.url+"/v2/balance", shut.key, nil, ""); err != nil || a.status != step.want {
				t.Errorf("the key of an account right after it was %s, on %s: %v %v; want %d", step.what, r.name, a, err, step.want)
			}
		}
	}

	// The limit held exactly, and no email exists twice.
	if created != accountLimit || refused != accountRacers-accountLimit {
		t.Errorf("%d managed accounts created and %d refused; want %d and %d", created, refused, accountLimit, accountRacers-accountLimit)
	}
	for i, answers := range twinStatuses {
		created, duplicate := 0, 0
		for _, a := range answers {
			switch {
			case a.status == http.StatusOK:
				created++
			case a.status == http.StatusUnprocessableEntity && a.errorCode() == backend.CodeDuplicate:
				duplicate++
			}
		}
		if created != 1 || duplicate != 1 {
			t.Errorf("twin email %d answered %v; want one 200 and one 422 with code %s", i, answers, backend.CodeDuplicate)
		}
	}
	// A repeated POST ran once, and both replicas answered with its result.
	for i, answers := range repeatAnswers {
		var ids []string
		for _, a := range answers {
			if a.status != http.StatusOK {
				t.Errorf("repeated top-up %d: %s; want 200", i, a)
				continue
			}
			var tr struct {
				ID string `json:"id"`
			}
			a.decode(t, &tr)
			ids = append(ids, tr.ID)
		}
		if len(ids) == 2 && ids[0] != ids[1] {
			t.Errorf("repeated top-up %d made two transactions, %s and %s", i, ids[0], ids[1])
		}
	}
	if accepted != usageEvents || duplicates != usageEvents {
		t.Errorf("the usage batch sent twice: %d accepted and %d duplicates; want %d and %d", accepted, duplicates, usageEvents, usageEvents)
	}

	// Balances read the same on both replicas, and match the ledger.
	wantRacing := backend.Money(topUps*3_000_000 + repeatedTopUps*2_000_000 - adjustments*1_000_000)
	wantRecharged := backend.Money(15_000_000)
	for _, r := range replicas {
		wantBalance(ctx, t, r, racing.key, wantRacing)
		wantBalance(ctx, t, r, recharged.key, wantRecharged)
		var page struct {
			Meta struct {
				TotalResults int `json:"total_results"`
			} `json:"meta"`
		}
		a := must(ctx, t, http.StatusOK, http.MethodGet, r.url+"/v2/managed_accounts?page[size]=1", racing.key, nil)
		if err := json.Unmarshal(a.body, &page); err != nil {
			t.Fatalf("list managed accounts: %s: %v", a, err)
		}
		if page.Meta.TotalResults != accountLimit {
			t.Errorf("%s lists %d managed accounts of the racing manager; want %d", r.name, page.Meta.TotalResults, accountLimit)
		}
	}

	// And what is stored, read straight from the database.
	db := connect(ctx, t, env.database)
	wantLedger(ctx, t, db, racing.id, wantRacing, topUps+repeatedTopUps+adjustments)
	wantLedger(ctx, t, db, recharged.id, wantRecharged, 1+rechargeCharges+wantRecharges)
	var autoCount, autoWrong int
	if err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE amount <> 6000000)
		FROM payment_transactions WHERE account_id = $1 AND auto_recharge`, recharged.id).Scan(&autoCount, &autoWrong); err != nil {
		t.Fatal(err)
	}
	if autoCount != wantRecharges || autoWrong != 0 {
		t.Errorf("%d auto-recharges (%d not of 6.00); want %d of 6.00, one per crossing", autoCount, autoWrong, wantRecharges)
	}
	var racingTransactions int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM payment_transactions WHERE account_id = $1`, racing.id).Scan(&racingTransactions); err != nil {
		t.Fatal(err)
	}
	if racingTransactions != topUps+repeatedTopUps {
		t.Errorf("%d card transactions; want %d", racingTransactions, topUps+repeatedTopUps)
	}
	var managed, twins, sharedEmails int
	if err := db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM accounts WHERE manager_id = $1),
			(SELECT count(*) FROM accounts WHERE email LIKE $2),
			(SELECT count(*) FROM (SELECT lower(email) FROM accounts GROUP BY 1 HAVING count(*) > 1) AS d)`,
		racing.id, "twin-"+runID+"-%").Scan(&managed, &twins, &sharedEmails); err != nil {
		t.Fatal(err)
	}
	if managed != accountLimit || twins != twinEmails || sharedEmails != 0 {
		t.Errorf("%d managed accounts under the limit of %d, %d twin accounts of %d, %d emails held twice",
			managed, accountLimit, twins, twinEmails, sharedEmails)
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM usage_events WHERE account_id = $1`, usageAccount.id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != usageEvents {
		t.Errorf("%d usage events stored; want %d", stored, usageEvents)
	}
}

// account is an account the test made, with the key that acts as it.
type account struct{ id, key string }

func newManager(ctx context.Context, t *testing.T, r *replica, operatorKey string, limit int) account {
	t.Helper()
	var m struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	must(ctx, t, http.StatusCreated, http.MethodPost, r.url+"/reference/accounts", operatorKey, map[string]any{
		"email": "manager-" + proc.RandomHex(6) + "@example.com", "managed_account_limit": limit,
	}).decode(t, &m)
	return account{m.ID, m.APIKey}
}

func newManaged(ctx context.Context, t *testing.T, r *replica, managerKey string, body map[string]any) account {
	t.Helper()
	var m struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	must(ctx, t, http.StatusOK, http.MethodPost, r.url+"/v2/managed_accounts", managerKey, body).decode(t, &m)
	return account{m.ID, m.APIKey}
}

// wantBalance checks the balance that r shows to the account of key.
func wantBalance(ctx context.Context, t *testing.T, r *replica, key string, want backend.Money) {
	t.Helper()
	var b struct {
		Balance string `json:"balance"`
		Pending string `json:"pending"`
	}
	must(ctx, t, http.StatusOK, http.MethodGet, r.url+"/v2/balance", key, nil).decode(t, &b)
	if b.Balance != want.String() || b.Pending != "0.00" {
		t.Errorf("%s shows balance %s (pending %s); want %s", r.name, b.Balance, b.Pending, want)
	}
}

// wantLedger checks an account's ledger as stored: its entries add up to
// want, and there are exactly entries of them.
func wantLedger(ctx context.Context, t *testing.T, db *pgx.Conn, accountID string, want backend.Money, entries int) {
	t.Helper()
	var (
		sum   int64
		count int
	)
	if err := db.QueryRow(ctx, `SELECT coalesce(sum(amount), 0), count(*) FROM ledger_entries WHERE account_id = $1`, accountID).Scan(&sum, &count); err != nil {
		t.Fatal(err)
	}
	if backend.Money(sum) != want || count != entries {
		t.Errorf("the ledger of %s holds %d entries adding up to %s; want %d adding up to %s", accountID, count, backend.Money(sum), entries, want)
	}
}

func connect(ctx context.Context, t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
