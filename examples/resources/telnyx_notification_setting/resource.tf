locals {
  customer_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}

# The catalogue's conditions, by name.
data "telnyx_notification_event_conditions" "balance_below" {
  name = "balance below threshold"
}

data "telnyx_notification_event_conditions" "account_disabled" {
  name = "account disabled"
}

resource "telnyx_notification_profile" "customer_billing" {
  managed_account_id = local.customer_id
  name               = "Billing alerts"
}

resource "telnyx_notification_channel" "customer_webhook" {
  managed_account_id      = local.customer_id
  notification_profile_id = telnyx_notification_profile.customer_billing.id
  channel_type_id         = "webhook"
  channel_destination     = "https://hooks.example.com/telnyx/alerts"
}

# Tell the webhook when the managed account's balance falls below 25.00: once
# per crossing, and again only after the balance has been back above it.
resource "telnyx_notification_setting" "customer_low_balance" {
  managed_account_id              = local.customer_id
  notification_event_condition_id = data.telnyx_notification_event_conditions.balance_below.conditions[0].id
  notification_profile_id         = telnyx_notification_profile.customer_billing.id
  notification_channel_id         = telnyx_notification_channel.customer_webhook.id

  parameters = {
    amount = "25.00"
  }
}

# Without notification_channel_id, every channel of the profile is told.
resource "telnyx_notification_setting" "customer_disabled" {
  managed_account_id              = local.customer_id
  notification_event_condition_id = data.telnyx_notification_event_conditions.account_disabled.conditions[0].id
  notification_profile_id         = telnyx_notification_profile.customer_billing.id
}
