# A key of the provider's own account for a CI system, rotated every quarter:
# changing rotation_triggers creates a new key, and create_before_destroy
# revokes the old one only once the new one exists.
resource "telnyx_api_key" "ci" {
  description = "CI deployments"
  tags        = ["ci", "production"]

  rotation_triggers = {
    quarter = "2026-Q1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# A key of a managed account, created through the manager's key, that stops
# working at the end of the year. Set enabled = false to suspend it.
resource "telnyx_managed_account" "customer" {
  business_name = "Acme Telecom"
}

resource "telnyx_api_key" "customer_integration" {
  managed_account_id = telnyx_managed_account.customer.id
  description        = "Acme's CRM integration"
  expires_at         = "2026-12-31T23:59:59Z"
  enabled            = true
}

# The key itself is known only from creation; it is sensitive.
output "customer_integration_key" {
  value     = telnyx_api_key.customer_integration.secret
  sensitive = true
}
