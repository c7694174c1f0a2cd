package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// Environment of the load test.
const (
	enableEnv   = "LOADTEST"
	durationEnv = "LOADTEST_DURATION"
	workersEnv  = "LOADTEST_WORKERS"
)

// The shape of the load: a few managers, each with its managed accounts
// (the accounts that money moves on), each account owned by one worker so
// that "the last acknowledged value" of a field is well defined.
const (
	managers           = 3
	accountsPerManager = 8
	defaultWorkers     = 16
	defaultDuration    = 60 * time.Second
	requestTimeout     = 30 * time.Second
)

// TestLoad mixes reads and writes from many keys for a bounded time, then
// checks that every acknowledged write is there, that every balance is the
// sum of its ledger, and that no request was ever answered 5xx.
func TestLoad(t *testing.T) {
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("set %s=1 to run the load test (%s, %s tune it)", enableEnv, durationEnv, workersEnv)
	}
	duration := envDuration(t, durationEnv, defaultDuration)
	workers := envInt(t, workersEnv, defaultWorkers)

	srv := backendtest.Start(t)
	l := newLoad(t, srv, workers)
	l.setUp()

	ctx, cancel := context.WithTimeout(t.Context(), duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i, w := range l.workers {
		wg.Go(func() { w.run(ctx, rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := l.requests.Load()
	t.Logf("%d workers made %d requests in %s: %.0f requests/s (%d writes acknowledged, %d replays checked)",
		workers, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), l.writes.Load(), l.replays.Load())
	for _, f := range l.failures() {
		t.Error(f)
	}
	if t.Failed() {
		return
	}
	l.verify()
}

// ---------------------------------------------------------------- the world

type load struct {
	t       *testing.T
	srv     *backendtest.Server
	http    *http.Client
	workers []*worker

	requests, writes, replays atomic.Int64

	mu       sync.Mutex
	problems []string
}

type manager struct {
	id, key string
}

// account is a managed account and everything acknowledged about it. Only
// its owning worker touches it until the run ends.
type account struct {
	id, key, name string
	manager       *manager
	money         bool // has a card, and takes top-ups, adjustments and usage

	customPricing bool
	channelLimit  int64 // last acknowledged; -1 when never set
	activeKeys    []string
	revokedKeys   []string
	topUps        []string // transaction ids
	topUpSum      backend.Money
	adjustments   int
	adjustmentSum backend.Money
	usageEvents   []string
}

type worker struct {
	l        *load
	accounts []*account
}

func newLoad(t *testing.T, srv *backendtest.Server, workers int) *load {
	transport, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Fatalf("http.DefaultTransport is a %T", http.DefaultTransport)
	}
	transport = transport.Clone()
	transport.MaxIdleConnsPerHost = workers * 2 // keep loopback connections, not ports in TIME_WAIT
	l := &load{t: t, srv: srv, http: &http.Client{Transport: transport}}
	t.Cleanup(transport.CloseIdleConnections)
	for range workers {
		l.workers = append(l.workers, &worker{l: l})
	}
	return l
}

// problem records a failure seen on any goroutine.
func (l *load) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.problems) < 50 {
		l.problems = append(l.problems, fmt.Sprintf(format, args...))
	}
}

func (l *load) failures() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problems
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request. A POST carries an Idempotency-Key (as the provider's
// client sends) unless idemKey is "-". Transport errors and 5xx answers are
// recorded as problems and returned as nil.
func (l *load) do(ctx context.Context, method, path, key, idemKey string, body any) *answer {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			l.problem("encode %s %s: %v", method, path, err)
			return nil
		}
	}
	return l.doRaw(ctx, method, path, key, idemKey, raw)
}

func (l *load) doRaw(ctx context.Context, method, path, key, idemKey string, raw []byte) *answer {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	var reader io.Reader
	if raw != nil {
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.srv.RootURL+path, reader)
	if err != nil {
		l.problem("%s %s: %v", method, path, err)
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost && idemKey != "-" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	l.requests.Add(1)
	resp, err := l.http.Do(req)
	if err != nil {
		l.problem("%s %s: %v", method, path, err)
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		l.problem("%s %s: read answer: %v", method, path, err)
		return nil
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: b}
	if a.status >= 500 {
		l.problem("%s %s answered %d: %s", method, path, a.status, b)
		return nil
	}
	return a
}

// want returns the answer when it has the status, and records a problem
// (returning nil) when it does not.
func (l *load) want(a *answer, status int, what string) *answer {
	if a == nil {
		return nil
	}
	if a.status != status {
		l.problem("%s answered %d, want %d: %s", what, a.status, status, a.body)
		return nil
	}
	return a
}

// data decodes the {"data": …} of an answer into v.
func (l *load) data(a *answer, v any, what string) bool {
	if a == nil {
		return false
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil {
		l.problem("%s: not a data envelope: %v", what, err)
		return false
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		l.problem("%s: unexpected data: %v", what, err)
		return false
	}
	return true
}

// must fails the test at once, for the set-up and the checks, which run on
// the test's goroutine.
func (l *load) must(a *answer, status int, what string, v any) {
	l.t.Helper()
	if l.want(a, status, what) == nil || (v != nil && !l.data(a, v, what)) {
		l.t.Fatalf("%s failed: %v", what, l.failures())
	}
}

// setUp makes the managers (through the operator, with room for every
// account the run creates), their managed accounts with a card each, and
// deals the accounts out to the workers.
func (l *load) setUp() {
	ctx := l.t.Context()
	var all []*account
	for i := range managers {
		var created struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		}
		l.must(l.do(ctx, http.MethodPost, "/reference/accounts", l.srv.OperatorKey, uuid.NewString(), map[string]any{
			"email": fmt.Sprintf("load-manager-%d-%s@example.com", i, uuid.NewString()[:8]), "managed_account_limit": 1_000_000,
		}), http.StatusCreated, "create manager", &created)
		m := &manager{id: created.ID, key: created.APIKey}
		for j := range accountsPerManager {
			a := l.createAccount(ctx, m, fmt.Sprintf("Load %d-%d", i, j), false)
			if a == nil {
				l.t.Fatalf("create managed account: %v", l.failures())
			}
			a.money = true
			l.must(l.do(ctx, http.MethodPost, "/v2/payment_methods", a.key, uuid.NewString(), map[string]any{
				"type": "card", "default": true,
				"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
				"billing_details": map[string]any{"name": "Load Test", "postal_code": "10001", "country": "US"},
			}), http.StatusOK, "add a card", nil)
			all = append(all, a)
		}
	}
	for i, a := range all {
		w := l.workers[i%len(l.workers)]
		w.accounts = append(w.accounts, a)
	}
}

// createAccount creates a managed account of m and returns it, or nil (with
// a problem recorded) when that fails. With sendTwice the create is sent
// again with its Idempotency-Key, as a client does when an answer is lost:
// the second answer must be the replay of the first.
func (l *load) createAccount(ctx context.Context, m *manager, name string, sendTwice bool) *account {
	idemKey := uuid.NewString()
	raw, _ := json.Marshal(map[string]any{"business_name": name})
	first := l.want(l.doRaw(ctx, http.MethodPost, "/v2/managed_accounts", m.key, idemKey, raw), http.StatusOK, "create managed account")
	var created struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	if !l.data(first, &created, "create managed account") {
		return nil
	}
	l.writes.Add(1)
	if sendTwice {
		again := l.doRaw(ctx, http.MethodPost, "/v2/managed_accounts", m.key, idemKey, raw)
		switch {
		case again == nil:
		case again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body):
			l.problem("a create sent again with its Idempotency-Key was not replayed: %d %s", again.status, again.body)
		default:
			l.replays.Add(1)
		}
	}
	return &account{id: created.ID, key: created.APIKey, name: name, manager: m, channelLimit: -1}
}

// ---------------------------------------------------------------- the workers

// run makes requests until ctx ends. Each operation is chosen at random,
// weighted towards reads.
func (w *worker) run(ctx context.Context, rng *rand.Rand) {
	for n := 0; ctx.Err() == nil; n++ {
		a := w.accounts[rng.IntN(len(w.accounts))]
		switch p := rng.IntN(100); {
		case p < 45:
			w.read(ctx, rng, a)
		case p < 50:
			if b := w.l.createAccount(ctx, a.manager, fmt.Sprintf("Created %s", uuid.NewString()[:8]), rng.IntN(4) == 0); b != nil {
				w.accounts = append(w.accounts, b)
			}
		case p < 58:
			w.patch(ctx, a)
		case p < 62:
			w.channelLimit(ctx, rng, a)
		case p < 70:
			w.topUp(ctx, rng, a)
		case p < 78:
			w.adjust(ctx, rng, a)
		case p < 86:
			w.createKey(ctx, a)
		case p < 92:
			w.revokeKey(ctx, rng, a)
		default:
			w.ingest(ctx, rng, a)
		}
	}
}

func (w *worker) read(ctx context.Context, rng *rand.Rand, a *account) {
	l := w.l
	switch rng.IntN(5) {
	case 0:
		l.want(l.do(ctx, http.MethodGet, "/v2/balance", a.key, "", nil), http.StatusOK, "balance")
	case 1:
		l.want(l.do(ctx, http.MethodGet, "/v2/managed_accounts/"+a.id, a.manager.key, "", nil), http.StatusOK, "get managed account")
	case 2:
		l.want(l.do(ctx, http.MethodGet, "/v2/managed_accounts?page[size]=20&sort=-created_at", a.manager.key, "", nil), http.StatusOK, "list managed accounts")
	case 3:
		l.want(l.do(ctx, http.MethodGet, "/v2/api_keys", a.key, "", nil), http.StatusOK, "list API keys")
	default:
		l.want(l.do(ctx, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=direction&metrics=count&date_range=today", a.key, "", nil),
			http.StatusOK, "usage report")
	}
}

func (w *worker) patch(ctx context.Context, a *account) {
	l := w.l
	next := !a.customPricing
	if l.want(l.do(ctx, http.MethodPatch, "/v2/managed_accounts/"+a.id, a.manager.key, "",
		map[string]any{"managed_account_allow_custom_pricing": next}), http.StatusOK, "patch managed account") != nil {
		a.customPricing = next
		l.writes.Add(1)
	}
}

func (w *worker) channelLimit(ctx context.Context, rng *rand.Rand, a *account) {
	if !a.money {
		return // the set-up accounts only: their limits stay well within the manager's channels
	}
	l := w.l
	limit := int64(rng.IntN(20))
	if l.want(l.do(ctx, http.MethodPatch, "/v2/managed_accounts/"+a.id+"/update_global_channel_limit", a.manager.key, "",
		map[string]any{"channel_limit": limit}), http.StatusOK, "update channel limit") != nil {
		a.channelLimit = limit
		l.writes.Add(1)
	}
}

func randomAmount(rng *rand.Rand, maxCents int) backend.Money {
	return backend.Money(1+rng.IntN(maxCents)) * 10_000 // cents in micro-units
}

func (w *worker) topUp(ctx context.Context, rng *rand.Rand, a *account) {
	if !a.money {
		return
	}
	l := w.l
	amount := randomAmount(rng, 10_000)
	var tx struct {
		ID string `json:"id"`
	}
	if l.data(l.want(l.do(ctx, http.MethodPost, "/v2/payment/stored_payment_transactions", a.key, uuid.NewString(),
		map[string]any{"amount": amount.String()}), http.StatusOK, "top-up"), &tx, "top-up") {
		a.topUps = append(a.topUps, tx.ID)
		a.topUpSum += amount
		l.writes.Add(1)
	}
}

func (w *worker) adjust(ctx context.Context, rng *rand.Rand, a *account) {
	if !a.money {
		return
	}
	l := w.l
	amount := randomAmount(rng, 5_000)
	if rng.IntN(2) == 0 {
		amount = -amount
	}
	if l.want(l.do(ctx, http.MethodPost, "/reference/accounts/"+a.id+"/adjustments", l.srv.OperatorKey, uuid.NewString(),
		map[string]any{"amount": amount.String(), "description": "load test"}), http.StatusCreated, "adjustment") != nil {
		a.adjustments++
		a.adjustmentSum += amount
		l.writes.Add(1)
	}
}

func (w *worker) createKey(ctx context.Context, a *account) {
	if len(a.activeKeys) >= backend.MaxAPIKeysPerAccount/2 {
		return
	}
	l := w.l
	var key struct {
		ID string `json:"id"`
	}
	if l.data(l.want(l.do(ctx, http.MethodPost, "/v2/api_keys", a.key, uuid.NewString(),
		map[string]any{"description": "load test"}), http.StatusOK, "create API key"), &key, "create API key") {
		a.activeKeys = append(a.activeKeys, key.ID)
		l.writes.Add(1)
	}
}

func (w *worker) revokeKey(ctx context.Context, rng *rand.Rand, a *account) {
	if len(a.activeKeys) == 0 {
		return
	}
	l := w.l
	i := rng.IntN(len(a.activeKeys))
	id := a.activeKeys[i]
	if l.want(l.do(ctx, http.MethodDelete, "/v2/api_keys/"+id, a.key, "", nil), http.StatusOK, "revoke API key") != nil {
		a.activeKeys = append(a.activeKeys[:i], a.activeKeys[i+1:]...)
		a.revokedKeys = append(a.revokedKeys, id)
		l.writes.Add(1)
	}
}

func (w *worker) ingest(ctx context.Context, rng *rand.Rand, a *account) {
	if !a.money {
		return
	}
	l := w.l
	at := l.srv.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	n := 1 + rng.IntN(20)
	events := make([]any, n)
	ids := make([]string, n)
	for i := range events {
		ids[i] = "load-" + uuid.NewString()
		events[i] = map[string]any{
			"id": ids[i], "account_id": a.id, "product": "messaging", "occurred_at": at,
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1 + rng.IntN(3),
		}
	}
	var res struct {
		Accepted int `json:"accepted"`
	}
	if l.data(l.want(l.do(ctx, http.MethodPost, "/reference/usage_events", l.srv.OperatorKey, uuid.NewString(),
		map[string]any{"events": events}), http.StatusOK, "ingest usage"), &res, "ingest usage") {
		if res.Accepted != n {
			l.problem("usage batch of %d new events: %d accepted", n, res.Accepted)
			return
		}
		a.usageEvents = append(a.usageEvents, ids...)
		l.writes.Add(1)
	}
}

// ---------------------------------------------------------------- the checks

// verify looks for every acknowledged write, through the API and the store.
func (l *load) verify() {
	ctx := l.t.Context()
	usageCost := l.usageCosts()
	var accounts, keys, events int
	var cost backend.Money
	for _, w := range l.workers {
		for _, a := range w.accounts {
			l.verifyAccount(ctx, a)
			l.verifyKeys(ctx, a)
			if a.money {
				l.verifyMoney(ctx, a, usageCost[a.id])
			}
			accounts++
			keys += len(a.activeKeys) + len(a.revokedKeys)
			events += len(a.usageEvents)
			cost += usageCost[a.id]
		}
	}
	l.t.Logf("checked %d managed accounts, %d API keys, %d usage events costing %s", accounts, keys, events, cost)
}

func (l *load) verifyAccount(ctx context.Context, a *account) {
	l.t.Helper()
	var got struct {
		OrganizationName   string `json:"organization_name"`
		AllowCustomPricing bool   `json:"managed_account_allow_custom_pricing"`
		GlobalChannelLimit *int64 `json:"global_channel_limit"`
	}
	l.must(l.do(ctx, http.MethodGet, "/v2/managed_accounts/"+a.id, a.manager.key, "", nil), http.StatusOK, "get "+a.id, &got)
	if got.OrganizationName != a.name || got.AllowCustomPricing != a.customPricing {
		l.t.Errorf("account %s: name %q, custom pricing %v; acknowledged %q, %v", a.id, got.OrganizationName, got.AllowCustomPricing, a.name, a.customPricing)
	}
	if a.channelLimit >= 0 && (got.GlobalChannelLimit == nil || *got.GlobalChannelLimit != a.channelLimit) {
		l.t.Errorf("account %s: channel limit %v, acknowledged %d", a.id, got.GlobalChannelLimit, a.channelLimit)
	}
}

func (l *load) verifyKeys(ctx context.Context, a *account) {
	l.t.Helper()
	for _, id := range a.activeKeys {
		var key struct {
			Status string `json:"status"`
		}
		l.must(l.do(ctx, http.MethodGet, "/v2/api_keys/"+id, a.key, "", nil), http.StatusOK, "get key "+id, &key)
		if key.Status != "active" {
			l.t.Errorf("account %s: key %s is %s, want active", a.id, id, key.Status)
		}
	}
	for _, id := range a.revokedKeys {
		l.must(l.do(ctx, http.MethodGet, "/v2/api_keys/"+id, a.key, "", nil), http.StatusNotFound, "get revoked key "+id, nil)
	}
}

// verifyMoney checks an account's balance three ways: the API's balance is
// the store's ledger sum; the ledger's top-ups and adjustments are exactly
// the acknowledged ones; its usage charges are what the usage report (made
// from the rollups, another path) says the usage cost.
func (l *load) verifyMoney(ctx context.Context, a *account, usageCost backend.Money) {
	l.t.Helper()
	var bal struct {
		Balance string `json:"balance"`
		Pending string `json:"pending"`
	}
	l.must(l.do(ctx, http.MethodGet, "/v2/balance", a.key, "", nil), http.StatusOK, "balance of "+a.id, &bal)
	apiBalance, err := backend.ParseMoney(bal.Balance)
	if err != nil {
		l.t.Fatalf("balance %q: %v", bal.Balance, err)
	}
	var (
		settled, pending backend.Money
		summary          *backend.LedgerSummary
		stored           map[string]bool
		transactions     []*backend.Transaction
	)
	err = l.srv.Store.ReadTx(ctx, func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(ctx, a.id, l.srv.Now())
		if err != nil {
			return err
		}
		settled, pending = sums.Settled, sums.Pending
		if summary, err = tx.SummarizeLedger(ctx, a.id); err != nil {
			return err
		}
		if stored, err = tx.StoredUsageEventIDs(ctx, a.usageEvents); err != nil {
			return err
		}
		transactions, _, err = tx.ListTransactions(ctx, a.id, backend.Page{Number: 1, Size: len(a.topUps) + 1})
		return err
	})
	if err != nil {
		l.t.Fatalf("read the store: %v", err)
	}
	if apiBalance != settled || pending != 0 {
		l.t.Errorf("account %s: API balance %s (pending %s), store ledger %s settled, %s pending", a.id, bal.Balance, bal.Pending, settled, pending)
	}
	var topUps, adjustments, usage, other backend.Money
	var topUpCount, adjustmentCount int
	for _, g := range summary.Groups {
		switch g.Kind {
		case backend.LedgerTopUp:
			topUps += g.Sum
			topUpCount += g.Count
		case backend.LedgerAdjustment:
			adjustments += g.Sum
			adjustmentCount += g.Count
		case backend.LedgerUsage:
			usage += g.Sum
		default:
			other += g.Sum
		}
	}
	if topUps+adjustments+usage+other != settled+pending {
		l.t.Errorf("account %s: ledger groups add up to %s, the ledger to %s", a.id, topUps+adjustments+usage+other, settled+pending)
	}
	if topUps != a.topUpSum || topUpCount != len(a.topUps) {
		l.t.Errorf("account %s: ledger has %d top-ups of %s; acknowledged %d of %s", a.id, topUpCount, topUps, len(a.topUps), a.topUpSum)
	}
	if adjustments != a.adjustmentSum || adjustmentCount != a.adjustments {
		l.t.Errorf("account %s: ledger has %d adjustments of %s; acknowledged %d of %s", a.id, adjustmentCount, adjustments, a.adjustments, a.adjustmentSum)
	}
	if other != 0 {
		l.t.Errorf("account %s: ledger entries of other kinds sum to %s, want none", a.id, other)
	}
	if -usage != usageCost {
		l.t.Errorf("account %s: usage charges %s, usage report cost %s", a.id, -usage, usageCost)
	}
	for _, id := range a.usageEvents {
		if !stored[id] {
			l.t.Errorf("account %s: acknowledged usage event %s is not stored", a.id, id)
		}
	}
	have := map[string]bool{}
	for _, tx := range transactions {
		have[tx.ID] = true
	}
	for _, id := range a.topUps {
		if !have[id] {
			l.t.Errorf("account %s: acknowledged top-up %s is not stored", a.id, id)
		}
	}
}

// usageCosts asks each manager's usage report for the cost of its managed
// accounts' messaging, by account.
func (l *load) usageCosts() map[string]backend.Money {
	l.t.Helper()
	ctx := l.t.Context()
	seen := map[*manager]bool{}
	costs := map[string]backend.Money{}
	for _, w := range l.workers {
		for _, a := range w.accounts {
			if seen[a.manager] {
				continue
			}
			seen[a.manager] = true
			a := l.do(ctx, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=direction&metrics=cost&managed_accounts=true"+
				"&date_range=last_2_days&page[size]=5000", a.manager.key, "", nil)
			l.must(a, http.StatusOK, "usage report", nil)
			var report struct {
				Data []map[string]json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(a.body, &report); err != nil {
				l.t.Fatalf("usage report: %v", err)
			}
			for _, row := range report.Data {
				var user string
				if err := json.Unmarshal(row["user_id"], &user); err != nil {
					l.t.Fatalf("usage report row %v: %v", row, err)
				}
				cost, err := backend.ParseMoney(string(row["cost"]))
				if err != nil {
					l.t.Fatalf("usage report cost %s: %v", row["cost"], err)
				}
				costs[user] += cost
			}
		}
	}
	return costs
}

// ---------------------------------------------------------------- settings

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > 30*time.Minute {
		t.Fatalf("%s=%q: want a duration from 1s to 30m", name, v)
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 256 {
		t.Fatalf("%s=%q: want a whole number from 1 to 256", name, v)
	}
	return n
}
