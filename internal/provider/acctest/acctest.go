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

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider"
)

// ProviderName is the provider's local name in test configurations.
const ProviderName = "telnyx"

// ProtoV6ProviderFactories runs the provider in the test process, so that no
// binary is built or downloaded.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	ProviderName: providerserver.NewProtocol6WithError(provider.New("test")()),
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
