# A managed account is imported by its id. Its password is write-only and
# cannot be read back; deletion_policy takes its default, "disable".
terraform import telnyx_managed_account.example 6a09cdc3-8948-47f0-aa62-74ac943d6c58
