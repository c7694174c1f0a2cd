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
# .terraform folder or lock file lands in the tree (examples-lib.sh, which
# apply-examples.sh shares, says how). scripts/apply-examples.sh goes further:
# it applies every example against a reference backend.
#
# Usage: scripts/validate-examples.sh [DIR...]   (default: every folder under examples/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/examples-lib.sh
source "$root/scripts/examples-lib.sh"

command -v terraform >/dev/null 2>&1 || {
  echo "validate-examples: terraform is not on PATH (Terraform 1.11 or later is needed)." >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/validate-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Building the provider into $work/bin"
example_build_provider "$work/bin"
example_cli_config "$work/terraformrc" "$work/bin"
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
  mapfile -t dirs < <(example_dirs)
fi

failed=()
for dir in "${dirs[@]}"; do
  copy="$work/validate/${dir//\//_}"
  # The whole folder, so that its tests/ (.tftest.hcl) are validated too.
  example_copy "$dir" "$copy"
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
