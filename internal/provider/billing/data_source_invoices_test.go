package billing_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// postUsage writes usage charges through the store, as the usage pipeline
// does: amount (positive) is charged to ledgerID's ledger for subjectID.
func postUsage(t *testing.T, srv *backendtest.Server, ledgerID, subjectID, product, amount string, at time.Time) {
	t.Helper()
	m, err := backend.ParseMoney(amount)
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Store.WriteTx(context.Background(), func(tx backend.Tx) error {
		return tx.InsertLedgerEntry(context.Background(), &backend.LedgerEntry{
			ID: uuid.NewString(), AccountID: ledgerID, SubjectID: subjectID, Kind: backend.LedgerUsage, Amount: -m,
			Currency: backend.Currency, Reference: backend.UsageReference(product), CreatedAt: at, SettlesAt: at,
		})
	})
	if err != nil {
		t.Fatalf("post usage: %v", err)
	}
}

// invoiceLine is a line as the state holds it, to compare as a whole.
type invoiceLine struct{ product, managedAccountID, quantity, amount string }

// checkInvoice reads invoice i of the data source at addr from the state:
// its lines must add up exactly to its total, which must be wantTotal, and
// be wantLines in any order.
func checkInvoice(addr string, i int, wantTotal string, wantLines ...invoiceLine) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		attrs := rs.Primary.Attributes
		prefix := fmt.Sprintf("invoices.%d.", i)
		n, err := strconv.Atoi(attrs[prefix+"lines.#"])
		if err != nil {
			return fmt.Errorf("%s: invoice %d has no lines count: %w", addr, i, err)
		}
		var amounts []string
		var lines []invoiceLine
		for j := range n {
			p := fmt.Sprintf("%slines.%d.", prefix, j)
			amounts = append(amounts, attrs[p+"amount"])
			lines = append(lines, invoiceLine{attrs[p+"product"], attrs[p+"managed_account_id"], attrs[p+"quantity"], attrs[p+"amount"]})
		}
		sum, err := sumAmounts(amounts...)
		if err != nil {
			return err
		}
		total, err := sumAmounts(attrs[prefix+"total"])
		if err != nil {
			return err
		}
		if sum.Cmp(total) != 0 {
			return fmt.Errorf("%s invoice %d: lines %v add up to %s, not the total %s", addr, i, amounts, sum.FloatString(6), attrs[prefix+"total"])
		}
		if attrs[prefix+"total"] != wantTotal {
			return fmt.Errorf("%s invoice %d: total %s, want %s", addr, i, attrs[prefix+"total"], wantTotal)
		}
		key := func(l invoiceLine) string { return l.product + "/" + l.managedAccountID }
		sortLines := func(ls []invoiceLine) {
			slices.SortFunc(ls, func(a, b invoiceLine) int { return strings.Compare(key(a), key(b)) })
		}
		sortLines(lines)
		sortLines(wantLines)
		if !slices.Equal(lines, wantLines) {
			return fmt.Errorf("%s invoice %d: lines %+v, want %+v", addr, i, lines, wantLines)
		}
		return nil
	}
}

// TestAccInvoicesDataSource reads a managed account's invoices over two
// months of charges and credits: one invoice per month, in either order,
// with lines per product that add up exactly to the total, the past month
// paid and the current one open.
func TestAccInvoicesDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Invoiced Co", false)
	now := time.Now().UTC()
	lastMonth := time.Date(now.Year(), now.Month()-1, 10, 12, 0, 0, 0, time.UTC)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 1, 0, time.UTC)

	srv.SetTime(lastMonth)
	srv.Adjust(t, account.ID, "20.00")
	srv.Adjust(t, account.ID, "-3.50")
	postUsage(t, srv, account.ID, account.ID, "voice", "1.25", lastMonth)
	srv.SetTime(time.Time{})
	postUsage(t, srv, account.ID, account.ID, "voice", "2.00", thisMonth)
	postUsage(t, srv, account.ID, account.ID, "voice", "2.00", thisMonth)
	postUsage(t, srv, account.ID, account.ID, "messaging", "0.005", thisMonth)
	srv.Adjust(t, account.ID, "-1.00")

	lastID := backend.InvoiceID(account.ID, lastMonth.Format("2006-01"))
	thisID := backend.InvoiceID(account.ID, thisMonth.Format("2006-01"))
	periodEnd := time.Date(lastMonth.Year(), lastMonth.Month()+1, 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	const oldest, newest = "data.telnyx_invoices.oldest_first", "data.telnyx_invoices.newest_first"
	invoice := func(addr string, i int, attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("invoices").AtSliceIndex(i).AtMapKey(attr), v)
	}
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_invoices" "oldest_first" {
  managed_account_id = %[1]q
  sort               = "period_start"
}

data "telnyx_invoices" "newest_first" {
  managed_account_id = %[1]q
}
`, account.ID)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(oldest, tfjsonpath.New("invoices"), knownvalue.ListSizeExact(2)),
					invoice(oldest, 0, "id", knownvalue.StringExact(lastID)),
					invoice(oldest, 0, "period_start", knownvalue.StringExact(lastMonth.Format("2006-01")+"-01")),
					invoice(oldest, 0, "period_end", knownvalue.StringExact(periodEnd)),
					invoice(oldest, 0, "credits", knownvalue.StringExact("20.00")),
					invoice(oldest, 0, "status", knownvalue.StringExact("paid")),
					invoice(oldest, 0, "paid", knownvalue.Bool(true)),
					invoice(oldest, 0, "currency", knownvalue.StringExact("USD")),
					invoice(oldest, 0, "url", knownvalue.StringExact(srv.URL+"/invoices/"+lastID)),
					invoice(oldest, 0, "file_id", knownvalue.NotNull()),
					invoice(oldest, 1, "id", knownvalue.StringExact(thisID)),
					invoice(oldest, 1, "status", knownvalue.StringExact("open")),
					invoice(oldest, 1, "paid", knownvalue.Bool(false)),
					invoice(oldest, 1, "credits", knownvalue.StringExact("0.00")),
					invoice(newest, 0, "id", knownvalue.StringExact(thisID)),
					invoice(newest, 1, "id", knownvalue.StringExact(lastID)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkInvoice(oldest, 0, "4.75",
						invoiceLine{"adjustments", "", "1", "3.50"}, invoiceLine{"voice", "", "1", "1.25"}),
					checkInvoice(oldest, 1, "5.005",
						invoiceLine{"voice", "", "2", "4.00"}, invoiceLine{"messaging", "", "1", "0.005"}, invoiceLine{"adjustments", "", "1", "1.00"}),
					checkInvoice(newest, 0, "5.005",
						invoiceLine{"voice", "", "2", "4.00"}, invoiceLine{"messaging", "", "1", "0.005"}, invoiceLine{"adjustments", "", "1", "1.00"}),
				),
			},
		},
	})
}

// TestAccInvoicesDataSource_rollup reads the manager's invoice, whose lines
// split the charges of a rollup managed account from the manager's own, and
// the rollup account's invoices: none of its own.
func TestAccInvoicesDataSource_rollup(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := newManagedAccount(t, srv, "Rollup Co", true)
	at := time.Now().UTC()
	postUsage(t, srv, srv.ManagerID, srv.ManagerID, "voice", "1.00", at)
	postUsage(t, srv, srv.ManagerID, rollup.ID, "voice", "0.25", at)
	postUsage(t, srv, srv.ManagerID, rollup.ID, "voice", "0.50", at)
	postUsage(t, srv, srv.ManagerID, rollup.ID, "messaging", "0.005", at)
	const managerAddr, rollupAddr = "data.telnyx_invoices.manager", "data.telnyx_invoices.rollup"
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_invoices" "manager" {}

data "telnyx_invoices" "rollup" {
  managed_account_id = %q
}
`, rollup.ID)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(managerAddr, tfjsonpath.New("invoices"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(managerAddr, tfjsonpath.New("managed_account_id"), knownvalue.Null()),
					// The id digests the query's arguments: pinned, so that an
					// unchanged query keeps its id from one release to the next.
					statecheck.ExpectKnownValue(managerAddr, tfjsonpath.New("id"), knownvalue.StringExact("52f8faa6d65694b0e863cc588fa0edf3")),
					statecheck.ExpectKnownValue(rollupAddr, tfjsonpath.New("invoices"), knownvalue.ListSizeExact(0)),
				},
				Check: checkInvoice(managerAddr, 0, "1.755",
					invoiceLine{"voice", "", "1", "1.00"},
					invoiceLine{"voice", rollup.ID, "2", "0.75"},
					invoiceLine{"messaging", rollup.ID, "1", "0.005"}),
			},
		},
	})
}
