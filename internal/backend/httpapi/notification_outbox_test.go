package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// deliveryOut is a delivery as GET /reference/notifications shows it.
type deliveryOut struct {
	RecordType            string         `json:"record_type"`
	ID                    string         `json:"id"`
	NotificationID        string         `json:"notification_id"`
	AccountID             string         `json:"account_id"`
	NotificationSettingID string         `json:"notification_setting_id"`
	ChannelID             string         `json:"notification_channel_id"`
	ChannelTypeID         string         `json:"channel_type_id"`
	ChannelDestination    string         `json:"channel_destination"`
	EventType             string         `json:"event_type"`
	OccurredAt            string         `json:"occurred_at"`
	Payload               map[string]any `json:"payload"`
	Subject               *string        `json:"subject"`
	Message               *string        `json:"message"`
	Status                string         `json:"status"`
	NextAttemptAt         *string        `json:"next_attempt_at"`
	DeliveredAt           *string        `json:"delivered_at"`
	Attempts              []struct {
		Attempt     int     `json:"attempt"`
		AttemptedAt string  `json:"attempted_at"`
		StatusCode  *int    `json:"status_code"`
		Error       *string `json:"error"`
	} `json:"attempts"`
}

// operatorDeliveries lists deliveries through the operator API.
func operatorDeliveries(t *testing.T, srv *backendtest.Server, query string) list[deliveryOut] {
	t.Helper()
	r := operator(t, srv, http.MethodGet, "/reference/notifications"+query, nil)
	r.wantStatus(t, http.StatusOK)
	var out list[deliveryOut]
	r.decode(t, &out)
	return out
}

// webhookSigningKey fetches the key that verifies webhooks, as an operator
// gives it to a receiver.
func webhookSigningKey(t *testing.T, srv *backendtest.Server) string {
	t.Helper()
	r := operator(t, srv, http.MethodGet, "/reference/webhook_signing_key", nil)
	r.wantStatus(t, http.StatusOK)
	var out single[struct {
		PublicKey string `json:"public_key"`
	}]
	r.decode(t, &out)
	return out.Data.PublicKey
}

// waitForStatus waits until every delivery of account on channel has left
// pending.
func waitSettled(t *testing.T, srv *backendtest.Server, accountID string, channel backend.ChannelType) []*backend.NotificationDelivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		list := deliveriesOf(t, srv, accountID, channel)
		settled := len(list) > 0
		for _, d := range list {
			settled = settled && d.Status != backend.DeliveryPending
		}
		if settled {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOperatorListsNotifications: GET /reference/notifications shows every
// delivery with its notification and attempts — an email in the outbox with
// what it says, a webhook that failed with each attempt's status and error
// — filters by account, channel type and status, pages newest first,
// refuses bad filters, is the operator's only, matches openapi.yaml, and
// shows no price of a managed account.
func TestOperatorListsNotifications(t *testing.T) {
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: fastDeliveries(2)})
	rcv := backendtest.NewReceiver(t)
	rcv.Answer = func(int) int { return http.StatusInternalServerError }
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Outboxed"})
	profile := createNotificationProfile(t, srv, a.APIKey, "Everything")
	email := createNotificationChannel(t, srv, a.APIKey, profile, "email", "finance@example.com")
	hook := createNotificationChannel(t, srv, a.APIKey, profile, "webhook", rcv.URL+"/hooks")
	setting := createNotificationSetting(t, srv, a.APIKey, balanceSetting(profile, "5.00"))
	other, _ := hookedAccount(t, srv, rcv.URL+"/other", "1.00", "2.00", map[string]any{"business_name": "Other"})
	adjust(t, srv, a.ID, "10.00")
	adjust(t, srv, a.ID, "-6.00")
	adjust(t, srv, other.ID, "-1.50")
	waitSettled(t, srv, a.ID, backend.ChannelWebhook)

	got := operatorDeliveries(t, srv, "?filter[account_id]="+a.ID)
	if len(got.Data) != 2 || got.Meta.TotalResults != 2 {
		t.Fatalf("%d deliveries of the account (%d in all), want its email and its webhook", len(got.Data), got.Meta.TotalResults)
	}
	byType := map[string]deliveryOut{}
	for _, d := range got.Data {
		byType[d.ChannelTypeID] = d
		if d.RecordType != "notification_delivery" || d.AccountID != a.ID || d.NotificationSettingID != setting ||
			d.EventType != backend.EventTypeBalanceBelow || !timestampPattern.MatchString(d.OccurredAt) ||
			d.Payload["balance"] != "4.00" || d.Payload["threshold_amount"] != "5.00" || d.NextAttemptAt != nil {
			t.Errorf("delivery %+v", d)
		}
	}
	e, w := byType["email"], byType["webhook"]
	if e.NotificationID != w.NotificationID {
		t.Errorf("the email and the webhook carry different notifications: %s, %s", e.NotificationID, w.NotificationID)
	}
	if e.ChannelID != email || e.ChannelDestination != "finance@example.com" || e.Status != "delivered" || e.DeliveredAt == nil ||
		e.Subject == nil || *e.Subject != "Balance below 5.00 USD" || e.Message == nil || *e.Message == "" ||
		len(e.Attempts) != 1 || e.Attempts[0].StatusCode != nil || e.Attempts[0].Error != nil {
		t.Errorf("the email: %+v", e)
	}
	if w.ChannelID != hook || w.ChannelDestination != rcv.URL+"/hooks" || w.Status != "failed" || w.DeliveredAt != nil ||
		w.Subject != nil || w.Message != nil || len(w.Attempts) != 2 {
		t.Fatalf("the webhook: %+v", w)
	}
	for i, at := range w.Attempts {
		if at.Attempt != i+1 || at.StatusCode == nil || *at.StatusCode != 500 || at.Error == nil || *at.Error != "answered 500" ||
			!timestampPattern.MatchString(at.AttemptedAt) {
			t.Errorf("attempt %d: %+v", i+1, at)
		}
	}

	t.Run("filters and pages", func(t *testing.T) {
		for query, want := range map[string]int{
			"?filter[account_id]=" + a.ID + "&filter[channel_type_id]=email":                         1,
			"?filter[account_id]=" + a.ID + "&filter[status]=failed":                                 1,
			"?filter[account_id]=" + a.ID + "&filter[status]=pending":                                0,
			"?filter[channel_type_id]=sms":                                                           0,
			"?filter[channel_type_id]=webhook":                                                       2,
			"?filter[account_id]=" + other.ID:                                                        1,
			"?filter[account_id]=00000000-0000-0000-0000-000000000000":                               0,
			"?filter[account_id]=" + a.ID + "&filter[channel_type_id]=webhook&filter[status]=failed": 1,
		} {
			if l := operatorDeliveries(t, srv, query); len(l.Data) != want || l.Meta.TotalResults != want {
				t.Errorf("%s: %d deliveries (%d in all), want %d", query, len(l.Data), l.Meta.TotalResults, want)
			}
		}
		first, second := operatorDeliveries(t, srv, "?page[size]=1"), operatorDeliveries(t, srv, "?page[size]=1&page[number]=2")
		if first.Meta.TotalResults != 3 || first.Meta.TotalPages != 3 || len(first.Data) != 1 || len(second.Data) != 1 ||
			first.Data[0].ID == second.Data[0].ID || first.Data[0].AccountID != other.ID {
			t.Errorf("pages: %+v then %+v; want the newest (the other account's) first", first, second)
		}
	})
	t.Run("refuses bad filters", func(t *testing.T) {
		for query, parameter := range map[string]string{
			"?filter[status]=lost":           "filter[status]",
			"?filter[channel_type_id]=voice": "filter[channel_type_id]",
			"?filter[account_id]=":           "filter[account_id]",
			"?filter[event_type]=x":          "filter[event_type]",
			"?page[size]=251":                "page[size]",
		} {
			operator(t, srv, http.MethodGet, "/reference/notifications"+query, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: parameter})
		}
	})
	t.Run("the operator's only", func(t *testing.T) {
		for _, key := range []string{a.APIKey, srv.ManagerKey, ""} {
			for _, path := range []string{"/reference/notifications", "/reference/webhook_signing_key"} {
				call(t, srv, http.MethodGet, path, key, nil).wantError(t, errWant{status: 401, code: "10009"})
			}
		}
	})
	t.Run("matches openapi.yaml", func(t *testing.T) {
		_, router := loadOpenAPI(t)
		validateWithOpenAPI(t, router, srv.Do, openAPICall{http.MethodGet, "/reference/notifications?filter[account_id]=" + a.ID, srv.OperatorKey, nil, 200})
	})
	t.Run("no price", func(t *testing.T) {
		r := operator(t, srv, http.MethodGet, "/reference/notifications", nil)
		if leaks := priceLeaks(t, "application/json", r.body); len(leaks) > 0 {
			t.Errorf("the outbox shows a price: %v", leaks)
		}
	})
}

// TestWebhookSigningKey: the operator API answers the public key as
// base64 of 32 bytes, the one the service signs with.
func TestWebhookSigningKey(t *testing.T) {
	srv := backendtest.Start(t)
	key := webhookSigningKey(t, srv)
	if raw, err := base64.StdEncoding.DecodeString(key); err != nil || len(raw) != 32 {
		t.Fatalf("public key %q: %v, %d bytes", key, err, len(raw))
	}
	if key != srv.Service.WebhookPublicKey() {
		t.Fatal("the operator API answers another key than the one webhooks are signed with")
	}
}

// TestFinishedNotificationsArePurged: once a notification's deliveries
// finished longer ago than the retention, the worker purges them (the
// outbox's email and the delivered webhook, with their attempts), while a
// webhook still in flight, however old, stays, and so do notifications made
// since: the operator's list shows them as before.
func TestFinishedNotificationsArePurged(t *testing.T) {
	deliveries := fastDeliveries(2)
	deliveries.Worker.Retention, deliveries.Worker.PurgeInterval = time.Hour, 10*time.Millisecond
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: deliveries})
	inFlight := make(chan struct{}, 10)
	hang := hangingReceiver(t, inFlight) // after srv: released before the worker stops
	rcv := backendtest.NewReceiver(t)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Purged"})
	profile := createNotificationProfile(t, srv, a.APIKey, "Everything")
	createNotificationChannel(t, srv, a.APIKey, profile, "email", "finance@example.com")
	createNotificationChannel(t, srv, a.APIKey, profile, "webhook", rcv.URL+"/hooks")
	createNotificationSetting(t, srv, a.APIKey, balanceSetting(profile, "5.00"))
	slow, _ := hookedAccount(t, srv, hang.URL+"/hangs", "5.00", "6.00", map[string]any{"business_name": "In flight"})
	adjust(t, srv, a.ID, "10.00")
	adjust(t, srv, a.ID, "-6.00")
	adjust(t, srv, slow.ID, "-2.00")
	old := waitSettled(t, srv, a.ID, backend.ChannelWebhook)
	<-inFlight
	if got := operatorDeliveries(t, srv, "?filter[account_id]="+a.ID); got.Meta.TotalResults != 2 {
		t.Fatalf("before the retention ended the operator sees %d deliveries, want the email and the webhook", got.Meta.TotalResults)
	}

	srv.AdvanceTime(2 * time.Hour)
	for deadline := time.Now().Add(5 * time.Second); len(deliveriesOf(t, srv, a.ID, "")) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the finished deliveries of two hours ago were not purged: %+v", deliveriesOf(t, srv, a.ID, ""))
		}
	}
	if got := deliveriesOf(t, srv, slow.ID, ""); len(got) != 1 || got[0].Status != backend.DeliveryPending {
		t.Fatalf("the webhook in flight was purged or changed: %+v", got)
	}
	// Made after the purge: kept, and listed as before.
	adjust(t, srv, a.ID, "10.00")
	adjust(t, srv, a.ID, "-10.00")
	recent := waitSettled(t, srv, a.ID, backend.ChannelWebhook)
	if recent[0].NotificationID == old[0].NotificationID {
		t.Fatal("no new notification")
	}
	time.Sleep(50 * time.Millisecond) // purges run every 10ms
	got := operatorDeliveries(t, srv, "?filter[account_id]="+a.ID)
	if got.Meta.TotalResults != 2 || len(got.Data) != 2 {
		t.Fatalf("the operator sees %d recent deliveries, want the new email and webhook", got.Meta.TotalResults)
	}
	for _, d := range got.Data {
		if d.NotificationID != recent[0].NotificationID || d.Status != "delivered" || len(d.Attempts) != 1 {
			t.Errorf("recent delivery %+v", d)
		}
	}
}
