# The key of the manager account; prefer the TELNYX_API_KEY environment
# variable to keep it out of the configuration.
variable "telnyx_api_key" {
  type      = string
  sensitive = true
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
