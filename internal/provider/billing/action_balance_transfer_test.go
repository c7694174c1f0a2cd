package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// transfersAre checks, through the API, that the manager's transfers to the
// managed account *id are exactly want (amount and description, newest
// first).
func transfersAre(manager *client.Client, id *string, want ...client.CreateBalanceTransferRequest) resource.TestCheckFunc {
	return func(*terraform.State) error {
		var got []client.CreateBalanceTransferRequest
		for tr, err := range manager.AllBalanceTransfers(context.Background(), *id, client.ListBalanceTransfersOptions{}) {
			if err != nil {
				return fmt.Errorf("list the transfers to %s: %w", *id, err)
			}
			got = append(got, client.CreateBalanceTransferRequest{Amount: tr.Amount, Description: tr.Description})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("the transfers to %s are %v, want %v", *id, got, want)
		}
		return nil
	}
}

// accountBalanceIsNow is balanceIsNow for the managed account *id, read
// through the manager (the account's key is not known before it exists).
func accountBalanceIsNow(t *testing.T, srv *backendtest.Server, id *string, before *balance, amounts ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c, err := acctest.OwnerClient(t, srv, *id)
		if err != nil {
			return err
		}
		return balanceIsNow(c, before, false, amounts...)(s)
	}
}

// TestAccBalanceTransferAction gives a new managed account a welcome credit
// from the manager's balance, by action_trigger when Terraform creates the
// account, and more when the account changes; the money is checked through
// the API on both accounts, to the cent, with the transfers and their
// descriptions; the extremes of the amount move exactly too.
func TestAccBalanceTransferAction(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	srv.Adjust(t, srv.ManagerID, "20000.00")
	managerBefore := balanceOf(t, manager)
	zero := balance{settled: "0.00", pending: "0.00"}
	var accountID string
	config := func(channels int, extra string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account" "customer" {
  business_name        = "Welcomed Co"
  global_channel_limit = %d

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_balance_transfer.welcome]
    }
    action_trigger {
      events  = [after_update]
      actions = [action.telnyx_balance_transfer.more]
    }
  }
}

action "telnyx_balance_transfer" "welcome" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "25.10"
    description        = "Welcome credit"
  }
}

action "telnyx_balance_transfer" "more" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "5.00"
  }
}
%s`, channels, extra)
	}
	extremes := `
action "telnyx_balance_transfer" "least" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "0.01"
  }
}

action "telnyx_balance_transfer" "most" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "10000.00"
    description        = "` + strings.Repeat("d", 255) + `"
  }
}

resource "terraform_data" "extremes" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_balance_transfer.least, action.telnyx_balance_transfer.most]
    }
  }
}
`

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.ActionVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(0, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr("telnyx_managed_account.customer", "id", &accountID),
					balanceIsNow(manager, &managerBefore, false, "-25.10"),
					accountBalanceIsNow(t, srv, &accountID, &zero, "25.10"),
					transfersAre(manager, &accountID, client.CreateBalanceTransferRequest{Amount: "25.10", Description: "Welcome credit"}),
				),
			},
			{
				Config: config(1, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(manager, &managerBefore, false, "-25.10", "-5.00"),
					accountBalanceIsNow(t, srv, &accountID, &zero, "25.10", "5.00"),
					transfersAre(manager, &accountID,
						client.CreateBalanceTransferRequest{Amount: "5.00"},
						client.CreateBalanceTransferRequest{Amount: "25.10", Description: "Welcome credit"}),
				),
			},
			{
				Config: config(1, extremes),
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(manager, &managerBefore, false, "-25.10", "-5.00", "-0.01", "-10000.00"),
					accountBalanceIsNow(t, srv, &accountID, &zero, "25.10", "5.00", "0.01", "10000.00"),
				),
			},
		},
	})
}

// TestAccBalanceTransferAction_errors checks that a transfer the API refuses
// fails the apply with the API's reason (beyond the manager's available
// balance, to an account under rollup billing, disabled, cancelled, or not
// the manager's; from a provider acting as a managed account), that what the
// API would refuse of the arguments is refused before anything runs, and
// that none of them moved any money; a transfer of exactly the available
// balance goes through.
func TestAccBalanceTransferAction_errors(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "10.00")
	manager := srv.Client(t, srv.ManagerKey)
	customer := newManagedAccount(t, srv, "Transfer Customer Co", false)
	rollup := newManagedAccount(t, srv, "Transfer Rollup Co", true)
	disabled := newManagedAccount(t, srv, "Transfer Disabled Co", false)
	if _, err := manager.DisableManagedAccount(context.Background(), disabled.ID); err != nil {
		t.Fatal(err)
	}
	cancelled := newManagedAccount(t, srv, "Transfer Cancelled Co", false)
	srv.CancelAccount(t, cancelled.ID)
	_, otherKey := srv.NewManager(t)
	foreign, err := srv.Client(t, otherKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Foreign Co"})
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]*client.Client{"manager": manager, "customer": srv.Client(t, customer.APIKey)}
	before := map[string]balance{}
	for name, c := range accounts {
		before[name] = balanceOf(t, c)
	}
	transfer := func(provider, args string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), customer.ID) +
			acctest.TriggeredAction("telnyx_balance_transfer", provider, args)
	}
	to := func(id, amount string) string {
		return transfer("telnyx", fmt.Sprintf("    managed_account_id = %q\n    amount             = %q", id, amount))
	}
	refused := func(id, amount string, detail ...string) resource.TestStep {
		return resource.TestStep{
			Config:      to(id, amount),
			ExpectError: acctest.ErrorMatching(append([]string{"Unable to transfer " + amount + " to managed account " + id}, detail...)...),
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.ActionVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			refused(customer.ID, "10.01", "The Telnyx API answered: The amount 10.01 exceeds the available balance of 10.00", "/amount"),
			refused(rollup.ID, "1.00", "The Telnyx API answered: This managed account uses rollup billing"),
			refused(disabled.ID, "1.00", "The Telnyx API answered: This managed account is disabled: enable it before transferring to it."),
			refused(cancelled.ID, "1.00", "The Telnyx API answered: This managed account is cancelled"),
			refused(foreign.ID, "1.00", "Managed account not found"),
			refused("00000000-0000-4000-8000-000000000000", "1.00", "Managed account not found"),
			{
				// A provider that acts as a managed account is no manager.
				Config: transfer(acctest.AliasProviderName, fmt.Sprintf("    managed_account_id = %q\n    amount = \"1.00\"", customer.ID)),
				ExpectError: acctest.ErrorMatching("Unable to transfer 1.00 to managed account "+customer.ID,
					"The Telnyx API answered: Only manager accounts may use the managed accounts endpoints"),
			},
			{
				Config:      to(customer.ID, "10"),
				ExpectError: acctest.ErrorMatching("Invalid amount", `"10" is not an amount in dollars and cents`),
			},
			{
				Config:      to(customer.ID, "0.00"),
				ExpectError: acctest.ErrorMatching("Invalid amount", "0.00 is out of range: the amount must be from 0.01 to 10000.00"),
			},
			{
				Config:      to(customer.ID, "10000.01"),
				ExpectError: acctest.ErrorMatching("Invalid amount", "10000.01 is out of range"),
			},
			{
				Config:      to("", "1.00"),
				ExpectError: acctest.ErrorMatching("managed_account_id", "string length must be at least 1"),
			},
			{
				Config: transfer("telnyx", fmt.Sprintf("    managed_account_id = %q\n    amount = \"1.00\"\n    description = %q",
					customer.ID, strings.Repeat("d", 256))),
				ExpectError: acctest.ErrorMatching("description", "string length must be at most 255"),
			},
			{
				Config:      transfer("telnyx", `    amount = "1.00"`),
				ExpectError: acctest.ErrorMatching(`The argument "managed_account_id" is required`),
			},
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey),
				Check:  balancesUnchanged(accounts, before),
			},
			{
				// All of the available balance, and not a cent more, goes.
				Config: to(customer.ID, "10.00"),
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(manager, ptr(before["manager"]), false, "-10.00"),
					balanceIsNow(accounts["customer"], ptr(before["customer"]), false, "10.00"),
				),
			},
		},
	})
}

// TestAccBalanceTransferAction_invoke runs the action by hand, as the docs
// show, with the terraform binary: terraform plan -invoke moves nothing,
// each terraform apply -invoke moves the amount once and says so.
func TestAccBalanceTransferAction_invoke(t *testing.T) {
	acctest.SkipUnlessCLI(t, acctest.ActionVersions)
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "100.00")
	manager := srv.Client(t, srv.ManagerKey)
	customer := newManagedAccount(t, srv, "Invoked Transfer Co", false)
	asCustomer := srv.Client(t, customer.APIKey)
	managerBefore, customerBefore := balanceOf(t, manager), balanceOf(t, asCustomer)
	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	tf.WriteFile("main.tf", acctest.ProviderFromEnv+fmt.Sprintf(`
action "telnyx_balance_transfer" "credit" {
  config {
    managed_account_id = %q
    amount             = "12.34"
    description        = "Goodwill credit"
  }
}
`, customer.ID))
	plan := string(tf.Must("plan", "-invoke=action.telnyx_balance_transfer.credit"))
	if !strings.Contains(plan, "action.telnyx_balance_transfer.credit") {
		t.Errorf("the plan does not show the action:\n%s", plan)
	}
	if err := balanceIsNow(manager, &managerBefore, false)(nil); err != nil {
		t.Errorf("after terraform plan -invoke: %v", err)
	}
	for i := 1; i <= 2; i++ {
		out := string(tf.Must("apply", "-auto-approve", "-invoke=action.telnyx_balance_transfer.credit"))
		if !strings.Contains(out, "Moved 12.34 USD from the manager's balance to managed account "+customer.ID) {
			t.Errorf("terraform apply -invoke does not say what it moved:\n%s", out)
		}
		n := []string{"12.34", "12.34"}[:i]
		neg := []string{"-12.34", "-12.34"}[:i]
		if err := balanceIsNow(manager, &managerBefore, false, neg...)(nil); err != nil {
			t.Errorf("after terraform apply -invoke #%d: manager: %v", i, err)
		}
		if err := balanceIsNow(asCustomer, &customerBefore, false, n...)(nil); err != nil {
			t.Errorf("after terraform apply -invoke #%d: customer: %v", i, err)
		}
	}
	id := customer.ID
	want := client.CreateBalanceTransferRequest{Amount: "12.34", Description: "Goodwill credit"}
	if err := transfersAre(manager, &id, want, want)(nil); err != nil {
		t.Error(err)
	}
}

func ptr[T any](v T) *T { return &v }
