package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// TestNoCardNumberStoredLoggedOrEchoed creates, refuses, updates, charges
// and deletes cards, then scans what the store holds (the SQLite file and its
// write-ahead log, or every PostgreSQL table), the server's whole log (access
// log and errors, at debug level) and every answer for the card numbers sent:
// none may be there, only brand, last four digits, expiry and the keyed
// fingerprint.
func TestNoCardNumberStoredLoggedOrEchoed(t *testing.T) {
	srv := backendtest.Start(t)
	var logs proc.SyncBuffer
	ts := httptest.NewServer(httpapi.New(srv.Service, httpapi.Options{
		OperatorKey: srv.OperatorKey, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	defer ts.Close()
	var answers bytes.Buffer
	do := func(method, path, key, body string) *apiResponse {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r := readResponse(t, resp)
		answers.Write(r.body)
		return r
	}
	card := func(number, cvc string, expYear int) string {
		return `{"type":"card","card":{"number":"` + number + `","exp_month":7,"exp_year":` + strconv.Itoa(expYear) +
			`,"cvc":"` + cvc + `"},"billing_details":{"name":"Positive Control Holder","postal_code":"94105","country":"US"}}`
	}
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Secret Cards"})
	numbers := []string{testVisa, testDeclined, testAmex, "5555555555554444", "6011111111111117", "4242424242424241", "3056930009020004"}

	visa := do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, card(testVisa, "123", 2031))
	visa.wantStatus(t, http.StatusOK)
	var created single[paymentMethodOut]
	visa.decode(t, &created)
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, card("3782 822463 10005", "7319", 2032)).wantStatus(t, http.StatusOK)
	do(http.MethodPost, "/v2/payment_methods", managed.APIKey, card(testDeclined, "456", 2033)).wantStatus(t, http.StatusOK)
	do(http.MethodPost, "/v2/payment_methods", managed.APIKey, card("3056930009020004", "789", 2034)).wantStatus(t, http.StatusOK)
	// Refused cards: a Luhn failure, an expired card, a wrong CVC, a bad body.
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, card("4242424242424241", "123", 2031)).wantStatus(t, http.StatusUnprocessableEntity)
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, card("5555555555554444", "123", 2001)).wantStatus(t, http.StatusUnprocessableEntity)
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, card("5555555555554444", "12", 2031)).wantStatus(t, http.StatusUnprocessableEntity)
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, `{"card":{"number":"5555555555554444"`).wantStatus(t, http.StatusBadRequest)
	do(http.MethodPost, "/v2/payment_methods", srv.ManagerKey, `{"card":{"number":5555555555554444}}`).wantStatus(t, http.StatusUnprocessableEntity)
	// An update that tries to change the number.
	do(http.MethodPatch, "/v2/payment_methods/"+created.Data.ID, srv.ManagerKey,
		`{"card":{"number":"6011111111111117","cvc":"321"}}`).wantStatus(t, http.StatusUnprocessableEntity)
	do(http.MethodPatch, "/v2/payment_methods/"+created.Data.ID, srv.ManagerKey, `{"card":{"exp_month":8}}`).wantStatus(t, http.StatusOK)
	// Charges, accepted and declined, and reads.
	do(http.MethodPost, "/v2/payment/stored_payment_transactions", srv.ManagerKey, `{"amount":"15.00"}`).wantStatus(t, http.StatusOK)
	do(http.MethodPost, "/v2/payment/stored_payment_transactions", managed.APIKey, `{"amount":"15.00"}`).wantStatus(t, http.StatusUnprocessableEntity)
	do(http.MethodGet, "/v2/payment_methods", srv.ManagerKey, "").wantStatus(t, http.StatusOK)
	do(http.MethodGet, "/v2/payment_methods", managed.APIKey, "").wantStatus(t, http.StatusOK)
	do(http.MethodGet, "/v2/audit_events?page[size]=250", srv.ManagerKey, "").wantStatus(t, http.StatusOK)
	do(http.MethodDelete, "/v2/payment_methods/"+created.Data.ID, srv.ManagerKey, "").wantStatus(t, http.StatusOK)

	stored := srv.StoredData(t) // the SQLite file and its log, or every PostgreSQL table
	// Positive controls: what is kept in the clear is found where the scan looks.
	if !bytes.Contains(stored, []byte("Positive Control Holder")) || !bytes.Contains(stored, []byte(created.Data.Card.Fingerprint)) {
		t.Fatal("the scan does not find the billing name or the fingerprint, which are stored: it does not see the data")
	}
	if !strings.Contains(logs.String(), "/v2/payment_methods") {
		t.Fatal("the log has no line about the payment methods: it does not see the requests")
	}
	for _, number := range numbers {
		if bytes.Contains(stored, []byte(number)) {
			t.Errorf("the database holds the card number ending %s", number[len(number)-4:])
		}
		if strings.Contains(logs.String(), number) {
			t.Errorf("the log holds the card number ending %s", number[len(number)-4:])
		}
		if bytes.Contains(answers.Bytes(), []byte(number)) {
			t.Errorf("an answer echoes the card number ending %s", number[len(number)-4:])
		}
	}
	for _, spaced := range []string{"3782 822463 10005", "3782822463"} {
		if bytes.Contains(stored, []byte(spaced)) || strings.Contains(logs.String(), spaced) || bytes.Contains(answers.Bytes(), []byte(spaced)) {
			t.Errorf("the number sent with spaces is kept somewhere: %q", spaced)
		}
	}
	for _, key := range []string{`"cvc"`, `"number"`} {
		if strings.Contains(logs.String(), key) || bytes.Contains(answers.Bytes(), []byte(key)) {
			t.Errorf("the log or an answer carries %s", key)
		}
	}
}
