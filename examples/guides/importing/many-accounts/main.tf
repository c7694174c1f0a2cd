# Terraform 1.7 or later. Import every managed account whose organization
# name contains "acme", keyed by email. The data source is read during the
# plan, so its ids are known when the import blocks are expanded.
data "telnyx_managed_accounts" "acme" {
  organization_name_contains = "acme"
}

locals {
  acme_accounts = { for a in data.telnyx_managed_accounts.acme.managed_accounts : a.email => a }
}

import {
  for_each = local.acme_accounts
  to       = telnyx_managed_account.acme[each.key]
  id       = each.value.id
}

resource "telnyx_managed_account" "acme" {
  for_each = local.acme_accounts

  business_name  = each.value.organization_name
  email          = each.value.email
  rollup_billing = each.value.rollup_billing
  enabled        = each.value.status == "enabled"

  managed_account_allow_custom_pricing = each.value.managed_account_allow_custom_pricing
}
