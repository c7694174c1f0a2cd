# A managed account billed to its manager (rollup_billing = true): no
# balance, card or invoice of its own. Its charges land on the manager's
# ledger, tagged with the account; the manager's invoices carry a line per
# managed account. rollup_billing cannot change once the account exists:
# changing it creates a new account.
resource "telnyx_managed_account" "globex" {
  business_name  = "Globex Voice"
  rollup_billing = true
}

# The shared balance: reading the managed account's balance shows the
# manager's.
data "telnyx_balance" "globex" {
  managed_account_id = telnyx_managed_account.globex.id
}

# The manager's own invoices, with the lines of each managed account.
data "telnyx_invoices" "manager" {}

output "globex_charges_by_month" {
  value = {
    for inv in data.telnyx_invoices.manager.invoices : inv.period_start => [
      for l in inv.lines : "${l.product}: ${l.amount} ${inv.currency}"
      if l.managed_account_id == telnyx_managed_account.globex.id
    ]
  }
}
