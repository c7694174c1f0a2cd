variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# By id.
data "telnyx_managed_account" "by_id" {
  id = var.customer_account_id
}

# Or by email.
data "telnyx_managed_account" "by_email" {
  email = "ops@acme.example.com"
}

output "acme_balance" {
  value = data.telnyx_managed_account.by_email.balance.available_credit
}
