#!/usr/bin/env bash
# Checks every Terraform example under examples/ (those the docs include, the
# guides' snippets and the demo): `terraform fmt -check`, then `terraform
# validate` of each folder that holds .tf or .tfquery.hcl files (and of its
# tests/*.tftest.hcl) against the provider built from this tree.
#
# What the terraform on PATH (1.11, the oldest supported) cannot read is
# validated by VALIDATE_TERRAFORM, a Terraform 1.14 or later, when it is set:
# query files (.tfquery.hcl, validated with -query, and formatted by it),
# action blocks and action_trigger (1.14), and import blocks by identity
# (1.12). Without it, what needs it is skipped, and the script says which.
# .ci/run sets it to the 1.15.9 of scripts/toolchain.sh.
#
# A folder with several import-*.tf files (by id and by identity, as
# tfplugindocs wants them) is validated once per import file, each beside
# the folder's other files: they import the same resources, which one
# configuration cannot do twice.
#
# Nothing is downloaded. The provider is built into a temporary folder and
# a generated CLI configuration points Terraform at it with dev_overrides,
# which skip `terraform init` for this provider; the examples must use no
# other provider. Each folder is validated in a temporary copy, so that no
# .terraform folder or lock file lands in the tree (examples-lib.sh, which
# apply-examples.sh shares, says how). scripts/apply-examples.sh goes further:
# it applies every example against a reference backend.
#
# Usage: [VALIDATE_TERRAFORM=PATH] scripts/validate-examples.sh [DIR...]
# (default: every folder under examples/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/examples-lib.sh
source "$root/scripts/examples-lib.sh"

command -v terraform >/dev/null 2>&1 || {
  echo "validate-examples: terraform is not on PATH (Terraform 1.11 or later is needed)." >&2
  exit 1
}
newer=${VALIDATE_TERRAFORM:-}
if [[ -n $newer ]] && ! TF_CLI_CONFIG_FILE=/dev/null "$newer" version >/dev/null 2>&1; then
  echo "validate-examples: VALIDATE_TERRAFORM=$newer does not run." >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/validate-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Building the provider into $work/bin"
example_build_provider "$work/bin"
example_cli_config "$work/terraformrc" "$work/bin"
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
# A provider block may read these; none of them is contacted by validate.
unset TELNYX_API_KEY TELNYX_BASE_URL

for cli in terraform ${newer:+"$newer"}; do
  echo "$cli fmt -check -recursive examples"
  if ! "$cli" fmt -check -recursive -diff examples; then
    echo "validate-examples: the files above are not formatted: run 'make fmt' (TERRAFORM_DOCS=a Terraform 1.14 or later also formats the .tfquery.hcl files)." >&2
    exit 1
  fi
done
if [[ -z $newer ]] && [[ -n $(find examples -name '*.tfquery.hcl' -print -quit) ]]; then
  echo "validate-examples: notice: the .tfquery.hcl files are not format-checked, the terraform on PATH does not read them (set VALIDATE_TERRAFORM)."
fi

if (($# > 0)); then
  dirs=("$@")
else
  mapfile -t dirs < <(example_dirs)
fi

# needs_newer FILE: whether FILE uses what the terraform on PATH cannot read.
needs_newer() {
  case $1 in *.tfquery.hcl) return 0 ;; esac
  grep -Eqs '^[[:space:]]*(action[[:space:]]+"|action_trigger[[:space:]]*\{|identity[[:space:]]*=)' "$1"
}

failed=() skipped=() checked=0
for dir in "${dirs[@]}"; do
  # One configuration per import-*.tf file when there are several, each
  # leaving the others out; else the folder as it is.
  mapfile -t imports < <(find "$dir" -maxdepth 1 -name 'import-*.tf' -printf '%f\n' | sort)
  variants=("")
  if ((${#imports[@]} > 1)); then
    variants=("${imports[@]}")
  fi
  for keep in "${variants[@]}"; do
    label=$dir${keep:+ ($keep)}
    copy="$work/validate/${dir//\//_}${keep:+_$keep}"
    # The whole folder, so that its tests/ (.tftest.hcl) are validated too.
    example_copy "$dir" "$copy"
    for other in "${imports[@]}"; do
      if [[ -n $keep && $other != "$keep" ]]; then
        rm "$copy/$other"
      fi
    done
    cli=terraform
    args=(validate -no-color)
    for f in "$copy"/*.tf "$copy"/*.tfquery.hcl; do
      if [[ -e $f ]] && needs_newer "$f"; then
        cli=$newer
      fi
    done
    if compgen -G "$copy/*.tfquery.hcl" >/dev/null; then
      args+=(-query)
    fi
    if [[ -z $cli ]]; then
      printf 'skip  %s (needs Terraform 1.14 or later: set VALIDATE_TERRAFORM)\n' "$label"
      skipped+=("$label")
      continue
    fi
    checked=$((checked + 1))
    by=""
    if [[ $cli != terraform ]]; then
      by=" (VALIDATE_TERRAFORM)"
    fi
    if out=$("$cli" -chdir="$copy" "${args[@]}" 2>&1); then
      printf 'ok    %s%s\n' "$label" "$by"
    else
      printf 'FAIL  %s%s\n%s\n' "$label" "$by" "$out" >&2
      failed+=("$label")
    fi
  done
done

if ((${#failed[@]} > 0)); then
  echo "validate-examples: ${#failed[@]} of $checked example configurations do not validate: ${failed[*]}" >&2
  exit 1
fi
echo "validate-examples: all $checked example configurations (in ${#dirs[@]} folders) are formatted and valid."
if ((${#skipped[@]} > 0)); then
  echo "validate-examples: notice: ${#skipped[@]} skipped, which need Terraform 1.14 or later (set VALIDATE_TERRAFORM): ${skipped[*]}"
fi
