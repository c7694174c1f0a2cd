#!/usr/bin/env bash
# The demo behind `make demo` and `make demo-clean`.
#
#   scripts/demo.sh up    start the reference backend on SQLite under ./.demo and a
#                         webhook receiver (reference-backend webhook-receiver), run
#                         terraform apply on examples/demo, credit Globex and post usage
#                         for its managed accounts (which takes Globex's balance under its
#                         alert's threshold: the receiver gets one signed webhook, shown),
#                         apply again to show the usage reports, then print the portal's
#                         address and the manager's sign-in (run `make build` first)
#   scripts/demo.sh down  stop the backend and the receiver, remove ./.demo and the demo's state
#
# DEMO_ADDR picks the backend's address (default 127.0.0.1:8787), DEMO_RECEIVER_ADDR
# the webhook receiver's (default 127.0.0.1:8788).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo_dir="$root/.demo"
bin_dir="$root/bin"
example_dir="$root/examples/demo"
pid_file="$demo_dir/backend.pid"
log_file="$demo_dir/backend.log"
receiver_pid_file="$demo_dir/receiver.pid"
receiver_log="$demo_dir/receiver.log"
webhooks_file="$demo_dir/webhooks.jsonl"
addr="${DEMO_ADDR:-127.0.0.1:8787}"
receiver_addr="${DEMO_RECEIVER_ADDR:-127.0.0.1:8788}"
base="http://$addr"
manager_email="demo-manager@example.com"

die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not on PATH; $2"
}

# random_key prints a fresh secret: a prefix and 32 hex characters.
random_key() {
  printf '%s%s' "$1" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
}

# running_pid FILE COMMAND prints the pid in FILE if that process is still
# running COMMAND. The command line is checked, so a pid reused by another
# process is ignored.
running_pid() {
  [[ -f $1 ]] || return 1
  local pid
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  if [[ -r /proc/$pid/cmdline ]]; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  else
    cmd=$(ps -p "$pid" -o args= 2>/dev/null) || return 1 # no /proc (macOS)
  fi
  [[ $cmd == *"$2"* ]] || return 1
  printf '%s\n' "$pid"
}

# backend_pid prints the pid of the demo's backend if it is still running.
backend_pid() {
  running_pid "$pid_file" "reference-backend serve"
}

# receiver_pid prints the pid of the demo's webhook receiver if it is still
# running.
receiver_pid() {
  running_pid "$receiver_pid_file" "reference-backend webhook-receiver"
}

stop_receiver() {
  local pid
  if pid=$(receiver_pid); then
    echo "Stopping the webhook receiver (pid $pid)..."
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$receiver_pid_file"
}

stop_backend() {
  local pid
  if pid=$(backend_pid); then
    echo "Stopping the reference backend (pid $pid)..."
    kill -TERM "$pid"
    # Graceful shutdown drains in-flight requests; it takes well under this.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "The backend did not stop within 10s; killing it." >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

healthy() {
  curl -fsS --max-time 2 "$base/healthz" >/dev/null 2>&1
}

start_backend() {
  [[ -x $bin_dir/reference-backend && -x $bin_dir/terraform-provider-telnyx ]] ||
    die "the binaries are missing from $bin_dir: run make demo (it builds them first)"
  healthy && die "something already answers on $addr; stop it or pick another address with DEMO_ADDR=127.0.0.1:PORT"

  echo "Starting the reference backend on $addr (data in ${demo_dir#"$root/"}/data, log in ${log_file#"$root/"})..."
  # Secrets travel in the environment, not on the command line, where any
  # user could read them with ps.
  REFERENCE_BACKEND_ADDR="$addr" \
    REFERENCE_BACKEND_DATA_DIR="$demo_dir/data" \
    REFERENCE_BACKEND_OPERATOR_KEY="$OPERATOR_KEY" \
    REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY="$MANAGER_KEY" \
    REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL="$manager_email" \
    REFERENCE_BACKEND_BOOTSTRAP_MANAGER_PASSWORD="$MANAGER_PASSWORD" \
    nohup "$bin_dir/reference-backend" serve >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"

  local pid=$!
  for _ in $(seq 1 150); do
    healthy && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log_file" >&2
      die "the reference backend exited during start-up (log above)"
    fi
    sleep 0.2
  done
  tail -n 20 "$log_file" >&2
  die "the reference backend did not answer $base/healthz within 30s (log above)"
}

# start_receiver starts reference-backend webhook-receiver on receiver_addr:
# it fetches the backend's public key through the operator API, verifies each
# webhook's signature and appends each event, once, to webhooks_file.
start_receiver() {
  echo "Starting the webhook receiver on $receiver_addr (events in ${webhooks_file#"$root/"}, log in ${receiver_log#"$root/"})..."
  : >"$receiver_log"
  REFERENCE_BACKEND_OPERATOR_KEY="$OPERATOR_KEY" \
    nohup "$bin_dir/reference-backend" webhook-receiver --addr "$receiver_addr" --url "$base" \
    >>"$webhooks_file" 2>>"$receiver_log" </dev/null &
  echo $! >"$receiver_pid_file"
  local pid=$!
  for _ in $(seq 1 100); do
    grep -q 'webhook-receiver listening on' "$receiver_log" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$receiver_log" >&2
      die "the webhook receiver exited during start-up (log above); is $receiver_addr taken? Pick another with DEMO_RECEIVER_ADDR=127.0.0.1:PORT"
    fi
    sleep 0.1
  done
  die "the webhook receiver did not start listening within 10s (log in $receiver_log)"
}

# operator_adjust ACCOUNT AMOUNT DESCRIPTION credits an account's ledger
# through the operator API.
operator_adjust() {
  local status
  status=$(curl -sS -o "$demo_dir/adjustment.json" -w '%{http_code}' --max-time 10 \
    -H "Authorization: Bearer $OPERATOR_KEY" -H 'Content-Type: application/json' \
    -d "{\"amount\":\"$2\",\"description\":\"$3\"}" \
    "$base/reference/accounts/$1/adjustments")
  [[ $status == 201 ]] || die "the operator adjustment answered $status: $(cat "$demo_dir/adjustment.json")"
}

# manager_id prints the bootstrap manager's account id, which the backend logs
# at every start.
manager_id() {
  grep '"bootstrap manager ready"' "$log_file" | tail -n 1 |
    sed -n 's/.*"account_id":"\([^"]*\)".*/\1/p'
}

# fund_manager gives the manager a starting balance through the operator API,
# once per demo data folder, so that its balance output is not zero.
fund_manager() {
  [[ -f $demo_dir/funded ]] && return 0
  local id
  id=$(manager_id)
  [[ -n $id ]] || die "could not find the manager's account id in $log_file"
  operator_adjust "$id" 250.00 "Demo starting credit"
  touch "$demo_dir/funded"
  echo "Posted a 250.00 operator adjustment to the manager's ledger."
}

# fund_globex credits Globex (which pays its own way) 1.00, once per demo
# data folder: its usage then takes its balance under its alert's threshold
# of 0.95.
fund_globex() {
  [[ -f $demo_dir/globex-funded ]] && return 0
  local globex
  globex=$(output_id globex)
  [[ -n $globex ]] || die "could not read Globex's id from the terraform outputs"
  operator_adjust "$globex" 1.00 "Demo starting credit"
  touch "$demo_dir/globex-funded"
  echo "Posted a 1.00 operator adjustment to Globex's ledger (its low-balance alert is at 0.95)."
}

# show_alert waits for the webhook that Globex's usage set off and prints
# it as the receiver wrote it, once its signature verified.
show_alert() {
  local n
  for _ in $(seq 1 150); do
    n=$(wc -l <"$webhooks_file")
    ((n > webhooks_before)) && break
    sleep 0.2
  done
  if ((n > webhooks_before)); then
    echo "The webhook receiver got Globex's low-balance alert, its Ed25519 signature verified:"
    tail -n +$((webhooks_before + 1)) "$webhooks_file"
  elif [[ $usage_accepted == 0 ]]; then
    echo "No new alert: today's usage was already posted, so Globex's balance did not move (see ${webhooks_file#"$root/"} for the earlier ones)."
  else
    cat "$receiver_log" >&2
    die "the webhook receiver got no alert within 30s (receiver log above; the backend's deliveries: GET $base/reference/notifications)"
  fi
}

# utc_date prints the UTC date (YYYY-MM-DD) of a Unix time.
utc_date() {
  date -u -d "@$1" +%F 2>/dev/null || date -u -r "$1" +%F # GNU, else BSD (macOS)
}

# utc_time prints a Unix time as RFC 3339 in UTC.
utc_time() {
  date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ
}

# output_id prints the id of one managed account of the demo, from the
# managed_account_ids output of the last apply.
output_id() {
  terraform -chdir="$example_dir" output -json managed_account_ids | tr -d ' \n' |
    sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

# ingest_usage posts some messaging traffic of Acme and Globex through the
# operator API, as Telnyx's network would report it. The events are dated a
# few seconds from now (the backend takes up to 5 minutes ahead), surely after
# the first apply, so that Globex's custom rates, in force from that apply on,
# price its share. Their ids name the day: running the demo again the same day
# posts duplicates, which the backend ignores.
ingest_usage() {
  local acme globex now day status
  acme=$(output_id acme)
  globex=$(output_id globex)
  [[ -n $acme && -n $globex ]] || die "could not read the managed accounts' ids from the terraform outputs"
  now=$(date -u +%s)
  day=$(utc_date "$now")
  local events=() n=0
  # event ACCOUNT DIRECTION TYPE COUNTRY PARTS: one message of PARTS parts.
  event() {
    n=$((n + 1))
    events+=("$(printf '{"id":"demo-%s-%s-%d","account_id":"%s","product":"messaging","occurred_at":"%s","direction":"%s","message_type":"%s","country_iso":"%s","parts":%d}' \
      "$1" "$day" "$n" "$1" "$(utc_time $((now + n)))" "$2" "$3" "$4" "$5")")
  }
  local i
  for i in 1 2 3 4 5 6; do event "$acme" outbound SMS US $(((i % 3) + 1)); done
  for i in 1 2; do event "$acme" inbound SMS US 1; done
  event "$acme" outbound MMS CA 1
  for i in 1 2 3 4; do event "$globex" outbound SMS US 2; done
  for i in 1 2 3; do event "$globex" outbound SMS GB 1; done
  event "$globex" outbound SMS DE 1
  local body
  body=$(IFS=,; printf '{"events":[%s]}' "${events[*]}")
  status=$(curl -sS -o "$demo_dir/usage.json" -w '%{http_code}' --max-time 30 \
    -H "Authorization: Bearer $OPERATOR_KEY" -H 'Content-Type: application/json' \
    -d "$body" "$base/reference/usage_events")
  [[ $status == 200 ]] || die "the usage ingestion answered $status: $(cat "$demo_dir/usage.json")"
  local accepted duplicates
  accepted=$(sed -n 's/.*"accepted":\([0-9]*\).*/\1/p' "$demo_dir/usage.json")
  duplicates=$(sed -n 's/.*"duplicates":\([0-9]*\).*/\1/p' "$demo_dir/usage.json")
  usage_accepted=$accepted
  echo "Posted ${#events[@]} messaging events of Acme and Globex: $accepted new, $duplicates already posted today (ignored)."
}

write_cli_config() {
  # dev_overrides makes terraform use ./bin/terraform-provider-telnyx without
  # a registry, so nothing is downloaded and `terraform init` is not needed.
  cat >"$demo_dir/terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/managedaccounts/telnyx" = "$bin_dir"
  }
  direct {}
}
EOF
  # Everything needed to run terraform on the demo by hand.
  cat >"$demo_dir/env" <<EOF
export TF_CLI_CONFIG_FILE='$demo_dir/terraformrc'
export TELNYX_BASE_URL='$base/v2'
export TELNYX_API_KEY='$MANAGER_KEY'
export TF_VAR_alert_webhook_url='http://$receiver_addr/demo/alerts'
EOF
  chmod 600 "$demo_dir/env"
}

up() {
  need terraform "install Terraform (1.11 or later) first"
  need curl "the demo uses it to wait for the backend and to post an operator adjustment and usage"
  mkdir -p "$demo_dir"
  chmod 700 "$demo_dir"

  # The keys are made once per data folder: the backend keeps the manager's.
  if [[ ! -f $demo_dir/keys ]]; then
    (
      umask 077
      printf 'MANAGER_KEY=%s\nOPERATOR_KEY=%s\n' "$(random_key KEY)" "$(random_key OPK)" >"$demo_dir/keys"
    )
  fi
  # The manager's portal password, made once too (added to the keys of a
  # data folder made before the portal existed).
  if ! grep -q '^MANAGER_PASSWORD=' "$demo_dir/keys"; then
    (
      umask 077
      printf 'MANAGER_PASSWORD=%s\n' "$(random_key pw-)" >>"$demo_dir/keys"
    )
  fi
  # shellcheck source=/dev/null
  source "$demo_dir/keys"

  # A backend left from an earlier `make demo` is restarted on the new binaries.
  stop_receiver
  stop_backend
  start_backend
  start_receiver
  fund_manager
  write_cli_config

  # shellcheck source=/dev/null
  source "$demo_dir/env"
  echo "Running terraform apply in examples/demo..."
  terraform -chdir="$example_dir" apply -auto-approve -input=false
  fund_globex
  touch "$webhooks_file"
  webhooks_before=$(wc -l <"$webhooks_file")
  ingest_usage
  show_alert
  echo "Running terraform apply again, so that the usage reports read the usage just ingested..."
  # This apply ends with the outputs: the managed accounts, the manager's
  # balance, Acme's usage as Acme sees it (no cost) and every managed
  # account's usage as the manager sees it (with cost).
  terraform -chdir="$example_dir" apply -auto-approve -input=false
  cat <<EOF

The reference backend is still running on $base (pid $(<"$pid_file")),
and the webhook receiver on http://$receiver_addr (pid $(<"$receiver_pid_file")): the alerts it verified
are in .demo/webhooks.jsonl; every delivery and its attempts: Globex's Notifications page in the portal.

Mission Control, the web portal:  $base/portal/
  Sign in as the demo manager:    $manager_email
  Password:                       $MANAGER_PASSWORD   (also in .demo/keys)
  Then "Log in as" a managed account to see its usage and balance as it does.

To run terraform on the demo yourself:  source .demo/env && terraform -chdir=examples/demo plan
To stop the backend and remove the demo's data and state:  make demo-clean
EOF
}

down() {
  stop_receiver
  stop_backend
  rm -rf "$demo_dir"
  rm -rf "$example_dir/.terraform" "$example_dir/.terraform.lock.hcl" \
    "$example_dir/terraform.tfstate" "$example_dir/terraform.tfstate.backup"
  echo "Demo cleaned: backend stopped, .demo and the demo's Terraform state removed."
}

case "${1:-}" in
up) up ;;
down) down ;;
*) die "usage: $0 up|down" ;;
esac
