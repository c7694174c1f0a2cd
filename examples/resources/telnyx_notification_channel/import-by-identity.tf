# Terraform 1.12 or later. A channel of a managed account: the account's id
# and the channel's (managed_account_id is left out for a channel of the
# provider's own account).
import {
  to = telnyx_notification_channel.customer_webhook
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
    id                 = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  }
}
