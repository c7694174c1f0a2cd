variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# The balance of the account whose key configures the provider.
data "telnyx_balance" "current" {}

output "available_credit" {
  value = "${data.telnyx_balance.current.available_credit} ${data.telnyx_balance.current.currency}"
}

# The balance of one of its managed accounts (a managed account with rollup
# billing shows its manager's balance).
data "telnyx_balance" "customer" {
  managed_account_id = var.customer_account_id
}

output "customer_balance" {
  value = data.telnyx_balance.customer.balance
}
