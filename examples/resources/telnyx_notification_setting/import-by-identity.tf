# Terraform 1.12 or later. A setting of a managed account: the account's id
# and the setting's (managed_account_id is left out for a setting of the
# provider's own account).
import {
  to = telnyx_notification_setting.customer_low_balance
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
    id                 = "8eb5b5f9-5893-423c-9f15-b487713d44d4"
  }
}
