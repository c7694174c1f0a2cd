# Terraform 1.14 or later. A new customer's account, topped up with its own
# card when Terraform adds the card, and again by hand, once per command:
#
#   terraform apply -invoke=action.telnyx_top_up.more
#
# (Without managed_account_id, an action tops up the provider's own account.)
resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"
}

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
# TF_VAR_card_exp_year).
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

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_top_up.first_card]
    }
  }
}

action "telnyx_top_up" "first_card" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "50.00"
  }
}

action "telnyx_top_up" "more" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "100.00"
  }
}
