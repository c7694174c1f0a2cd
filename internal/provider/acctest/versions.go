package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The CLI features that some tests need, each with the checks that skip a
// test under a CLI without it, and say why. OpenTofu numbers its versions
// on its own line (its 1.12 is not Terraform 1.12), so a version alone
// cannot tell: the checks ask the CLI its name first.
var (
	// IdentityVersions: resource identity (import blocks by identity, the
	// identity in the state) came in Terraform 1.12. OpenTofu 1.12 has it
	// too (the identity tests pass under 1.12.6).
	IdentityVersions = []tfversion.TerraformVersionCheck{
		tfversion.SkipBelow(tfversion.Version1_12_0),
	}
	// QueryVersions: list resources and terraform query came in Terraform
	// 1.14; OpenTofu 1.12 has no query command.
	QueryVersions = []tfversion.TerraformVersionCheck{
		SkipOnOpenTofu("OpenTofu has no list resources (no query command)"),
		tfversion.SkipBelow(tfversion.Version1_14_0),
	}
	// ActionVersions: actions (action blocks, apply -invoke, action_trigger)
	// came in Terraform 1.14; OpenTofu 1.12 has none.
	ActionVersions = []tfversion.TerraformVersionCheck{
		SkipOnOpenTofu("OpenTofu has no actions (no action blocks, no apply -invoke)"),
		tfversion.SkipBelow(tfversion.Version1_14_0),
	}
)

// SkipOnOpenTofu skips a test when the CLI under test is OpenTofu, for the
// reason given.
func SkipOnOpenTofu(reason string) tfversion.TerraformVersionCheck {
	return skipOnOpenTofu{reason}
}

type skipOnOpenTofu struct{ reason string }

func (s skipOnOpenTofu) CheckTerraformVersion(_ context.Context, _ tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if IsOpenTofu() {
		resp.Skip = s.reason + " (the CLI under test is OpenTofu)"
	}
}

// cli is the CLI the acceptance tests run: TF_ACC_TERRAFORM_PATH, else
// terraform on PATH.
func cli() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// runCLI runs the tests' CLI with args, without any CLI configuration.
func runCLI(args ...string) ([]byte, error) {
	cmd := exec.CommandContext(context.Background(), cli(), args...) //nolint:gosec // G204: the CLI the tests run
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	return cmd.Output()
}

var openTofu = sync.OnceValue(func() bool {
	out, err := runCLI("version")
	return err == nil && bytes.HasPrefix(out, []byte("OpenTofu"))
})

// IsOpenTofu reports whether the CLI the acceptance tests run
// (TF_ACC_TERRAFORM_PATH, else terraform on PATH) is OpenTofu.
func IsOpenTofu() bool { return openTofu() }

var cliVersion = sync.OnceValues(func() (*version.Version, error) {
	out, err := runCLI("version", "-json")
	if err != nil {
		return nil, fmt.Errorf("%s version -json: %w", cli(), err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("%s version -json: %w", cli(), err)
	}
	return version.NewVersion(v.Version)
})

// SkipUnlessCLI skips a test that runs the CLI itself (NewTerraform) when
// the CLI lacks a feature that checks (such as QueryVersions) guard, with
// their reason, as TerraformVersionChecks do for a resource.TestCase. Call
// it before NewTerraform, which builds the provider.
func SkipUnlessCLI(t *testing.T, checks []tfversion.TerraformVersionCheck) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	if why := cliLacks(t, checks); why != "" {
		t.Skip(why)
	}
}

// CLISupports reports whether the CLI has a feature that checks guard.
func CLISupports(t *testing.T, checks []tfversion.TerraformVersionCheck) bool {
	t.Helper()
	return cliLacks(t, checks) == ""
}

// cliLacks runs checks against the CLI and returns the reason of the first
// that skips, or "".
func cliLacks(t *testing.T, checks []tfversion.TerraformVersionCheck) string {
	t.Helper()
	v, err := cliVersion()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		var resp tfversion.CheckTerraformVersionResponse
		c.CheckTerraformVersion(context.Background(), tfversion.CheckTerraformVersionRequest{TerraformVersion: v}, &resp)
		if resp.Error != nil {
			t.Fatal(resp.Error)
		}
		if resp.Skip != "" {
			return resp.Skip
		}
	}
	return ""
}
