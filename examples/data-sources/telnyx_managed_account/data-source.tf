# By id.
data "telnyx_managed_account" "by_id" {
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}

# Or by email.
data "telnyx_managed_account" "by_email" {
  email = "ops@acme.example.com"
}

output "acme_balance" {
  value = data.telnyx_managed_account.by_email.balance.available_credit
}
