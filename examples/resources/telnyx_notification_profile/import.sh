# A profile of the provider's own account is imported by its id.
terraform import telnyx_notification_profile.ops 0f1e2d3c-4b5a-4697-8877-665544332211

# A profile of a managed account is imported as <managed_account_id>/<profile_id>.
terraform import telnyx_notification_profile.customer_billing 6a09cdc3-8948-47f0-aa62-74ac943d6c58/12455643-3cf1-4683-ad23-1cd32f7d5e0a
