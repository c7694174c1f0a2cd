package replicatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// The workload of TestReplicasDeliverEachWebhookOnce.
const (
	alertedAccounts = 8 // managed accounts, each alerted below 5.00
	alertCrossings  = 2 // times each goes below 5.00 (and back above between)
)

// TestReplicasDeliverEachWebhookOnce runs two replicas on one PostgreSQL
// database, both polling for due webhooks every few milliseconds, and
// drives managed accounts below their balance threshold through both at
// once. The receiver holds each webhook for a while, so that the other
// replica polls many times while a delivery is in flight: each
// notification still reaches it exactly once, after one attempt recorded.
func TestReplicasDeliverEachWebhookOnce(t *testing.T) {
	env := newReplicaEnv(pgtest.NewDatabase(t))
	env.extra = []string{
		"REFERENCE_BACKEND_NOTIFICATION_POLL_INTERVAL=10ms",
		"REFERENCE_BACKEND_NOTIFICATION_TIMEOUT=5s",
	}
	rcv := backendtest.NewReceiver(t)
	rcv.Delay = func(int) time.Duration { return 150 * time.Millisecond }
	replicas := startReplicas(t, 2, env)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	on := func(i int) *replica { return replicas[i%len(replicas)] }

	owner := newManager(ctx, t, on(0), env.operatorKey, 100)
	accounts := make([]account, alertedAccounts)
	for i := range accounts {
		a := newManaged(ctx, t, on(i), owner.key, map[string]any{"business_name": fmt.Sprintf("Alerted %d", i)})
		var profile struct {
			ID string `json:"id"`
		}
		must(ctx, t, http.StatusOK, http.MethodPost, on(i).url+"/v2/notification_profiles", a.key, map[string]any{"name": "Alerts"}).decode(t, &profile)
		must(ctx, t, http.StatusOK, http.MethodPost, on(i+1).url+"/v2/notification_channels", a.key, map[string]any{
			"notification_profile_id": profile.ID, "channel_type_id": "webhook", "channel_destination": rcv.URL + "/hooks",
		})
		must(ctx, t, http.StatusOK, http.MethodPost, on(i).url+"/v2/notification_settings", a.key, map[string]any{
			"notification_profile_id": profile.ID, "notification_event_condition_id": backend.ConditionBalanceBelow,
			"parameters": []map[string]any{{"name": "amount", "value": "5.00"}},
		})
		must(ctx, t, http.StatusCreated, http.MethodPost, on(i+1).url+"/reference/accounts/"+a.id+"/adjustments", env.operatorKey,
			map[string]any{"amount": "6.00", "description": "opening funds"})
		accounts[i] = a
	}

	// Every account crosses its threshold alertCrossings times, all at
	// once, each change on the replica after the previous one's.
	var wg sync.WaitGroup
	for i, a := range accounts {
		wg.Go(func() {
			for c := range alertCrossings {
				for j, amount := range []string{"-2.00", "2.00"} { // 4.00: an alert; 6.00: armed again
					must(ctx, t, http.StatusCreated, http.MethodPost, on(i+c+j).url+"/reference/accounts/"+a.id+"/adjustments",
						env.operatorKey, map[string]any{"amount": amount, "description": "crossing"})
				}
			}
		})
	}
	wg.Wait()

	const want = alertedAccounts * alertCrossings
	got := rcv.WaitFor(t, want)
	rcv.QuietFor(t, want, 500*time.Millisecond)
	seen := map[string]int{}
	for _, w := range got {
		var env struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(w.Body, &env); err != nil || env.Data.ID == "" {
			t.Fatalf("a webhook without data.id (%v): %s", err, w.Body)
		}
		seen[env.Data.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("notification %s was sent %d times, want once", id, n)
		}
	}
	if len(seen) != want {
		t.Errorf("%d notifications sent, want %d", len(seen), want)
	}
	for _, a := range accounts {
		var deliveries []struct {
			NotificationID string            `json:"notification_id"`
			Status         string            `json:"status"`
			Attempts       []json.RawMessage `json:"attempts"`
		}
		must(ctx, t, http.StatusOK, http.MethodGet, on(0).url+"/reference/notifications?filter[account_id]="+a.id, env.operatorKey, nil).decode(t, &deliveries)
		if len(deliveries) != alertCrossings {
			t.Errorf("account %s: %d deliveries, want %d", a.id, len(deliveries), alertCrossings)
		}
		for _, d := range deliveries {
			if d.Status != string(backend.DeliveryDelivered) || len(d.Attempts) != 1 || seen[d.NotificationID] != 1 {
				t.Errorf("delivery of %s: %s after %d attempts, received %d times", d.NotificationID, d.Status, len(d.Attempts), seen[d.NotificationID])
			}
		}
	}
}
