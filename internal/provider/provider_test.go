package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestProviderSchemasAreValidAndDocumented checks every resource, data
// source and ephemeral resource the provider serves: a telnyx_ type name, used
// once per kind, a schema the framework accepts, and a description on the
// schema and on every attribute, nested ones included, so that the generated
// documentation is complete.
func TestProviderSchemasAreValidAndDocumented(t *testing.T) {
	ctx := context.Background()
	p := provider.New("test")()

	var provSchema fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &provSchema)
	if provSchema.Diagnostics.HasError() {
		t.Fatalf("provider schema: %v", provSchema.Diagnostics)
	}
	if d := provSchema.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Errorf("provider schema: %v", d)
	}
	checkDocumented(t, "provider", provSchema.Schema.MarkdownDescription, provSchema.Schema.Attributes)

	seen := map[string]bool{}
	checkTypeName := func(kind, name string) {
		if !strings.HasPrefix(name, "telnyx_") {
			t.Errorf("%s type name %q does not start with telnyx_", kind, name)
		}
		if seen[kind+" "+name] {
			t.Errorf("%s type name %q is used twice", kind, name)
		}
		seen[kind+" "+name] = true
	}

	resources := p.Resources(ctx)
	if len(resources) == 0 {
		t.Fatal("the provider serves no resources")
	}
	for _, newResource := range resources {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
		checkTypeName("resource", meta.TypeName)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		if s.Diagnostics.HasError() {
			t.Errorf("resource %s schema: %v", meta.TypeName, s.Diagnostics)
			continue
		}
		if d := s.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("resource %s schema: %v", meta.TypeName, d)
		}
		checkDocumented(t, "resource "+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		if _, ok := r.(resource.ResourceWithImportState); !ok {
			t.Errorf("resource %s cannot be imported", meta.TypeName)
		}
	}

	dataSources := p.DataSources(ctx)
	if len(dataSources) == 0 {
		t.Fatal("the provider serves no data sources")
	}
	for _, newDataSource := range dataSources {
		ds := newDataSource()
		var meta datasource.MetadataResponse
		ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
		checkTypeName("data source", meta.TypeName)
		var s datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &s)
		if s.Diagnostics.HasError() {
			t.Errorf("data source %s schema: %v", meta.TypeName, s.Diagnostics)
			continue
		}
		if d := s.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("data source %s schema: %v", meta.TypeName, d)
		}
		checkDocumented(t, "data source "+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
	}

	withEphemeral, ok := p.(fwprovider.ProviderWithEphemeralResources)
	if !ok {
		t.Fatal("the provider serves no ephemeral resources")
	}
	ephemeralResources := withEphemeral.EphemeralResources(ctx)
	if len(ephemeralResources) == 0 {
		t.Fatal("the provider serves no ephemeral resources")
	}
	for _, newEphemeral := range ephemeralResources {
		e := newEphemeral()
		var meta ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
		checkTypeName("ephemeral resource", meta.TypeName)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		if s.Diagnostics.HasError() {
			t.Errorf("ephemeral resource %s schema: %v", meta.TypeName, s.Diagnostics)
			continue
		}
		if d := s.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("ephemeral resource %s schema: %v", meta.TypeName, d)
		}
		checkDocumented(t, "ephemeral resource "+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		if _, ok := e.(ephemeral.EphemeralResourceWithClose); !ok && !readsOnly[meta.TypeName] {
			t.Errorf("ephemeral resource %s has no Close: what it opens would outlive the run", meta.TypeName)
		}
	}
}

// readsOnly lists the ephemeral resources that create nothing when opened,
// so that there is nothing for a Close to undo.
var readsOnly = map[string]bool{
	"telnyx_managed_account_credentials": true, // reads the account's credentials
}

// storedSecrets lists the sensitive attributes that the state may hold, as
// "resource TYPE: PATH": the secret of a telnyx_api_key, which a user creates
// in order to hand it to another system (its documentation says so).
var storedSecrets = map[string]bool{
	"resource telnyx_api_key: secret": true,
}

// TestProviderSchemas_noSecretInState fails when a resource or data source
// has a sensitive attribute that Terraform would store in the state (any but
// a write-only one), at any depth, unless storedSecrets allows it: a
// credential belongs in an ephemeral resource or a write-only argument. New
// types join the check by being served.
func TestProviderSchemas_noSecretInState(t *testing.T) {
	schemas := acctest.Serve(t).Schemas
	var walkAttrs func(where, prefix string, attrs []*tfprotov6.SchemaAttribute)
	walkAttrs = func(where, prefix string, attrs []*tfprotov6.SchemaAttribute) {
		for _, a := range attrs {
			name := prefix + a.Name
			if a.Sensitive && !a.WriteOnly && !storedSecrets[where+": "+name] {
				t.Errorf("%s: the sensitive attribute %s would be stored in the state", where, name)
			}
			if a.NestedType != nil {
				walkAttrs(where, name+".", a.NestedType.Attributes)
			}
		}
	}
	var walkBlock func(where, prefix string, b *tfprotov6.SchemaBlock)
	walkBlock = func(where, prefix string, b *tfprotov6.SchemaBlock) {
		walkAttrs(where, prefix, b.Attributes)
		for _, nested := range b.BlockTypes {
			walkBlock(where, prefix+nested.TypeName+".", nested.Block)
		}
	}
	for name, s := range schemas.ResourceSchemas {
		walkBlock("resource "+name, "", s.Block)
	}
	for name, s := range schemas.DataSourceSchemas {
		walkBlock("data source "+name, "", s.Block)
	}
	if len(schemas.ResourceSchemas) == 0 || len(schemas.DataSourceSchemas) == 0 {
		t.Fatal("the provider served no schemas")
	}
}

// checkDocumented reports the schema or any attribute (at any depth) without
// a MarkdownDescription. attributes is a map of a schema package's Attribute
// values; nested attributes are reached through their Attributes or
// NestedObject.Attributes fields, whichever schema package they come from.
func checkDocumented(t *testing.T, where, description string, attributes any) {
	t.Helper()
	if strings.TrimSpace(description) == "" {
		t.Errorf("%s: the schema has no MarkdownDescription", where)
	}
	var walk func(prefix string, attrs reflect.Value)
	walk = func(prefix string, attrs reflect.Value) {
		for _, key := range attrs.MapKeys() {
			name := prefix + key.String()
			a := attrs.MapIndex(key).Elem()
			if a.FieldByName("MarkdownDescription").String() == "" {
				t.Errorf("%s: attribute %s has no MarkdownDescription", where, name)
			}
			if nested := a.FieldByName("Attributes"); nested.IsValid() {
				walk(name+".", nested)
			}
			if obj := a.FieldByName("NestedObject"); obj.IsValid() {
				walk(name+".", obj.FieldByName("Attributes"))
			}
		}
	}
	walk("", reflect.ValueOf(attributes))
}

const balanceConfig = `
data "telnyx_balance" "test" {}
`

// TestAccProvider_configErrors pins the provider block's own errors: each
// surfaces as a diagnostic that says what is wrong and how to fix it.
func TestAccProvider_configErrors(t *testing.T) {
	srv := backendtest.Start(t)
	// The key must come from nowhere for the first case.
	t.Setenv(provider.EnvAPIKey, "")
	t.Setenv(provider.EnvBaseURL, "")

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:      fmt.Sprintf("provider \"telnyx\" {\n  base_url = %q\n}\n", srv.URL) + balanceConfig,
				ExpectError: acctest.ErrorMatching("Missing Telnyx API key", "Set api_key in the provider block", "TELNYX_API_KEY environment variable"),
			},
			{
				Config:      "provider \"telnyx\" {\n  api_key  = \"KEYx\"\n  base_url = \"ftp://example.com/v2\"\n}\n" + balanceConfig,
				ExpectError: acctest.ErrorMatching("Invalid base URL", "must start with http:// or https://"),
			},
			{
				Config:      "provider \"telnyx\" {\n  api_key  = \"KEYx\"\n  base_url = \"https://\"\n}\n" + balanceConfig,
				ExpectError: acctest.ErrorMatching("Invalid base URL", "has no host"),
			},
			{
				Config:      fmt.Sprintf("provider \"telnyx\" {\n  api_key = \"KEYx\"\n  base_url = %q\n  max_retries = -1\n}\n", srv.URL) + balanceConfig,
				ExpectError: acctest.ErrorMatching("max_retries", "must be at least 0"),
			},
			{
				Config:      fmt.Sprintf("provider \"telnyx\" {\n  api_key = \"KEYx\"\n  base_url = %q\n  retry_wait_min = \"soon\"\n}\n", srv.URL) + balanceConfig,
				ExpectError: acctest.ErrorMatching("Invalid duration", `"soon" is not a positive duration`),
			},
			{
				Config: fmt.Sprintf("provider \"telnyx\" {\n  api_key = \"KEYx\"\n  base_url = %q\n  retry_wait_min = \"10s\"\n  retry_wait_max = \"1s\"\n}\n",
					srv.URL) + balanceConfig,
				ExpectError: acctest.ErrorMatching("retry_wait_max (1s) must be at least retry_wait_min (10s)"),
			},
			{
				Config:      acctest.ProviderConfig(srv, "KEYnot-a-real-key") + balanceConfig,
				ExpectError: acctest.ErrorMatching("Unable to read the balance", "401 Unauthorized"),
			},
		},
	})
}

// TestAccProvider_unknownValueAtPlan configures an aliased provider with a
// key that exists only after apply: the provider refuses it by name instead
// of failing later in an obscure way.
func TestAccProvider_unknownValueAtPlan(t *testing.T) {
	srv := backendtest.Start(t)
	tfresource.ParallelTest(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{{
			Config: acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_api_key" "test" {
  description = "Unknown Key Co"
}

provider "telnyx" {
  alias       = "as_account"
  base_url    = %q
  api_key     = telnyx_api_key.test.secret
  max_retries = 0
}

data "telnyx_balance" "as_account" {
  provider = telnyx.as_account
}
`, srv.URL),
			ExpectError: acctest.ErrorMatching("Unknown provider setting", "api_key must be known during plan"),
		}},
	})
}

// TestAccProvider_environment configures the provider only through
// TELNYX_API_KEY and TELNYX_BASE_URL.
func TestAccProvider_environment(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "3.50")
	t.Setenv(provider.EnvAPIKey, srv.ManagerKey)
	t.Setenv(provider.EnvBaseURL, srv.URL)

	tfresource.Test(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{{
			Config: "provider \"telnyx\" {\n  max_retries = 0\n}\n" + balanceConfig,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.telnyx_balance.test", tfjsonpath.New("balance"), knownvalue.StringExact("3.50")),
			},
		}},
	})
}

// fakeBalanceAPI answers GET /v2/balance, failing the first failures calls
// with a 503, and records what it was sent.
type fakeBalanceAPI struct {
	failures int64
	calls    atomic.Int64

	mu         sync.Mutex
	userAgents []string
	authHeader []string
}

func (f *fakeBalanceAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	f.mu.Lock()
	f.userAgents = append(f.userAgents, r.UserAgent())
	f.authHeader = append(f.authHeader, r.Header.Get("Authorization"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet || r.URL.Path != "/v2/balance" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10005","title":"Resource not found","detail":"No such route."}]}`))
		return
	}
	if n <= f.failures {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10007","title":"Service unavailable","detail":"Try again shortly."}]}`))
		return
	}
	_, _ = w.Write([]byte(`{"data":{"record_type":"balance","balance":"1.23","pending":"0.00","credit_limit":"0.00","available_credit":"1.23","currency":"USD"}}`))
}

func fakeConfig(url string, retries int) string {
	return fmt.Sprintf(`
provider "telnyx" {
  base_url       = %q
  api_key        = "KEYfake_key_for_a_fake_api"
  max_retries    = %d
  retry_wait_min = "1ms"
  retry_wait_max = "5ms"
}
`, url, retries) + balanceConfig
}

// TestAccProvider_retriesAndUserAgent checks the settings that reach the
// client: max_retries = 0 gives up at the first 503 with the API's detail,
// a positive count retries through them, and every request carries the key
// and a user agent naming the provider and Terraform versions.
func TestAccProvider_retriesAndUserAgent(t *testing.T) {
	noRetry := &fakeBalanceAPI{failures: 1}
	noRetrySrv := httptest.NewServer(noRetry)
	t.Cleanup(noRetrySrv.Close)
	retry := &fakeBalanceAPI{failures: 2}
	retrySrv := httptest.NewServer(retry)
	t.Cleanup(retrySrv.Close)

	tfresource.ParallelTest(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:      fakeConfig(noRetrySrv.URL+"/v2", 0),
				ExpectError: acctest.ErrorMatching("Unable to read the balance", "The Telnyx API answered: Try again shortly"),
			},
			{
				Config: fakeConfig(retrySrv.URL+"/v2", 2),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.telnyx_balance.test", tfjsonpath.New("available_credit"), knownvalue.StringExact("1.23")),
				},
			},
		},
	})

	if got := noRetry.calls.Load(); got != 1 {
		t.Errorf("with max_retries = 0 the API was called %d times, want 1", got)
	}
	if got := retry.calls.Load(); got < 3 {
		t.Errorf("with max_retries = 2 the API was called %d times, want at least 3 (two 503s, then success)", got)
	}
	ua := regexp.MustCompile(`^terraform-provider-telnyx/test \(\+https://registry\.terraform\.io/providers/managedaccounts/telnyx\) Terraform/\d+\.\d+\.\d+`)
	for _, f := range []*fakeBalanceAPI{noRetry, retry} {
		f.mu.Lock()
		for i, got := range f.userAgents {
			if !ua.MatchString(got) {
				t.Errorf("User-Agent %q does not match %s", got, ua)
			}
			if want := "Bearer KEYfake_key_for_a_fake_api"; f.authHeader[i] != want {
				t.Errorf("Authorization %q, want %q", f.authHeader[i], want)
			}
		}
		f.mu.Unlock()
	}
}

// TestAccProvider_managedAccountID configures a second provider that acts as
// a managed account (acctest.AliasProviderName, standing in for an aliased
// provider block): its data sources see that account, while the default
// provider still sees the manager. A managed_account_id the manager cannot
// see is refused with the API's detail. (The failing steps come first: the
// destroy after the last step uses its configuration.)
func TestAccProvider_managedAccountID(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	managed, err := manager.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Acting Co"})
	if err != nil {
		t.Fatalf("create managed account: %v", err)
	}
	srv.Adjust(t, srv.ManagerID, "3.50")
	srv.Adjust(t, managed.ID, "7.25")
	_, otherManagerKey := srv.NewManager(t)
	foreign, err := srv.Client(t, otherManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Foreign Co"})
	if err != nil {
		t.Fatalf("create the other manager's account: %v", err)
	}

	config := func(managedAccountID string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) +
			acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), managedAccountID) + `
data "telnyx_balance" "manager" {}

data "telnyx_balance" "customer" {
  provider = telnyxalias
}
`
	}
	tfresource.ParallelTest(t, tfresource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:      config("00000000-0000-4000-8000-000000000000"),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000", "The Telnyx API answered: Managed account not found", "404"),
			},
			{
				// Another manager's account is as invisible as one that does not exist.
				Config:      config(foreign.ID),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account "+foreign.ID, "Managed account not found"),
			},
			{
				Config: config(managed.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.telnyx_balance.manager", tfjsonpath.New("balance"), knownvalue.StringExact("3.50")),
					statecheck.ExpectKnownValue("data.telnyx_balance.customer", tfjsonpath.New("balance"), knownvalue.StringExact("7.25")),
				},
			},
			{
				Config:           config(managed.ID),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
