# A managed account with a balance of its own (rollup_billing = false, the
# default): it pays for its usage with its own card, keeps itself topped up
# with auto-recharge, and gets invoices of its own.
resource "telnyx_managed_account" "acme" {
  business_name = "Acme Telecom"
}

variable "acme_card_number" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "acme_card_cvc" {
  type      = string
  sensitive = true
  ephemeral = true
}

# The card's expiry, as printed on it.
variable "acme_card_exp_month" {
  type = number
}

variable "acme_card_exp_year" {
  type = number
}

resource "telnyx_payment_method" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
  card_number_wo     = var.acme_card_number
  card_cvc_wo        = var.acme_card_cvc
  card_wo_version    = 1
  exp_month          = var.acme_card_exp_month
  exp_year           = var.acme_card_exp_year
  default            = true

  billing_details = {
    name    = "Acme Telecom Accounts Payable"
    country = "US"
  }
}

# Below 20.00, the default card is charged what brings the balance back to
# 20.00, plus 50.00.
resource "telnyx_auto_recharge" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
  threshold_amount   = "20.00"
  recharge_amount    = "50.00"

  depends_on = [telnyx_payment_method.acme]
}

data "telnyx_balance" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
}

data "telnyx_invoices" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
}

output "acme_available_credit" {
  value = "${data.telnyx_balance.acme.available_credit} ${data.telnyx_balance.acme.currency}"
}
