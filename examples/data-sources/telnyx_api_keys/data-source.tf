variable "customer_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_customer_account_id)."
}

# The disabled keys of the provider's own account.
data "telnyx_api_keys" "disabled" {
  status = "disabled"
}

# Every key of a managed account that is not revoked (no secrets are listed).
data "telnyx_api_keys" "customer" {
  managed_account_id = var.customer_account_id
}

output "customer_keys" {
  value = {
    for k in data.telnyx_api_keys.customer.api_keys : k.id => {
      masked_key   = k.masked_key
      status       = k.status
      last_used_at = k.last_used_at
    }
  }
}
