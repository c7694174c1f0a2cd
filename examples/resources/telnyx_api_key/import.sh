# A key of the provider's own account is imported by its id. The key itself
# (secret) cannot be recovered: the API shows it only when the key is created,
# so it is null after an import; rotate the key to get a new secret into the
# state. An imported key has no rotation_triggers: adding them replaces it.
terraform import telnyx_api_key.ci 2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60

# A key of a managed account is imported as <managed_account_id>/<key_id>.
terraform import telnyx_api_key.customer_integration 6a09cdc3-8948-47f0-aa62-74ac943d6c58/2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60

# With Terraform 1.5 or later, an import block does the same during plan:
#
# import {
#   to = telnyx_api_key.customer_integration
#   id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58/2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60"
# }
