resource "telnyx_notification_profile" "customer_billing" {
  managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  name               = "Billing alerts"
}

# The managed account's alerts are POSTed to a webhook, signed with Ed25519
# (see the guide "Alert when a customer's balance runs low" to verify them).
resource "telnyx_notification_channel" "customer_webhook" {
  managed_account_id      = telnyx_notification_profile.customer_billing.managed_account_id
  notification_profile_id = telnyx_notification_profile.customer_billing.id
  channel_type_id         = "webhook"
  channel_destination     = "https://hooks.example.com/telnyx/alerts"
}

# ... and sent by email to the customer's billing contact.
resource "telnyx_notification_channel" "customer_email" {
  managed_account_id      = telnyx_notification_profile.customer_billing.managed_account_id
  notification_profile_id = telnyx_notification_profile.customer_billing.id
  channel_type_id         = "email"
  channel_destination     = "billing@acme.example.com"
}
