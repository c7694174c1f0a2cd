variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# A managed account's invoices, oldest first, with their lines.
data "telnyx_invoices" "customer" {
  managed_account_id = var.customer_account_id
  sort               = "period_start"
}

output "customer_invoices" {
  value = {
    for inv in data.telnyx_invoices.customer.invoices : inv.period_start => {
      status = inv.status
      total  = "${inv.total} ${inv.currency}"
      lines  = { for l in inv.lines : l.product => l.amount }
    }
  }
}

# The provider's own invoices, newest first. Under rollup billing, a line's
# managed_account_id names the managed account whose charges it bills.
data "telnyx_invoices" "own" {}

output "latest_invoice_total" {
  value = try(data.telnyx_invoices.own.invoices[0].total, null)
}
