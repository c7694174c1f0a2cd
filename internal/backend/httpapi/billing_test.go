package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// Public test card numbers (DESIGN 2.2).
const (
	testVisa     = "4242424242424242"
	testDeclined = "4000000000000002"
	testAmex     = "378282246310005"
)

// paymentMethodOut is the PaymentMethod object as the API shows it.
type paymentMethodOut struct {
	RecordType string `json:"record_type"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Card       struct {
		Brand       string `json:"brand"`
		Last4       string `json:"last4"`
		ExpMonth    int    `json:"exp_month"`
		ExpYear     int    `json:"exp_year"`
		Fingerprint string `json:"fingerprint"`
	} `json:"card"`
	BillingDetails struct {
		Name       string `json:"name"`
		PostalCode string `json:"postal_code"`
		Country    string `json:"country"`
	} `json:"billing_details"`
	Default   bool   `json:"default"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// transactionOut is the data of the contract's StoredPaymentTransactionResponse.
type transactionOut struct {
	ID                        string `json:"id"`
	RecordType                string `json:"record_type"`
	AmountCents               int64  `json:"amount_cents"`
	AmountCurrency            string `json:"amount_currency"`
	AutoRecharge              bool   `json:"auto_recharge"`
	CreatedAt                 string `json:"created_at"`
	ProcessorStatus           string `json:"processor_status"`
	TransactionProcessingType string `json:"transaction_processing_type"`
}

// autoRechargeOut is the contract's AutoRechargePref.
type autoRechargeOut struct {
	ID              string `json:"id"`
	RecordType      string `json:"record_type"`
	Enabled         bool   `json:"enabled"`
	InvoiceEnabled  bool   `json:"invoice_enabled"`
	Preference      string `json:"preference"`
	RechargeAmount  string `json:"recharge_amount"`
	ThresholdAmount string `json:"threshold_amount"`
}

// cardBody is a valid create body for number: expiry 12/2035, a CVC of the
// right length.
func cardBody(number string) map[string]any {
	return cardBodyWith(number, func(map[string]any, map[string]any) {})
}

// cardBodyWith is cardBody with its card and billing details changed.
func cardBodyWith(number string, change func(card, billing map[string]any)) map[string]any {
	cvc := "123"
	if strings.HasPrefix(number, "34") || strings.HasPrefix(number, "37") {
		cvc = "1234"
	}
	card := map[string]any{"number": number, "exp_month": 12, "exp_year": 2035, "cvc": cvc}
	billing := map[string]any{"name": "Grace Hopper", "postal_code": "10001", "country": "US"}
	change(card, billing)
	return map[string]any{"type": "card", "card": card, "billing_details": billing}
}

// createCard adds a card to the account of key and returns it.
func createCard(t *testing.T, srv *backendtest.Server, key, number string) paymentMethodOut {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/payment_methods", key, cardBody(number))
	r.wantStatus(t, http.StatusOK)
	var out single[paymentMethodOut]
	r.decode(t, &out)
	return out.Data
}

func topUp(t *testing.T, srv *backendtest.Server, key, amount string) transactionOut {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/payment/stored_payment_transactions", key, map[string]any{"amount": amount})
	r.wantStatus(t, http.StatusOK)
	var out single[transactionOut]
	r.decode(t, &out)
	return out.Data
}

func getBalance(t *testing.T, srv *backendtest.Server, key string) userBalanceJSON {
	t.Helper()
	r := call(t, srv, http.MethodGet, "/v2/balance", key, nil)
	r.wantStatus(t, http.StatusOK)
	var out single[userBalanceJSON]
	r.decode(t, &out)
	return out.Data
}

func wantHTTPBalance(t *testing.T, srv *backendtest.Server, key, balance, pending string) {
	t.Helper()
	if b := getBalance(t, srv, key); b.Balance != balance || b.Pending != pending {
		t.Fatalf("balance %s, pending %s; want %s, %s", b.Balance, b.Pending, balance, pending)
	}
}

// auditActions lists the actions of the audit events about accountID that
// the manager of key sees.
func auditActions(t *testing.T, srv *backendtest.Server, key, accountID string) []string {
	t.Helper()
	events, _ := wholeAuditLog(t, srv, "/v2/audit_events", key, "filter[account_id]="+accountID)
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

// TestPaymentMethodsOverHTTP drives the five endpoints as a manager on its
// own account and as a managed account (the manager holding its key).
func TestPaymentMethodsOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Card Co"})
	for name, key := range map[string]string{"manager": srv.ManagerKey, "managed account": managed.APIKey} {
		t.Run(name, func(t *testing.T) {
			r := call(t, srv, http.MethodPost, "/v2/payment_methods", key, cardBody("4242 4242 4242 4242"))
			r.wantStatus(t, http.StatusOK)
			var shape map[string]map[string]any
			r.decode(t, &shape)
			keys := func(m map[string]any) []string {
				var out []string
				for k := range m {
					out = append(out, k)
				}
				slices.Sort(out)
				return out
			}
			wantKeys := []string{"billing_details", "card", "created_at", "default", "id", "record_type", "type", "updated_at"}
			if got := keys(shape["data"]); !slices.Equal(got, wantKeys) {
				t.Fatalf("payment method fields %v, want %v", got, wantKeys)
			}
			card, _ := shape["data"]["card"].(map[string]any)
			if got := keys(card); !slices.Equal(got, []string{"brand", "exp_month", "exp_year", "fingerprint", "last4"}) {
				t.Fatalf("card fields %v: never the number or the CVC", got)
			}
			var first single[paymentMethodOut]
			r.decode(t, &first)
			pm := first.Data
			if pm.RecordType != "payment_method" || pm.Type != "card" || pm.Card.Brand != "visa" || pm.Card.Last4 != "4242" ||
				pm.Card.ExpMonth != 12 || pm.Card.ExpYear != 2035 || len(pm.Card.Fingerprint) != 32 || !pm.Default ||
				pm.BillingDetails.Country != "US" || pm.CreatedAt != pm.UpdatedAt || !strings.HasSuffix(pm.CreatedAt, "Z") {
				t.Fatalf("created %+v", pm)
			}
			second := createCard(t, srv, key, testAmex)
			if second.Default || second.Card.Brand != "amex" {
				t.Fatalf("second card %+v: an amex, not the default", second)
			}

			r = call(t, srv, http.MethodGet, "/v2/payment_methods?page[size]=1", key, nil)
			r.wantStatus(t, http.StatusOK)
			var page list[paymentMethodOut]
			r.decode(t, &page)
			if len(page.Data) != 1 || page.Meta.TotalResults != 2 || page.Meta.TotalPages != 2 {
				t.Fatalf("%s; want 1 of 2 methods", r)
			}
			r = call(t, srv, http.MethodGet, "/v2/payment_methods/"+pm.ID, key, nil)
			r.wantStatus(t, http.StatusOK)

			r = call(t, srv, http.MethodPatch, "/v2/payment_methods/"+second.ID, key, map[string]any{
				"card": map[string]any{"exp_month": 1, "exp_year": 2036}, "billing_details": map[string]any{"country": "CA"},
				"default": true,
			})
			r.wantStatus(t, http.StatusOK)
			var patched single[paymentMethodOut]
			r.decode(t, &patched)
			if !patched.Data.Default || patched.Data.Card.ExpMonth != 1 || patched.Data.Card.ExpYear != 2036 ||
				patched.Data.BillingDetails.Country != "CA" || patched.Data.BillingDetails.Name != "Grace Hopper" {
				t.Fatalf("patched %+v", patched.Data)
			}
			r = call(t, srv, http.MethodGet, "/v2/payment_methods/"+pm.ID, key, nil)
			var demoted single[paymentMethodOut]
			r.decode(t, &demoted)
			if demoted.Data.Default {
				t.Fatal("the old default is still the default")
			}

			r = call(t, srv, http.MethodDelete, "/v2/payment_methods/"+second.ID, key, nil)
			r.wantStatus(t, http.StatusOK)
			var deleted single[paymentMethodOut]
			r.decode(t, &deleted)
			if deleted.Data.ID != second.ID {
				t.Fatalf("deleted %+v", deleted.Data)
			}
			call(t, srv, http.MethodGet, "/v2/payment_methods/"+second.ID, key, nil).wantError(t, errWant{status: 404, code: "10005"})
			r = call(t, srv, http.MethodGet, "/v2/payment_methods/"+pm.ID, key, nil)
			var promoted single[paymentMethodOut]
			r.decode(t, &promoted)
			if !promoted.Data.Default {
				t.Fatal("deleting the default did not promote the remaining method")
			}
		})
	}
	// The managed account's key is its manager acting as it.
	events, _ := wholeAuditLog(t, srv, "/v2/audit_events", srv.ManagerKey, "filter[account_id]="+managed.ID)
	found := false
	for _, e := range events {
		if e.Action == "payment_method.create" {
			found = true
			if e.ChangeMadeBy != backend.ChangeByAccountManager {
				t.Fatalf("payment_method.create with the managed account's key made by %q, want account_manager", e.ChangeMadeBy)
			}
		}
	}
	if !found {
		t.Fatal("no payment_method.create event about the managed account")
	}
}

func TestPaymentMethodInputsOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	pm := createCard(t, srv, srv.ManagerKey, testVisa)
	withCard := func(change func(card map[string]any)) map[string]any {
		return cardBodyWith(testVisa, func(card, _ map[string]any) { change(card) })
	}
	expiredYear := srv.Now().UTC().Year() - 1
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               errWant
	}{
		{"Luhn failure", http.MethodPost, "/v2/payment_methods",
			withCard(func(c map[string]any) { c["number"] = "4242424242424241" }), errWant{422, "10004", "/card/number", ""}},
		{"expired card", http.MethodPost, "/v2/payment_methods",
			withCard(func(c map[string]any) { c["exp_year"] = expiredYear }), errWant{422, "10004", "/card/exp_year", ""}},
		{"3-digit CVC on amex", http.MethodPost, "/v2/payment_methods",
			withCard(func(c map[string]any) { c["number"], c["cvc"] = testAmex, "123" }), errWant{422, "10004", "/card/cvc", ""}},
		{"bad country", http.MethodPost, "/v2/payment_methods",
			cardBodyWith(testVisa, func(_, billing map[string]any) { billing["country"] = "USA" }),
			errWant{422, "10004", "/billing_details/country", ""}},
		{"type", http.MethodPost, "/v2/payment_methods",
			func() map[string]any { b := cardBody(testVisa); b["type"] = "sepa"; return b }(), errWant{422, "10004", "/type", ""}},
		{"number as a JSON number", http.MethodPost, "/v2/payment_methods",
			withCard(func(c map[string]any) { c["number"] = 4242424242424242 }), errWant{422, "10004", "/card/number", ""}},
		{"unknown card field", http.MethodPost, "/v2/payment_methods",
			withCard(func(c map[string]any) { c["pin"] = "0000" }), errWant{422, "10004", "/card/pin", ""}},
		{"malformed JSON", http.MethodPost, "/v2/payment_methods", `{"type":"card",`, errWant{400, "10015", "/", ""}},
		{"no body", http.MethodPost, "/v2/payment_methods", nil, errWant{400, "10015", "/", ""}},
		{"PATCH of the number", http.MethodPatch, "/v2/payment_methods/" + pm.ID,
			map[string]any{"card": map[string]any{"number": "5555555555554444"}}, errWant{422, "10004", "/card/number", ""}},
		{"PATCH of the CVC", http.MethodPatch, "/v2/payment_methods/" + pm.ID,
			map[string]any{"card": map[string]any{"cvc": "999"}}, errWant{422, "10004", "/card/cvc", ""}},
		{"default=false on the default", http.MethodPatch, "/v2/payment_methods/" + pm.ID,
			map[string]any{"default": false}, errWant{422, "10004", "/default", ""}},
		{"PATCH to an expired date", http.MethodPatch, "/v2/payment_methods/" + pm.ID,
			map[string]any{"card": map[string]any{"exp_year": expiredYear}}, errWant{422, "10004", "/card/exp_year", ""}},
		{"bad page", http.MethodGet, "/v2/payment_methods?page[size]=251", nil, errWant{400, "10015", "", "page[size]"}},
		{"unknown filter", http.MethodGet, "/v2/payment_methods?filter[brand]=visa", nil, errWant{400, "10015", "", "filter[brand]"}},
		{"unknown id", http.MethodGet, "/v2/payment_methods/00000000-0000-0000-0000-000000000000", nil, errWant{404, "10005", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, srv, tc.method, tc.path, srv.ManagerKey, tc.body)
			r.wantError(t, tc.want)
			for _, secret := range []string{testVisa, "4242424242424241", testAmex, "5555555555554444"} {
				if strings.Contains(string(r.body), secret) {
					t.Fatalf("%s; the answer echoes a card number", r)
				}
			}
		})
	}
	if d := call(t, srv, http.MethodPatch, "/v2/payment_methods/"+pm.ID, srv.ManagerKey, map[string]any{"default": false}).detail(t); !strings.Contains(d, "set another method as default instead") {
		t.Fatalf("detail %q", d)
	}
	if d := call(t, srv, http.MethodPatch, "/v2/payment_methods/"+pm.ID, srv.ManagerKey, map[string]any{"card": map[string]any{"number": testVisa}}).detail(t); !strings.Contains(d, "create a new method") {
		t.Fatalf("detail %q", d)
	}
	// 20 methods at most.
	for range backend.MaxPaymentMethodsPerAccount - 1 {
		createCard(t, srv, srv.ManagerKey, testVisa)
	}
	call(t, srv, http.MethodPost, "/v2/payment_methods", srv.ManagerKey, cardBody(testVisa)).wantError(t, errWant{422, "10004", "/", ""})
}

// TestRollupAccountBillingOverHTTP: every payment method, top-up and
// auto-recharge endpoint, reads included, refuses a managed account under
// rollup billing.
func TestRollupAccountBillingOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Rolled Up", "rollup_billing": true})
	pm := createCard(t, srv, srv.ManagerKey, testVisa)
	for _, ep := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/v2/payment_methods", cardBody(testVisa)},
		{http.MethodGet, "/v2/payment_methods", nil},
		{http.MethodGet, "/v2/payment_methods/" + pm.ID, nil},
		{http.MethodPatch, "/v2/payment_methods/" + pm.ID, map[string]any{"default": true}},
		{http.MethodDelete, "/v2/payment_methods/" + pm.ID, nil},
		{http.MethodPost, "/v2/payment/stored_payment_transactions", map[string]any{"amount": "10.00"}},
		{http.MethodGet, "/v2/payment/auto_recharge_prefs", nil},
		{http.MethodPatch, "/v2/payment/auto_recharge_prefs", map[string]any{"enabled": false}},
	} {
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			r := call(t, srv, ep.method, ep.path, rollup.APIKey, ep.body)
			r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
			if !strings.Contains(r.detail(t), "rollup billing: its manager pays its charges") {
				t.Fatalf("%s; want the rollup detail", r)
			}
		})
	}
	// Its balance is its manager's, which a top-up by the manager moves.
	topUp(t, srv, srv.ManagerKey, "12.34")
	wantHTTPBalance(t, srv, rollup.APIKey, "12.34", "0.00")
}

func TestAnotherAccountsPaymentMethodIsNotFound(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Owner"})
	_, otherKey := srv.NewManager(t)
	pm := createCard(t, srv, managed.APIKey, testVisa)
	for _, key := range []string{srv.ManagerKey, otherKey} {
		for _, m := range []struct {
			method string
			body   any
		}{{http.MethodGet, nil}, {http.MethodPatch, map[string]any{"default": true}}, {http.MethodDelete, nil}} {
			call(t, srv, m.method, "/v2/payment_methods/"+pm.ID, key, m.body).wantError(t, errWant{status: 404, code: "10005"})
		}
	}
	call(t, srv, http.MethodGet, "/v2/payment_methods/"+pm.ID, managed.APIKey, nil).wantStatus(t, http.StatusOK)
}

func TestTopUpOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	path := "/v2/payment/stored_payment_transactions"
	call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": "120.00"}).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	createCard(t, srv, srv.ManagerKey, testVisa)
	for _, amount := range []string{"120", "-5.00", "abc", "0.00", "10000.01"} {
		t.Run(amount, func(t *testing.T) {
			r := call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": amount})
			r.wantError(t, errWant{status: 422, code: "10027", pointer: "/amount"})
			var env errorEnvelope
			r.decode(t, &env)
			if env.Errors[0].Title != "Invalid amount format" {
				t.Fatalf("%s; want the title Invalid amount format", r)
			}
		})
	}
	if d := call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": "120"}).detail(t); d != `Amount must include dollars and cents (e.g. "120.00").` {
		t.Fatalf("detail %q, want the contract's", d)
	}
	call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": 120}).wantError(t, errWant{422, "10004", "/amount", ""})
	call(t, srv, http.MethodPost, path, srv.ManagerKey, nil).wantError(t, errWant{400, "10015", "/", ""})
	call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": "1.00", "currency": "EUR"}).wantError(t, errWant{422, "10004", "/currency", ""})
	wantHTTPBalance(t, srv, srv.ManagerKey, "0.00", "0.00")

	tr := topUp(t, srv, srv.ManagerKey, "120.00")
	if tr.RecordType != "transaction" || tr.AmountCents != 12000 || tr.AmountCurrency != "USD" || tr.AutoRecharge ||
		tr.ProcessorStatus != "settled" || tr.TransactionProcessingType != "stored_payment" || tr.ID == "" {
		t.Fatalf("transaction %+v", tr)
	}
	wantHTTPBalance(t, srv, srv.ManagerKey, "120.00", "0.00")
	if actions := auditActions(t, srv, srv.ManagerKey, srv.ManagerID); !slices.Contains(actions, "payment.top_up") {
		t.Fatalf("audit actions %v lack payment.top_up", actions)
	}

	// A declined card: 422, and nothing is written.
	declined := createCard(t, srv, srv.ManagerKey, testDeclined)
	call(t, srv, http.MethodPatch, "/v2/payment_methods/"+declined.ID, srv.ManagerKey, map[string]any{"default": true}).wantStatus(t, http.StatusOK)
	before := auditActions(t, srv, srv.ManagerKey, srv.ManagerID)
	r := call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": "50.00"})
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	var env errorEnvelope
	r.decode(t, &env)
	if env.Errors[0].Title != "Card declined" {
		t.Fatalf("%s; want the title Card declined", r)
	}
	wantHTTPBalance(t, srv, srv.ManagerKey, "120.00", "0.00")
	if after := auditActions(t, srv, srv.ManagerKey, srv.ManagerID); len(after) != len(before) {
		t.Fatalf("a declined top-up wrote audit events: %v", after[:len(after)-len(before)])
	}
}

// TestTopUpIsPendingUntilItSettles: with a settlement delay, a top-up shows
// as pending, not in the balance or the available credit, until the
// backend's clock passes it.
func TestTopUpIsPendingUntilItSettles(t *testing.T) {
	srv := backendtest.Start(t)
	if err := srv.Service.SetTopUpSettlementDelay(time.Hour); err != nil {
		t.Fatal(err)
	}
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Pending Co"})
	createCard(t, srv, managed.APIKey, testVisa)
	tr := topUp(t, srv, managed.APIKey, "120.00")
	if tr.ProcessorStatus != "submitted_for_settlement" {
		t.Fatalf("processor_status %q, want submitted_for_settlement", tr.ProcessorStatus)
	}
	b := getBalance(t, srv, managed.APIKey)
	if b.Balance != "0.00" || b.Pending != "120.00" || b.AvailableCredit != "0.00" {
		t.Fatalf("balance while pending %+v", b)
	}
	view := call(t, srv, http.MethodGet, "/v2/managed_accounts/"+managed.ID, srv.ManagerKey, nil)
	var acct single[managedAccount]
	view.decode(t, &acct)
	if acct.Data.Balance == nil || acct.Data.Balance.Balance != "0.00" {
		t.Fatalf("the managed account's balance field while pending: %s", view)
	}
	srv.AdvanceTime(59 * time.Minute)
	wantHTTPBalance(t, srv, managed.APIKey, "0.00", "120.00")
	srv.AdvanceTime(time.Minute)
	wantHTTPBalance(t, srv, managed.APIKey, "120.00", "0.00")
}

func TestAvailableCreditIsExactOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/credit_limit", map[string]any{"credit_limit": "100.000001"})
	if status != http.StatusOK {
		t.Fatalf("set credit limit: %d %s", status, body)
	}
	for _, tc := range []struct{ adjust, balance, available string }{
		{"0.000125", "0.000125", "100.000126"},
		{"-150.10", "-150.099875", "-50.099874"},
	} {
		srv.Adjust(t, srv.ManagerID, tc.adjust)
		b := getBalance(t, srv, srv.ManagerKey)
		if b.Balance != tc.balance || b.CreditLimit != "100.000001" || b.AvailableCredit != tc.available {
			t.Fatalf("after %s: %+v, want balance %s and available credit %s", tc.adjust, b, tc.balance, tc.available)
		}
		bal, errB := backend.ParseMoney(b.Balance)
		limit, errL := backend.ParseMoney(b.CreditLimit)
		avail, errA := backend.ParseMoney(b.AvailableCredit)
		if errB != nil || errL != nil || errA != nil || bal+limit != avail {
			t.Fatalf("available_credit %s is not balance %s + credit_limit %s", b.AvailableCredit, b.Balance, b.CreditLimit)
		}
	}
}

// concurrentDo sends one request from a goroutine other than the test's,
// which must not call t.Fatal: it returns what went wrong instead.
func concurrentDo(ctx context.Context, srv *backendtest.Server, method, path, key string, body any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, method, srv.RootURL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var env errorEnvelope
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return resp.StatusCode, fmt.Errorf("%s %s answered %d: %+v", method, path, resp.StatusCode, env)
	}
	return resp.StatusCode, nil
}

// TestConcurrentTopUpsAndChargesAddUpExactly: top-ups through the API and
// charges through the operator, all at once, lose nothing.
func TestConcurrentTopUpsAndChargesAddUpExactly(t *testing.T) {
	srv := backendtest.Start(t)
	createCard(t, srv, srv.ManagerKey, testVisa)
	const workers, perWorker = 6, 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				var err error
				if (w+i)%2 == 0 {
					_, err = concurrentDo(t.Context(), srv, http.MethodPost, "/v2/payment/stored_payment_transactions", srv.ManagerKey,
						map[string]any{"amount": "1.01"})
				} else {
					_, err = concurrentDo(t.Context(), srv, http.MethodPost, "/reference/accounts/"+srv.ManagerID+"/adjustments",
						srv.OperatorKey, map[string]any{"amount": "-0.333333", "description": "charge"})
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d requests failed, first: %v", len(errs), errs[0])
	}
	// Half are top-ups of 1.01, half charges of 0.333333.
	const n = workers * perWorker / 2
	want := backend.Money(n*1_010_000 - n*333_333)
	wantHTTPBalance(t, srv, srv.ManagerKey, want.String(), "0.00")
}

func TestAutoRechargePrefsOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	path := "/v2/payment/auto_recharge_prefs"
	get := func() autoRechargeOut {
		t.Helper()
		r := call(t, srv, http.MethodGet, path, srv.ManagerKey, nil)
		r.wantStatus(t, http.StatusOK)
		var out single[autoRechargeOut]
		r.decode(t, &out)
		return out.Data
	}
	defaults := get()
	want := autoRechargeOut{ID: defaults.ID, RecordType: "auto_recharge_pref", Preference: "credit_paypal", RechargeAmount: "0.00", ThresholdAmount: "0.00"}
	if defaults != want || defaults.ID == "" {
		t.Fatalf("defaults %+v, want %+v", defaults, want)
	}
	for _, tc := range []struct {
		name string
		body any
		want errWant
	}{
		{"recharge without cents", map[string]any{"recharge_amount": "25"}, errWant{422, "10027", "/recharge_amount", ""}},
		{"negative threshold", map[string]any{"threshold_amount": "-5.00"}, errWant{422, "10027", "/threshold_amount", ""}},
		{"threshold not a number", map[string]any{"threshold_amount": "abc"}, errWant{422, "10027", "/threshold_amount", ""}},
		{"amount as a JSON number", map[string]any{"recharge_amount": 25}, errWant{422, "10004", "/recharge_amount", ""}},
		{"preference", map[string]any{"preference": "card"}, errWant{422, "10004", "/preference", ""}},
		{"enabled without a recharge amount", map[string]any{"enabled": true}, errWant{422, "10027", "/recharge_amount", ""}},
		{"enabled without a card", map[string]any{"enabled": true, "recharge_amount": "25.00"}, errWant{422, "10004", "/enabled", ""}},
		{"unknown field", map[string]any{"amount": "1.00"}, errWant{422, "10004", "/amount", ""}},
		{"no body", nil, errWant{400, "10015", "/", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call(t, srv, http.MethodPatch, path, srv.ManagerKey, tc.body).wantError(t, tc.want)
		})
	}
	if got := get(); got != defaults {
		t.Fatalf("refused updates changed the preferences: %+v", got)
	}
	createCard(t, srv, srv.ManagerKey, testVisa)
	r := call(t, srv, http.MethodPatch, path, srv.ManagerKey, map[string]any{
		"enabled": true, "recharge_amount": "25.00", "threshold_amount": "10.00", "preference": "ach",
	})
	r.wantStatus(t, http.StatusOK)
	var patched single[autoRechargeOut]
	r.decode(t, &patched)
	want = autoRechargeOut{ID: defaults.ID, RecordType: "auto_recharge_pref", Enabled: true, Preference: "ach",
		RechargeAmount: "25.00", ThresholdAmount: "10.00"}
	if patched.Data != want {
		t.Fatalf("patched %+v, want %+v", patched.Data, want)
	}
	r = call(t, srv, http.MethodPatch, path, srv.ManagerKey, map[string]any{"invoice_enabled": true})
	r.wantStatus(t, http.StatusOK)
	want.InvoiceEnabled = true
	if got := get(); got != want {
		t.Fatalf("after a partial PATCH %+v, want %+v", got, want)
	}
}

// TestAutoRechargeOverHTTP: concurrent charges across the threshold recharge
// once per crossing, to the exact balance; a declined default card makes no
// top-up and an auto_recharge.failed event.
func TestAutoRechargeOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Recharged"})
	createCard(t, srv, managed.APIKey, testVisa)
	srv.Adjust(t, managed.ID, "20.00")
	call(t, srv, http.MethodPatch, "/v2/payment/auto_recharge_prefs", managed.APIKey, map[string]any{
		"enabled": true, "recharge_amount": "7.00", "threshold_amount": "10.00",
	}).wantStatus(t, http.StatusOK)
	const charges = 30
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range charges {
		wg.Go(func() {
			_, err := concurrentDo(t.Context(), srv, http.MethodPost, "/reference/accounts/"+managed.ID+"/adjustments",
				srv.OperatorKey, map[string]any{"amount": "-3.00", "description": "charge"})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d charges failed, first: %v", len(errs), errs[0])
	}
	balance, recharges := backend.Money(20_000_000), 0
	for range charges {
		balance -= 3_000_000
		if balance < 10_000_000 {
			balance = 17_000_000 // back to the threshold, plus the recharge amount
			recharges++
		}
	}
	wantHTTPBalance(t, srv, managed.APIKey, balance.String(), "0.00")
	actions := auditActions(t, srv, srv.ManagerKey, managed.ID)
	got := 0
	for _, a := range actions {
		if a == "auto_recharge.top_up" {
			got++
		}
	}
	if got != recharges || recharges == 0 {
		t.Fatalf("%d auto-recharges, want %d", got, recharges)
	}

	// Now with a card that declines.
	declined := createCard(t, srv, managed.APIKey, testDeclined)
	call(t, srv, http.MethodPatch, "/v2/payment_methods/"+declined.ID, managed.APIKey, map[string]any{"default": true}).wantStatus(t, http.StatusOK)
	srv.Adjust(t, managed.ID, "-20.00")
	after := balance - 20_000_000
	wantHTTPBalance(t, srv, managed.APIKey, after.String(), "0.00")
	events, _ := wholeAuditLog(t, srv, "/v2/audit_events", srv.ManagerKey, "filter[account_id]="+managed.ID)
	failedEvents := 0
	for _, e := range events {
		if e.Action == "auto_recharge.failed" {
			failedEvents++
			if e.Changes["reason"] != "card_declined" {
				t.Fatalf("failed event %+v, want reason card_declined", e)
			}
		}
		if e.Action == "auto_recharge.top_up" && e.Changes["payment_method_id"] == declined.ID {
			t.Fatalf("the declined card was charged: %+v", e)
		}
	}
	if failedEvents != 1 {
		t.Fatalf("%d auto_recharge.failed events, want 1", failedEvents)
	}
}
