# Terraform 1.10 or later. The provider authenticates as the manager.
provider "telnyx" {}

variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# A key of the managed account that exists only while Terraform runs: created
# when the run opens it (working for at most ttl) and revoked when it ends.
# It is never written to the plan or the state.
ephemeral "telnyx_api_key" "customer" {
  managed_account_id = var.customer_account_id
  description        = "Terraform run"
  ttl                = "30m"
}

# A second provider configuration that acts as the managed account with it.
provider "telnyx" {
  alias   = "customer"
  api_key = ephemeral.telnyx_api_key.customer.secret
}

data "telnyx_balance" "customer" {
  provider = telnyx.customer
}
