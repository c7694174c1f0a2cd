package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// The notifications made when a condition occurs (DESIGN 3.8), read back
// from the store as the operator sees them: written in the transaction of
// the change that causes them, once per crossing of a threshold.

// alertedAccount is a managed account with a profile whose channels are an
// email and a webhook, and the ids of both.
type alertedAccount struct {
	managedAccount
	profile, email, webhook string
}

func newAlertedAccount(t *testing.T, srv *backendtest.Server, body map[string]any) alertedAccount {
	t.Helper()
	a := alertedAccount{managedAccount: createManaged(t, srv, srv.ManagerKey, body)}
	a.profile = createNotificationProfile(t, srv, a.APIKey, "Alerts")
	a.email = createNotificationChannel(t, srv, a.APIKey, a.profile, "email", "alerts@example.com")
	a.webhook = createNotificationChannel(t, srv, a.APIKey, a.profile, "webhook", "http://127.0.0.1:9/hooks")
	return a
}

// deliveriesOf reads every delivery of an account, newest first.
func deliveriesOf(t *testing.T, srv *backendtest.Server, accountID string, channel backend.ChannelType) []*backend.NotificationDelivery {
	t.Helper()
	list, _, err := srv.Service.ListDeliveries(t.Context(), backend.DeliveryQuery{
		AccountID: accountID, ChannelType: channel, Page: backend.Page{Number: 1, Size: backend.MaxPageSize},
	})
	if err != nil {
		t.Fatalf("list deliveries: %v", err)
	}
	return list
}

// payloadOf decodes a delivery's notification payload.
func payloadOf(t *testing.T, d *backend.NotificationDelivery) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(d.Notification.Payload), &p); err != nil {
		t.Fatalf("payload %q: %v", d.Notification.Payload, err)
	}
	// Every payload a test reads is as openapi.yaml documents it.
	doc, _ := loadOpenAPI(t)
	if err := doc.Components.Schemas["NotificationPayload"].Value.VisitJSON(p); err != nil {
		t.Errorf("the payload %s breaks openapi.yaml's NotificationPayload: %v", d.Notification.Payload, err)
	}
	return p
}

// adjust posts an operator adjustment and fails the test unless it is taken.
func adjust(t *testing.T, srv *backendtest.Server, accountID, amount string) {
	t.Helper()
	status, body := srv.Operator(t, http.MethodPost, "/reference/accounts/"+accountID+"/adjustments", map[string]any{"amount": amount, "description": "alerts"})
	if status != http.StatusCreated {
		t.Fatalf("adjust %s by %s: %d %s", accountID, amount, status, body)
	}
}

// TestBalanceAlertFiresOncePerCrossing: a threshold fires when a charge
// takes the balance from at or above it to below it, once: further charges
// below it are quiet, a balance exactly at it is not below, and it fires
// again only after the balance has been back at or above it. The email goes
// to the outbox at once; the webhook waits, pending, for the worker.
func TestBalanceAlertFiresOncePerCrossing(t *testing.T) {
	srv := backendtest.Start(t)
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Crossing"})
	setting := createNotificationSetting(t, srv, a.APIKey, balanceSetting(a.profile, "5.00"))
	adjust(t, srv, a.ID, "10.00")
	steps := []struct {
		amount string
		alerts int // emails so far
	}{
		{"-3.00", 0},   // 7.00
		{"-2.00", 0},   // 5.00: at the threshold, not below
		{"-0.01", 1},   // 4.99: crosses
		{"-1.00", 1},   // 3.99: still below, quiet
		{"-100.00", 1}, // -96.01
		{"90.00", 1},   // -6.01: back up, but not to it
		{"-1.00", 1},   // -7.01
		{"12.01", 1},   // 5.00: at it again
		{"-0.50", 2},   // 4.50: crosses again
	}
	for i, step := range steps {
		adjust(t, srv, a.ID, step.amount)
		if got := len(deliveriesOf(t, srv, a.ID, backend.ChannelEmail)); got != step.alerts {
			t.Fatalf("after step %d (%s): %d alerts, want %d", i, step.amount, got, step.alerts)
		}
	}
	emails, hooks := deliveriesOf(t, srv, a.ID, backend.ChannelEmail), deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)
	if len(hooks) != 2 {
		t.Fatalf("%d webhook deliveries, want one per alert", len(hooks))
	}
	latest := emails[0]
	p := payloadOf(t, latest)
	if p["balance"] != "4.50" || p["threshold_amount"] != "5.00" || p["currency"] != "USD" || p["account_id"] != a.ID || p["notification_setting_id"] != setting {
		t.Errorf("the alert's payload is %v", p)
	}
	n := latest.Notification
	if n.EventType != backend.EventTypeBalanceBelow || n.ConditionID != backend.ConditionBalanceBelow || n.SettingID != setting || n.AccountID != a.ID {
		t.Errorf("the alert is %+v", n)
	}
	if latest.Status != backend.DeliveryDelivered || latest.Attempts != 1 || latest.Destination != "alerts@example.com" ||
		latest.Subject == "" || latest.Message == "" || len(latest.AttemptLog) != 1 {
		t.Errorf("the email is %+v: want it in the outbox, delivered, with its text", latest)
	}
	hook := hooks[0]
	if hook.NotificationID != latest.NotificationID || hook.Status != backend.DeliveryPending || hook.Attempts != 0 ||
		hook.Destination != "http://127.0.0.1:9/hooks" || len(hook.AttemptLog) != 0 {
		t.Errorf("the webhook is %+v: want it pending for the same notification", hook)
	}
}

// TestBalanceAlertOfBalanceTransfer: a balance transfer is a charge of the
// manager's ledger: the transfer that takes it below its threshold fires
// the manager's alert, once, and the credit fires nothing.
func TestBalanceAlertOfBalanceTransfer(t *testing.T) {
	srv := backendtest.Start(t)
	profile := createNotificationProfile(t, srv, srv.ManagerKey, "Treasury")
	createNotificationChannel(t, srv, srv.ManagerKey, profile, "email", "treasury@example.com")
	createNotificationSetting(t, srv, srv.ManagerKey, balanceSetting(profile, "50.00"))
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Funded"})
	createNotificationSetting(t, srv, a.APIKey, balanceSetting(a.profile, "1.00"))
	adjust(t, srv, srv.ManagerID, "60.00")
	for i, step := range []struct {
		amount string
		alerts int
	}{{"5.00", 0}, {"5.00", 0}, {"0.01", 1}, {"10.00", 1}} { // 55.00, 50.00, 49.99, 39.99
		transfer(t, srv, srv.ManagerKey, a.ID, step.amount, "top up")
		if got := len(deliveriesOf(t, srv, srv.ManagerID, backend.ChannelEmail)); got != step.alerts {
			t.Fatalf("after transfer %d (%s): %d alerts of the manager, want %d", i, step.amount, got, step.alerts)
		}
	}
	if p := payloadOf(t, deliveriesOf(t, srv, srv.ManagerID, backend.ChannelEmail)[0]); p["balance"] != "49.99" || p["account_id"] != srv.ManagerID {
		t.Errorf("the manager's alert: %v", p)
	}
	if got := deliveriesOf(t, srv, a.ID, ""); len(got) != 0 {
		t.Errorf("the managed account, credited, was notified %d times", len(got))
	}
}

// TestBalanceAlertOfUsage: usage charges cross the threshold like any
// charge, once per batch; under rollup billing the managed account's
// balance is its manager's ledger, which its setting watches.
func TestBalanceAlertOfUsage(t *testing.T) {
	srv := backendtest.Start(t)
	at := srv.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	sms := func(id, account string, parts int) map[string]any {
		return usageEvent(id, account, "messaging", at, map[string]any{"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": parts})
	}
	own := newAlertedAccount(t, srv, map[string]any{"business_name": "Pays itself"})
	rollup := newAlertedAccount(t, srv, map[string]any{"business_name": "Rolled up", "rollup_billing": true})
	createNotificationSetting(t, srv, own.APIKey, balanceSetting(own.profile, "0.00"))
	createNotificationSetting(t, srv, rollup.APIKey, balanceSetting(rollup.profile, "-0.01"))
	// One batch, several events of each account: one crossing each.
	srv.IngestUsage(t, []map[string]any{sms(uuid.NewString(), own.ID, 1), sms(uuid.NewString(), own.ID, 2), sms(uuid.NewString(), rollup.ID, 3)})
	for _, a := range []alertedAccount{own, rollup} {
		got := deliveriesOf(t, srv, a.ID, backend.ChannelEmail)
		if len(got) != 1 {
			t.Fatalf("%s: %d alerts after one batch, want 1", a.OrganizationName, len(got))
		}
		if p := payloadOf(t, got[0]); p["account_id"] != a.ID {
			t.Errorf("%s: payload %v", a.OrganizationName, p)
		}
	}
	srv.IngestUsage(t, []map[string]any{sms(uuid.NewString(), own.ID, 1), sms(uuid.NewString(), rollup.ID, 1)})
	if n, m := len(deliveriesOf(t, srv, own.ID, backend.ChannelEmail)), len(deliveriesOf(t, srv, rollup.ID, backend.ChannelEmail)); n != 1 || m != 1 {
		t.Fatalf("charges below the threshold alerted again: %d and %d", n, m)
	}
	// The manager's own charges move the shared balance too.
	adjust(t, srv, srv.ManagerID, "100.00")
	adjust(t, srv, srv.ManagerID, "-200.00")
	if m := len(deliveriesOf(t, srv, rollup.ID, backend.ChannelEmail)); m != 2 {
		t.Fatalf("the manager's ledger crossed again: %d alerts of the rollup account, want 2", m)
	}
}

// TestBalanceAlertAutoRechargeMadeGood: a charge that auto-recharge brings
// back above the threshold, in the same transaction, does not alert.
func TestBalanceAlertAutoRechargeMadeGood(t *testing.T) {
	srv := backendtest.Start(t)
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Recharged"})
	createCard(t, srv, a.APIKey, testVisa)
	call(t, srv, http.MethodPatch, "/v2/payment/auto_recharge_prefs", a.APIKey,
		map[string]any{"enabled": true, "threshold_amount": "8.00", "recharge_amount": "10.00"}).wantStatus(t, http.StatusOK)
	createNotificationSetting(t, srv, a.APIKey, balanceSetting(a.profile, "5.00"))
	adjust(t, srv, a.ID, "10.00")
	adjust(t, srv, a.ID, "-6.00") // 4.00, recharged to 18.00
	if got := deliveriesOf(t, srv, a.ID, ""); len(got) != 0 {
		t.Fatalf("a charge auto-recharge made good alerted: %+v", got[0].Notification)
	}
}

// TestPaymentDeclinedAlerts: a declined auto-recharge, one that has no card
// to charge, and a declined top-up each notify the account's payment
// settings; the top-up is still refused, with or without an
// Idempotency-Key.
func TestPaymentDeclinedAlerts(t *testing.T) {
	srv := backendtest.Start(t)
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Declined"})
	createNotificationSetting(t, srv, a.APIKey, map[string]any{"notification_event_condition_id": backend.ConditionPaymentDeclined, "notification_profile_id": a.profile})
	card := createCard(t, srv, a.APIKey, testDeclined)
	call(t, srv, http.MethodPatch, "/v2/payment/auto_recharge_prefs", a.APIKey,
		map[string]any{"enabled": true, "threshold_amount": "5.00", "recharge_amount": "10.00"}).wantStatus(t, http.StatusOK)
	adjust(t, srv, a.ID, "-1.00") // funds -1.00: the recharge of 16.00 is declined
	got := deliveriesOf(t, srv, a.ID, backend.ChannelEmail)
	if len(got) != 1 {
		t.Fatalf("%d alerts after a declined auto-recharge, want 1", len(got))
	}
	if p := payloadOf(t, got[0]); p["reason"] != "card_declined" || p["auto_recharge"] != true || p["amount"] != "16.00" ||
		p["payment_method_id"] != card.ID || p["last4"] != "0002" {
		t.Errorf("payload %v", p)
	}
	if got[0].Notification.EventType != backend.EventTypePaymentDeclined {
		t.Errorf("event type %s", got[0].Notification.EventType)
	}

	for i, idempotencyKey := range []string{"", uuid.NewString()} {
		r := declinedTopUp(t, srv, a.APIKey, idempotencyKey, "25.00")
		r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
		got = deliveriesOf(t, srv, a.ID, backend.ChannelEmail)
		if len(got) != 2+i {
			t.Fatalf("%d alerts after a declined top-up (Idempotency-Key %q), want %d", len(got), idempotencyKey, 2+i)
		}
		if p := payloadOf(t, got[0]); p["reason"] != "card_declined" || p["auto_recharge"] != false || p["amount"] != "25.00" {
			t.Errorf("payload %v", p)
		}
	}

	call(t, srv, http.MethodDelete, "/v2/payment_methods/"+card.ID, a.APIKey, nil).wantStatus(t, http.StatusOK)
	adjust(t, srv, a.ID, "-1.00") // no card left
	got = deliveriesOf(t, srv, a.ID, backend.ChannelEmail)
	if p := payloadOf(t, got[0]); len(got) != 4 || p["reason"] != "no_default_payment_method" || p["payment_method_id"] != nil {
		t.Errorf("%d alerts, the last %v", len(got), p)
	}
}

// declinedTopUp posts a top-up, with an Idempotency-Key when one is given.
func declinedTopUp(t *testing.T, srv *backendtest.Server, key, idempotencyKey, amount string) *apiResponse {
	t.Helper()
	req := idempotentRequest{method: http.MethodPost, path: "/v2/payment/stored_payment_transactions", key: key,
		idempotencyKey: idempotencyKey, body: map[string]any{"amount": amount}}
	return send(t, srv, req)
}

// TestAccountDisabledAlerts: disabling a managed account notifies its
// settings of the condition, once per disable; enabling does not.
func TestAccountDisabledAlerts(t *testing.T) {
	srv := backendtest.Start(t)
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Disabled"})
	createNotificationSetting(t, srv, a.APIKey, map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled,
		"notification_profile_id": a.profile, "notification_channel_id": a.webhook})
	for range 2 { // the second disable changes nothing
		call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	}
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/enable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	got := deliveriesOf(t, srv, a.ID, "")
	if len(got) != 2 {
		t.Fatalf("%d deliveries after two disables, want 2 (the setting's one channel each)", len(got))
	}
	for _, d := range got {
		if d.ChannelID != a.webhook || d.Notification.EventType != backend.EventTypeAccountDisabled || payloadOf(t, d)["status"] != "disabled" {
			t.Errorf("delivery %+v, payload %s", d, d.Notification.Payload)
		}
	}
}

// failAfterNotification is a store whose write transactions fail at their
// next ledger read after a notification was written in them: the
// transaction that made the notification must then write nothing at all.
type failAfterNotification struct {
	backend.Store
	armed atomic.Bool
}

var errInjected = errors.New("injected failure after the notification")

func (s *failAfterNotification) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	return s.Store.WriteTx(ctx, func(tx backend.Tx) error { return fn(&failingTx{Tx: tx, s: s}) })
}

type failingTx struct {
	backend.Tx
	s        *failAfterNotification
	notified bool
}

func (tx *failingTx) InsertNotification(ctx context.Context, n *backend.Notification, d []*backend.NotificationDelivery) error {
	tx.notified = true
	return tx.Tx.InsertNotification(ctx, n, d)
}

func (tx *failingTx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	if tx.notified && tx.s.armed.Load() {
		return backend.LedgerSums{}, errInjected
	}
	return tx.Tx.LedgerTotals(ctx, accountID, at)
}

// TestNotificationIsWrittenWithItsCause: a notification commits with the
// change that caused it, or not at all: when the transaction fails after
// the notification was written, neither the charge nor the notification
// is kept.
func TestNotificationIsWrittenWithItsCause(t *testing.T) {
	var failing *failAfterNotification
	srv := backendtest.StartWith(t, backendtest.Options{WrapStore: func(s backend.Store) backend.Store {
		failing = &failAfterNotification{Store: s}
		return failing
	}})
	a := newAlertedAccount(t, srv, map[string]any{"business_name": "Atomic"})
	createNotificationSetting(t, srv, a.APIKey, balanceSetting(a.profile, "5.00"))
	adjust(t, srv, a.ID, "10.00")
	failing.armed.Store(true)
	status, body := srv.Operator(t, http.MethodPost, "/reference/accounts/"+a.ID+"/adjustments", map[string]any{"amount": "-6.00"})
	if status != http.StatusInternalServerError {
		t.Fatalf("the charge answered %d %s, want the injected failure", status, body)
	}
	if got := deliveriesOf(t, srv, a.ID, ""); len(got) != 0 {
		t.Fatalf("a notification survived its failed transaction: %+v", got[0].Notification)
	}
	var balance single[userBalanceJSON]
	r := call(t, srv, http.MethodGet, "/v2/balance", a.APIKey, nil)
	r.decode(t, &balance)
	if balance.Data.Balance != "10.00" {
		t.Fatalf("the failed charge was kept: balance %s", balance.Data.Balance)
	}
	failing.armed.Store(false)
	adjust(t, srv, a.ID, "-6.00")
	if got := deliveriesOf(t, srv, a.ID, backend.ChannelEmail); len(got) != 1 {
		t.Fatalf("%d alerts once the charge went through, want 1", len(got))
	}
}
