# A card of the provider's own account is imported by its id.
terraform import telnyx_payment_method.own 9b0f6a3e-51c4-4d2e-8f7a-0c1d2e3f4a5b

# A card of a managed account is imported as <managed_account_id>/<payment_method_id>.
terraform import telnyx_payment_method.customer 6a09cdc3-8948-47f0-aa62-74ac943d6c58/9b0f6a3e-51c4-4d2e-8f7a-0c1d2e3f4a5b
