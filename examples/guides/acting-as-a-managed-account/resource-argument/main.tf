# The managed_account_id argument of a resource or data source: the one
# object is created or read as that managed account. It may refer to an
# account created in the same configuration.
resource "telnyx_managed_account" "acme" {
  business_name = "Acme Telecom"
}

resource "telnyx_api_key" "acme_billing_export" {
  managed_account_id = telnyx_managed_account.acme.id
  description        = "Nightly billing export"
}

data "telnyx_invoices" "acme" {
  managed_account_id = telnyx_managed_account.acme.id
}
