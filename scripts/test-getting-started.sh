#!/usr/bin/env bash
# Runs the getting-started guide as a user would, word for word: the shell
# blocks of docs/guides/getting-started.md (generated from
# templates/guides/getting-started.md.tmpl), in order, in one bash session,
# with $HOME a temporary folder outside the repository (the guide works in
# ~/telnyx-first and writes ~/telnyx-dev.tfrc there), under the terraform on
# PATH and then under each CLI of TEST_CLIS. The guide's "from the source"
# path is the one taken: make build in this repository (the clone the guide
# starts from), a CLI configuration with dev_overrides, no `terraform init`.
#
# The guide steers its own test with HTML comments, which the docs do not
# show, before a code block:
#
#   <!-- guide-test: skip (REASON) -->    the block is not run (a release to
#                                         download, a clone to make)
#   <!-- guide-test: file NAME -->        the block is written to NAME (the
#                                         guide says "save this as NAME")
#   <!-- guide-test: expect REGEXP -->    the block's output must match the
#                                         extended regular expression
#
# Every other ```sh block is run as written, with only these changes, each
# printed: the backend's address 127.0.0.1:8787 becomes a free port (a demo
# may hold 8787), and under OpenTofu the `terraform` commands become `tofu`
# (as the guide tells OpenTofu users), with no `terraform` on PATH. A
# confirmation prompt is answered "yes", as the guide says to.
#
# Usage: scripts/test-getting-started.sh   (TEST_CLIS: more CLIs to run it under)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
guide="$root/docs/guides/getting-started.md"
# shellcheck source=scripts/examples-lib.sh
source "$root/scripts/examples-lib.sh"

die() {
  printf 'test-getting-started: %s\n' "$*" >&2
  exit 1
}

[[ -f $guide ]] || die "$guide is missing: run make generate"
command -v terraform >/dev/null 2>&1 || die "terraform is not on PATH (Terraform 1.11 or later is needed)."
for tool in curl openssl make go; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH: the guide uses it."
done

work=$(mktemp -d "${TMPDIR:-/tmp}/getting-started.XXXXXX")
trap '[[ -n ${GUIDE_TEST_KEEP:-} ]] || rm -rf "$work"' EXIT

# split_guide DIR writes the guide's code blocks to DIR/NN.KIND (KIND: sh,
# file, skip), with DIR/NN.name (the file to write), DIR/NN.expect (the
# expected output) and DIR/NN.lines (where the block is in the guide).
split_guide() {
  awk -v dir="$1" '
    function flush_marker() { marker = ""; arg = "" }
    /^[ \t]*<!-- guide-test: / {
      line = $0
      sub(/^[ \t]*<!-- guide-test: /, "", line); sub(/ -->[ \t]*$/, "", line)
      marker = line; sub(/ .*/, "", marker)
      arg = substr(line, length(marker) + 2)
      next
    }
    !inblock && /^[ \t]*```/ {
      indent = $0; sub(/```.*/, "", indent)
      lang = $0; sub(/^[ \t]*```/, "", lang)
      inblock = 1; n++; first = NR; body = ""
      next
    }
    inblock && $0 ~ "^" indent "```[ \t]*$" {
      inblock = 0
      name = sprintf("%s/%02d", dir, n)
      kind = ""
      if (marker == "skip") kind = "skip"
      else if (marker == "file") { kind = "file"; print arg > (name ".name"); close(name ".name") }
      else if (lang == "sh") kind = "sh"
      if (kind != "") {
        printf "%s", body > (name "." kind); close(name "." kind)
        print first "-" NR > (name ".lines"); close(name ".lines")
        if (marker == "skip") { print arg > (name ".reason"); close(name ".reason") }
        if (marker == "expect") { print arg > (name ".expect"); close(name ".expect") }
      }
      flush_marker()
      next
    }
    inblock { l = $0; if (indent != "" && index(l, indent) == 1) l = substr(l, length(indent) + 1); body = body l "\n"; next }
    /[^ \t]/ { flush_marker() }
  ' "$guide"
}

# free_port prints a loopback port that nothing listens on, below the
# ephemeral range, where no outgoing connection can take it before the
# backend binds it.
free_port() {
  local port low=32768
  [[ -r /proc/sys/net/ipv4/ip_local_port_range ]] && read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  ((low > 11000)) || low=32768
  for _ in $(seq 1 100); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

# The go command keeps its caches where they are, whatever $HOME becomes.
go_env=()
for name in GOCACHE GOMODCACHE GOPATH GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GOFLAGS GOTOOLCHAIN; do
  go_env+=("$name=$(go env "$name")")
done

# run_guide CLI: runs the guide under CLI (a terraform or tofu binary).
run_guide() {
  local cli=$1 name run blocks port
  name=$(example_cli_name "$cli")
  [[ -n $name ]] || die "$cli version printed nothing"
  run="$work/$(printf '%s' "$name" | tr -c 'A-Za-z0-9.\n' '-')"
  blocks="$run/blocks"
  mkdir -p "$blocks" "$run/home" "$run/bin"
  split_guide "$blocks"
  compgen -G "$blocks/*.sh" >/dev/null || die "no shell block found in $guide"
  port=$(free_port) || die "no free port found"

  # The CLI under test is the only one on PATH, under the name the guide's
  # commands use.
  local tofu=no
  [[ $name == OpenTofu* ]] && tofu=yes
  if [[ $tofu == yes ]]; then
    ln -s "$cli" "$run/bin/tofu"
    printf '#!/bin/sh\necho "the guide ran terraform under OpenTofu: $*" >&2\nexit 1\n' >"$run/bin/terraform"
    chmod +x "$run/bin/terraform"
  else
    ln -s "$cli" "$run/bin/terraform"
  fi

  # The session: every block in order, each one's output checked.
  local script="$run/session.sh" f n
  cat >"$script" <<'EOF'
set -euo pipefail
exec 3>&1
guide_out=""
# guide_show prints a block's output, without the CLI's colours.
guide_show() {
  sed 's/\x1b\[[0-9;]*m//g' "$1"
}
# No backend outlives the session, whatever happens to it.
trap 'guide_rc=$?; [[ -z $guide_out ]] || guide_show "$guide_out" >&3; kill $(jobs -p) 2>/dev/null || true; exit $guide_rc' EXIT
trap 'exit 143' TERM
guide_block() {
  printf '\n--- guide lines %s\n' "$(cat "$1.lines")"
  sed 's/^/$ /' "$1.sh"
  guide_out="$1.out"
  # shellcheck source=/dev/null
  { source "$1.sh"; } >"$guide_out" 2>&1
  guide_out=""
  guide_show "$1.out" >"$1.text"
  cat "$1.text"
  if [[ -f $1.expect ]] && ! grep -Eq -f "$1.expect" "$1.text"; then
    printf 'test-getting-started: the output of guide lines %s does not match: %s\n' "$(cat "$1.lines")" "$(cat "$1.expect")" >&2
    exit 1
  fi
}
EOF
  for f in "$blocks"/*.lines; do
    n=${f%.lines}
    if [[ -f $n.skip ]]; then
      printf 'echo "--- guide lines %s not run: %s"\n' "$(cat "$f")" "$(cat "$n.reason")" >>"$script"
    elif [[ -f $n.file ]]; then
      printf 'printf "\\n--- guide lines %%s: saved as %%s\\n" %q %q\ncp %q %q\n' \
        "$(cat "$f")" "$(cat "$n.name")" "$n.file" "$(cat "$n.name")" >>"$script"
    elif [[ -f $n.sh ]]; then
      local before
      before=$(cat "$n.sh")
      sed -i.orig "s/127\.0\.0\.1:8787/127.0.0.1:$port/g" "$n.sh"
      if [[ $tofu == yes ]]; then
        sed -i.orig -E 's/(^|[^[:alnum:]_./-])terraform ([a-z])/\1tofu \2/g' "$n.sh"
      fi
      rm -f "$n.sh.orig"
      if [[ $before != "$(cat "$n.sh")" ]]; then
        printf 'Guide lines %s run with:\n' "$(cat "$f")"
        { diff <(printf '%s\n' "$before") "$n.sh" || true; } | sed -n 's/^> /  /p'
      fi
      printf 'guide_block %q\n' "$n" >>"$script"
    fi
  done

  echo "==> the getting-started guide under $name (in $run/home, backend on 127.0.0.1:$port)"
  local transcript="$run/transcript" rc=0
  (
    cd "$root" # the clone the guide starts in
    # shellcheck disable=SC2046 # one NAME=value per word
    # A guide that waits for ever (a backend that never answers) fails
    # after GUIDE_TEST_TIMEOUT seconds instead of holding CI until its end.
    exec timeout --kill-after=10 "${GUIDE_TEST_TIMEOUT:-600}" \
      env -i PATH="$run/bin:$PATH" HOME="$run/home" TMPDIR="${TMPDIR:-/tmp}" LANG=C.UTF-8 \
      CHECKPOINT_DISABLE=1 "${go_env[@]}" bash "$script" < <(yes yes)
  ) >"$transcript" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$transcript"
    if [[ -f $run/home/telnyx-first/reference-backend.log ]]; then
      echo "--- the end of the guide's reference-backend.log:"
      tail -n 30 "$run/home/telnyx-first/reference-backend.log"
    fi
    ((rc != 124 && rc != 137)) || die "the guide did not finish within ${GUIDE_TEST_TIMEOUT:-600}s under $name (transcript above)"
    die "the guide failed under $name (transcript above)"
  fi
  grep '^--- guide lines' "$transcript" | sed 's/^--- /    /'
  if [[ -e $run/home/telnyx-first/reference-data ]] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "the guide's clean-up left its backend or its data behind under $name"
  fi
  echo "ok    the getting-started guide under $name"
}

clis=("$(command -v terraform)")
read -ra extra <<<"${TEST_CLIS:-}"
clis+=("${extra[@]}")
for cli in "${clis[@]}"; do
  [[ -x $cli ]] || die "$cli (TEST_CLIS) is not an executable"
  run_guide "$cli"
done
echo "test-getting-started: the guide ran as written under ${#clis[@]} CLI(s)."
