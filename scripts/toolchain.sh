#!/usr/bin/env bash
# Builds the extra Terraform CLIs the provider's acceptance tests run under,
# caches them, and prints the path of the binary.
#
#   scripts/toolchain.sh terraform   Terraform 1.15.9, built from its source archive
#   scripts/toolchain.sh tofu        OpenTofu 1.12.6, built from the Go module proxy
#
# Terraform cannot come from the module proxy: its source archive is given by
# TERRAFORM_SRC_TARBALL (terraform-1.15.9-src.tar.xz, checked against its
# sha256 below). Any Terraform 1.15 release binary does the same job: put it
# anywhere and name it in TEST_CLIS instead (see the README).
#
# OpenTofu cannot be `go install`ed (its go.mod has a replace directive), so a
# wrapper module that repeats that replace builds it.
#
# Binaries are cached in TOOLCHAIN_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-telnyx/toolchain), keyed
# by version, so that only the first run pays the build (about 3 minutes each
# on 2 cores). Progress goes to stderr; stdout is only the path.
set -euo pipefail

terraform_version=1.15.9
terraform_sha256=8737b92adbe8db79c42efd8dc51bf0f845aaa16e74a8499634abd8cbe90e85dc
tofu_version=1.12.6
# OpenTofu's own replace of hcl, which a wrapper module must repeat.
tofu_hcl_replace='github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828'

cache="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-telnyx/toolchain}"

die() {
  printf 'toolchain.sh: %s\n' "$*" >&2
  exit 1
}

# build_into runs "$@" in a fresh temporary folder and moves the binary it
# leaves at ./out into $1, so that an interrupted build never leaves a
# half-written binary in the cache.
work=""
trap '[[ -z $work ]] || rm -rf "$work"' EXIT
build_into() {
  local dest=$1
  shift
  work=$(mktemp -d "${TMPDIR:-/tmp}/toolchain.XXXXXX")
  (cd "$work" && "$@") >&2
  mkdir -p "$(dirname "$dest")"
  mv "$work/out" "$dest"
}

build_terraform() {
  local tarball=${TERRAFORM_SRC_TARBALL:-}
  [[ -n $tarball ]] || die "set TERRAFORM_SRC_TARBALL to terraform-$terraform_version-src.tar.xz (or name any Terraform 1.15 binary in TEST_CLIS)"
  [[ -f $tarball ]] || die "TERRAFORM_SRC_TARBALL=$tarball does not exist"
  local sum
  sum=$(sha256sum "$tarball" | cut -d' ' -f1)
  [[ $sum == "$terraform_sha256" ]] || die "$tarball has sha256 $sum, want $terraform_sha256"
  tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
  printf 'Building Terraform %s from %s\n' "$terraform_version" "$tarball" >&2
  # shellcheck disable=SC2016 # expanded by the inner shell
  build_into "$1" bash -c 'set -euo pipefail
    mkdir src && tar -xJf "$1" -C src
    cd src && go build -trimpath -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" -o ../out .' _ "$tarball"
}

build_tofu() {
  printf 'Building OpenTofu %s from the Go module proxy\n' "$tofu_version" >&2
  # shellcheck disable=SC2016 # expanded by the inner shell
  build_into "$1" bash -c 'set -euo pipefail
    cat >go.mod <<MOD
module example.com/tofubuild

go 1.26

godebug (
	tlsmlkem=0
	winsymlink=0
)

replace $2
MOD
    GOFLAGS=-mod=mod go get -tool "github.com/opentofu/opentofu/cmd/tofu@v$1"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o out github.com/opentofu/opentofu/cmd/tofu' _ "$tofu_version" "$tofu_hcl_replace"
}

case "${1:-}" in
terraform)
  bin="$cache/terraform-$terraform_version/terraform"
  [[ -x $bin ]] || build_terraform "$bin"
  want="Terraform v$terraform_version"
  ;;
tofu)
  bin="$cache/tofu-$tofu_version/tofu"
  [[ -x $bin ]] || build_tofu "$bin"
  want="OpenTofu v$tofu_version"
  ;;
*)
  die "usage: scripts/toolchain.sh terraform|tofu"
  ;;
esac

got=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$bin" version 2>/dev/null | sed -n 1p)
[[ $got == "$want" ]] || die "$bin says '$got', want '$want' (remove it to rebuild)"
printf '%s\n' "$bin"
