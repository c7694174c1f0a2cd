# A profile of a managed account, created through the manager's key: the
# channels its alerts go to (telnyx_notification_channel) belong to it.
resource "telnyx_notification_profile" "customer_billing" {
  managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  name               = "Billing alerts"
}

# A profile of the provider's own account.
resource "telnyx_notification_profile" "ops" {
  name = "Operations"
}
