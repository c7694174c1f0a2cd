#!/usr/bin/env bash
# Applies every Terraform example under examples/ (those the docs include,
# the guides' and the demo) against a reference backend, as a user would:
# for each example folder and each CLI, on a backend of its own (SQLite, in a
# temporary folder), it applies the folder from an empty state, plans again
# and expects no changes (-detailed-exitcode), and destroys it. Besides:
#
#   - import*.tf files (the import blocks of a resource's docs) are left out
#     of the first apply; then, one file after the other, the objects a file
#     names are forgotten (terraform state rm) and imported again by its
#     blocks, with the objects' real ids (or identities) in place of the
#     docs' example ones, and the plan after that import must be empty too.
#     A file of import blocks by identity runs only under the CLIs that have
#     identities (Terraform and OpenTofu 1.12 or later), and says so under the
#     others;
#   - a folder with tests/*.tftest.hcl runs `terraform test`;
#   - a folder with *.tfquery.hcl runs `terraform query` while its objects
#     exist, and each action block is invoked (terraform apply -invoke).
#     List resources and actions need Terraform 1.14 or later: such a folder
#     runs only under the Terraform 1.14+ CLIs of TEST_CLIS, and is skipped
#     with a notice (and in make test's skip summary) when there is none.
#
# Every backend already holds one managed account, "Acme Telecom"
# (ops@acme.example.com), created through the API: the customer that the
# examples look up by email, import or act as; and its manager holds
# 1,000.00 (an operator adjustment), for the examples that move money from
# the manager's balance. Examples that create a
# managed account give it another email (emails are unique). The inputs an
# example declares come from the environment, as the docs tell users to give
# them:
#
#   TF_VAR_customer_account_id, TF_VAR_acme_account_id   Acme's id
#   TF_VAR_telnyx_api_key                                the manager's key
#   TF_VAR_initial_password                              a random password
#   TF_VAR_card_number, TF_VAR_card_cvc (and acme_...)   the test card 4242 4242 4242 4242
#   TF_VAR_card_exp_month, TF_VAR_card_exp_year (and acme_...)   an expiry 3 years ahead
#   TF_VAR_name, TF_VAR_email                            the testing-in-ci module's customer
#
# and Acme's id replaces the docs' example id of a managed account
# (6a09cdc3-8948-47f0-aa62-74ac943d6c58) where an example writes it.
#
# Nothing is downloaded: the provider and the backend are built from this
# tree, and the CLI configuration of validate-examples.sh (examples-lib.sh)
# points both registries' address of the provider at the build.
#
# Usage: scripts/apply-examples.sh [DIR...]   (default: every example folder)
#
#   TEST_CLIS       more CLIs (paths of terraform or tofu binaries) to run
#                   every example under, besides the terraform on PATH
#   EXAMPLES_JOBS   examples run at once (default 2)
#   EXAMPLES_VERBOSE  when set, every example's log is printed, not only a failure's
#   TEST_RESULTS    when set, skips are also written there as a go test
#                   -json log (examples.json), for make test's skip summary
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/examples-lib.sh
source "$root/scripts/examples-lib.sh"

die() {
  printf 'apply-examples: %s\n' "$*" >&2
  exit 1
}

command -v terraform >/dev/null 2>&1 || die "terraform is not on PATH (Terraform 1.11 or later is needed)."
command -v curl >/dev/null 2>&1 || die "curl is not on PATH (it creates the examples' managed account)."

# The docs' example id of a managed account, which stands for Acme.
readonly placeholder_account_id=6a09cdc3-8948-47f0-aa62-74ac943d6c58
readonly acme_email=ops@acme.example.com

# Nothing of the caller's environment reaches the examples but what is set below.
unset TELNYX_API_KEY TELNYX_BASE_URL TELNYX_MANAGED_ACCOUNT_ID TF_CLI_ARGS TF_WORKSPACE
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(TF_VAR_|TF_CLI_ARGS_)' || true)

work=$(mktemp -d "${TMPDIR:-/tmp}/apply-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Building the provider and the backend into $work/bin"
example_build_provider "$work/bin"
go build -trimpath -o "$work/bin/reference-backend" ./cmd/reference-backend
example_cli_config "$work/terraformrc" "$work/bin"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

# The CLIs: the terraform on PATH, then TEST_CLIS. cli_names[i] is what
# `version` says, cli_new[i] whether it runs list resources and actions,
# cli_identity[i] whether it imports by identity.
clis=("$(command -v terraform)")
read -ra extra <<<"${TEST_CLIS:-}"
clis+=("${extra[@]}")
cli_names=() cli_new=() cli_identity=()
for cli in "${clis[@]}"; do
  [[ -x $cli ]] || die "$cli (TEST_CLIS) is not an executable"
  name=$(example_cli_name "$cli")
  [[ -n $name ]] || die "$cli version printed nothing"
  cli_names+=("$name")
  new=no
  if [[ $name =~ ^Terraform\ v([0-9]+)\.([0-9]+) ]] && ((BASH_REMATCH[1] > 1 || BASH_REMATCH[2] >= 14)); then
    new=yes
  fi
  cli_new+=("$new")
  identity=no
  if [[ $name =~ ^(Terraform|OpenTofu)\ v([0-9]+)\.([0-9]+) ]] && ((BASH_REMATCH[2] > 1 || BASH_REMATCH[3] >= 12)); then
    identity=yes
  fi
  cli_identity+=("$identity")
done

if (($# > 0)); then
  dirs=("$@")
else
  mapfile -t dirs < <(example_dirs)
fi

# needs_terraform_1_14 DIR: the folder uses list resources or actions.
needs_terraform_1_14() {
  [[ $1 == examples/list-resources/* || $1 == examples/actions/* ]] ||
    compgen -G "$root/$1/*.tfquery.hcl" >/dev/null ||
    grep -qsE '^[[:space:]]*action[[:space:]]+"' "$root/$1"/*.tf
}

random_hex() {
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# json_field NAME prints the first string member NAME of the JSON on stdin.
json_field() {
  grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"$/\1/'
}

# start_backend DIR starts a reference backend on a free loopback port with
# its data in DIR, and sets backend_pid, base and manager_key.
start_backend() {
  local dir=$1
  manager_key="KEY$(random_hex)"
  operator_key="op-$(random_hex)"
  mkdir -p "$dir/data"
  # Secrets travel in the environment, not on the command line (ps).
  REFERENCE_BACKEND_OPERATOR_KEY="$operator_key" \
    REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY="$manager_key" \
    REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL="manager@example.com" \
    "$work/bin/reference-backend" serve --addr 127.0.0.1:0 --data-dir "$dir/data" >"$dir/backend.log" 2>&1 </dev/null &
  backend_pid=$!
  local addr=""
  for _ in $(seq 1 300); do
    addr=$(grep '"msg":"reference backend listening"' "$dir/backend.log" | json_field addr || true)
    [[ -n $addr ]] && break
    kill -0 "$backend_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $addr ]] || {
    tail -n 20 "$dir/backend.log"
    return 1
  }
  base="http://$addr"
  curl -fsS --max-time 10 "$base/readyz" >/dev/null
}

stop_backend() {
  [[ -n ${backend_pid:-} ]] || return 0
  kill -TERM "$backend_pid" 2>/dev/null || true
  wait "$backend_pid" 2>/dev/null || true
  backend_pid=""
}

# create_acme creates the examples' managed account through the API and
# prints its id.
create_acme() {
  curl -fsS --max-time 30 -H "Authorization: Bearer $manager_key" -H 'Content-Type: application/json' \
    -d "{\"business_name\":\"Acme Telecom\",\"email\":\"$acme_email\"}" "$base/v2/managed_accounts" | json_field id
}

# fund_manager ACCOUNT_ID credits the manager of the managed account
# ACCOUNT_ID with 1,000.00 through the operator API. The operator key goes
# to curl on its standard input, not its command line (ps).
fund_manager() {
  local manager_id
  manager_id=$(curl -fsS --max-time 30 -H "Authorization: Bearer $manager_key" "$base/v2/managed_accounts/$1" | json_field manager_account_id)
  [[ -n $manager_id ]] || return 1
  printf 'Authorization: Bearer %s\n' "$operator_key" |
    curl -fsS --max-time 30 -H @- -H 'Content-Type: application/json' \
      -d '{"amount":"1000.00","description":"apply-examples: funds for the examples that move money"}' \
      "$base/reference/accounts/$manager_id/adjustments" >/dev/null
}

# top_attr NAME prints the top-level string attribute NAME of the
# `terraform state show` output on stdin (which has no -no-color).
top_attr() {
  sed 's/\x1b\[[0-9;]*m//g' | sed -n "s/^    $1 *= *\"\(.*\)\"\$/\1/p" | head -n 1
}

# import_ids ADDRESS prints, tab-separated, the import identifier of the
# object at ADDRESS of the example's state (in the form its resource's docs
# give), its own id, and its managed_account_id (empty for the provider's own
# account): what the import blocks by id and by identity take.
import_ids() {
  local shown id account string
  shown=$("$cli" -chdir="$copy" state show "$1" 2>>"$log") || return 1
  id=$(top_attr id <<<"$shown")
  account=$(top_attr managed_account_id <<<"$shown")
  case ${1%%.*} in
  telnyx_managed_account) string=$id ;;
  telnyx_api_key | telnyx_payment_method | telnyx_notification_profile | telnyx_notification_channel | telnyx_notification_setting)
    string=${account:+$account/}$id
    ;;
  telnyx_auto_recharge) string=${account:-self} ;;
  telnyx_managed_account_pricing) string=$account ;;
  *)
    echo "apply-examples does not know the import identifier of ${1%%.*}: teach import_ids" >&2
    return 1
    ;;
  esac
  [[ -n $string ]] || return 1
  printf '%s\t%s\t%s\n' "$string" "$id" "$account"
}

# with_import_ids MAP FILE prints FILE with the id of each import block
# replaced by the one MAP (lines "ADDRESS<tab>IMPORT ID<tab>ID<tab>ACCOUNT")
# gives for its `to`; in an identity, id is the object's own id and
# managed_account_id its account's (the line goes when it has none).
with_import_ids() {
  awk -v map="$1" '
    BEGIN { FS = "\t"; while ((getline line < map) > 0) { split(line, f, "\t"); str[f[1]] = f[2]; own[f[1]] = f[3]; acct[f[1]] = f[4] } }
    /^import[ \t]*\{/ { inblock = 1; n = 0; to = "" }
    inblock {
      buf[++n] = $0
      if ($0 ~ /^[ \t]*to[ \t]*=/) { to = $0; sub(/^[ \t]*to[ \t]*=[ \t]*/, "", to); sub(/[ \t]*(#.*)?$/, "", to) }
      if ($0 ~ /^\}/) {
        inidentity = 0
        for (i = 1; i <= n; i++) {
          l = buf[i]
          if (l ~ /^[ \t]*identity[ \t]*=[ \t]*\{/) { inidentity = 1 }
          else if (inidentity && l ~ /^[ \t]*\}/) { inidentity = 0 }
          else if ((to in str) && l ~ /^[ \t]*id[ \t]*=/) {
            match(l, /^[ \t]*id[ \t]*=[ \t]*/); l = substr(l, 1, RLENGTH) "\"" (inidentity ? own[to] : str[to]) "\""
          } else if (inidentity && (to in str) && l ~ /^[ \t]*managed_account_id[ \t]*=/) {
            if (acct[to] == "") continue
            match(l, /^[ \t]*managed_account_id[ \t]*=[ \t]*/); l = substr(l, 1, RLENGTH) "\"" acct[to] "\""
          }
          print l
        }
        inblock = 0
      }
      next
    }
    { print }
  ' "$2"
}

# tf ARGS... runs the example's CLI in its copy, logging the command and its
# output to the example's log.
tf() {
  printf '\n$ %s %s\n' "$cli_name" "$*" >>"$log"
  # A command that hangs fails the example after EXAMPLE_STEP_TIMEOUT seconds
  # instead of holding CI until its end.
  timeout --kill-after=10 "${EXAMPLE_STEP_TIMEOUT:-300}" "$cli" -chdir="$copy" "$@" >>"$log" 2>&1
}

# plan_is_empty: a plan of the copy proposes no change.
plan_is_empty() {
  local rc=0
  tf plan -detailed-exitcode -input=false -no-color || rc=$?
  case $rc in
  0) return 0 ;;
  2) echo "the plan after apply is not empty (above)" >>"$log" ;;
  esac
  return 1
}

# run_example I DIR runs the folder DIR under clis[I], on a backend of its
# own, and prints one line: ok, or FAIL with the example's log. It runs in a
# subshell of its own: a failure exits it.
run_example() {
  local i=$1 dir=$2
  cli=${clis[$i]} cli_name=${cli_names[$i]}
  local run="$work/run/$i/${dir//\//_}" steps=()
  copy="$run/config" log="$run/log"
  mkdir -p "$run"
  : >"$log"
  trap stop_backend EXIT
  fail() {
    printf 'FAIL  %-22s %s: %s\n' "$cli_name" "$dir" "$1"
    sed 's/^/      | /' "$log"
    if [[ -s $run/backend.log ]]; then
      echo "      | --- backend log (last lines)"
      tail -n 15 "$run/backend.log" | sed 's/^/      | /'
    fi
    exit 1
  }

  start_backend "$run" >>"$log" 2>&1 || fail "the reference backend did not start"
  local acme_id
  acme_id=$(create_acme 2>>"$log") && [[ -n $acme_id ]] || fail "could not create the Acme managed account"
  fund_manager "$acme_id" 2>>"$log" || fail "could not fund the manager"

  export TELNYX_API_KEY="$manager_key" TELNYX_BASE_URL="$base/v2"
  export TF_VAR_customer_account_id="$acme_id" TF_VAR_acme_account_id="$acme_id"
  export TF_VAR_telnyx_api_key="$manager_key"
  export TF_VAR_initial_password="pw-$(random_hex)"
  local card_year=$(($(date -u +%Y) + 3)) prefix
  for prefix in "" acme_; do
    export "TF_VAR_${prefix}card_number=4242424242424242" "TF_VAR_${prefix}card_cvc=123" \
      "TF_VAR_${prefix}card_exp_month=12" "TF_VAR_${prefix}card_exp_year=$card_year"
  done
  export TF_VAR_name="Example Customer" TF_VAR_email="customer@example.com"

  # The folder without its import files, Acme's id in place of the docs'.
  example_copy "$dir" "$copy"
  local imports=()
  for f in "$copy"/import*.tf; do
    [[ -e $f ]] || continue
    imports+=("$(basename "$f")")
    mv "$f" "$run/"
  done
  local f
  for f in "$copy"/*.tf "$copy"/*.tfquery.hcl; do
    [[ -e $f ]] || continue
    sed "s/$placeholder_account_id/$acme_id/g" "$f" >"$f.new" && mv "$f.new" "$f"
  done

  tf apply -auto-approve -input=false -no-color || fail "apply failed"
  steps+=(apply)
  plan_is_empty || fail "the plan after apply is not empty"
  steps+=("plan: no changes")

  local addr ids n f
  for f in "${imports[@]}"; do
    if grep -qE '^[[:space:]]*identity[[:space:]]*=' "$run/$f" && [[ ${cli_identity[$i]} != yes ]]; then
      steps+=("$f skipped: import by identity needs Terraform or OpenTofu 1.12")
      continue
    fi
    # Forget what the file's blocks name, then import it again by them.
    : >"$run/import-ids"
    n=0
    while read -r addr; do
      ids=$(import_ids "$addr") || fail "$f imports $addr, which the example did not create"
      printf '%s\t%s\n' "$addr" "$ids" >>"$run/import-ids"
      tf state rm "$addr" || fail "terraform state rm $addr failed"
      n=$((n + 1))
    done < <(sed -n 's/^[[:space:]]*to[[:space:]]*=[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$run/$f")
    with_import_ids "$run/import-ids" "$run/$f" >"$copy/$f"
    tf apply -auto-approve -input=false -no-color || fail "apply with $f failed"
    plan_is_empty || fail "the plan after the import of $f is not empty"
    # Done: the next file imports the same objects again.
    rm "$copy/$f"
    steps+=("$f: import $n, no changes")
  done

  if compgen -G "$copy/*.tfquery.hcl" >/dev/null; then
    tf query -no-color || fail "query failed"
    steps+=(query)
  fi
  local action
  while read -r action; do
    tf apply -auto-approve -input=false -no-color -invoke="action.$action" || fail "invoking action.$action failed"
    steps+=("invoke action.$action")
  done < <(sed -n 's/^action[[:space:]]*"\([^"]*\)"[[:space:]]*"\([^"]*\)".*/\1.\2/p' "$copy"/*.tf 2>/dev/null)

  tf destroy -auto-approve -input=false -no-color || fail "destroy failed"
  local left
  left=$("$cli" -chdir="$copy" state list 2>>"$log") || fail "terraform state list failed"
  [[ -z $left ]] || fail "destroy left $left in the state"
  steps+=(destroy)

  if compgen -G "$copy/tests/*.tftest.hcl" >/dev/null; then
    tf test -no-color || fail "test failed"
    steps+=(test)
  fi

  local joined
  joined=$(printf '%s, ' "${steps[@]}")
  printf 'ok    %-22s %s (%s)\n' "$cli_name" "$dir" "${joined%, }"
  if [[ -n ${EXAMPLES_VERBOSE:-} ]]; then
    sed 's/^/      | /' "$log"
  fi
}

# skip_event DIR REASON prints the skip of an example folder as go test
# -json would (DIR and REASON hold no character JSON must escape).
skip_event() {
  printf '{"Action":"output","Package":"examples","Test":"%s","Output":"%s\\n"}\n' "$1" "$2"
  printf '{"Action":"skip","Package":"examples","Test":"%s"}\n' "$1"
}

jobs_max=${EXAMPLES_JOBS:-2}
skips="$work/skips.json"
: >"$skips"
results="$work/results"
mkdir -p "$results"
echo "Applying ${#dirs[@]} example folders under: ${cli_names[*]}"
have_new=no
[[ " ${cli_new[*]} " == *" yes "* ]] && have_new=yes
n=0
for i in "${!clis[@]}"; do
  for dir in "${dirs[@]}"; do
    [[ -d $root/$dir ]] || die "$dir is not a folder"
    # A folder of list resources or actions runs under each Terraform 1.14+
    # there is; without any, it is skipped, once, where everyone sees it.
    if needs_terraform_1_14 "$dir" && [[ ${cli_new[$i]} != yes ]]; then
      if [[ $have_new == no && $i == 0 ]]; then
        reason="list resources and actions need Terraform 1.14 or later, and TEST_CLIS names none"
        printf 'skip  %-22s %s: %s\n' "${cli_names[$i]}" "$dir" "$reason"
        skip_event "$dir" "$reason" >>"$skips"
      fi
      continue
    fi
    n=$((n + 1))
    while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n || true; done
    # Each example's line as soon as it is done, with the log of a failure.
    (
      (run_example "$i" "$dir") >"$results/$n" 2>&1 || true
      cat "$results/$n"
    ) &
  done
done
wait

failed=0 ran=0
if ((n > 0)); then
  failed=$(cat "$results"/* | grep -c '^FAIL' || true)
  ran=$(cat "$results"/* | grep -c '^ok' || true)
fi
if [[ -n ${TEST_RESULTS:-} && -s $skips ]]; then
  mkdir -p "$TEST_RESULTS"
  cp "$skips" "$TEST_RESULTS/examples.json"
fi
if ((failed > 0 || ran < n)); then
  die "$((n - ran)) of $n example runs failed (their logs are above)"
fi
echo "apply-examples: all $ran example runs applied, planned no changes again, and destroyed."
