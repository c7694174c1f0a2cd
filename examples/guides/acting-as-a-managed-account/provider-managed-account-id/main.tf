# A provider configuration that acts as a managed account as a whole: every
# resource and data source that uses it is the account's. The default
# configuration is the manager.
provider "telnyx" {}

# The account must exist before the plan: it is looked up here by email
# (a literal id or a variable works too, but not the id of a
# telnyx_managed_account created in the same run).
data "telnyx_managed_account" "acme" {
  email = "ops@acme.example.com"
}

provider "telnyx" {
  alias              = "acme"
  managed_account_id = data.telnyx_managed_account.acme.id
}

# Acme's own keys, cards and auto-recharge, written as if Acme's key
# configured the provider.
resource "telnyx_api_key" "acme_ci" {
  provider    = telnyx.acme
  description = "Acme CI"
}

data "telnyx_payment_methods" "acme" {
  provider = telnyx.acme
}

# Acme's usage as Acme sees it: counts, never a cost.
data "telnyx_usage_report" "acme_sms" {
  provider   = telnyx.acme
  product    = "messaging"
  dimensions = ["direction"]
  metrics    = ["count", "parts"]
  date_range = "last_7_days"
}
