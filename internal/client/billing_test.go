package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const (
	testCardNumber = "4242424242424242"
	testCardCVC    = "987"
)

const paymentMethodBody = `{"data":{"record_type":"payment_method","id":"pm-1","type":"card",` +
	`"card":{"brand":"visa","last4":"4242","exp_month":12,"exp_year":2030,"fingerprint":"0123456789abcdef0123456789abcdef"},` +
	`"billing_details":{"name":"Ada Lovelace","postal_code":"94107","country":"US"},"default":%t,` +
	`"created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-02T00:00:00.000Z"}}`

func TestCreatePaymentMethodSendsTheCardOnceAndDecodesTheMethod(t *testing.T) {
	rec := newRecorder(t, ok(fmt.Sprintf(paymentMethodBody, true)))
	logs := &logRecorder{}
	pm, err := rec.client(t, func(cfg *client.Config) { cfg.Logger = logs }).CreatePaymentMethod(context.Background(),
		client.CreatePaymentMethodRequest{
			Type:           client.PaymentMethodTypeCard,
			Card:           client.NewCard{Number: testCardNumber, ExpMonth: 12, ExpYear: 2030, CVC: testCardCVC},
			BillingDetails: client.BillingDetails{Name: "Ada Lovelace", PostalCode: "94107", Country: "US"},
		})
	if err != nil {
		t.Fatalf("CreatePaymentMethod: %v", err)
	}
	want := client.PaymentMethod{
		RecordType: "payment_method", ID: "pm-1", Type: "card",
		Card:           client.Card{Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030, Fingerprint: "0123456789abcdef0123456789abcdef"},
		BillingDetails: client.BillingDetails{Name: "Ada Lovelace", PostalCode: "94107", Country: "US"},
		Default:        true, CreatedAt: "2026-01-01T00:00:00.000Z", UpdatedAt: "2026-01-02T00:00:00.000Z",
	}
	if !reflect.DeepEqual(*pm, want) {
		t.Fatalf("payment method = %+v\nwant             %+v", *pm, want)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodPost || r.URL.Path != "/v2/payment_methods" || r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("request = %s %s (Idempotency-Key %q)", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"))
	}
	// Without Default, the API decides (the first card becomes the default).
	assertJSON(t, rec.bodies[0], `{"type":"card","card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"987"},`+
		`"billing_details":{"name":"Ada Lovelace","postal_code":"94107","country":"US"}}`)
	for _, l := range logs.lines {
		for k, v := range l.fields {
			if s := fmt.Sprint(v); strings.Contains(s, testCardNumber) || strings.Contains(s, `"`+testCardCVC+`"`) {
				t.Errorf("log %q field %s = %q carries the card", l.msg, k, s)
			}
		}
	}
	if len(logs.lines) == 0 {
		t.Fatal("nothing was logged: the check above proves nothing")
	}
}

func TestNewCardNeverPrintsItsSecrets(t *testing.T) {
	card := client.NewCard{Number: testCardNumber, ExpMonth: 3, ExpYear: 2031, CVC: testCardCVC}
	req := client.CreatePaymentMethodRequest{Type: client.PaymentMethodTypeCard, Card: card}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{card, &card, req, &req} {
			s := fmt.Sprintf(format, v)
			if strings.Contains(s, testCardNumber) || strings.Contains(s, testCardCVC) {
				t.Errorf("fmt %s of %T prints a secret: %s", format, v, s)
			}
		}
	}
	if got := card.String(); got != "card (number and CVC hidden, expires 03/2031)" {
		t.Fatalf("String() = %q", got)
	}
}

func TestCreatePaymentMethodSendsAnExplicitDefault(t *testing.T) {
	for _, def := range []bool{true, false} {
		t.Run(strconv.FormatBool(def), func(t *testing.T) {
			rec := newRecorder(t, ok(fmt.Sprintf(paymentMethodBody, def)))
			_, err := rec.client(t, nil).CreatePaymentMethod(context.Background(), client.CreatePaymentMethodRequest{
				Type: client.PaymentMethodTypeCard, Card: client.NewCard{Number: testCardNumber, ExpMonth: 1, ExpYear: 2030, CVC: testCardCVC},
				BillingDetails: client.BillingDetails{Name: "A", Country: "FR"}, Default: &def,
			})
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, rec.bodies[0], fmt.Sprintf(`{"type":"card","card":{"number":"4242424242424242","exp_month":1,"exp_year":2030,"cvc":"987"},`+
				`"billing_details":{"name":"A","postal_code":"","country":"FR"},"default":%t}`, def))
		})
	}
}

func TestUpdatePaymentMethodSendsOnlyWhatChanges(t *testing.T) {
	month, year := int64(6), int64(2032)
	yes := true
	tests := []struct {
		name string
		req  client.UpdatePaymentMethodRequest
		want string
	}{
		{"nothing", client.UpdatePaymentMethodRequest{}, `{}`},
		{"expiry", client.UpdatePaymentMethodRequest{Card: &client.CardExpiry{ExpMonth: &month, ExpYear: &year}}, `{"card":{"exp_month":6,"exp_year":2032}}`},
		{"month only", client.UpdatePaymentMethodRequest{Card: &client.CardExpiry{ExpMonth: &month}}, `{"card":{"exp_month":6}}`},
		// An empty postal code must reach the API to clear it.
		{"billing details", client.UpdatePaymentMethodRequest{BillingDetails: &client.BillingDetails{Name: "B", Country: "DE"}},
			`{"billing_details":{"name":"B","postal_code":"","country":"DE"}}`},
		{"default", client.UpdatePaymentMethodRequest{Default: &yes}, `{"default":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, ok(fmt.Sprintf(paymentMethodBody, true)))
			if _, err := rec.client(t, nil).UpdatePaymentMethod(context.Background(), "pm/1", tt.req); err != nil {
				t.Fatal(err)
			}
			r := rec.requests()[0]
			if r.Method != http.MethodPatch || r.URL.EscapedPath() != "/v2/payment_methods/pm%2F1" {
				t.Fatalf("request = %s %s", r.Method, r.URL.EscapedPath())
			}
			assertJSON(t, rec.bodies[0], tt.want)
		})
	}
}

func TestGetAndDeletePaymentMethod(t *testing.T) {
	rec := newRecorder(t,
		ok(fmt.Sprintf(paymentMethodBody, false)),
		ok(fmt.Sprintf(paymentMethodBody, false)),
		apiError(http.StatusNotFound, "10005", "Resource not found", "Payment method not found."),
	)
	c := rec.client(t, nil)
	pm, err := c.GetPaymentMethod(context.Background(), "pm-1")
	if err != nil || pm.Default || pm.Card.Last4 != "4242" {
		t.Fatalf("get = %+v, %v", pm, err)
	}
	if _, err := c.DeletePaymentMethod(context.Background(), "pm-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePaymentMethod(context.Background(), "pm-1"); !client.IsNotFound(err) {
		t.Fatalf("second delete: err = %v, want the 404", err)
	}
	reqs := rec.requests()
	got := []string{reqs[0].Method + " " + reqs[0].URL.Path, reqs[1].Method + " " + reqs[1].URL.Path}
	if got[0] != "GET /v2/payment_methods/pm-1" || got[1] != "DELETE /v2/payment_methods/pm-1" || rec.bodies[1] != "" {
		t.Fatalf("requests = %v, delete body %q", got, rec.bodies[1])
	}
}

func TestAllPaymentMethodsReadsEveryPage(t *testing.T) {
	const total, size = 3, 2
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page[number]"))
		if err != nil {
			page = 1
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"record_type":"payment_method","id":"pm-%d","type":"card","card":{"last4":"000%d"},"default":%t}`, i, i, i == 0))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":2,"total_results":%d}}`,
			strings.Join(items, ","), page, size, total)
	})
	var ids []string
	for pm, err := range rec.client(t, nil).AllPaymentMethods(context.Background(), client.ListPaymentMethodsOptions{PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pm.ID+"/"+pm.Card.Last4)
	}
	if got := strings.Join(ids, ","); got != "pm-0/0000,pm-1/0001,pm-2/0002" {
		t.Fatalf("ids = %s", got)
	}
	for i, r := range rec.requests() {
		if q := r.URL.Query(); r.URL.Path != "/v2/payment_methods" || q.Get("page[size]") != "2" || q.Get("page[number]") != strconv.Itoa(i+1) {
			t.Errorf("request %d = %s?%s", i, r.URL.Path, r.URL.RawQuery)
		}
	}
}

func TestPaymentMethodErrorsCarryTheAPIDetailAndPointer(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10004","title":"Invalid value",` +
			`"detail":"card.number is not a valid card number (its check digit is wrong).","source":{"pointer":"/card/number"}}]}`))
	})
	_, err := rec.client(t, nil).CreatePaymentMethod(context.Background(), client.CreatePaymentMethodRequest{
		Type: client.PaymentMethodTypeCard, Card: client.NewCard{Number: "4242424242424241", ExpMonth: 1, ExpYear: 2030, CVC: testCardCVC},
	})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(apiErr.Detail(), "check digit") {
		t.Fatalf("err = %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "/card/number") || strings.Contains(msg, "4242424242424241") {
		t.Fatalf("error message %q: want the pointer and never the number", msg)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("a 422 was sent %d times, want once", n)
	}
}

func TestCreateStoredPaymentTransaction(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":{"id":"de06811a-2e43-4561-af5a-7d0a26e20aaa","record_type":"transaction","amount_cents":12000,`+
		`"amount_currency":"USD","auto_recharge":false,"created_at":"2026-02-25T10:00:00.000Z",`+
		`"processor_status":"submitted_for_settlement","transaction_processing_type":"stored_payment"}}`))
	tx, err := rec.client(t, nil).CreateStoredPaymentTransaction(context.Background(), "120.00")
	if err != nil {
		t.Fatal(err)
	}
	want := client.StoredPaymentTransaction{
		ID: "de06811a-2e43-4561-af5a-7d0a26e20aaa", RecordType: "transaction", AmountCents: 12000, AmountCurrency: "USD",
		CreatedAt: "2026-02-25T10:00:00.000Z", ProcessorStatus: "submitted_for_settlement", TransactionProcessingType: "stored_payment",
	}
	if !reflect.DeepEqual(*tx, want) {
		t.Fatalf("transaction = %+v\nwant          %+v", *tx, want)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodPost || r.URL.Path != "/v2/payment/stored_payment_transactions" || r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("request = %s %s", r.Method, r.URL.Path)
	}
	assertJSON(t, rec.bodies[0], `{"amount":"120.00"}`)
}

func TestCreateStoredPaymentTransactionSurfacesTheAmountError(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10027","title":"Invalid amount format",` +
			`"detail":"Amount must include dollars and cents (e.g. \"120.00\").","source":{"pointer":"/amount"}}]}`))
	})
	_, err := rec.client(t, nil).CreateStoredPaymentTransaction(context.Background(), "120")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code() != "10027" || !strings.Contains(apiErr.Detail(), "dollars and cents") {
		t.Fatalf("err = %v", err)
	}
}

const autoRechargeBody = `{"data":{"id":"arp-1","record_type":"auto_recharge_pref","enabled":%t,"invoice_enabled":false,` +
	`"preference":"credit_paypal","recharge_amount":"%s","threshold_amount":"%s"}}`

func TestGetAutoRechargePref(t *testing.T) {
	rec := newRecorder(t, ok(fmt.Sprintf(autoRechargeBody, false, "0.00", "0.00")))
	p, err := rec.client(t, nil).GetAutoRechargePref(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := client.AutoRechargePref{ID: "arp-1", RecordType: "auto_recharge_pref", Preference: client.AutoRechargePreferenceCreditPaypal,
		RechargeAmount: "0.00", ThresholdAmount: "0.00"}
	if !reflect.DeepEqual(*p, want) {
		t.Fatalf("prefs = %+v", *p)
	}
	if r := rec.requests()[0]; r.Method != http.MethodGet || r.URL.Path != "/v2/payment/auto_recharge_prefs" {
		t.Fatalf("request = %s %s", r.Method, r.URL.Path)
	}
}

func TestUpdateAutoRechargePrefSendsOnlyWhatIsSet(t *testing.T) {
	yes, no, ach, amount := true, false, client.AutoRechargePreferenceACH, "25.00"
	tests := []struct {
		name string
		req  client.UpdateAutoRechargePrefRequest
		want string
	}{
		{"nothing", client.UpdateAutoRechargePrefRequest{}, `{}`},
		// false must be sent, not dropped: it turns auto-recharge off.
		{"disable", client.UpdateAutoRechargePrefRequest{Enabled: &no}, `{"enabled":false}`},
		{"everything", client.UpdateAutoRechargePrefRequest{Enabled: &yes, InvoiceEnabled: &no, Preference: &ach,
			RechargeAmount: &amount, ThresholdAmount: &amount},
			`{"enabled":true,"invoice_enabled":false,"preference":"ach","recharge_amount":"25.00","threshold_amount":"25.00"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, ok(fmt.Sprintf(autoRechargeBody, true, "25.00", "25.00")))
			p, err := rec.client(t, nil).UpdateAutoRechargePref(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Enabled || p.RechargeAmount != "25.00" {
				t.Fatalf("prefs = %+v", p)
			}
			if r := rec.requests()[0]; r.Method != http.MethodPatch || r.URL.Path != "/v2/payment/auto_recharge_prefs" {
				t.Fatalf("request = %s %s", r.Method, r.URL.Path)
			}
			assertJSON(t, rec.bodies[0], tt.want)
		})
	}
}
