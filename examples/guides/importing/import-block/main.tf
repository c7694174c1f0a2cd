# Terraform 1.5 or later. Bring an account created in the portal under
# Terraform: the import block names the account; run
#
#   terraform plan -generate-config-out=generated.tf
#
# to have Terraform write the matching resource block, review it, then apply.
import {
  to = telnyx_managed_account.acme
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}

# What -generate-config-out writes, trimmed to the arguments that matter:
# with these values the plan shows the import and no change.
resource "telnyx_managed_account" "acme" {
  business_name                        = "Acme Telecom"
  email                                = "ops@acme.example.com"
  managed_account_allow_custom_pricing = false
  rollup_billing                       = false
}
