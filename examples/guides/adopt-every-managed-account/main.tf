# The configuration that will manage the adopted accounts. The provider reads
# the manager's key from TELNYX_API_KEY (and, for a reference backend,
# TELNYX_BASE_URL), so that no key is written here.
terraform {
  required_version = ">= 1.14"

  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {}
