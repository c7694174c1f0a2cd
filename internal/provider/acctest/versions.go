package acctest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"sync"

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

var openTofu = sync.OnceValue(func() bool {
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		cli = "terraform"
	}
	cmd := exec.CommandContext(context.Background(), cli, "version") //nolint:gosec // G204: the CLI the tests run
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	return err == nil && bytes.HasPrefix(out, []byte("OpenTofu"))
})

// IsOpenTofu reports whether the CLI the acceptance tests run
// (TF_ACC_TERRAFORM_PATH, else terraform on PATH) is OpenTofu.
func IsOpenTofu() bool { return openTofu() }
