#!/usr/bin/env bash
# Writes the provider's schema, as `terraform providers schema -json` prints
# it, to OUT: the file `tfplugindocs --providers-schema` reads instead of
# finding a terraform of its own (it would take the one on PATH, or download
# one). TERRAFORM is the CLI that reads the schema, and it decides what the
# docs hold: list resources and actions are in the schema only from
# Terraform 1.14 on, so an older CLI is refused rather than left to drop
# their docs.
#
# As tfplugindocs does it itself: the provider is built into a plugin folder
# under the address registry.terraform.io/hashicorp/telnyx, which is where
# tfplugindocs looks for it in the schema, and `terraform init -plugin-dir`
# installs it from there. Nothing is downloaded.
#
# Usage: scripts/providers-schema.sh TERRAFORM OUT
set -euo pipefail

(($# == 2)) || {
  echo "usage: scripts/providers-schema.sh TERRAFORM OUT" >&2
  exit 2
}
terraform=$1
out=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

version=$("$terraform" version -json | sed -n 's/^ *"terraform_version": *"\([0-9.]*\)".*/\1/p')
[[ -n $version ]] || {
  echo "providers-schema: $terraform did not say its version (is it a terraform binary?)" >&2
  exit 1
}
IFS=. read -r major minor _ <<<"$version"
if ((major < 1 || (major == 1 && minor < 14))); then
  echo "providers-schema: $terraform is Terraform $version; the docs need 1.14 or later, whose schema has the list" >&2
  echo "providers-schema: resources and actions. Name one in TERRAFORM_DOCS (scripts/toolchain.sh terraform builds 1.15.9)." >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/providers-schema.XXXXXX")
trap 'rm -rf "$work"' EXIT

platform=$(go env GOOS)_$(go env GOARCH)
(cd "$root" && go build -trimpath -o "$work/plugins/registry.terraform.io/hashicorp/telnyx/0.0.1/$platform/terraform-provider-telnyx" .)
printf 'provider "telnyx" {}\n' >"$work/provider.tf"
"$terraform" -chdir="$work" init -no-color -input=false -backend=false -plugin-dir=./plugins >/dev/null
"$terraform" -chdir="$work" providers schema -json >"$out"
echo "providers-schema: the schema, as Terraform $version reads it, is in $out"
