package portal_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// The overflow property (issue 14): whatever sequence of writes the API
// accepts — adjustments, credit limits, top-ups, auto-recharge, balance
// transfers, usage at the extremes of every amount and just beyond — every read afterwards (balance,
// invoices, each invoice and its document, usage reports, the portal's pages
// of every account) answers 2xx, and every write answers 2xx or one of the
// 4xx its contract documents, never a 500. Sequences are random from fixed
// seeds, so that a run is bounded and reproducible; OVERFLOW_PROPERTY_SEEDS
// (a comma-separated list of seeds) and OVERFLOW_PROPERTY_STEPS explore
// further.

const (
	defaultPropertySteps = 80
	// checkEvery is how many writes run between two rounds of reads.
	checkEvery = 5
)

// Amounts at and around every bound: the int64 range, MaxAmount,
// MaxTopUp, a cent, a micro-unit.
var (
	extremeAdjustments = []string{
		"-9223372036854.775808", "9223372036854.775807", "-9223372036854.775807", "9223372036854.775806",
		"4611686018427.387904", "-4611686018427.387904", "1000000000.00", "-1000000000.00", "1000000000.000001",
		"-1000000000.000001", "999999999.999999", "-999999999.999999", "0.000001", "-0.000001", "0", "-0.01",
	}
	extremeCreditLimits = []string{"0.00", "1000000000.00", "1000000000.000001", "9223372036854.775807", "-0.000001", "0.000001"}
	extremeCents        = []string{"0.01", "10000.00", "10000.01", "0.00", "9999.99", "92233720368547758.07"}
	// maxQuantities are each product's largest quantity per event.
	maxQuantities = map[string]struct {
		field string
		max   int64
	}{
		"messaging": {"parts", 100_000},
		"voice":     {"billed_sec", 31 * 24 * 3600},
		"wireless":  {"bytes", 1_000_000_000_000},
	}
	// productFields are the dimensions of an event of each product.
	productFields = map[string]map[string]any{
		"messaging": {"direction": "outbound", "message_type": "SMS", "product_name": "long_code"},
		"voice":     {"direction": "outbound", "product_name": "sip_trunking"},
		"wireless":  {"product_name": "sim"},
	}
	products = []string{"messaging", "voice", "wireless"}
)

// propertyAccount is one account the sequences write to and read.
type propertyAccount struct {
	name, id, key, email string
	ownLedger            bool // false under rollup billing
	browser              *browser
}

type propertyWorld struct {
	t        *testing.T
	srv      *backendtest.Server
	rng      *rand.Rand
	accounts []*propertyAccount
	manager  *propertyAccount
	events   int // for unique event ids
	// answers counts the writes' answers by route and status, so that a
	// run shows it both had writes accepted and refused.
	answers map[string]int
}

func TestOverflowProperty(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if v := os.Getenv("OVERFLOW_PROPERTY_SEEDS"); v != "" {
		seeds = nil
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				t.Fatalf("OVERFLOW_PROPERTY_SEEDS: %v", err)
			}
			seeds = append(seeds, n)
		}
	}
	steps := defaultPropertySteps
	if v := os.Getenv("OVERFLOW_PROPERTY_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("OVERFLOW_PROPERTY_STEPS must be a positive number, not %q", v)
		}
		steps = n
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			w := newPropertyWorld(t, seed)
			for step := 1; step <= steps; step++ {
				w.write(step)
				if step%checkEvery == 0 || step == steps {
					w.readEverything(step)
				}
			}
			t.Logf("writes answered: %v", w.answers)
		})
	}
}

func newPropertyWorld(t *testing.T, seed uint64) *propertyWorld {
	t.Helper()
	world := newWorld(t, backendtest.Options{})
	srv := world.srv
	w := &propertyWorld{t: t, srv: srv, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), answers: map[string]int{}}
	// The manager is charged the highest rates there are, so that usage
	// reaches the money bounds in few events.
	if status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", map[string]any{
		"effective_from": "2000-01-01T00:00:00Z", "rates": []map[string]any{
			{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "*", "rate": "1000.00"},
			{"product": "voice", "direction": "outbound", "country_iso": "*", "rate": "1000.00"},
			{"product": "wireless", "country_iso": "*", "rate": "1000.00"},
		}}); status != http.StatusOK {
		t.Fatalf("committed rates: %d %s", status, body)
	}
	w.manager = &propertyAccount{name: "manager", id: srv.ManagerID, key: srv.ManagerKey, email: world.managerEmail, ownLedger: true}
	w.accounts = append(w.accounts, w.manager)
	for _, spec := range []struct {
		name   string
		rollup bool
	}{{"Rollup Co", true}, {"Own Ledger Co", false}, {"Second Ledger Co", false}} {
		body := map[string]any{"business_name": spec.name, "password": testPassword, "rollup_billing": spec.rollup}
		status, _, raw := srv.Do(t, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, body)
		if status != http.StatusOK {
			t.Fatalf("create %s: %d %s", spec.name, status, raw)
		}
		var created struct {
			Data struct {
				ID     string `json:"id"`
				Email  string `json:"email"`
				APIKey string `json:"api_key"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &created); err != nil {
			t.Fatal(err)
		}
		w.accounts = append(w.accounts, &propertyAccount{name: spec.name, id: created.Data.ID, key: created.Data.APIKey,
			email: created.Data.Email, ownLedger: !spec.rollup})
	}
	for _, a := range w.accounts {
		if a.ownLedger {
			addCardThroughAPI(t, srv, a.key)
		}
		a.browser = newBrowser(t, srv.RootURL)
		a.browser.signIn(a.email, testPassword).wantStatus(t, http.StatusOK)
	}
	return w
}

// pick returns one of list, or, once in four, a random other value.
func pick[T any](w *propertyWorld, list []T, other func() T) T {
	if w.rng.IntN(4) == 0 {
		return other()
	}
	return list[w.rng.IntN(len(list))]
}

// randomMicros is an amount of up to limit micro-units either way.
func (w *propertyWorld) randomMicros(limit int64, signed bool) string {
	m := backend.Money(w.rng.Int64N(limit + 1))
	if signed && w.rng.IntN(2) == 0 {
		m = -m
	}
	return m.String()
}

func (w *propertyWorld) randomCents(limit int64) string {
	c := w.rng.Int64N(limit*100 + 1)
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

func (w *propertyWorld) anyAccount() *propertyAccount { return w.accounts[w.rng.IntN(len(w.accounts))] }

// write makes one random write and checks its answer.
func (w *propertyWorld) write(step int) {
	t := w.t
	a := w.anyAccount()
	var (
		method, path, key string
		body              any
		allowed           = []int{400, 404, 422}
	)
	switch op := w.rng.IntN(22); {
	case op < 5:
		method, path, key = http.MethodPost, "/reference/accounts/"+a.id+"/adjustments", w.srv.OperatorKey
		body = map[string]any{"amount": pick(w, extremeAdjustments, func() string { return w.randomMicros(int64(backend.MaxAmount), true) }),
			"description": "property"}
	case op < 7:
		method, path, key = http.MethodPut, "/reference/accounts/"+a.id+"/credit_limit", w.srv.OperatorKey
		body = map[string]any{"credit_limit": pick(w, extremeCreditLimits, func() string { return w.randomMicros(int64(backend.MaxAmount), false) })}
	case op < 9:
		method, path, key = http.MethodPost, "/v2/payment/stored_payment_transactions", a.key
		body = map[string]any{"amount": pick(w, extremeCents, func() string { return w.randomCents(10_000) })}
	case op < 11:
		method, path, key = http.MethodPatch, "/v2/payment/auto_recharge_prefs", a.key
		body = map[string]any{
			"enabled":          w.rng.IntN(3) > 0,
			"threshold_amount": pick(w, extremeCents, func() string { return w.randomCents(10_000) }),
			"recharge_amount":  pick(w, extremeCents, func() string { return w.randomCents(10_000) }),
		}
	case op < 12:
		// The clock moves on: invoices span months, top-ups settle.
		w.srv.AdvanceTime(time.Duration(w.rng.IntN(40*24)) * time.Hour)
		return
	case op < 18:
		method, path, key = http.MethodPost, "/reference/usage_events", w.srv.OperatorKey
		body = map[string]any{"events": w.usageBatch()}
	case op < 19:
		w.ledgerHistory(a)
		return
	case op < 20:
		w.usageHistory(a)
		return
	default:
		// The manager funds one of its accounts with a ledger of their
		// own, or once in four any account (its own id and a rollup
		// account's are refused, 404 and 422). Usage at the highest rates
		// keeps its balance far below zero, so half the time it is first
		// given funds, or the transfers would all be refused.
		if w.rng.IntN(4) > 0 {
			a = w.accounts[2+w.rng.IntN(2)] // Own Ledger Co, Second Ledger Co
		}
		if w.rng.IntN(2) == 0 {
			w.fundManager()
		}
		method, path, key = http.MethodPost, "/v2/managed_accounts/"+a.id+"/balance_transfers", w.manager.key
		body = map[string]any{"amount": pick(w, extremeCents, func() string { return w.randomCents(10_000) }), "description": "property"}
	}
	status, _, raw := w.srv.Do(t, method, path, key, body)
	route := path
	if strings.HasPrefix(path, "/reference/accounts/") || strings.HasPrefix(path, "/v2/managed_accounts/") {
		route = path[strings.LastIndexByte(path, '/'):]
	}
	w.answers[fmt.Sprintf("%s %d", route, status)]++
	if status >= 300 && !slices.Contains(allowed, status) {
		t.Fatalf("step %d: %s %s %v answered %d: %s", step, method, path, body, status, raw)
	}
	if status >= 300 && !isErrorEnvelope(raw) {
		t.Fatalf("step %d: %s %s answered %d without the error envelope: %s", step, method, path, status, raw)
	}
}

// usageBatch is a batch of events of random accounts, products and days
// (the last 35, a few beyond what a report reaches), with quantities at,
// under and, in one batch of eight, just over each product's largest.
func (w *propertyWorld) usageBatch() []map[string]any {
	n := 1 + w.rng.IntN(100)
	if w.rng.IntN(6) == 0 {
		n = 1000
	}
	now := w.srv.Now().UTC()
	product := "wireless" // the dearest: it reaches the money bounds first
	if w.rng.IntN(2) == 0 {
		product = products[w.rng.IntN(len(products))]
	}
	q := maxQuantities[product]
	batch := make([]map[string]any, n)
	for i := range batch {
		w.events++
		quantity := q.max
		if w.rng.IntN(5) < 2 {
			quantity = w.rng.Int64N(q.max + 1)
		}
		at := w.usageTime(now)
		e := map[string]any{
			"id": fmt.Sprintf("property-%d", w.events), "account_id": w.anyAccount().id, "product": product,
			"occurred_at": at.Format("2006-01-02T15:04:05.000Z"), "country_iso": []string{"US", "GB", "MX"}[w.rng.IntN(3)],
			q.field: quantity,
		}
		for k, v := range productFields[product] {
			e[k] = v
		}
		batch[i] = e
	}
	if w.rng.IntN(8) == 0 {
		batch[w.rng.IntN(n)][q.field] = q.max + 1 // refused: the batch is a 422
	}
	return batch
}

// usageTime is a time in the last 35 days, mostly on a few of them (today,
// the first and last days a report reaches, and beyond), so that days fill
// up to their bounds.
func (w *propertyWorld) usageTime(now time.Time) time.Time {
	if w.rng.IntN(4) == 0 {
		return now.Add(-time.Duration(w.rng.Int64N(int64(35 * 24 * time.Hour))))
	}
	day := now.Truncate(24*time.Hour).AddDate(0, 0, -[]int{0, 1, 31, 33}[w.rng.IntN(4)])
	at := day.Add(time.Duration(w.rng.Int64N(int64(24 * time.Hour))))
	if at.After(now) {
		return now
	}
	return at
}

// ledgerHistory writes, straight to the store, a pair of entries that
// cancel out and take the turnover of a's ledger close to
// MaxLedgerTurnover: the history thousands of adjustments would leave, so
// that the bound is reached within the test's few writes.
func (w *propertyWorld) ledgerHistory(a *propertyAccount) {
	t := w.t
	if !a.ownLedger {
		a = w.manager // rollup billing: the manager's ledger carries a's money
	}
	err := w.srv.Store.WriteTx(t.Context(), func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(t.Context(), a.id, w.srv.Now())
		if err != nil {
			return err
		}
		// Room left afterwards: none, a micro-unit, one largest
		// adjustment, or up to a tenth of the bound.
		left := pick(w, []backend.Money{0, 1, backend.MaxAmount}, func() backend.Money {
			return backend.Money(w.rng.Int64N(int64(backend.MaxLedgerTurnover / 10)))
		})
		half := (backend.MaxLedgerTurnover - sums.Turnover - left) / 2
		if half <= 0 {
			return nil
		}
		now := w.srv.Now()
		for _, m := range []backend.Money{half, -half} {
			e := &backend.LedgerEntry{ID: fmt.Sprintf("history-%d-%d", w.events, m), AccountID: a.id, SubjectID: a.id,
				Kind: backend.LedgerAdjustment, Amount: m, Currency: backend.Currency, Description: "history", CreatedAt: now, SettlesAt: now}
			if err := tx.InsertLedgerEntry(t.Context(), e); err != nil {
				return err
			}
		}
		w.events++
		return nil
	})
	if err != nil {
		t.Fatalf("ledger history of %s: %v", a.name, err)
	}
}

// fundManager writes, straight to the store, the credit that brings the
// manager's settled balance up to 20,000.00 when its ledger has room for
// it: the history of many top-ups, so that balance transfers can pass
// whatever usage charged before.
func (w *propertyWorld) fundManager() {
	t := w.t
	err := w.srv.Store.WriteTx(t.Context(), func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(t.Context(), w.manager.id, w.srv.Now())
		if err != nil {
			return err
		}
		need := 20_000*backend.MicrosPerUnit - sums.Settled
		if _, ok := backend.AddTurnover(sums.Turnover, need); need <= 0 || !ok {
			return nil
		}
		w.events++
		now := w.srv.Now()
		return tx.InsertLedgerEntry(t.Context(), &backend.LedgerEntry{ID: fmt.Sprintf("funds-%d", w.events), AccountID: w.manager.id,
			SubjectID: w.manager.id, Kind: backend.LedgerAdjustment, Amount: need, Currency: backend.Currency, Description: "funds",
			CreatedAt: now, SettlesAt: now})
	})
	if err != nil {
		t.Fatalf("funds of the manager: %v", err)
	}
}

// usageHistory writes, straight to the store, usage of a on a day that
// takes it close to MaxUsageDayTotal in every metric but cost (which the
// ledger bounds): the history millions of events would leave.
func (w *propertyWorld) usageHistory(a *propertyAccount) {
	t := w.t
	product := products[w.rng.IntN(len(products))]
	day := w.usageTime(w.srv.Now().UTC()).Format(time.DateOnly)
	key := backend.UsageDayKey{AccountID: a.id, Product: product, Day: day}
	err := w.srv.Store.WriteTx(t.Context(), func(tx backend.Tx) error {
		totals, err := tx.UsageDayTotals(t.Context(), []backend.UsageDayKey{key})
		if err != nil {
			return err
		}
		room := func(used int64) int64 {
			left := backend.MaxUsageDayTotal - used
			return left - w.rng.Int64N(left/1000+1)
		}
		cur := totals[key]
		manager := ""
		if a != w.manager {
			manager = w.manager.id
		}
		r := &backend.UsageRollup{
			UsageRollupKey: backend.UsageRollupKey{AccountID: a.id, Product: product, Day: day, CountryISO: "CA", ProductName: "history"},
			ManagerID:      manager, Count: room(cur.Count),
		}
		switch maxQuantities[product].field {
		case "parts":
			r.Parts = room(cur.Parts)
		case "billed_sec":
			r.BilledSec = room(cur.BilledSec)
		default:
			r.Bytes = room(cur.Bytes)
		}
		return tx.AddUsageRollups(t.Context(), []*backend.UsageRollup{r})
	})
	if err != nil {
		t.Fatalf("usage history of %s: %v", a.name, err)
	}
}

// readEverything reads every account's money and usage, through the API
// and the portal, and wants every answer to be a 2xx.
func (w *propertyWorld) readEverything(step int) {
	t := w.t
	get := func(key, path string) []byte {
		t.Helper()
		status, _, raw := w.srv.Do(t, http.MethodGet, path, key, nil)
		if status != http.StatusOK {
			t.Fatalf("after step %d: GET %s answered %d: %s", step, path, status, raw)
		}
		return raw
	}
	for _, a := range w.accounts {
		get(a.key, "/v2/balance")
		get(w.srv.OperatorKey, "/reference/accounts/"+a.id)
		var invoices struct {
			Data []struct {
				InvoiceID string `json:"invoice_id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(get(a.key, "/v2/invoices?page[size]=250"), &invoices); err != nil {
			t.Fatal(err)
		}
		pages := []string{"/portal/", "/portal/accounts/" + a.id, "/portal/accounts/" + a.id + "/invoices", "/portal/accounts/" + a.id + "/payment-methods"}
		if a == w.manager {
			pages = append(pages, "/portal/accounts/"+a.id+"/pricing")
		} else {
			get(w.manager.key, "/v2/managed_accounts/"+a.id+"/balance_transfers?page[size]=250")
		}
		for _, inv := range invoices.Data {
			get(a.key, "/v2/invoices/"+inv.InvoiceID)
			var linked struct {
				Data struct {
					DownloadURL string `json:"download_url"`
				} `json:"data"`
			}
			if err := json.Unmarshal(get(a.key, "/v2/invoices/"+inv.InvoiceID+"?action=link"), &linked); err != nil {
				t.Fatal(err)
			}
			document, ok := strings.CutPrefix(linked.Data.DownloadURL, w.srv.RootURL)
			if !ok {
				t.Fatalf("invoice %s: download_url %q is not on the backend", inv.InvoiceID, linked.Data.DownloadURL)
			}
			get("", document)
			pages = append(pages, "/portal/accounts/"+a.id+"/invoices/"+inv.InvoiceID+"/document")
		}
		for _, page := range pages {
			if p := a.browser.follow(a.browser.get(page)); p.status != http.StatusOK {
				t.Fatalf("after step %d: the portal's %s of %s answered %d:\n%s", step, page, a.name, p.status, p.body)
			}
		}
		for _, product := range products {
			metrics := "count," + maxQuantities[product].field
			if a == w.manager {
				metrics += ",cost"
			}
			for _, dims := range []string{"date", "country_iso", "product_name"} {
				query := "/v2/usage_reports?product=" + product + "&dimensions=" + dims + "&metrics=" + metrics + "&date_range=last_31_days&page[size]=5000"
				get(a.key, query)
				if a == w.manager {
					get(a.key, query+"&managed_accounts=true")
				}
			}
		}
	}
	get(w.srv.ManagerKey, "/v2/managed_accounts?page[size]=250")
}

func isErrorEnvelope(raw []byte) bool {
	var env struct {
		Errors []struct {
			Code  string `json:"code"`
			Title string `json:"title"`
		} `json:"errors"`
	}
	return json.Unmarshal(raw, &env) == nil && len(env.Errors) > 0 && env.Errors[0].Code != "" && env.Errors[0].Title != ""
}
