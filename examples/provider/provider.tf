terraform {
  required_version = ">= 1.11"

  required_providers {
    telnyx = {
      source  = "managedaccounts/telnyx"
      version = "~> 0.1"
    }
  }
}

# The key of the manager account. Prefer the TELNYX_API_KEY environment
# variable, which keeps it out of the configuration and the plan.
variable "telnyx_api_key" {
  type        = string
  description = "The manager account's API key."
  sensitive   = true
}

provider "telnyx" {
  api_key = var.telnyx_api_key

  # Optional: the live API is the default. Point base_url at a reference
  # backend (or set TELNYX_BASE_URL) to work offline.
  # base_url = "http://127.0.0.1:8787/v2"

  # Optional retry settings (these are the defaults).
  max_retries    = 4
  retry_wait_min = "1s"
  retry_wait_max = "30s"
}

# Another configuration of the provider that acts as one of the manager's
# managed accounts (see the guide "Acting as a managed account").
variable "acme_account_id" {
  type        = string
  description = "Id of one of the manager's managed accounts (TF_VAR_acme_account_id)."
}

provider "telnyx" {
  alias              = "acme"
  api_key            = var.telnyx_api_key
  managed_account_id = var.acme_account_id
}
