package httpapi_test

import (
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

// balanceTransferOut is the BalanceTransfer object as the API shows it.
type balanceTransferOut struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	ManagedAccountID string `json:"managed_account_id"`
	ManagerAccountID string `json:"manager_account_id"`
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	Description      string `json:"description"`
	CreatedAt        string `json:"created_at"`
}

func transfersPath(managedID string) string {
	return "/v2/managed_accounts/" + managedID + "/balance_transfers"
}

// transfer makes a balance transfer as the manager of key and returns it.
func transfer(t *testing.T, srv *backendtest.Server, key, managedID, amount, description string) balanceTransferOut {
	t.Helper()
	r := call(t, srv, http.MethodPost, transfersPath(managedID), key, map[string]any{"amount": amount, "description": description})
	r.wantStatus(t, http.StatusOK)
	var out single[balanceTransferOut]
	r.decode(t, &out)
	return out.Data
}

func listTransfers(t *testing.T, srv *backendtest.Server, key, managedID, query string) list[balanceTransferOut] {
	t.Helper()
	path := transfersPath(managedID)
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	var out list[balanceTransferOut]
	r.decode(t, &out)
	return out
}

// setCreditLimit sets the credit limit of the account id through the
// operator API.
func setCreditLimit(t *testing.T, srv *backendtest.Server, id, amount string) {
	t.Helper()
	if status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+id+"/credit_limit", map[string]any{"credit_limit": amount}); status != http.StatusOK {
		t.Fatalf("credit limit %s: %d %s", amount, status, body)
	}
}

// wantTransferred checks the balances of the manager and of managed after
// transfers, and that n transfers to managed are listed.
func wantTransferred(t *testing.T, srv *backendtest.Server, managerBalance string, managed managedAccount, balance string, n int) {
	t.Helper()
	wantHTTPBalance(t, srv, srv.ManagerKey, managerBalance, "0.00")
	wantHTTPBalance(t, srv, managed.APIKey, balance, "0.00")
	if listed := listTransfers(t, srv, srv.ManagerKey, managed.ID, "").Meta.TotalResults; listed != n {
		t.Fatalf("%d transfers listed, want %d", listed, n)
	}
}

// currentInvoice is the invoice of this month of key's account.
func currentInvoice(t *testing.T, srv *backendtest.Server, key, accountID string) invoiceJSON {
	t.Helper()
	inv, r := getInvoice(t, srv, key, backend.InvoiceID(accountID, srv.Now().UTC().Format("2006-01")), "")
	r.wantStatus(t, http.StatusOK)
	return inv
}

// lineOf returns the one line of product in lines, failing otherwise.
func lineOf(t *testing.T, lines []invoiceLineJSON, product string) invoiceLineJSON {
	t.Helper()
	var found []invoiceLineJSON
	for _, l := range lines {
		if l.Product == product {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("lines %+v: want one line of %s", lines, product)
	}
	return found[0]
}

// TestBalanceTransferOverHTTP: a transfer debits the manager and credits the
// managed account at once, is listed, audited on both accounts, shown on
// both accounts' invoices and documents (a charge line for the manager, a
// credit line with the description's credit for the managed account).
func TestBalanceTransferOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "100.00")
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Funded Co"})

	got := transfer(t, srv, srv.ManagerKey, managed.ID, "10.00", "Welcome credit")
	if got.RecordType != "balance_transfer" || got.ID == "" || got.ManagedAccountID != managed.ID || got.ManagerAccountID != srv.ManagerID ||
		got.Amount != "10.00" || got.Currency != "USD" || got.Description != "Welcome credit" {
		t.Fatalf("transfer %+v", got)
	}
	second := transfer(t, srv, srv.ManagerKey, managed.ID, "0.01", "")
	wantHTTPBalance(t, srv, srv.ManagerKey, "89.99", "0.00")
	wantHTTPBalance(t, srv, managed.APIKey, "10.01", "0.00")

	listed := listTransfers(t, srv, srv.ManagerKey, managed.ID, "")
	if len(listed.Data) != 2 || listed.Meta.TotalResults != 2 || !slices.Contains(listed.Data, got) || !slices.Contains(listed.Data, second) {
		t.Fatalf("list %+v, want both transfers as they were answered", listed)
	}
	if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil || !strings.HasSuffix(got.CreatedAt, "Z") {
		t.Fatalf("created_at %q: want UTC RFC 3339 (%v)", got.CreatedAt, err)
	}
	if one := listTransfers(t, srv, srv.ManagerKey, managed.ID, "page[size]=1&page[number]=2"); len(one.Data) != 1 ||
		one.Meta.TotalPages != 2 || one.Meta.PageNumber != 2 || one.Meta.PageSize != 1 {
		t.Fatalf("second page of one %+v", one)
	}

	// Audited on both accounts: the manager's own change, and a change its
	// manager made to the managed account.
	events, _ := wholeAuditLog(t, srv, "/v2/audit_events", srv.ManagerKey, "")
	var debits, credits []auditEventJSON
	for _, e := range events {
		switch e.Action {
		case "balance_transfer.debit":
			debits = append(debits, e)
		case "balance_transfer.credit":
			credits = append(credits, e)
		}
	}
	if len(debits) != 2 || len(credits) != 2 {
		t.Fatalf("events %+v: want two debits and two credits", events)
	}
	for _, e := range debits {
		if e.AccountID != srv.ManagerID || e.ChangeMadeBy != "account_owner" || e.Changes["managed_account_id"] != managed.ID {
			t.Fatalf("debit event %+v", e)
		}
	}
	for _, e := range credits {
		if e.AccountID != managed.ID || e.ChangeMadeBy != "account_manager" || e.Changes["manager_account_id"] != srv.ManagerID ||
			e.ActorAccountID == nil || *e.ActorAccountID != srv.ManagerID {
			t.Fatalf("credit event %+v", e)
		}
	}

	// The manager's invoice: a charge line about the managed account.
	mine := currentInvoice(t, srv, srv.ManagerKey, srv.ManagerID)
	line := lineOf(t, mine.Lines, "balance_transfers")
	if line.ManagedAccountID == nil || *line.ManagedAccountID != managed.ID || line.Amount != "10.01" || line.Quantity != 2 ||
		mine.Total != "10.01" || mine.Credits != "100.00" || sumOf(t, mine.CreditLines) != 100_000_000 {
		t.Fatalf("manager's invoice %+v", mine)
	}
	// The managed account's: a credit line, no charge.
	theirs := currentInvoice(t, srv, managed.APIKey, managed.ID)
	credit := lineOf(t, theirs.CreditLines, "balance_transfers")
	if credit.ManagedAccountID != nil || credit.Amount != "10.01" || credit.Quantity != 2 || theirs.Credits != "10.01" ||
		theirs.Total != "0.00" || len(theirs.Lines) != 0 {
		t.Fatalf("managed account's invoice %+v", theirs)
	}
	doc := fetchDocument(t, srv, downloadURL(t, srv, srv.ManagerKey, mine.InvoiceID), "")
	doc.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(doc.body), "Funded Co ("+managed.ID+")") || !strings.Contains(string(doc.body), "Balance transfers to a managed account") {
		t.Fatalf("the manager's document lacks the transfer line: %s", doc.body)
	}
	doc = fetchDocument(t, srv, downloadURL(t, srv, managed.APIKey, theirs.InvoiceID), "")
	doc.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(doc.body), "Balance transfers received from the manager") {
		t.Fatalf("the managed account's document lacks the credit line: %s", doc.body)
	}
}

// TestBalanceTransferInputs: every bad body is a 422 (or 400) at its field,
// amounts as top-ups take them, and nothing is written.
func TestBalanceTransferInputs(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "20000.00")
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Inputs Co"})
	path := transfersPath(managed.ID)
	for _, amount := range []string{"10", "10.0", "10.000", "-5.00", "abc", "0.00", "10000.01", "1e3", " 1.00", "0.001"} {
		t.Run(amount, func(t *testing.T) {
			r := call(t, srv, http.MethodPost, path, srv.ManagerKey, map[string]any{"amount": amount})
			r.wantError(t, errWant{status: 422, code: "10027", pointer: "/amount"})
		})
	}
	for name, tc := range map[string]struct {
		body any
		want errWant
	}{
		"no amount":               {map[string]any{"description": "x"}, errWant{422, "10027", "/amount", ""}},
		"amount as a number":      {map[string]any{"amount": 10}, errWant{422, "10004", "/amount", ""}},
		"description too long":    {map[string]any{"amount": "1.00", "description": strings.Repeat("é", 256)}, errWant{422, "10004", "/description", ""}},
		"description as a number": {map[string]any{"amount": "1.00", "description": 1}, errWant{422, "10004", "/description", ""}},
		"unknown member":          {map[string]any{"amount": "1.00", "currency": "USD"}, errWant{422, "10004", "/currency", ""}},
		"no body":                 {nil, errWant{400, "10015", "/", ""}},
	} {
		t.Run(name, func(t *testing.T) {
			call(t, srv, http.MethodPost, path, srv.ManagerKey, tc.body).wantError(t, tc.want)
		})
	}
	call(t, srv, http.MethodGet, path+"?page[size]=251", srv.ManagerKey, nil).wantError(t, errWant{400, "10015", "", "page[size]"})
	// The extremes pass: a cent, the largest amount, and a description of
	// 255 characters.
	transfer(t, srv, srv.ManagerKey, managed.ID, "0.01", strings.Repeat("é", 255))
	transfer(t, srv, srv.ManagerKey, managed.ID, "10000.00", "")
	wantTransferred(t, srv, "9999.99", managed, "10000.01", 2)
}

// TestBalanceTransferRefusals: a rollup, disabled or cancelled account, or
// an amount beyond the available balance (settled balance plus credit
// limit; pending top-ups do not count), is a 422 that writes nothing; up to
// the available balance exactly passes.
func TestBalanceTransferRefusals(t *testing.T) {
	srv := backendtest.Start(t)
	if err := srv.Service.SetTopUpSettlementDelay(time.Hour); err != nil {
		t.Fatal(err)
	}
	srv.Adjust(t, srv.ManagerID, "30.00")
	setCreditLimit(t, srv, srv.ManagerID, "20.000001")
	createCard(t, srv, srv.ManagerKey, testVisa)
	topUp(t, srv, srv.ManagerKey, "500.00") // pending for an hour: not available
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Target Co"})
	rollup := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Rollup Co", "rollup_billing": true})
	disabled := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Disabled Co"})
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+disabled.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	cancelled := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Cancelled Co"})
	srv.CancelAccount(t, cancelled.ID)

	before := auditActions(t, srv, srv.ManagerKey, srv.ManagerID)
	for name, tc := range map[string]struct{ id, amount, detail string }{
		"rollup billing":  {rollup.ID, "1.00", "rollup billing"},
		"disabled":        {disabled.ID, "1.00", "disabled"},
		"cancelled":       {cancelled.ID, "1.00", "cancelled"},
		"over available":  {managed.ID, "50.01", "available balance of 50.000001"},
		"over by a cent":  {managed.ID, "50.01", "pending top-ups do not count"},
		"over the pool":   {managed.ID, "530.00", "exceeds"},
		"largest refused": {managed.ID, "10000.00", "exceeds"},
	} {
		t.Run(name, func(t *testing.T) {
			pointer := "/amount"
			if tc.id != managed.ID {
				pointer = "/"
			}
			r := call(t, srv, http.MethodPost, transfersPath(tc.id), srv.ManagerKey, map[string]any{"amount": tc.amount})
			r.wantError(t, errWant{status: 422, code: "10004", pointer: pointer})
			if !strings.Contains(r.detail(t), tc.detail) {
				t.Fatalf("%s; want a detail saying %q", r, tc.detail)
			}
		})
	}
	wantHTTPBalance(t, srv, srv.ManagerKey, "30.00", "500.00")
	if after := auditActions(t, srv, srv.ManagerKey, srv.ManagerID); len(after) != len(before) {
		t.Fatalf("refused transfers wrote audit events: %v", after[:len(after)-len(before)])
	}
	// A cancelled account's transfers are still listed (none here).
	if n := listTransfers(t, srv, srv.ManagerKey, cancelled.ID, "").Meta.TotalResults; n != 0 {
		t.Fatalf("%d transfers to the cancelled account", n)
	}

	// Exactly the available balance passes, into the credit limit; then
	// not a micro-unit more is available.
	transfer(t, srv, srv.ManagerKey, managed.ID, "50.00", "")
	b := getBalance(t, srv, srv.ManagerKey)
	if b.Balance != "-20.00" || b.AvailableCredit != "0.000001" || b.Pending != "500.00" {
		t.Fatalf("after spending the available balance: %+v", b)
	}
	call(t, srv, http.MethodPost, transfersPath(managed.ID), srv.ManagerKey, map[string]any{"amount": "0.01"}).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/amount"})
	// Once the top-up settles it is available.
	srv.AdvanceTime(time.Hour)
	transfer(t, srv, srv.ManagerKey, managed.ID, "480.00", "")
	wantTransferred(t, srv, "0.00", managed, "530.00", 2)
}

// TestBalanceTransferFiresTheManagersAutoRecharge: the debit is a charge of
// the manager's ledger, so it brings the balance back over the threshold.
func TestBalanceTransferFiresTheManagersAutoRecharge(t *testing.T) {
	srv := backendtest.Start(t)
	createCard(t, srv, srv.ManagerKey, testVisa)
	srv.Adjust(t, srv.ManagerID, "100.00")
	call(t, srv, http.MethodPatch, "/v2/payment/auto_recharge_prefs", srv.ManagerKey,
		map[string]any{"enabled": true, "threshold_amount": "50.00", "recharge_amount": "25.00"}).wantStatus(t, http.StatusOK)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Recharged Co"})
	transfer(t, srv, srv.ManagerKey, managed.ID, "70.00", "")
	// 30.00 is under 50.00: recharged by 20.00 + 25.00.
	wantHTTPBalance(t, srv, srv.ManagerKey, "75.00", "0.00")
	if actions := auditActions(t, srv, srv.ManagerKey, srv.ManagerID); !slices.Contains(actions, "auto_recharge.top_up") {
		t.Fatalf("audit actions %v lack auto_recharge.top_up", actions)
	}
}

// TestBalanceTransfersAreIdempotent: a POST repeated with its key transfers
// once and replays the first answer, also when both run at once; the same
// key with another body is refused.
func TestBalanceTransfersAreIdempotent(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "100.00")
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Once Co"})
	req := idempotentRequest{method: http.MethodPost, path: transfersPath(managed.ID), key: srv.ManagerKey,
		idempotencyKey: "transfer-1", body: map[string]any{"amount": "7.50", "description": "once"}}
	first := send(t, srv, req)
	first.wantFresh(t, http.StatusOK)
	send(t, srv, req).wantReplayOf(t, first)
	other := req
	other.body = map[string]any{"amount": "8.00", "description": "once"}
	send(t, srv, other).wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", parameter: "Idempotency-Key"})

	// Eight at once with a second key: one transfer.
	req.idempotencyKey = "transfer-2"
	var wg sync.WaitGroup
	answers := make([]*apiResponse, 8)
	errs := make([]error, len(answers))
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = sendTo(t.Context(), srv.RootURL, req, encodeBody(t, req.body)) })
	}
	wg.Wait()
	for i, r := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		// The losers of the race replay the winner, or are told to retry.
		if r.status != http.StatusOK && r.status != http.StatusServiceUnavailable {
			t.Fatalf("%s; want 200 or 503", r)
		}
	}
	wantTransferred(t, srv, "85.00", managed, "15.00", 2)
}

// TestConcurrentBalanceTransfersNeverOverdraw: many transfers at once from
// one manager to several accounts pass exactly as many times as the
// available balance allows, and the money adds up to the micro-unit on
// every ledger.
func TestConcurrentBalanceTransfersNeverOverdraw(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "100.00")
	setCreditLimit(t, srv, srv.ManagerID, "5.00")
	const accounts, perAccount = 4, 10
	ids := make([]string, accounts)
	keys := make([]string, accounts)
	for i := range ids {
		a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": fmt.Sprint("Racer ", i)})
		ids[i], keys[i] = a.ID, a.APIKey
	}
	// 40 transfers of 3.00 against 105.00 available: exactly 35 pass.
	const want = 35
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		passed   = make([]int, accounts)
		failures []error
	)
	for i := range accounts * perAccount {
		wg.Go(func() {
			status, err := concurrentDo(t.Context(), srv, http.MethodPost, transfersPath(ids[i%accounts]), srv.ManagerKey,
				map[string]any{"amount": "3.00"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == http.StatusOK:
				passed[i%accounts]++
			case status != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "exceeds the available balance"):
				failures = append(failures, err)
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d transfers failed otherwise than refused, first: %v", len(failures), failures[0])
	}
	total := 0
	for i, n := range passed {
		total += n
		wantHTTPBalance(t, srv, keys[i], backend.Money(n*3_000_000).String(), "0.00")
		if listed := listTransfers(t, srv, srv.ManagerKey, ids[i], "").Meta.TotalResults; listed != n {
			t.Fatalf("account %d: %d transfers listed, %d passed", i, listed, n)
		}
	}
	if total != want {
		t.Fatalf("%d transfers passed, want exactly %d", total, want)
	}
	wantHTTPBalance(t, srv, srv.ManagerKey, "-5.00", "0.00")
}

// TestBalanceTransferKeepsLedgersWithinTheirTurnover: a transfer that would
// take either ledger past MaxLedgerTurnover is refused at the amount, and
// one that takes it exactly to the bound passes.
func TestBalanceTransferKeepsLedgersWithinTheirTurnover(t *testing.T) {
	srv := backendtest.Start(t)
	fullManaged := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Full Co"})
	roomy := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Roomy Co"})
	// history leaves room (in turnover) on the ledger of id, with a
	// balance of zero.
	history := func(id string, room backend.Money) {
		half := (backend.MaxLedgerTurnover - room) / 2
		postLedger(t, srv,
			&backend.LedgerEntry{AccountID: id, SubjectID: id, Kind: backend.LedgerAdjustment, Amount: half, CreatedAt: srv.Now()},
			&backend.LedgerEntry{AccountID: id, SubjectID: id, Kind: backend.LedgerAdjustment, Amount: -half, CreatedAt: srv.Now()})
	}
	history(fullManaged.ID, 5*backend.MicrosPerUnit)
	refused := func(id, amount string) {
		t.Helper()
		r := call(t, srv, http.MethodPost, transfersPath(id), srv.ManagerKey, map[string]any{"amount": amount})
		r.wantError(t, errWant{status: 422, code: "10004", pointer: "/amount"})
		if !strings.Contains(r.detail(t), "turnover") {
			t.Fatalf("%s; want a detail about the turnover", r)
		}
	}
	srv.Adjust(t, srv.ManagerID, "100.00")
	refused(fullManaged.ID, "5.01")
	transfer(t, srv, srv.ManagerKey, fullManaged.ID, "5.00", "")
	refused(fullManaged.ID, "0.01")

	// The manager's ledger: 100.00 of balance, and room for 10.00 more.
	history(srv.ManagerID, 10*backend.MicrosPerUnit+100*backend.MicrosPerUnit+5*backend.MicrosPerUnit)
	refused(roomy.ID, "10.01")
	transfer(t, srv, srv.ManagerKey, roomy.ID, "10.00", "")
	refused(roomy.ID, "0.01")
	wantHTTPBalance(t, srv, srv.ManagerKey, "85.00", "0.00")
	wantHTTPBalance(t, srv, fullManaged.APIKey, "5.00", "0.00")
	wantHTTPBalance(t, srv, roomy.APIKey, "10.00", "0.00")
}
