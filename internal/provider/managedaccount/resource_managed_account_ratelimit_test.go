package managedaccount_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// rateLimitedFleet is how many accounts one apply creates under the limit.
const rateLimitedFleet = 50

// TestAccManagedAccount_applyUnderARateLimit applies 50 managed accounts
// against a backend that lets the manager's key make 20 requests per second,
// 5 at once: Terraform's ten parallel operations are refused with 429 again
// and again, and the provider waits out each Retry-After until every account
// exists, once.
func TestAccManagedAccount_applyUnderARateLimit(t *testing.T) {
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{RateLimit: 20, RateBurst: 5}})
	target, err := url.Parse(srv.RootURL)
	if err != nil {
		t.Fatal(err)
	}
	// A proxy in front of the backend counts the refusals, to show that the
	// limit was reached and not merely configured.
	var refused atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode == http.StatusTooManyRequests {
			refused.Add(1)
		}
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)

	// Enough retries that a request unlucky in ten-way contention for five
	// tokens still gets through; the waits come from Retry-After.
	config := fmt.Sprintf(`
provider "telnyx" {
  base_url       = %q
  api_key        = %q
  max_retries    = 60
  retry_wait_min = "100ms"
  retry_wait_max = "2s"
}

resource "telnyx_managed_account" "fleet" {
  count         = %d
  business_name = "Fleet ${count.index}"
}
`, front.URL+"/v2", srv.ManagerKey, rateLimitedFleet)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				fleetIsExactlyOnce(srv),
				func(*terraform.State) error {
					if refused.Load() == 0 {
						return fmt.Errorf("the backend refused no request: the rate limit was never reached")
					}
					t.Logf("the backend answered 429 %d times during the apply", refused.Load())
					return nil
				},
			),
		}},
	})
}

// fleetIsExactlyOnce reads the store (the API is rate limited) and checks
// that the manager has one managed account per name of the fleet, no more.
func fleetIsExactlyOnce(srv *backendtest.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		names := map[string]int{}
		err := srv.Store.ReadTx(context.Background(), func(tx backend.Tx) error {
			accounts, total, err := tx.ListManagedAccounts(context.Background(), srv.ManagerID, backend.ManagedAccountQuery{
				Page: backend.Page{Number: 1, Size: backend.MaxPageSize},
			})
			if err != nil {
				return err
			}
			if total != rateLimitedFleet {
				return fmt.Errorf("the manager has %d managed accounts, want %d", total, rateLimitedFleet)
			}
			for _, a := range accounts {
				names[a.OrganizationName]++
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range rateLimitedFleet {
			if n := names[fmt.Sprintf("Fleet %d", i)]; n != 1 {
				return fmt.Errorf("%d accounts named Fleet %d, want 1", n, i)
			}
		}
		return nil
	}
}
