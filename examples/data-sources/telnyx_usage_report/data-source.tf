variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# The manager's view: January's messaging usage of every managed account, by
# account (user_id) and direction, with cost. A closed month's report never
# changes: these dates stay valid (date_range, below, follows the calendar).
data "telnyx_usage_report" "customers" {
  all_managed_accounts = true
  product              = "messaging"
  dimensions           = ["direction"]
  metrics              = ["count", "parts", "cost"]
  start_date           = "2026-01-01T00:00:00Z"
  end_date             = "2026-02-01T00:00:00Z" # excluded
}

output "messaging_cost_by_account" {
  value = {
    for r in data.telnyx_usage_report.customers.rows :
    "${r.dimensions.user_id} ${r.dimensions.direction}" => r.metrics.cost
  }
}

# One managed account's own view of its last week of voice usage by day: the
# provider acts as the account, which sees no cost.
data "telnyx_usage_report" "customer_voice" {
  managed_account_id = var.customer_account_id
  product            = "voice"
  dimensions         = ["date", "direction"]
  metrics            = ["count", "billed_sec"]
  date_range         = "last_7_days"

  filters = {
    country_iso = "US"
  }
}
