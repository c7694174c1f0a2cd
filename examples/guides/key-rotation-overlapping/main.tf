# Two keys that take turns, for consumers that pick up a new key on their
# own schedule: each key lives two months and is replaced in alternate
# months, so that the other one has always been valid for a month. Hand
# consumers `current`; the previous key keeps working until its own turn.
locals {
  plan_month = tonumber(formatdate("YYYY", plantimestamp())) * 12 + tonumber(formatdate("M", plantimestamp())) - 1

  # Key "a" is replaced when plan_month becomes even, key "b" when it
  # becomes odd.
  key_periods = {
    a = floor(local.plan_month / 2)
    b = floor((local.plan_month + 1) / 2)
  }
  current_key = local.plan_month % 2 == 0 ? "a" : "b"
}

resource "telnyx_api_key" "partner" {
  for_each = local.key_periods

  description = "Partner feed (${each.key})"

  rotation_triggers = {
    period = each.value
  }
}

output "current" {
  description = "The key that was created most recently; the other one still works for a month."
  value       = telnyx_api_key.partner[local.current_key].secret
  sensitive   = true
}
