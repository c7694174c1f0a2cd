# The configuration `make demo` applies against the reference backend.
# It holds no secret: the provider reads TELNYX_API_KEY and TELNYX_BASE_URL
# from the environment (make demo sets both; see .demo/env).
terraform {
  required_version = ">= 1.11"

  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {}

# Billed to the manager: its charges land on the manager's balance.
resource "telnyx_managed_account" "acme" {
  business_name  = "Acme Telecom"
  email          = "acme@demo.example.com"
  rollup_billing = true
}

# Its own balance, and 25 of the manager's outbound channels.
resource "telnyx_managed_account" "globex" {
  business_name        = "Globex Voice"
  email                = "globex@demo.example.com"
  global_channel_limit = 25
}

# Created, then disabled: its API keys are refused until it is enabled again.
resource "telnyx_managed_account" "initech" {
  business_name = "Initech"
  email         = "initech@demo.example.com"
  enabled       = false
}

# The manager's own balance (the account whose key configures the provider).
data "telnyx_balance" "manager" {}

# Every managed account of the manager, read after the ones above exist.
data "telnyx_managed_accounts" "all" {
  sort = "email"

  depends_on = [
    telnyx_managed_account.acme,
    telnyx_managed_account.globex,
    telnyx_managed_account.initech,
  ]
}

output "managed_account_ids" {
  description = "Ids of the managed accounts this configuration manages."
  value = {
    acme    = telnyx_managed_account.acme.id
    globex  = telnyx_managed_account.globex.id
    initech = telnyx_managed_account.initech.id
  }
}

output "managed_account_status" {
  description = "Status of every managed account of the manager, by email."
  value       = { for a in data.telnyx_managed_accounts.all.managed_accounts : a.email => a.status }
}

output "manager_balance" {
  description = "The manager's balance."
  value = {
    balance          = data.telnyx_balance.manager.balance
    credit_limit     = data.telnyx_balance.manager.credit_limit
    available_credit = data.telnyx_balance.manager.available_credit
    currency         = data.telnyx_balance.manager.currency
  }
}
