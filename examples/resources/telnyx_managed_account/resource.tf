# A managed account with its own balance.
resource "telnyx_managed_account" "example" {
  business_name = "Acme Telecom"
  email         = "accounts@acme.example.com"

  managed_account_allow_custom_pricing = true
  global_channel_limit                 = 25
}

# Billed to the manager, created disabled, with a write-only password
# (Terraform 1.11+): bump password_wo_version to send a new password.
variable "initial_password" {
  type        = string
  description = "The account's first password, 8 to 72 characters: set TF_VAR_initial_password."
  sensitive   = true
  ephemeral   = true
}

resource "telnyx_managed_account" "rollup" {
  business_name  = "Globex Voice"
  rollup_billing = true
  enabled        = false

  password_wo         = var.initial_password
  password_wo_version = 1

  # Destroying this resource removes it from the Terraform state and sends
  # nothing: the account stays as it then is (here disabled; enabled again,
  # it would stay enabled).
  deletion_policy = "abandon"
}

# Act as the managed account through the manager's key: the provider fetches
# the account's own key in memory, and the state never holds it.
data "telnyx_balance" "example" {
  managed_account_id = telnyx_managed_account.example.id
}
