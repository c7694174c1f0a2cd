# Keys that rotate without downtime. Changing any value of rotation_triggers
# replaces the key; create_before_destroy makes Terraform create the new key,
# update everything that reads its secret, and only then revoke the old one.

variable "deploy_key_generation" {
  type        = number
  description = "Bump to rotate the deployment key now (after a leak, say)."
  default     = 1
}

# Rotated on demand.
resource "telnyx_api_key" "deploy" {
  description = "Deployments"
  tags        = ["deploy"]

  rotation_triggers = {
    generation = var.deploy_key_generation
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "telnyx_managed_account" "acme" {
  business_name = "Acme Telecom"
}

# Rotated every month: the first plan of a new month sees a new trigger
# value. plantimestamp() is the time of the plan, known while planning.
# expires_at bounds the damage if a rotation is missed: the key stops working
# 90 days after its month began, whatever happens.
locals {
  rotation_month = formatdate("YYYY-MM", plantimestamp())
}

resource "telnyx_api_key" "acme_integration" {
  managed_account_id = telnyx_managed_account.acme.id
  description        = "Acme integration"
  expires_at         = timeadd("${local.rotation_month}-01T00:00:00Z", "2160h")

  rotation_triggers = {
    month = local.rotation_month
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Whatever consumes the key reads it from here (or from a secret store this
# configuration writes it to); it sees the new key in the same apply.
output "acme_integration_key" {
  value     = telnyx_api_key.acme_integration.secret
  sensitive = true
}
