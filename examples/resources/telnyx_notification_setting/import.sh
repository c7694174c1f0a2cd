# A setting of the provider's own account is imported by its id; a setting of
# a managed account as <managed_account_id>/<setting_id>.
terraform import telnyx_notification_setting.customer_low_balance 6a09cdc3-8948-47f0-aa62-74ac943d6c58/8eb5b5f9-5893-423c-9f15-b487713d44d4
