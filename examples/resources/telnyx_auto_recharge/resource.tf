resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"
}

# Set through TF_VAR_card_number, TF_VAR_card_cvc, TF_VAR_card_exp_month and
# TF_VAR_card_exp_year (see telnyx_payment_method).
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

variable "card_exp_month" {
  type = number
}

variable "card_exp_year" {
  type = number
}

resource "telnyx_payment_method" "customer" {
  managed_account_id = telnyx_managed_account.customer.id
  card_number_wo     = var.card_number
  card_cvc_wo        = var.card_cvc
  card_wo_version    = 1
  exp_month          = var.card_exp_month
  exp_year           = var.card_exp_year

  billing_details = {
    name    = "Acme Telecom Accounts Payable"
    country = "US"
  }
}

# When a charge takes the managed account's balance under 20.00, its default
# card is charged what brings the balance back to 20.00, plus 50.00.
# Auto-recharge needs a default card: depends_on creates the card first, and
# turns auto-recharge off (on destroy) before the card is deleted.
resource "telnyx_auto_recharge" "customer" {
  managed_account_id = telnyx_managed_account.customer.id
  threshold_amount   = "20.00"
  recharge_amount    = "50.00"

  depends_on = [telnyx_payment_method.customer]
}
