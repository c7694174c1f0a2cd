package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const (
	resourceType = "telnyx_api_key"
	keyAddr      = "telnyx_api_key.test"
)

// keyConfig is the default provider, acting as the manager, and one
// telnyx_api_key with body.
func keyConfig(srv *backendtest.Server, body string) string {
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_api_key" "test" {
%s
}
`, body)
}

// createKey creates a key through the API as c, failing the test otherwise.
func createKey(t *testing.T, c *client.Client, req client.CreateAPIKeyRequest) *client.APIKey {
	t.Helper()
	k, err := c.CreateAPIKey(context.Background(), req)
	if err != nil {
		t.Fatalf("create API key: %v", err)
	}
	return k
}

// keyActsAs checks that the secret in *secret authenticates, as an account
// whose balance is wantBalance ("" to skip), and that it may (manager) or may
// not (a managed account: 403) list managed accounts.
func keyActsAs(t *testing.T, srv *backendtest.Server, secret *string, wantBalance string, isManager bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if *secret == "" {
			return errors.New("no secret captured")
		}
		c := srv.Client(t, *secret)
		b, err := c.GetBalance(context.Background())
		if err != nil {
			return fmt.Errorf("the key does not authenticate: %w", err)
		}
		if wantBalance != "" && b.Balance != wantBalance {
			return fmt.Errorf("the key sees a balance of %s, want %s: it acts as another account", b.Balance, wantBalance)
		}
		_, _, err = c.ListManagedAccounts(context.Background(), client.ListManagedAccountsOptions{})
		switch {
		case isManager && err != nil:
			return fmt.Errorf("the key cannot list managed accounts, so it is not the manager's: %w", err)
		case !isManager && client.StatusCode(err) != http.StatusForbidden:
			return fmt.Errorf("listing managed accounts with the key: want the 403 of a managed account, got: %w", acctest.OrNoError(err))
		}
		return nil
	}
}

// keyRefused checks that the API refuses the secret in *secret with a 401
// whose detail says why (revoked, disabled, expired).
func keyRefused(t *testing.T, srv *backendtest.Server, secret *string, why string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		return refused(t, srv, *secret, why)
	}
}

func refused(t *testing.T, srv *backendtest.Server, secret, why string) error {
	if secret == "" {
		return errors.New("no secret captured")
	}
	_, err := srv.Client(t, secret).GetBalance(context.Background())
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Code() != "10009" {
		return fmt.Errorf("the key was not refused with 401 / 10009: %w", acctest.OrNoError(err))
	}
	if !strings.Contains(apiErr.Detail(), why) {
		return fmt.Errorf("the key was refused with %q, want a detail saying %q", apiErr.Detail(), why)
	}
	return nil
}

// checkAPIKey fetches a key through the API as its owner and runs check.
func checkAPIKey(c *client.Client, id *string, check func(*client.APIKey) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		k, err := c.GetAPIKey(context.Background(), *id)
		if err != nil {
			return fmt.Errorf("get API key %s: %w", *id, err)
		}
		return check(k)
	}
}

// checkDestroyed asks the API about every key that was in the state before
// destroy, through the account that owns it (its managed_account_id, else
// owner): it must be gone (404) or expired, and its secret refused.
func checkDestroyed(t *testing.T, srv *backendtest.Server, owner *client.Client) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			n++
			c := owner
			if id := rs.Primary.Attributes["managed_account_id"]; id != "" {
				var err error
				if c, err = acctest.OwnerClient(t, srv, id); err != nil {
					return fmt.Errorf("after destroy: %w", err)
				}
			}
			k, err := c.GetAPIKey(context.Background(), rs.Primary.ID)
			switch {
			case client.IsNotFound(err):
			case err != nil:
				return fmt.Errorf("after destroy, get API key %s: %w", rs.Primary.ID, err)
			case k.Status != client.APIKeyStatusExpired:
				return fmt.Errorf("after destroy, API key %s is %s, want it revoked (404) or expired", k.ID, k.Status)
			}
			if secret := rs.Primary.Attributes["secret"]; secret != "" {
				if err := refused(t, srv, secret, ""); err != nil {
					return fmt.Errorf("after destroy, API key %s: %w", rs.Primary.ID, err)
				}
			}
		}
		if n == 0 {
			return fmt.Errorf("no %s was in the state before destroy", resourceType)
		}
		return nil
	}
}

// activeKeys lists the keys of c's account that are not revoked.
func activeKeys(t *testing.T, c *client.Client) []client.APIKey {
	t.Helper()
	var keys []client.APIKey
	for k, err := range c.AllAPIKeys(context.Background(), client.ListAPIKeysOptions{}) {
		if err != nil {
			t.Fatalf("list API keys: %v", err)
		}
		keys = append(keys, k)
	}
	return keys
}

// captured is a knownvalue.Check that accepts any string and keeps it, for
// values only the state holds (such as what the echo provider copied).
type captured struct{ dst *string }

func (c captured) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("value %v (%T) is not a string", v, v)
	}
	*c.dst = s
	return nil
}

func (c captured) String() string { return "any string (captured)" }

// requestLog records the method and path of every request a proxy passes on.
type requestLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *requestLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
}

func (l *requestLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines[n:]...)
}

func (l *requestLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// recordingProxy starts a reverse proxy to srv that logs every request, and
// returns the base URL (with /v2) to configure the provider with.
func recordingProxy(t *testing.T, srv *backendtest.Server) (string, *requestLog) {
	t.Helper()
	target, err := url.Parse(srv.RootURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	log := &requestLog{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Method + " " + r.URL.Path)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/v2", log
}

// then is a state check that runs fn: it comes after the state checks that
// capture values, which run after a step's Check functions.
type then func() error

func (fn then) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = fn()
}
