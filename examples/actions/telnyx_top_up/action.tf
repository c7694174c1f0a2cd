# Terraform 1.14 or later. Top the provider's own account up by hand, once per
# command:
#
#   terraform apply -invoke=action.telnyx_top_up.manager
action "telnyx_top_up" "manager" {
  config {
    amount = "100.00"
  }
}

# Top a new customer's account up with its own card, when Terraform adds the
# card.
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

resource "telnyx_payment_method" "customer" {
  managed_account_id = telnyx_managed_account.customer.id
  card_number_wo     = var.card_number
  card_cvc_wo        = var.card_cvc
  card_wo_version    = 1
  exp_month          = 12
  exp_year           = 2030

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
