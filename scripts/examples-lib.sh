# shellcheck shell=bash
# What the scripts that run the examples share (validate-examples.sh,
# apply-examples.sh): the provider built from this tree, a CLI configuration
# that points Terraform and OpenTofu at it, the list of example folders, and
# a copy of a folder to run in. Sourced, not run; $root is the repository.

# example_build_provider DIR builds the provider from this tree into DIR.
example_build_provider() {
  go build -trimpath -o "$1/terraform-provider-telnyx" "$root"
}

# example_cli_config FILE DIR writes a CLI configuration to FILE whose
# dev_overrides make Terraform and OpenTofu use the provider in DIR, under
# the provider's address on each registry, without `terraform init`: nothing
# is downloaded. The examples must use no other provider.
example_cli_config() {
  cat >"$1" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/managedaccounts/telnyx" = "$2"
    "registry.opentofu.org/managedaccounts/telnyx" = "$2"
  }
  # Any other provider would need a registry: there is none offline.
}
EOF
}

# example_dirs prints every example folder (one that holds .tf or .tfquery.hcl
# files), relative to $root, sorted.
example_dirs() {
  (cd "$root" && find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -exec dirname {} \; | sort -u)
}

# example_copy DIR DEST copies the example folder DIR (relative to $root)
# into DEST, without the working files a run may have left in the tree, so
# that runs leave nothing behind. A folder without a required_providers block
# gets one (source managedaccounts/telnyx) in its copy: examples in the docs
# leave it out for brevity, and the CLI would otherwise look for
# hashicorp/telnyx.
example_copy() {
  mkdir -p "$2"
  (cd "$root/$1" && tar -cf - --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate*' .) | tar -xf - -C "$2"
  if ! grep -qs 'required_providers' "$root/$1"/*.tf; then
    cat >"$2/zz_required_providers.tf" <<'EOF'
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}
EOF
  fi
}

# example_cli_name CLI prints what `CLI version` says it is, such as
# "Terraform v1.11.4" or "OpenTofu v1.12.6".
example_cli_name() {
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | sed -n 1p
}
