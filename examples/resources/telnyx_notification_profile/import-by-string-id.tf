# A profile of the provider's own account: its id.
import {
  to = telnyx_notification_profile.ops
  id = "0f1e2d3c-4b5a-4697-8877-665544332211"
}

# A profile of a managed account: <managed_account_id>/<profile_id>.
import {
  to = telnyx_notification_profile.customer_billing
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58/12455643-3cf1-4683-ad23-1cd32f7d5e0a"
}
