# Terraform 1.14 or later. A welcome credit from the manager's balance when
# Terraform creates a managed account.
resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.telnyx_balance_transfer.welcome]
    }
  }
}

action "telnyx_balance_transfer" "welcome" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "25.00"
    description        = "Welcome credit"
  }
}

# And more when you decide to, once per command:
#
#   terraform apply -invoke=action.telnyx_balance_transfer.goodwill
action "telnyx_balance_transfer" "goodwill" {
  config {
    managed_account_id = telnyx_managed_account.customer.id
    amount             = "10.00"
    description        = "Goodwill credit"
  }
}
