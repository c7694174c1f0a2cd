# Every condition an account can be notified of about itself.
data "telnyx_notification_event_conditions" "account" {
  associated_record_type = "account"
}

# One condition, by name: its id is what a telnyx_notification_setting takes.
data "telnyx_notification_event_conditions" "balance_below" {
  name = "balance below threshold"
}

output "conditions" {
  value = {
    for c in data.telnyx_notification_event_conditions.account.conditions : c.name => {
      id         = c.id
      parameters = [for p in c.parameters : "${p.name} (${p.data_type})"]
      channels   = c.supported_channels
    }
  }
}

output "balance_below_threshold_id" {
  value = data.telnyx_notification_event_conditions.balance_below.conditions[0].id
}
