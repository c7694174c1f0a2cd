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

# Its own balance, 25 of the manager's outbound channels, and prices of its
# own (below) instead of the manager's.
resource "telnyx_managed_account" "globex" {
  business_name                        = "Globex Voice"
  email                                = "globex@demo.example.com"
  global_channel_limit                 = 25
  managed_account_allow_custom_pricing = true
}

# Globex's custom rates for outbound SMS to the US and the UK; the rest of its
# usage is rated at the manager's rates. Globex itself never sees a rate.
resource "telnyx_managed_account_pricing" "globex" {
  managed_account_id = telnyx_managed_account.globex.id

  rates = [
    {
      product      = "messaging"
      direction    = "outbound"
      message_type = "SMS"
      country_iso  = "US"
      rate         = "0.0035" # per message part; the list price is 0.004
    },
    {
      product      = "messaging"
      direction    = "outbound"
      message_type = "SMS"
      country_iso  = "GB"
      rate         = "0.03"
    },
  ]
}

# A low-balance alert for Globex, wired by the manager acting as Globex
# (managed_account_id): when Globex's balance falls below 0.95 (make demo
# credits it 1.00, then its usage takes it under), the backend POSTs a signed
# webhook to the receiver make demo starts.
variable "alert_webhook_url" {
  description = "Where Globex's low-balance alert is POSTed: make demo's webhook receiver."
  type        = string
  default     = "http://127.0.0.1:8788/demo/alerts"
}

data "telnyx_notification_event_conditions" "balance_below" {
  name = "balance below threshold"
}

resource "telnyx_notification_profile" "globex_alerts" {
  managed_account_id = telnyx_managed_account.globex.id
  name               = "Billing alerts"
}

resource "telnyx_notification_channel" "globex_webhook" {
  managed_account_id      = telnyx_managed_account.globex.id
  notification_profile_id = telnyx_notification_profile.globex_alerts.id
  channel_type_id         = "webhook"
  channel_destination     = var.alert_webhook_url
}

resource "telnyx_notification_setting" "globex_low_balance" {
  managed_account_id              = telnyx_managed_account.globex.id
  notification_event_condition_id = data.telnyx_notification_event_conditions.balance_below.conditions[0].id
  notification_profile_id         = telnyx_notification_profile.globex_alerts.id
  notification_channel_id         = telnyx_notification_channel.globex_webhook.id

  parameters = {
    amount = "0.95"
  }
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

# Usage reports of the last 7 days. `make demo` ingests messaging usage for
# Acme and Globex after the first apply and applies again, so that these read it.

# Acme's own view: the provider acts as Acme, which sees its usage but never
# a cost or a rate.
data "telnyx_usage_report" "acme_messaging" {
  managed_account_id = telnyx_managed_account.acme.id
  product            = "messaging"
  dimensions         = ["direction", "country_iso", "message_type"]
  metrics            = ["count", "parts"]
  date_range         = "last_7_days"
}

# The manager's view of every managed account (the user_id dimension), with
# the cost of each account's usage at the rates it pays.
data "telnyx_usage_report" "managed_accounts_messaging" {
  all_managed_accounts = true
  product              = "messaging"
  dimensions           = ["direction", "country_iso"]
  metrics              = ["count", "parts", "cost"]
  date_range           = "last_7_days"

  depends_on = [telnyx_managed_account_pricing.globex]
}

locals {
  account_names = {
    (telnyx_managed_account.acme.id)    = "acme"
    (telnyx_managed_account.globex.id)  = "globex"
    (telnyx_managed_account.initech.id) = "initech"
  }
}

output "acme_usage_as_acme" {
  description = "Acme's messaging of the last 7 days as Acme sees it: counts, no cost."
  value = {
    for r in data.telnyx_usage_report.acme_messaging.rows :
    "${r.dimensions.direction} ${r.dimensions.message_type} ${r.dimensions.country_iso}" => r.metrics
  }
}

output "managed_accounts_usage_with_cost" {
  description = "Messaging of the last 7 days of every managed account, as the manager sees it: with cost (USD)."
  value = {
    for r in data.telnyx_usage_report.managed_accounts_messaging.rows :
    "${lookup(local.account_names, r.dimensions.user_id, r.dimensions.user_id)} ${r.dimensions.direction} ${r.dimensions.country_iso}" => r.metrics
  }
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

output "globex_low_balance_alert" {
  description = "Globex's low-balance alert: the threshold and where it is sent."
  value = {
    threshold = telnyx_notification_setting.globex_low_balance.parameters.amount
    webhook   = telnyx_notification_channel.globex_webhook.channel_destination
  }
}
