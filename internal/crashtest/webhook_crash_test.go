package crashtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// webhookReceiver records the webhooks it gets by data.id. While hold is
// set, it keeps each request open (the backend is killed meanwhile) and
// reports its arrival on held.
type webhookReceiver struct {
	mu   sync.Mutex
	hold bool
	fail bool     // answer 503
	ids  []string // data.id of each request, in order
	held chan string
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var env struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	r.mu.Lock()
	r.ids = append(r.ids, env.Data.ID)
	hold, fail := r.hold, r.fail
	r.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if hold {
		r.held <- env.Data.ID
		<-req.Context().Done() // until the sender is gone
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (r *webhookReceiver) setHold(hold bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hold = hold
}

func (r *webhookReceiver) setFail(fail bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fail
}

// received is how many requests the receiver got.
func (r *webhookReceiver) received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *webhookReceiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, got := range r.ids {
		if got == id {
			n++
		}
	}
	return n
}

// TestCrashBeforeWebhookDelivery: a notification committed with the charge
// that caused it is delivered although the backend dies before delivering
// it, twice: killed (SIGKILL) while the receiver holds its first attempt
// open, killed at once after the charge's answer (the kill may land
// before, during or after the attempt: delivered in any case), and killed
// while a delivery waits for its next attempt after two failed. Each time the backend
// restarts on the same database and delivers, with the same data.id, once
// the dead process's lease has ended; the delivery ends delivered. On
// SQLite, or PostgreSQL when REFERENCE_BACKEND_TEST_POSTGRES_URL is set.
func TestCrashBeforeWebhookDelivery(t *testing.T) {
	if os.Getenv(EnvCrashTest) != "1" {
		t.Skipf("the crash-safety harness builds the backend and kills it: set %s=1 (make test-crash)", EnvCrashTest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin, err := proc.Build(ctx, t.TempDir(), "reference-backend", proc.BackendPackage)
	if err != nil {
		t.Fatal(err)
	}
	// A short attempt timeout: a dead worker's lease ends 5 s after it.
	t.Setenv("REFERENCE_BACKEND_NOTIFICATION_TIMEOUT", "2s")
	t.Setenv("REFERENCE_BACKEND_NOTIFICATION_RETRY_WAIT_MIN", "100ms")
	t.Setenv("REFERENCE_BACKEND_NOTIFICATION_POLL_INTERVAL", "100ms")
	if pgtest.Enabled() {
		t.Setenv("REFERENCE_BACKEND_DATABASE", pgtest.NewDatabase(t))
	}
	work := t.TempDir()
	addr, err := proc.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	be := &backendProcess{
		bin: bin, dataDir: filepath.Join(work, "data"), logPath: filepath.Join(work, "backend.log"), addr: addr,
		operatorKey: "OPK" + proc.RandomHex(16), managerKey: "KEY" + proc.RandomHex(16),
	}
	t.Cleanup(func() {
		be.kill()
		if t.Failed() {
			t.Logf("backend log:\n%s", tail(readFile(be.logPath), 60))
		}
	})
	be.start(ctx, t)
	api := &apiClient{root: "http://" + addr, http: &http.Client{Timeout: 30 * time.Second}}

	rcv := &webhookReceiver{held: make(chan string, 4)}
	receiver := httptest.NewServer(rcv)
	t.Cleanup(receiver.Close)

	// A managed account alerted by webhook below 5.00, funded with 6.00.
	var managed struct {
		Data struct{ ID, APIKey string } `json:"data"`
	}
	must := func(status int, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(api.do(ctx, http.MethodPost, "/v2/managed_accounts", be.managerKey, "", map[string]any{"business_name": "Crash alerts"}, &managed))
	var id struct {
		Data struct{ ID string } `json:"data"`
	}
	key := managed.Data.APIKey
	if key == "" {
		var raw map[string]map[string]any
		must(api.do(ctx, http.MethodGet, "/v2/managed_accounts/"+managed.Data.ID, be.managerKey, "", nil, &raw))
		key, _ = raw["data"]["api_key"].(string)
	}
	must(api.do(ctx, http.MethodPost, "/v2/notification_profiles", key, "", map[string]any{"name": "Crash"}, &id))
	profile := id.Data.ID
	must(api.do(ctx, http.MethodPost, "/v2/notification_channels", key, "", map[string]any{
		"notification_profile_id": profile, "channel_type_id": "webhook", "channel_destination": receiver.URL + "/alerts",
	}, nil))
	must(api.do(ctx, http.MethodPost, "/v2/notification_settings", key, "", map[string]any{
		"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profile,
		"parameters": []map[string]any{{"name": "amount", "value": "5.00"}},
	}, nil))
	adjust := func(amount string) {
		t.Helper()
		must(api.do(ctx, http.MethodPost, "/reference/accounts/"+managed.Data.ID+"/adjustments", be.operatorKey, "",
			map[string]any{"amount": amount, "description": "crash alerts"}, nil))
	}
	// delivered waits until the notification id is delivered, and returns
	// how many attempts the backend recorded.
	delivered := func(notification string) int {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var list struct {
				Data []struct {
					NotificationID string            `json:"notification_id"`
					Status         string            `json:"status"`
					Attempts       []json.RawMessage `json:"attempts"`
				} `json:"data"`
			}
			must(api.do(ctx, http.MethodGet, "/reference/notifications?filter[account_id]="+managed.Data.ID, be.operatorKey, "", nil, &list))
			for _, d := range list.Data {
				if d.NotificationID == notification && d.Status == "delivered" {
					return len(d.Attempts)
				}
			}
		}
		t.Fatalf("notification %s was not delivered", notification)
		return 0
	}

	t.Run("killed during the attempt", func(t *testing.T) {
		rcv.setHold(true)
		adjust("6.00")
		adjust("-2.00") // 4.00: the alert is committed with this charge
		first := <-rcv.held
		be.kill() // the attempt is in flight, its lease unrecorded
		rcv.setHold(false)
		be.start(ctx, t)
		if attempts := delivered(first); attempts != 1 {
			t.Errorf("%d attempts recorded, want 1 (the one before the kill never was)", attempts)
		}
		if n := rcv.count(first); n != 2 {
			t.Errorf("the receiver got notification %s %d times, want twice: at least once, the same data.id", first, n)
		}
	})
	t.Run("killed right after the charge", func(t *testing.T) {
		adjust("2.00") // 6.00: above the threshold again
		before := rcv.received()
		adjust("-2.00") // 4.00: a new alert
		be.kill()
		be.start(ctx, t)
		var second string
		for deadline := time.Now().Add(60 * time.Second); second == ""; time.Sleep(50 * time.Millisecond) {
			rcv.mu.Lock()
			if len(rcv.ids) > before {
				second = rcv.ids[before]
			}
			rcv.mu.Unlock()
			if time.Now().After(deadline) {
				t.Fatal("the second alert never reached the receiver")
			}
		}
		delivered(second)
	})
	t.Run("killed between attempts", func(t *testing.T) {
		adjust("2.00") // 6.00: above the threshold again
		before := rcv.received()
		rcv.setFail(true)
		adjust("-2.00") // 4.00: a new alert, whose attempts fail
		var third string
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			rcv.mu.Lock()
			if len(rcv.ids) >= before+2 { // two attempts failed: the retry is scheduled in the database
				third = rcv.ids[before]
			}
			rcv.mu.Unlock()
			if third != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the third alert was not attempted twice")
			}
		}
		be.kill()
		rcv.setFail(false)
		be.start(ctx, t)
		if attempts := delivered(third); attempts < 3 {
			t.Errorf("%d attempts recorded, want the failed ones and the one that delivered", attempts)
		}
	})
}
