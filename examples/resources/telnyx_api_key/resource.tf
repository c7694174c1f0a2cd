# A key of the provider's own account for a CI system, rotated by hand every
# quarter: changing a value of rotation_triggers creates a new key, and
# create_before_destroy revokes the old one only once the new one exists.
resource "telnyx_api_key" "ci" {
  description = "CI deployments"
  tags        = ["ci", "production"]

  rotation_triggers = {
    quarter = "2026-Q1" # a label, not a date: write the next one to rotate
  }

  lifecycle {
    create_before_destroy = true
  }
}

# A key of a managed account, created through the manager's key, that works
# for a year. plantimestamp() is the time of the plan; ignore_changes keeps
# the expiry the key was created with (a later plan would otherwise move it,
# and a new expiry creates a new key). Once the key has expired it leaves the
# state, and the next apply creates a new one for another year. Set
# enabled = false to suspend it.
resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"
}

resource "telnyx_api_key" "customer_integration" {
  managed_account_id = telnyx_managed_account.customer.id
  description        = "Acme's CRM integration"
  expires_at         = timeadd(plantimestamp(), "8760h") # a year from now
  enabled            = true

  lifecycle {
    ignore_changes = [expires_at]
  }
}

# The key itself is known only from creation; it is sensitive.
output "customer_integration_key" {
  value     = telnyx_api_key.customer_integration.secret
  sensitive = true
}
