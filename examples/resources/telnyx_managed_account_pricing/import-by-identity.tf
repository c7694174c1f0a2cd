# Terraform 1.12 or later: custom rates are named by their managed account.
import {
  to = telnyx_managed_account_pricing.wholesale
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
