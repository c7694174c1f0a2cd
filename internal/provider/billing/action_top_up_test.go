package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// balance is what the API says c's account holds, settled and pending.
type balance struct{ settled, pending string }

func balanceOf(t *testing.T, c *client.Client) balance {
	t.Helper()
	b, err := c.GetBalance(context.Background())
	if err != nil {
		t.Fatalf("get balance: %v", err)
	}
	return balance{b.Balance, b.Pending}
}

// balanceIsNow checks, through the API, that c's account holds before plus
// each of the amounts since, exactly (settled, or pending when pending).
func balanceIsNow(c *client.Client, before *balance, pending bool, amounts ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b, err := c.GetBalance(context.Background())
		if err != nil {
			return fmt.Errorf("get balance: %w", err)
		}
		field, got, start := "balance", b.Balance, before.settled
		if pending {
			field, got, start = "pending", b.Pending, before.pending
		}
		want, err := sumAmounts(append([]string{start}, amounts...)...)
		if err != nil {
			return err
		}
		if g, err := sumAmounts(got); err != nil || g.Cmp(want) != 0 {
			return fmt.Errorf("the account's %s is %s, want %s + %s = %s", field, got, start, strings.Join(amounts, " + "), want.FloatString(2))
		}
		return nil
	}
}

// balancesUnchanged checks, through the API, that each account of accounts
// holds what before says it held, settled and pending, to the cent.
func balancesUnchanged(accounts map[string]*client.Client, before map[string]balance) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for name, c := range accounts {
			b := before[name]
			for _, pending := range []bool{false, true} {
				if err := balanceIsNow(c, &b, pending)(nil); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		return nil
	}
}

// TestAccTopUpAction runs telnyx_top_up from action_trigger: on the
// provider's own account when a resource is created and again when it
// changes; on a managed account, with its own card, when Terraform adds that
// card; each time the money is checked through the API, to the cent, and
// the other account is untouched. A payment that settles later is pending
// until then.
func TestAccTopUpAction(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	addCard(t, manager, testCard, "Manager Card", nil)
	account := newManagedAccount(t, srv, "Topped Up Co", false)
	asAccount := srv.Client(t, account.APIKey)
	ownBefore, accountBefore := balanceOf(t, manager), balanceOf(t, asAccount)
	own := func(input string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
action "telnyx_top_up" "own" {
  config {
    amount = "25.10"
  }
}

resource "terraform_data" "trigger" {
  input = %q

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.telnyx_top_up.own]
    }
  }
}
`, input)
	}
	card := defaultCard()
	card.extra = fmt.Sprintf(`  managed_account_id = %q

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_top_up.first_card]
    }
  }`, account.ID)
	cardPart := card.hcl("card") + fmt.Sprintf(`
action "telnyx_top_up" "first_card" {
  config {
    managed_account_id = %q
    amount             = "50.00"
  }
}
`, account.ID)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.ActionVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: own("1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(manager, &ownBefore, false, "25.10"),
					balanceIsNow(asAccount, &accountBefore, false),
				),
			},
			{
				Config: own("2"),
				Check:  balanceIsNow(manager, &ownBefore, false, "25.10", "25.10"),
			},
			{
				Config: own("2") + cardPart,
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(asAccount, &accountBefore, false, "50.00"),
					// Only the card was created: the manager's trigger did not fire.
					balanceIsNow(manager, &ownBefore, false, "25.10", "25.10"),
				),
			},
			{
				// The extremes of the amount, both accepted, both exact.
				Config: own("2") + cardPart + `
action "telnyx_top_up" "least" {
  config {
    amount = "0.01"
  }
}

action "telnyx_top_up" "most" {
  config {
    amount = "10000.00"
  }
}

resource "terraform_data" "extremes" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_top_up.least, action.telnyx_top_up.most]
    }
  }
}
`,
				Check: balanceIsNow(manager, &ownBefore, false, "25.10", "25.10", "0.01", "10000.00"),
			},
			{
				// A payment that settles in a day is pending until then.
				PreConfig: func() {
					if err := srv.Service.SetTopUpSettlementDelay(24 * time.Hour); err != nil {
						t.Fatal(err)
					}
				},
				Config: own("3") + cardPart,
				Check: resource.ComposeAggregateTestCheckFunc(
					balanceIsNow(manager, &ownBefore, false, "25.10", "25.10", "0.01", "10000.00"),
					balanceIsNow(manager, &ownBefore, true, "25.10"),
				),
			},
		},
	})
}

// TestAccTopUpAction_errors checks that a top-up the API refuses fails the
// apply with the API's reason (no card, a declined card, rollup billing, an
// account the manager does not have), that an amount the API would refuse is
// refused before anything runs, and that none of them moved any money.
func TestAccTopUpAction_errors(t *testing.T) {
	srv := backendtest.Start(t)
	noCard := newManagedAccount(t, srv, "No Card Co", false)
	declined := newManagedAccount(t, srv, "Declined Co", false)
	addCard(t, srv.Client(t, declined.APIKey), declinedCard, "Declined Card", nil)
	rollup := newManagedAccount(t, srv, "Rollup Top Up Co", true)
	accounts := map[string]*client.Client{
		"manager": srv.Client(t, srv.ManagerKey), "no card": srv.Client(t, noCard.APIKey),
		"declined": srv.Client(t, declined.APIKey), "rollup": srv.Client(t, rollup.APIKey),
	}
	before := map[string]balance{}
	for name, c := range accounts {
		before[name] = balanceOf(t, c)
	}
	topUp := func(args string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + acctest.TriggeredAction("telnyx_top_up", "", args)
	}
	forAccount := func(id, amount string) string {
		return topUp(fmt.Sprintf("    managed_account_id = %q\n    amount             = %q", id, amount))
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.ActionVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: forAccount(noCard.ID, "10.00"),
				ExpectError: acctest.ErrorMatching("Unable to top up managed account "+noCard.ID,
					"The Telnyx API answered: The account has no default payment method"),
			},
			{
				Config:      forAccount(declined.ID, "10.00"),
				ExpectError: acctest.ErrorMatching("Unable to top up managed account "+declined.ID, "Card declined", "was declined; nothing was charged"),
			},
			{
				Config:      forAccount(rollup.ID, "10.00"),
				ExpectError: acctest.ErrorMatching("Unable to top up managed account "+rollup.ID, "rollup billing"),
			},
			{
				Config:      forAccount("00000000-0000-4000-8000-000000000000", "10.00"),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000", "Managed account not found"),
			},
			{
				Config:      topUp(`    amount = "10"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", `"10" is not an amount in dollars and cents`),
			},
			{
				Config:      topUp(`    amount = "-1.00"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", `"-1.00" is not an amount in dollars and cents`),
			},
			{
				Config:      topUp(`    amount = "0.00"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", "0.00 is out of range: the amount must be from 0.01 to 10000.00"),
			},
			{
				Config:      topUp(`    amount = "10000.01"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", "10000.01 is out of range"),
			},
			{
				Config:      topUp(`    managed_account_id = ""` + "\n" + `    amount = "1.00"`),
				ExpectError: acctest.ErrorMatching("managed_account_id", "string length must be at least 1"),
			},
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey),
				Check:  balancesUnchanged(accounts, before),
			},
		},
	})
}

// TestAccTopUpAction_invoke runs the action by hand, as the docs show, with
// the terraform binary: terraform plan -invoke shows it and charges nothing,
// each terraform apply -invoke charges once and says so.
func TestAccTopUpAction_invoke(t *testing.T) {
	acctest.SkipUnlessCLI(t, acctest.ActionVersions)
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	addCard(t, manager, testCard, "Manager Card", nil)
	before := balanceOf(t, manager)
	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	tf.WriteFile("main.tf", acctest.ProviderFromEnv+`
action "telnyx_top_up" "more" {
  config {
    amount = "12.34"
  }
}
`)
	plan := string(tf.Must("plan", "-invoke=action.telnyx_top_up.more"))
	if !strings.Contains(plan, "action.telnyx_top_up.more") {
		t.Errorf("the plan does not show the action:\n%s", plan)
	}
	if err := balanceIsNow(manager, &before, false)(nil); err != nil {
		t.Errorf("after terraform plan -invoke: %v", err)
	}
	for i := 1; i <= 2; i++ {
		out := string(tf.Must("apply", "-auto-approve", "-invoke=action.telnyx_top_up.more"))
		if !strings.Contains(out, "Charged 12.34 USD to the default card of the provider's own account") {
			t.Errorf("terraform apply -invoke does not say what it charged:\n%s", out)
		}
		amounts := []string{"12.34", "12.34"}[:i]
		if err := balanceIsNow(manager, &before, false, amounts...)(nil); err != nil {
			t.Errorf("after terraform apply -invoke #%d: %v", i, err)
		}
	}
}
