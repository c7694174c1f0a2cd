# One manager, its customers as managed accounts, and an alert per customer
# when its balance runs low, to the manager's webhook receiver.

variable "customers" {
  description = "The managed accounts, by a key of yours: each one's name and the balance to be alerted under."
  type = map(object({
    business_name = string
    low_balance   = string # a decimal amount, such as "20.00"
  }))
  default = {
    globex = {
      business_name = "Globex Corporation"
      low_balance   = "20.00"
    }
    initech = {
      business_name = "Initech"
      low_balance   = "50.00"
    }
  }
}

variable "alert_webhook_url" {
  description = "The manager's webhook receiver: every customer's alerts are POSTed there."
  type        = string
  default     = "http://127.0.0.1:8788/telnyx/balance-alerts"
}

resource "telnyx_managed_account" "customer" {
  for_each = var.customers

  business_name = each.value.business_name
}

# The condition, by name: its id is the same for every account.
data "telnyx_notification_event_conditions" "balance_below" {
  name = "balance below threshold"
}

# Each alert lives on the customer's account (managed_account_id): the
# provider acts as it with the manager's key.
resource "telnyx_notification_profile" "billing" {
  for_each = telnyx_managed_account.customer

  managed_account_id = each.value.id
  name               = "Billing alerts"
}

resource "telnyx_notification_channel" "manager_webhook" {
  for_each = telnyx_notification_profile.billing

  managed_account_id      = each.value.managed_account_id
  notification_profile_id = each.value.id
  channel_type_id         = "webhook"
  channel_destination     = var.alert_webhook_url
}

resource "telnyx_notification_setting" "low_balance" {
  for_each = telnyx_notification_channel.manager_webhook

  managed_account_id              = each.value.managed_account_id
  notification_event_condition_id = data.telnyx_notification_event_conditions.balance_below.conditions[0].id
  notification_profile_id         = each.value.notification_profile_id
  notification_channel_id         = each.value.id

  parameters = {
    amount = var.customers[each.key].low_balance
  }
}

# Which managed account is which customer, to read the alerts' payloads
# (data.payload.account_id).
output "customer_accounts" {
  value = { for k, a in telnyx_managed_account.customer : k => a.id }
}
