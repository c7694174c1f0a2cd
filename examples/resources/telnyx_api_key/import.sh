# A key of the provider's own account is imported by its id.
terraform import telnyx_api_key.ci 2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60

# A key of a managed account is imported as <managed_account_id>/<key_id>.
terraform import telnyx_api_key.customer_integration 6a09cdc3-8948-47f0-aa62-74ac943d6c58/2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60
