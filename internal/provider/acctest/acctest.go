// Package acctest holds what the provider's acceptance tests share: the
// in-process provider factories, the pre-check, and the provider block that
// points Terraform at a reference backend started by backendtest.
package acctest

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider"
)

// ProviderName is the provider's local name in test configurations.
const ProviderName = "telnyx"

// ProtoV6ProviderFactories runs the provider in the test process, so that no
// binary is built or downloaded.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	ProviderName:      providerserver.NewProtocol6WithError(provider.New("test")()),
	AliasProviderName: providerserver.NewProtocol6WithError(provider.New("test")()),
}

// ProtoV6ProviderFactoriesWithEcho adds plugin-testing's echo provider, which
// copies its "data" argument into the state of an echo resource: the one way
// to assert values that Terraform keeps out of plan and state, such as an
// ephemeral resource's.
var ProtoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	ProviderName:      ProtoV6ProviderFactories[ProviderName],
	AliasProviderName: ProtoV6ProviderFactories[AliasProviderName],
	"echo":            echoprovider.NewProviderServer(),
}

// PreCheck fails early, with a message that says what to do, when Terraform
// is not available to run acceptance tests.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC_TERRAFORM_PATH") != "" {
		return // plugin-testing reports a wrong path itself
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("acceptance tests need the terraform binary on PATH or in TF_ACC_TERRAFORM_PATH")
	}
}

// ProviderConfig is a provider block that calls srv with key and never
// retries, so that every API answer reaches the test as it is.
func ProviderConfig(srv *backendtest.Server, key string) string {
	return fmt.Sprintf(`
provider "telnyx" {
  base_url    = %q
  api_key     = %q
  max_retries = 0
}
`, srv.URL, key)
}

// AliasProviderName is a second local name for this provider, served by a
// server of its own, that tests use where a configuration would use an
// aliased provider block (provider "telnyx" { alias = … }).
//
// In-process providers cannot be aliased faithfully: Terraform reattaches
// every configuration of one provider to the same server, so that each
// ConfigureProvider call replaces the previous one and all aliases end up
// configured alike. Outside tests Terraform runs one provider process per
// configuration. A second local name gets a second server, and resources
// choose it with provider = telnyxalias, as they would choose an alias.
// (apikey's TestAccAPIKey_realAliasedProviders runs true aliases through
// the built provider binary.)
const AliasProviderName = "telnyxalias"

// AliasProviderConfig is a provider block for AliasProviderName that calls
// srv with apiKey (an HCL expression, such as a quoted literal or an
// ephemeral resource's attribute), acting as the managed account
// managedAccountID when it is not empty, and never retries.
func AliasProviderConfig(srv *backendtest.Server, apiKey, managedAccountID string) string {
	actAs := ""
	if managedAccountID != "" {
		actAs = fmt.Sprintf("  managed_account_id = %q\n", managedAccountID)
	}
	return fmt.Sprintf(`
provider %q {
  base_url    = %q
  api_key     = %s
  max_retries = 0
%s}
`, AliasProviderName, srv.URL, apiKey, actAs)
}

// ErrorMatching matches an error that contains each phrase, in order.
// Terraform wraps long diagnostics, so a space in a phrase matches any run of
// white space, line breaks included.
func ErrorMatching(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}

// QueryConfig is a query file (.tfquery.hcl) of srv's manager: the provider
// block and one list block of resourceType named "found", with args (such
// as include_resource) and the body of its config block.
func QueryConfig(srv *backendtest.Server, resourceType, args, config string) string {
	return ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
list %q "found" {
  provider = telnyx
%s
  config {
%s
  }
}
`, resourceType, args, config)
}
