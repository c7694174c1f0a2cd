# The card number and CVC are write-only (Terraform 1.11 or later): they are
# sent to the API once, when the card is created, and never stored in the plan
# or the state. Read them from ephemeral variables (set TF_VAR_card_number and
# TF_VAR_card_cvc: a -var on the command line would be in Terraform's own
# debug log, which records its arguments) or another ephemeral source, not
# from a literal in the configuration.
variable "card_number" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "card_cvc" {
  type      = string
  sensitive = true
  ephemeral = true
}

# The card's expiry, as printed on it (TF_VAR_card_exp_month and
# TF_VAR_card_exp_year): the API refuses a card that has expired.
variable "card_exp_month" {
  type = number
}

variable "card_exp_year" {
  type = number
}

resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"
}

# A card of a managed account, added through the manager's key. The account's
# first card becomes its default. To put a new card in its place, change
# card_number_wo and card_cvc_wo, and bump card_wo_version: the card is
# replaced. The expiry and the billing details change in place.
resource "telnyx_payment_method" "customer" {
  managed_account_id = telnyx_managed_account.customer.id

  card_number_wo  = var.card_number
  card_cvc_wo     = var.card_cvc
  card_wo_version = 1

  exp_month = var.card_exp_month
  exp_year  = var.card_exp_year

  billing_details = {
    name        = "Acme Telecom Accounts Payable"
    postal_code = "94107"
    country     = "US"
  }

  # At most one card per account may say default = true.
  default = true
}

output "customer_card" {
  value = "${telnyx_payment_method.customer.brand} ending in ${telnyx_payment_method.customer.last4}"
}
