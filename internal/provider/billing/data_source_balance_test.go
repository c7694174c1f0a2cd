package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const balanceAddr = "data.telnyx_balance.test"

func balanceIs(field, want string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(balanceAddr, tfjsonpath.New(field), knownvalue.StringExact(want))
}

// TestAccBalanceDataSource reads the caller's balance after operator
// adjustments and a credit limit: the amounts are exact, down to the
// micro-unit, never rounded through a float.
func TestAccBalanceDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "25.125")
	srv.Adjust(t, srv.ManagerID, "-5.005")
	if status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/credit_limit",
		map[string]string{"credit_limit": "100.00"}); status != http.StatusOK {
		t.Fatalf("set credit limit: %d %s", status, body)
	}
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_balance" "test" {}
`

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					balanceIs("balance", "20.12"),
					balanceIs("pending", "0.00"),
					balanceIs("credit_limit", "100.00"),
					balanceIs("available_credit", "120.12"),
					balanceIs("currency", "USD"),
				},
			},
			{
				PreConfig: func() { srv.Adjust(t, srv.ManagerID, "0.000001") },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					balanceIs("balance", "20.120001"),
					balanceIs("available_credit", "120.120001"),
				},
			},
		},
	})
}

// TestAccBalanceDataSource_managedAccount reads a managed account's balance
// through managed_account_id after a top-up made as the account (its card
// charged through the API), then after a charge: the exact amounts. A
// managed account with rollup billing shows its manager's balance.
func TestAccBalanceDataSource_managedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Topped Up Co", false)
	rollup := newManagedAccount(t, srv, "Rollup Co", true)
	asAccount := srv.Client(t, account.APIKey)
	addCard(t, asAccount, testCard, "Topped Up Co", nil)
	srv.Adjust(t, srv.ManagerID, "7.25")
	const rollupAddr = "data.telnyx_balance.rollup"
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_balance" "test" {
  managed_account_id = %q
}

data "telnyx_balance" "rollup" {
  managed_account_id = %q
}
`, account.ID, rollup.ID)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					tx, err := asAccount.CreateStoredPaymentTransaction(context.Background(), "120.55")
					if err != nil {
						t.Fatalf("top up: %v", err)
					}
					if tx.AmountCents != 12055 {
						t.Fatalf("top-up = %+v", tx)
					}
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					balanceIs("managed_account_id", account.ID),
					balanceIs("balance", "120.55"),
					balanceIs("pending", "0.00"),
					balanceIs("available_credit", "120.55"),
					statecheck.ExpectKnownValue(rollupAddr, tfjsonpath.New("balance"), knownvalue.StringExact("7.25")),
				},
			},
			{
				PreConfig: func() { srv.Adjust(t, account.ID, "-0.005") },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					balanceIs("balance", "120.545"),
					balanceIs("available_credit", "120.545"),
				},
			},
		},
	})
}
