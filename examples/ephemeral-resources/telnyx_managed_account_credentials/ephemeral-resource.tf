# Terraform 1.10 or later. The provider authenticates as the manager.
provider "telnyx" {}

variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# The customer's primary credentials, read through the manager's key each
# time Terraform needs them and never written to the plan or the state.
# Whatever receives them acts as the customer until the account is disabled:
# hand them only to what cannot take a key of its own (telnyx_api_key).
ephemeral "telnyx_managed_account_credentials" "customer" {
  managed_account_id = var.customer_account_id
}

# Only ephemeral places accept them: a provider block, as here, or a
# write-only argument of another provider's resource.
provider "telnyx" {
  alias   = "customer"
  api_key = ephemeral.telnyx_managed_account_credentials.customer.api_key
}

data "telnyx_balance" "customer" {
  provider = telnyx.customer
}
