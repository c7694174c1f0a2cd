variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# The cards of a managed account, newest first. No card number or CVC is
# listed: only what identifies a card.
data "telnyx_payment_methods" "customer" {
  managed_account_id = var.customer_account_id
}

output "customer_cards" {
  value = [
    for pm in data.telnyx_payment_methods.customer.payment_methods :
    "${pm.brand} ending in ${pm.last4}, expires ${pm.exp_month}/${pm.exp_year}${pm.default ? " (default)" : ""}"
  ]
}

output "customer_default_card" {
  value = data.telnyx_payment_methods.customer.default_payment_method_id
}
