package replicatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// The backend binary is built once for the whole test binary, as an
// operator would deploy it.
var backendBuild = proc.Builder{Name: "reference-backend", Package: proc.BackendPackage}

func TestMain(m *testing.M) {
	code := m.Run()
	backendBuild.Remove()
	os.Exit(code)
}

// replica is one `reference-backend serve` process.
type replica struct {
	name    string
	url     string // http://127.0.0.1:PORT
	backend *proc.Backend
	logs    *proc.SyncBuffer
}

// replicaEnv configures every replica alike: one database, one server
// secret, one operator key, one bootstrap manager, as behind a load balancer.
type replicaEnv struct {
	database       string
	serverSecret   string
	operatorKey    string
	bootstrapKey   string
	bootstrapEmail string
	// extra is more of the environment, NAME=value, for a test's needs.
	extra []string
}

// newReplicaEnv is a configuration on database with fresh secrets.
func newReplicaEnv(database string) replicaEnv {
	return replicaEnv{
		database:       database,
		serverSecret:   proc.RandomHex(32),
		operatorKey:    "op-" + proc.RandomHex(16),
		bootstrapKey:   "KEYbootstrap" + proc.RandomHex(16),
		bootstrapEmail: "bootstrap-" + proc.RandomHex(4) + "@example.com",
	}
}

// startReplicas starts n replicas at the same moment (so that their
// migrations and bootstraps race, as when a deployment starts) and waits
// until each answers. They are stopped, with SIGTERM, when the test ends.
func startReplicas(t *testing.T, n int, env replicaEnv) []*replica {
	t.Helper()
	bin, err := backendBuild.Path()
	if err != nil {
		t.Fatalf("build reference-backend: %v", err)
	}
	opts := proc.Options{
		Binary: bin,
		Args:   []string{"--log-level", "info"},
		Env: append(proc.EnvironWithout("REFERENCE_BACKEND_"),
			"REFERENCE_BACKEND_DATABASE="+env.database,
			"REFERENCE_BACKEND_SERVER_SECRET="+env.serverSecret,
			"REFERENCE_BACKEND_OPERATOR_KEY="+env.operatorKey,
			"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY="+env.bootstrapKey,
			"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL="+env.bootstrapEmail,
			// Small pools: two replicas and the other test packages share
			// one test server's connections.
			"REFERENCE_BACKEND_DB_MAX_CONNS=8",
			// Every request of the test comes from one address with a few
			// keys, many on purpose with revoked keys: the per-key and
			// per-address limits, tested elsewhere, would only get in the way.
			"REFERENCE_BACKEND_RATE_LIMIT=0",
			"REFERENCE_BACKEND_AUTH_FAILURE_RATE_LIMIT=0",
		),
	}
	opts.Env = append(opts.Env, env.extra...)
	replicas := make([]*replica, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range replicas {
		r := &replica{name: fmt.Sprintf("replica-%d", i+1), logs: &proc.SyncBuffer{}}
		replicas[i] = r
		wg.Go(func() {
			o := opts
			o.Log = r.logs
			if r.backend, errs[i] = proc.Start(context.Background(), o); errs[i] != nil {
				errs[i] = fmt.Errorf("start %s: %w", r.name, errs[i])
				return
			}
			r.url = r.backend.URL
		})
	}
	wg.Wait()
	for _, r := range replicas {
		if r.backend != nil {
			t.Cleanup(func() { r.stop(t) })
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range replicas {
				t.Logf("log of %s:\n%s", r.name, r.logs)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return replicas
}

// stop sends SIGTERM, as an orchestrator does, and waits for the drain.
func (r *replica) stop(t *testing.T) {
	if err := r.backend.Stop(40 * time.Second); err != nil {
		t.Errorf("%s did not stop cleanly: %v", r.name, err)
	}
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body)) }

// decode unmarshals the answer's {"data": …} into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	var doc struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(a.body, &doc); err != nil || doc.Data == nil {
		t.Fatalf("answer %s: no data (%v)", a, err)
	}
	if err := json.Unmarshal(doc.Data, v); err != nil {
		t.Fatalf("answer %s: %v", a, err)
	}
}

// errorCode is errors[0].code of an error answer.
func (a answer) errorCode() string {
	var doc struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(a.body, &doc) != nil || len(doc.Errors) == 0 {
		return ""
	}
	return doc.Errors[0].Code
}

// httpClient has its own transport, so that the connections of one test do
// not outlive it, and a timeout, so that no call hangs the test.
var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// call sends one request. A POST carries an Idempotency-Key, as the
// provider's client sends one (the caller may give its own, to send the
// same logical request twice).
func call(ctx context.Context, method, url, key string, body any, idempotencyKey string) (answer, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return answer{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		if idempotencyKey == "" {
			idempotencyKey = uuid.NewString()
		}
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// retried counts the 503s that callRetrying waited out, for the test's log.
var retried atomic.Int64

// callRetrying is call that sends the same logical request again (same
// Idempotency-Key) after a 503, as a client told Retry-After does, a bounded
// number of times; the last answer is returned.
func callRetrying(ctx context.Context, method, url, key string, body any) (answer, error) {
	idempotencyKey := ""
	if method == http.MethodPost {
		idempotencyKey = uuid.NewString()
	}
	for attempt := 1; ; attempt++ {
		a, err := call(ctx, method, url, key, body, idempotencyKey)
		if err != nil || a.status != http.StatusServiceUnavailable || attempt == 10 {
			return a, err
		}
		if a.header.Get("Retry-After") == "" {
			return a, errors.New("a 503 without Retry-After")
		}
		retried.Add(1)
		// Retry-After says a second; a shorter pause keeps the test quick,
		// and jitter keeps the retries of concurrent requests apart.
		select {
		case <-ctx.Done():
			return a, ctx.Err()
		case <-time.After(time.Duration(20+attempt*30) * time.Millisecond):
		}
	}
}

// must is callRetrying that fails the test unless the answer has status want.
func must(ctx context.Context, t *testing.T, want int, method, url, key string, body any) answer {
	t.Helper()
	a, err := callRetrying(ctx, method, url, key, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if a.status != want {
		t.Fatalf("%s %s: %s; want %d", method, url, a, want)
	}
	return a
}

// cardBody is a payment method with a test card that is always accepted.
func cardBody() map[string]any {
	return map[string]any{
		"type":            "card",
		"card":            map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"},
		"billing_details": map[string]any{"name": "Grace Hopper", "postal_code": "10001", "country": "US"},
	}
}
