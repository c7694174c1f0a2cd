# The balance of the account whose key configures the provider.
data "telnyx_balance" "current" {}

output "available_credit" {
  value = "${data.telnyx_balance.current.available_credit} ${data.telnyx_balance.current.currency}"
}

# The balance of one of its managed accounts (a managed account with rollup
# billing shows its manager's balance).
data "telnyx_balance" "customer" {
  managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}

output "customer_balance" {
  value = data.telnyx_balance.customer.balance
}
