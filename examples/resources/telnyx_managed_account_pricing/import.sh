# Custom rates are imported by the identifier of their managed account.
terraform import telnyx_managed_account_pricing.wholesale 6a09cdc3-8948-47f0-aa62-74ac943d6c58
