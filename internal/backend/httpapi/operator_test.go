package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// operatorAccountJSON is an account as the operator API shows it.
type operatorAccountJSON struct {
	RecordType                        string           `json:"record_type"`
	ID                                string           `json:"id"`
	Email                             string           `json:"email"`
	OrganizationName                  string           `json:"organization_name"`
	Status                            string           `json:"status"`
	APIKey                            *string          `json:"api_key"`
	ManagedAccountLimit               int              `json:"managed_account_limit"`
	AllocatableGlobalOutboundChannels int              `json:"allocatable_global_outbound_channels"`
	CreditLimit                       string           `json:"credit_limit"`
	ManagerAccountID                  *string          `json:"manager_account_id"`
	Balance                           *userBalanceJSON `json:"balance"`
	CreatedAt                         string           `json:"created_at"`
	UpdatedAt                         string           `json:"updated_at"`
}

type ledgerEntryJSON struct {
	RecordType  string          `json:"record_type"`
	ID          string          `json:"id"`
	AccountID   string          `json:"account_id"`
	Kind        string          `json:"kind"`
	Amount      string          `json:"amount"`
	Currency    string          `json:"currency"`
	Description string          `json:"description"`
	CreatedAt   string          `json:"created_at"`
	Balance     userBalanceJSON `json:"balance"`
}

func operator(t *testing.T, srv *backendtest.Server, method, path string, body any) *apiResponse {
	t.Helper()
	return call(t, srv, method, path, srv.OperatorKey, body)
}

// TestOperatorAuthentication: only the operator key opens the operator API.
func TestOperatorAuthentication(t *testing.T) {
	srv := backendtest.Start(t)
	for name, header := range map[string]string{
		"no key":          "",
		"wrong key":       srv.OperatorKey + "x",
		"a manager's key": srv.ManagerKey,
	} {
		t.Run(name, func(t *testing.T) {
			call(t, srv, http.MethodGet, "/reference/accounts/"+srv.ManagerID, header, nil).wantError(t, errWant{status: 401, code: "10009"})
		})
	}
	t.Run("scheme in lower case", func(t *testing.T) {
		resp, body := doWithHeader(t, srv, "/reference/accounts/"+srv.ManagerID, "bearer "+srv.OperatorKey)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("lower-case bearer: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("another scheme", func(t *testing.T) {
		resp, body := doWithHeader(t, srv, "/reference/accounts/"+srv.ManagerID, "Basic "+srv.OperatorKey)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Bearer") {
			t.Fatalf("Basic scheme: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a server without an operator key says the operator API is disabled", func(t *testing.T) {
		ts := httptest.NewServer(httpapi.New(srv.Service, httpapi.Options{}))
		defer ts.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/reference/accounts/"+srv.ManagerID, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+srv.OperatorKey)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r := readResponse(t, resp)
		r.wantError(t, errWant{status: 401, code: "10009"})
		if !strings.Contains(string(r.body), "disabled") {
			t.Fatalf("%s; want a detail saying the operator API is disabled", r)
		}
	})
}

// TestOperatorAccounts covers creating, reading, limiting and cancelling accounts.
func TestOperatorAccounts(t *testing.T) {
	srv := backendtest.Start(t)
	r := operator(t, srv, http.MethodPost, "/reference/accounts", map[string]any{
		"email": "reseller@example.com", "organization_name": "Reseller Ltd", "managed_account_limit": 5,
		"allocatable_global_outbound_channels": 20, "credit_limit": "50.00",
	})
	r.wantStatus(t, http.StatusCreated)
	var created single[operatorAccountJSON]
	r.decode(t, &created)
	c := created.Data
	if c.RecordType != "account" || c.APIKey == nil || !strings.HasPrefix(*c.APIKey, "KEY") || c.Status != "enabled" ||
		c.ManagedAccountLimit != 5 || c.AllocatableGlobalOutboundChannels != 20 || c.CreditLimit != "50.00" || c.Email != "reseller@example.com" {
		t.Fatalf("created %s", r.body)
	}
	call(t, srv, http.MethodGet, "/v2/balance", *c.APIKey, nil).wantStatus(t, http.StatusOK)

	r = operator(t, srv, http.MethodGet, "/reference/accounts/"+c.ID, nil)
	r.wantStatus(t, http.StatusOK)
	var got single[operatorAccountJSON]
	r.decode(t, &got)
	if got.Data.APIKey != nil || got.Data.Balance == nil || got.Data.Balance.AvailableCredit != "50.00" ||
		!strings.Contains(string(r.body), `"manager_account_id":null`) {
		t.Fatalf("get answered %s; want no api_key, a null manager_account_id and the balance", r.body)
	}

	managed := createManaged(t, srv, *c.APIKey, map[string]any{"business_name": "Sub"})
	r = operator(t, srv, http.MethodGet, "/reference/accounts/"+managed.ID, nil)
	r.decode(t, &got)
	if got.Data.ManagerAccountID == nil || *got.Data.ManagerAccountID != c.ID {
		t.Fatalf("a managed account's manager_account_id: %s", r.body)
	}

	r = operator(t, srv, http.MethodPatch, "/reference/accounts/"+c.ID, map[string]any{"managed_account_limit": 7})
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.ManagedAccountLimit != 7 || got.Data.AllocatableGlobalOutboundChannels != 20 {
		t.Fatalf("after PATCH: %s", r.body)
	}

	bad := []struct {
		name, method, path string
		body               any
		want               errWant
	}{
		{"create without email", http.MethodPost, "/reference/accounts", map[string]any{"organization_name": "X"}, errWant{status: 422, code: "10004", pointer: "/email"}},
		{"create with a taken email", http.MethodPost, "/reference/accounts", map[string]any{"email": "reseller@example.com"}, errWant{status: 422, code: "10012", pointer: "/email"}},
		{"create with an unknown field", http.MethodPost, "/reference/accounts", map[string]any{"email": "n@example.com", "api_key": "KEYmine"}, errWant{status: 422, code: "10004", pointer: "/api_key"}},
		{"create with a numeric credit limit", http.MethodPost, "/reference/accounts", map[string]any{"email": "n@example.com", "credit_limit": 10}, errWant{status: 422, code: "10004", pointer: "/credit_limit"}},
		{"negative limit", http.MethodPatch, "/reference/accounts/" + c.ID, map[string]any{"managed_account_limit": -1}, errWant{status: 422, code: "10004", pointer: "/managed_account_limit"}},
		{"limits of a managed account", http.MethodPatch, "/reference/accounts/" + managed.ID, map[string]any{"managed_account_limit": 3}, errWant{status: 422, code: "10004", pointer: "/"}},
		{"unknown account", http.MethodGet, "/reference/accounts/00000000-0000-0000-0000-000000000000", nil, errWant{status: 404, code: "10005"}},
		{"cancel an unknown account", http.MethodDelete, "/reference/accounts/nope", nil, errWant{status: 404, code: "10005"}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			operator(t, srv, b.method, b.path, b.body).wantError(t, b.want)
		})
	}

	r = operator(t, srv, http.MethodDelete, "/reference/accounts/"+c.ID, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.Status != "cancelled" {
		t.Fatalf("after DELETE: %s", r.body)
	}
	call(t, srv, http.MethodGet, "/v2/balance", *c.APIKey, nil).wantError(t, errWant{status: 401, code: "10009"})
}

// TestOperatorMoney: adjustments and the credit limit make real balances,
// with available_credit = balance + credit_limit exactly.
func TestOperatorMoney(t *testing.T) {
	srv := backendtest.Start(t)
	adjust := func(amount any) *apiResponse {
		return operator(t, srv, http.MethodPost, "/reference/accounts/"+srv.ManagerID+"/adjustments", map[string]any{"amount": amount, "description": "test"})
	}
	r := adjust("25.00")
	r.wantStatus(t, http.StatusCreated)
	var entry single[ledgerEntryJSON]
	r.decode(t, &entry)
	if e := entry.Data; e.RecordType != "ledger_entry" || e.Kind != "adjustment" || e.Amount != "25.00" || e.Currency != "USD" ||
		e.AccountID != srv.ManagerID || e.Description != "test" || e.Balance.Balance != "25.00" {
		t.Fatalf("adjustment answered %s", r.body)
	}
	r = adjust("-5.5")
	r.wantStatus(t, http.StatusCreated)
	r.decode(t, &entry)
	if entry.Data.Amount != "-5.50" || entry.Data.Balance.Balance != "19.50" {
		t.Fatalf("after -5.5: %s", r.body)
	}
	adjust("0.000125").wantStatus(t, http.StatusCreated)
	for _, bad := range []string{"abc", "1e3", "", "1.2.3", "0.0000001"} {
		adjust(bad).wantError(t, errWant{status: 422, code: "10027", pointer: "/amount"})
	}
	adjust(25).wantError(t, errWant{status: 422, code: "10004", pointer: "/amount"})
	operator(t, srv, http.MethodPost, "/reference/accounts/"+srv.ManagerID+"/adjustments", map[string]any{"description": "no amount"}).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/amount"})

	creditPath := "/reference/accounts/" + srv.ManagerID + "/credit_limit"
	r = operator(t, srv, http.MethodPut, creditPath, map[string]any{"credit_limit": "100.00"})
	r.wantStatus(t, http.StatusOK)
	var acct single[operatorAccountJSON]
	r.decode(t, &acct)
	if acct.Data.CreditLimit != "100.00" || acct.Data.Balance == nil || acct.Data.Balance.AvailableCredit != "119.500125" {
		t.Fatalf("after PUT credit_limit: %s", r.body)
	}
	operator(t, srv, http.MethodPut, creditPath, map[string]any{"credit_limit": "-1.00"}).wantError(t, errWant{status: 422, code: "10004", pointer: "/credit_limit"})
	operator(t, srv, http.MethodPut, creditPath, map[string]any{"credit_limit": "lots"}).wantError(t, errWant{status: 422, code: "10027", pointer: "/credit_limit"})
	operator(t, srv, http.MethodPut, creditPath, map[string]any{}).wantError(t, errWant{status: 422, code: "10004", pointer: "/credit_limit"})

	r = call(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	var bal single[userBalanceJSON]
	r.decode(t, &bal)
	want := userBalanceJSON{RecordType: "balance", Balance: "19.500125", Pending: "0.00", CreditLimit: "100.00", AvailableCredit: "119.500125", Currency: "USD"}
	if bal.Data != want {
		t.Fatalf("balance %+v, want %+v", bal.Data, want)
	}

	// A managed account's own balance shows in its managed account object.
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Funded"})
	srv.Adjust(t, a.ID, "7.25")
	operator(t, srv, http.MethodPut, "/reference/accounts/"+a.ID+"/credit_limit", map[string]any{"credit_limit": "2.75"}).wantStatus(t, http.StatusOK)
	r = call(t, srv, http.MethodGet, "/v2/managed_accounts/"+a.ID, srv.ManagerKey, nil)
	var got single[managedAccount]
	r.decode(t, &got)
	if b := got.Data.Balance; b == nil || b.Balance != "7.25" || b.CreditLimit != "2.75" || b.AvailableCredit != "10.00" || b.Currency != "USD" {
		t.Fatalf("managed account balance: %s", r.body)
	}
}

// doWithHeader sends a GET with a raw Authorization header.
func doWithHeader(t *testing.T, srv *backendtest.Server, path, authorization string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.RootURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := readResponse(t, resp)
	return resp, r.body
}
