package apikey_test

import (
	"encoding/json"
	"fmt"
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
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	account := acctest.NewManagedAccount(t, srv, "Real Alias Co")
	srv.Adjust(t, srv.ManagerID, "1.11")
	srv.Adjust(t, account.ID, "9.99")
	asAccount := srv.Client(t, account.APIKey)
	manager := srv.Client(t, srv.ManagerKey)

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
	tf.WriteFile("main.tf", config)
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			if _, err := tf.Run("destroy", "-auto-approve"); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	tf.Must("apply", "-auto-approve")
	raw := tf.Must("output", "-json")
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
	// A second plan changes nothing.
	tf.ExpectEmptyPlan()

	if _, err := tf.Run("destroy", "-auto-approve"); err != nil {
		t.Fatal(err)
	}
	destroyed = true
	if left := activeKeys(t, asAccount); len(left) != 0 {
		t.Fatalf("keys left after destroy: %+v", left)
	}
}
