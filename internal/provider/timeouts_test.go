package provider_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// timeoutResources are the addresses of timeoutsConfig's resources: one of
// each type the provider has.
var timeoutResources = []string{
	"telnyx_managed_account.t", "telnyx_api_key.t", "telnyx_payment_method.t",
	"telnyx_auto_recharge.t", "telnyx_managed_account_pricing.t",
}

// timeoutsConfig declares one resource of every type, each with a timeouts
// block of the given create, update and delete durations.
func timeoutsConfig(srv *backendtest.Server, create, update, del string) string {
	block := fmt.Sprintf("  timeouts {\n    create = %q\n    update = %q\n    delete = %q\n  }\n", create, update, del)
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account" "t" {
  business_name                        = "Timeouts Co"
  managed_account_allow_custom_pricing = true
%[1]s}

resource "telnyx_api_key" "t" {
  managed_account_id = telnyx_managed_account.t.id
  description        = "bounded in time"
%[1]s}

resource "telnyx_payment_method" "t" {
  managed_account_id = telnyx_managed_account.t.id
  card_number_wo     = "4242424242424242"
  card_cvc_wo        = "123"
  exp_month          = 12
  exp_year           = 2040
  billing_details = {
    name    = "Timeouts Co"
    country = "US"
  }
%[1]s}

resource "telnyx_auto_recharge" "t" {
  managed_account_id = telnyx_managed_account.t.id
  threshold_amount   = "10.00"
  recharge_amount    = "25.00"
  depends_on         = [telnyx_payment_method.t]
%[1]s}

resource "telnyx_managed_account_pricing" "t" {
  managed_account_id = telnyx_managed_account.t.id
  rates = [{
    product     = "voice"
    direction   = "outbound"
    country_iso = "*"
    rate        = "0.004"
  }]
%[1]s}
`, block)
}

// TestAccTimeouts_everyResource gives every resource a timeouts block: it is
// kept in the state, a change of it alone is an update in place that writes
// nothing to the API (the pricing keeps its effective_from), a second apply
// plans nothing, and every resource still imports (the block is not the
// API's, so the import cannot know it).
func TestAccTimeouts_everyResource(t *testing.T) {
	srv := backendtest.Start(t)
	first := timeoutsConfig(srv, "2m", "3m", "4m")
	changed := timeoutsConfig(srv, "20m", "30m", "40m")
	sameEffectiveFrom := statecheck.CompareValue(compareSame{})

	timeoutChecks := func(create, update, del string) []statecheck.StateCheck {
		var checks []statecheck.StateCheck
		for _, addr := range timeoutResources {
			checks = append(checks, statecheck.ExpectKnownValue(addr, tfjsonpath.New("timeouts"), knownvalue.ObjectExact(map[string]knownvalue.Check{
				"create": knownvalue.StringExact(create),
				"update": knownvalue.StringExact(update),
				"delete": knownvalue.StringExact(del),
			})))
		}
		return checks
	}
	updateInPlace := make([]plancheck.PlanCheck, 0, len(timeoutResources))
	for _, addr := range timeoutResources {
		updateInPlace = append(updateInPlace, plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate))
	}
	noop := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}

	// accountScoped imports "<managed_account_id>/<id>".
	accountScoped := func(addr string) tfresource.ImportStateIdFunc {
		return func(s *terraform.State) (string, error) {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return "", fmt.Errorf("%s is not in the state", addr)
			}
			return rs.Primary.Attributes["managed_account_id"] + "/" + rs.Primary.ID, nil
		}
	}
	byAccount := func(addr string) tfresource.ImportStateIdFunc {
		return func(s *terraform.State) (string, error) {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return "", fmt.Errorf("%s is not in the state", addr)
			}
			return rs.Primary.Attributes["managed_account_id"], nil
		}
	}
	importStep := func(addr string, id tfresource.ImportStateIdFunc, ignore ...string) tfresource.TestStep {
		return tfresource.TestStep{
			Config:                  changed,
			ResourceName:            addr,
			ImportState:             true,
			ImportStateIdFunc:       id,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: append([]string{"timeouts"}, ignore...),
		}
	}

	tfresource.ParallelTest(t, tfresource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: first,
				ConfigStateChecks: append(timeoutChecks("2m", "3m", "4m"),
					sameEffectiveFrom.AddStateValue("telnyx_managed_account_pricing.t", tfjsonpath.New("effective_from"))),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: noop},
			},
			{
				Config: changed,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             updateInPlace,
					PostApplyPostRefresh: noop,
				},
				ConfigStateChecks: append(timeoutChecks("20m", "30m", "40m"),
					sameEffectiveFrom.AddStateValue("telnyx_managed_account_pricing.t", tfjsonpath.New("effective_from"))),
			},
			importStep("telnyx_managed_account.t", nil, "password_wo_version"),
			importStep("telnyx_api_key.t", accountScoped("telnyx_api_key.t"), "secret"),
			importStep("telnyx_payment_method.t", accountScoped("telnyx_payment_method.t"), "card_wo_version"),
			importStep("telnyx_auto_recharge.t", byAccount("telnyx_auto_recharge.t")),
			importStep("telnyx_managed_account_pricing.t", byAccount("telnyx_managed_account_pricing.t")),
		},
	})
}

// compareSame is compare.ValuesSame, spelled out so that a failure names
// the values.
type compareSame struct{}

func (compareSame) CompareValues(values ...any) error {
	for i := 1; i < len(values); i++ {
		if fmt.Sprint(values[i]) != fmt.Sprint(values[0]) {
			return fmt.Errorf("value %d is %v, want %v as before", i, values[i], values[0])
		}
	}
	return nil
}

// failingWrites is a proxy in front of a reference backend that, while
// failing is set, answers every request but a GET with a 503 asking to retry
// after a second, and counts them: a backend that is up for reads and
// overloaded for writes, so that only the operation under test times out.
type failingWrites struct {
	failing  atomic.Bool
	refusals atomic.Int64
	proxy    *httputil.ReverseProxy
}

func (f *failingWrites) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.failing.Load() && r.Method != http.MethodGet {
		f.refusals.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10007","title":"Service unavailable","detail":"Overloaded, try again shortly."}]}`))
		return
	}
	f.proxy.ServeHTTP(w, r)
}

// TestAccTimeouts_giveUpWithATimedOutError points the provider at an API
// that answers every write with 503 and Retry-After: 1, with retries enough
// for almost a minute (max_retries = 50) and 3s timeouts: create, update and
// destroy each fail with a "timed out" diagnostic that carries the API's
// last answer, after at most the attempts that fit in 3s, not 51. Once the
// API recovers, the same configuration applies and destroys.
func TestAccTimeouts_giveUpWithATimedOutError(t *testing.T) {
	srv := backendtest.Start(t)
	target, err := url.Parse(srv.RootURL)
	if err != nil {
		t.Fatal(err)
	}
	writes := &failingWrites{proxy: httputil.NewSingleHostReverseProxy(target)}
	front := httptest.NewServer(writes)
	t.Cleanup(front.Close)

	providerBlock := fmt.Sprintf(`
provider "telnyx" {
  base_url       = %q
  api_key        = %q
  max_retries    = 50
  retry_wait_min = "1s"
  retry_wait_max = "1m"
}
`, front.URL+"/v2", srv.ManagerKey)
	account := func(allowCustomPricing bool) string {
		return providerBlock + fmt.Sprintf(`
resource "telnyx_managed_account" "t" {
  business_name                        = "Slow Writes Co"
  managed_account_allow_custom_pricing = %t
  timeouts {
    create = "3s"
    update = "3s"
    delete = "3s"
  }
}
`, allowCustomPricing)
	}
	// failFrom makes the writes fail from this step on; the attempts of the
	// step before are checked first.
	checkAttempts := func() {
		// In 3s, with a wait of 1s between attempts, at most 4 fit.
		if n := writes.refusals.Swap(0); n > 4 {
			t.Errorf("the provider sent %d writes within a 3s timeout and Retry-After: 1; at most 4 fit", n)
		}
	}
	failing := func(on bool) func() {
		return func() {
			checkAttempts()
			writes.failing.Store(on)
		}
	}
	// The summary names the account after what failed, when it has an id;
	// the detail begins with "The operation timed out", so the first
	// ": timed out" after the summary is the summary's own.
	timedOut := func(summary string) []string {
		return []string{summary, ": timed out", "The operation timed out before", "timed out after",
			"the API's last answer: 503", "Overloaded, try again shortly."}
	}

	tfresource.ParallelTest(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig:   failing(true),
				Config:      account(false),
				ExpectError: acctest.ErrorMatching(timedOut("Unable to create the managed account")...),
			},
			{
				PreConfig: failing(false),
				Config:    account(false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("telnyx_managed_account.t", tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				},
			},
			{
				PreConfig:   failing(true),
				Config:      account(true),
				ExpectError: acctest.ErrorMatching(timedOut("Unable to update the managed account")...),
			},
			{
				PreConfig:   failing(true),
				Config:      providerBlock,
				ExpectError: acctest.ErrorMatching(timedOut("Unable to disable the managed account")...),
			},
			{
				PreConfig: failing(false),
				Config:    providerBlock,
			},
		},
	})
	checkAttempts()

	// The failed create made nothing: the one account is the one created once
	// the API recovered, now disabled by the destroy.
	status, _, body := srv.Do(t, http.MethodGet, "/v2/managed_accounts", srv.ManagerKey, nil)
	var list struct {
		Data []struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil {
		t.Fatalf("list managed accounts: %d %s (%v)", status, body, err)
	}
	if len(list.Data) != 1 || list.Data[0].Status != "disabled" {
		t.Errorf("managed accounts after the test: %s; want exactly one, disabled", body)
	}
}
