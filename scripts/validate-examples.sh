#!/usr/bin/env bash
# Checks every Terraform example under examples/ (those the docs include, the
# guides' snippets and the demo): `terraform fmt -check`, then `terraform
# validate` of each folder that holds .tf files (and of its tests/*.tftest.hcl)
# against the provider built from this tree.
#
# Nothing is downloaded. The provider is built into a temporary folder and
# a generated CLI configuration points Terraform at it with dev_overrides,
# which skip `terraform init` for this provider; the examples must use no
# other provider. Each folder is validated in a temporary copy, so that no
# .terraform folder or lock file lands in the tree. A folder without a
# required_providers block gets one (source managedaccounts/telnyx) in its
# copy: examples in the docs leave it out for brevity, and Terraform would
# otherwise look for hashicorp/telnyx.
#
# Usage: scripts/validate-examples.sh [DIR...]   (default: every folder under examples/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

command -v terraform >/dev/null 2>&1 || {
  echo "validate-examples: terraform is not on PATH (Terraform 1.11 or later is needed)." >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/validate-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Building the provider into $work/bin"
go build -trimpath -o "$work/bin/terraform-provider-telnyx" .

cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/managedaccounts/telnyx" = "$work/bin"
  }
  # Any other provider would need a registry: there is none offline.
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
# A provider block may read these; none of them is contacted by validate.
unset TELNYX_API_KEY TELNYX_BASE_URL

echo "terraform fmt -check -recursive examples"
if ! terraform fmt -check -recursive -diff examples; then
  echo "validate-examples: the files above are not formatted: run 'make fmt' (or 'terraform fmt -recursive examples')." >&2
  exit 1
fi

if (($# > 0)); then
  dirs=("$@")
else
  mapfile -t dirs < <(find examples -name '*.tf' -not -path '*/.terraform/*' -exec dirname {} \; | sort -u)
fi

failed=()
for dir in "${dirs[@]}"; do
  copy="$work/validate/${dir//\//_}"
  mkdir -p "$copy"
  # The whole folder, so that its tests/ (.tftest.hcl) are validated too.
  (cd "$dir" && tar -cf - --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate*' .) | tar -xf - -C "$copy"
  if ! grep -qs 'required_providers' "$dir"/*.tf; then
    cat >"$copy/zz_required_providers.tf" <<'EOF'
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}
EOF
  fi
  if out=$(terraform -chdir="$copy" validate -no-color 2>&1); then
    printf 'ok    %s\n' "$dir"
  else
    printf 'FAIL  %s\n%s\n' "$dir" "$out" >&2
    failed+=("$dir")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "validate-examples: ${#failed[@]} of ${#dirs[@]} example folders do not validate: ${failed[*]}" >&2
  exit 1
fi
echo "validate-examples: all ${#dirs[@]} example folders are formatted and valid."
