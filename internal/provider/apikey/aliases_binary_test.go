package apikey_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccAPIKey_realAliasedProviders runs the built provider binary through
// Terraform itself, with true aliased provider blocks: Terraform then starts
// one provider process per configuration, which the in-process tests cannot
// reproduce (see acctest.AliasProviderName). One alias acts as a managed
// account through managed_account_id and creates a key for it; another is
// configured with an ephemeral key of that account.
func TestAccAPIKey_realAliasedProviders(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	acctest.PreCheck(t)
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		terraformPath = "terraform"
	}
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Skip("this test builds the provider and needs the go command")
	}

	pluginDir := t.TempDir()
	build := exec.Command(goPath, "build", "-o", filepath.Join(pluginDir, "terraform-provider-telnyx"),
		"github.com/managedaccounts/terraform-provider-telnyx")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraform.rc")
	// Both registries' addresses: the short source expands to
	// registry.terraform.io under Terraform and registry.opentofu.org under
	// OpenTofu, and an override of the other address is never used.
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/managedaccounts/telnyx" = %[1]q
    "registry.opentofu.org/managedaccounts/telnyx" = %[1]q
  }
  direct {}
}
`, pluginDir)
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}

	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Real Alias Co")
	srv.Adjust(t, srv.ManagerID, "1.11")
	srv.Adjust(t, account.ID, "9.99")
	asAccount := srv.Client(t, account.APIKey)
	manager := srv.Client(t, srv.ManagerKey)

	dir := t.TempDir()
	config := fmt.Sprintf(`
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {
  base_url    = %[1]q
  api_key     = %[2]q
  max_retries = 0
}

provider "telnyx" {
  alias              = "customer"
  base_url           = %[1]q
  api_key            = %[2]q
  managed_account_id = %[3]q
  max_retries        = 0
}

ephemeral "telnyx_api_key" "session" {
  managed_account_id = %[3]q
}

provider "telnyx" {
  alias       = "session"
  base_url    = %[1]q
  api_key     = ephemeral.telnyx_api_key.session.secret
  max_retries = 0
}

resource "telnyx_api_key" "customer" {
  provider    = telnyx.customer
  description = "created through an alias"
}

data "telnyx_balance" "manager" {}

data "telnyx_balance" "customer" {
  provider = telnyx.customer
}

data "telnyx_balance" "session" {
  provider = telnyx.session
}

output "balances" {
  value = [data.telnyx_balance.manager.balance, data.telnyx_balance.customer.balance, data.telnyx_balance.session.balance]
}

output "key_id" {
  value = telnyx_api_key.customer.id
}
`, srv.URL, srv.ManagerKey, account.ID)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	terraform := func(args ...string) ([]byte, error) {
		cmd := exec.Command(terraformPath, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return out, fmt.Errorf("terraform %v: %w\n%s%s", args, err, out, stderr.Bytes())
		}
		return out, nil
	}
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			if _, err := terraform("destroy", "-auto-approve", "-no-color"); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	if _, err := terraform("apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatal(err)
	}
	raw, err := terraform("output", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var outputs struct {
		Balances struct{ Value []string } `json:"balances"`
		KeyID    struct{ Value string }   `json:"key_id"`
	}
	if err := json.Unmarshal(raw, &outputs); err != nil {
		t.Fatalf("outputs %s: %v", raw, err)
	}
	// Each configuration saw its own account.
	if want := []string{"1.11", "9.99", "9.99"}; !slices.Equal(outputs.Balances.Value, want) {
		t.Fatalf("balances (manager, customer alias, ephemeral-key alias) = %v, want %v", outputs.Balances.Value, want)
	}
	// The managed account holds the resource's key; the ephemeral ones are revoked.
	keys := activeKeys(t, asAccount)
	if len(keys) != 1 || keys[0].ID != outputs.KeyID.Value {
		t.Fatalf("the managed account's keys = %+v, want only %s", keys, outputs.KeyID.Value)
	}
	if mine := activeKeys(t, manager); len(mine) != 0 {
		t.Fatalf("the manager has keys %+v, want none", mine)
	}
	// A second plan changes nothing (exit code 2 would mean changes).
	if _, err := terraform("plan", "-detailed-exitcode", "-no-color"); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			t.Fatalf("the second plan is not empty: %v", err)
		}
		t.Fatal(err)
	}

	if _, err := terraform("destroy", "-auto-approve", "-no-color"); err != nil {
		t.Fatal(err)
	}
	destroyed = true
	if left := activeKeys(t, asAccount); len(left) != 0 {
		t.Fatalf("keys left after destroy: %+v", left)
	}
}
