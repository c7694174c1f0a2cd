# The balance of the account whose key configures the provider.
data "telnyx_balance" "current" {}

output "available_credit" {
  value = "${data.telnyx_balance.current.available_credit} ${data.telnyx_balance.current.currency}"
}
