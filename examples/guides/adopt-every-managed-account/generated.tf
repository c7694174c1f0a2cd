# __generated__ by Terraform
# Please review these resources and move them into your main configuration files.

# __generated__ by Terraform
resource "telnyx_managed_account" "all_0" {
  provider                             = telnyx
  business_name                        = "Acme Telecom"
  deletion_policy                      = "disable"
  email                                = "ops@acme.example.com"
  enabled                              = true
  global_channel_limit                 = 0
  managed_account_allow_custom_pricing = false
  password_wo                          = null # sensitive
  password_wo_version                  = null
  rollup_billing                       = false
}

import {
  to       = telnyx_managed_account.all_0
  provider = telnyx
  identity = {
    id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
