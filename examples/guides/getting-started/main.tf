# A first configuration against the reference backend. The provider reads
# TELNYX_API_KEY (the bootstrap manager's key) and TELNYX_BASE_URL
# (http://127.0.0.1:8787/v2) from the environment.
terraform {
  required_version = ">= 1.11"

  required_providers {
    telnyx = {
      source  = "managedaccounts/telnyx"
      version = "~> 0.1" # checked when installing from a registry, not under dev_overrides
    }
  }
}

provider "telnyx" {}

# A customer of the manager, with its own balance.
resource "telnyx_managed_account" "acme" {
  business_name = "Acme Telecom"
  email         = "admin@acme.example.com"
}

# An API key of that customer, for its own integration.
resource "telnyx_api_key" "acme_crm" {
  managed_account_id = telnyx_managed_account.acme.id
  description        = "Acme's CRM integration"
}

# The manager's balance, and the customer's.
data "telnyx_balance" "manager" {}

data "telnyx_balance" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
}

output "acme_id" {
  value = telnyx_managed_account.acme.id
}

output "balances" {
  value = {
    manager = "${data.telnyx_balance.manager.balance} ${data.telnyx_balance.manager.currency}"
    acme    = "${data.telnyx_balance.acme.balance} ${data.telnyx_balance.acme.currency}"
  }
}

output "acme_crm_key" {
  value     = telnyx_api_key.acme_crm.secret
  sensitive = true
}
