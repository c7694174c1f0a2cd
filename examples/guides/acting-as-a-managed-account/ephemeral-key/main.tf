# Terraform 1.10 or later. A key of the managed account that exists only
# while Terraform runs: created when the run needs it, revoked when the run
# ends, and never written to the plan or the state.
provider "telnyx" {}

variable "acme_account_id" {
  type        = string
  description = "Identifier of the managed account to act as."
}

ephemeral "telnyx_api_key" "acme" {
  managed_account_id = var.acme_account_id
  description        = "Terraform run"
  ttl                = "30m"
}

# A provider configuration that authenticates with that key: it is the
# managed account, as any client holding the key would be.
provider "telnyx" {
  alias   = "acme"
  api_key = ephemeral.telnyx_api_key.acme.secret
}

data "telnyx_balance" "acme" {
  provider = telnyx.acme
}

data "telnyx_invoices" "acme" {
  provider = telnyx.acme
}

output "acme_balance" {
  value = "${data.telnyx_balance.acme.balance} ${data.telnyx_balance.acme.currency}"
}
