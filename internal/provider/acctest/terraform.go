package acctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Terraform runs the terraform command in a working directory of its own,
// with the provider built from this module (through dev_overrides, so that
// nothing is downloaded). It reaches what the in-process tests cannot: true
// aliased provider blocks, each served by a provider process of its own; the
// state file exactly as Terraform writes it; a state written by an earlier
// version of the provider.
type Terraform struct {
	t *testing.T
	// Dir is the working directory: write main.tf (and, to start from an
	// existing state, terraform.tfstate) there.
	Dir  string
	path string
	env  []string
}

// NewTerraform builds the provider and returns a runner of terraform in an
// empty working directory. It skips the test unless TF_ACC is set, and when
// the go command is missing.
func NewTerraform(t *testing.T) *Terraform {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	PreCheck(t)
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		terraformPath = "terraform"
	}
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Skip("this test builds the provider and needs the go command")
	}

	pluginDir := t.TempDir()
	build := exec.CommandContext(t.Context(), goPath, "build", "-o", filepath.Join(pluginDir, "terraform-provider-telnyx"), //nolint:gosec // G204: the go command found on PATH, building this module
		"github.com/managedaccounts/terraform-provider-telnyx")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraform.rc")
	// Both registries' addresses: the short source expands to
	// registry.terraform.io under Terraform and registry.opentofu.org under
	// OpenTofu, and an override of the other address is never used.
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %[1]q = %[3]q\n    %[2]q = %[3]q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/managedaccounts/telnyx", "registry.opentofu.org/managedaccounts/telnyx", pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	return &Terraform{t: t, Dir: t.TempDir(), path: terraformPath, env: env}
}

// Setenv sets a variable of every later command's environment, such as
// TELNYX_API_KEY, so that no key is written to a file; it overrides the
// test's own environment.
func (tf *Terraform) Setenv(name, value string) {
	// os/exec uses the last of duplicate entries.
	tf.env = append(tf.env, name+"="+value)
}

// WriteFile writes a file of the working directory.
func (tf *Terraform) WriteFile(name, content string) {
	tf.t.Helper()
	if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(content), 0o600); err != nil {
		tf.t.Fatal(err)
	}
}

// ReadFile reads a file of the working directory, such as terraform.tfstate.
func (tf *Terraform) ReadFile(name string) []byte {
	tf.t.Helper()
	b, err := os.ReadFile(filepath.Join(tf.Dir, name)) //nolint:gosec // G304: a file of the test's own working directory
	if err != nil {
		tf.t.Fatal(err)
	}
	return b
}

// Run runs terraform with args (-no-color added) and returns its standard
// output; the error carries both outputs.
func (tf *Terraform) Run(args ...string) ([]byte, error) {
	// Not the test's context: cleanups (a destroy) run after it is done.
	cmd := exec.CommandContext(context.Background(), tf.path, append(args, "-no-color")...) //nolint:gosec // G204: the terraform the test runs, with the test's arguments
	cmd.Dir = tf.Dir
	cmd.Env = tf.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("terraform %v: %w\n%s%s", args, err, out, stderr.Bytes())
	}
	return out, nil
}

// Must is Run that fails the test on an error.
func (tf *Terraform) Must(args ...string) []byte {
	tf.t.Helper()
	out, err := tf.Run(args...)
	if err != nil {
		tf.t.Fatal(err)
	}
	return out
}

// ExpectEmptyPlan fails the test unless a plan proposes no change.
func (tf *Terraform) ExpectEmptyPlan() {
	tf.t.Helper()
	// -detailed-exitcode: 2 means the plan has changes.
	out, err := tf.Run("plan", "-detailed-exitcode")
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		tf.t.Fatalf("the plan is not empty:\n%s", out)
	}
	if err != nil {
		tf.t.Fatal(err)
	}
}

// ProviderFromEnv starts a main.tf for NewTerraform: the provider at the
// address that NewTerraform overrides, configured by the TELNYX_API_KEY and
// TELNYX_BASE_URL of Setenv, and never retrying.
const ProviderFromEnv = `
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {
  max_retries = 0
}
`
