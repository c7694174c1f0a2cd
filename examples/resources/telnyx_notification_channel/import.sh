# A channel of the provider's own account is imported by its id; a channel of
# a managed account as <managed_account_id>/<channel_id>.
terraform import telnyx_notification_channel.customer_webhook 6a09cdc3-8948-47f0-aa62-74ac943d6c58/3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f
