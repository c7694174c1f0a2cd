# Terraform 1.12 or later. A profile of the provider's own account: its id alone.
import {
  to = telnyx_notification_profile.ops
  identity = {
    id = "0f1e2d3c-4b5a-4697-8877-665544332211"
  }
}

# A profile of a managed account: the account's id and the profile's.
import {
  to = telnyx_notification_profile.customer_billing
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
    id                 = "12455643-3cf1-4683-ad23-1cd32f7d5e0a"
  }
}
