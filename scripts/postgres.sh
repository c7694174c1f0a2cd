#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests (`make test-postgres`, .ci/run).
#
#   scripts/postgres.sh start     start it (initialising it on first use) and print its admin URL;
#                                 a server this script already runs is reused
#   scripts/postgres.sh stop      stop it and remove its data
#   scripts/postgres.sh restart   restart it with `pg_ctl restart -m fast` (its data is kept)
#   scripts/postgres.sh url       print the admin URL of the running server
#   scripts/postgres.sh status    say whether it runs (exit 0) or not (exit 1)
#
# PGTEST_DIR holds the data, the socket, the log and the chosen port (default
# $TMPDIR/terraform-provider-telnyx-pg). PGTEST_PORT picks the port; without it
# the first free port from 55432 is used. The server listens on 127.0.0.1 only
# and trusts every local connection: it is for tests, never for data to keep.
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user (PGTEST_OS_USER to choose another).
set -euo pipefail

dir="${PGTEST_DIR:-${TMPDIR:-/tmp}/terraform-provider-telnyx-pg}"
data_dir="$dir/data"
sock_dir="$dir/sock"
log_file="$dir/server.log"
port_file="$dir/port"
default_port=55432

die() {
  printf 'postgres.sh: %s\n' "$*" >&2
  exit 1
}

# find_bin prints the path of a PostgreSQL program: from PATH, else from the
# usual Debian location (whose bin folder is not on PATH).
find_bin() {
  local name=$1 candidate
  if candidate=$(command -v "$name" 2>/dev/null); then
    printf '%s\n' "$candidate"
    return
  fi
  for candidate in /usr/lib/postgresql/15/bin/"$name" /usr/lib/postgresql/*/bin/"$name"; do
    if [[ -x $candidate ]]; then
      printf '%s\n' "$candidate"
      return
    fi
  done
  die "$name is not on PATH nor under /usr/lib/postgresql/*/bin: install PostgreSQL 15 (apt-get install postgresql-15)"
}

# as_owner runs a command as the user that owns the server: the postgres user
# when this script runs as root, the current user otherwise.
as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u "${PGTEST_OS_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

# port_in_use succeeds when something accepts connections on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

admin_url() {
  printf 'postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable\n' "$1"
}

# running succeeds when the server of this data folder is up. pg_ctl status
# checks that the pid in postmaster.pid is alive, so a stale file from a
# killed server does not count.
running() {
  [[ -f $data_dir/PG_VERSION ]] || return 1
  as_owner "$pg_ctl" -D "$data_dir" status >/dev/null 2>&1 || return 1
  # A killed server that its parent has not reaped yet is a zombie, which
  # kill -0 (and so pg_ctl) still finds.
  local pid state
  pid=$(head -n 1 "$data_dir/postmaster.pid" 2>/dev/null) || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(awk '{print $3}' "/proc/$pid/stat")
    [[ $state != Z ]] || return 1
  fi
}

current_port() {
  [[ -f $port_file ]] || return 1
  local port
  port=$(<"$port_file")
  [[ $port =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$port"
}

choose_port() {
  if [[ -n ${PGTEST_PORT:-} ]]; then
    port_in_use "$PGTEST_PORT" && die "port $PGTEST_PORT (PGTEST_PORT) is already in use by another program"
    printf '%s\n' "$PGTEST_PORT"
    return
  fi
  local port
  for ((port = default_port; port < default_port + 100; port++)); do
    if ! port_in_use "$port"; then
      printf '%s\n' "$port"
      return
    fi
  done
  die "no free port in $default_port-$((default_port + 99)); set PGTEST_PORT"
}

# prepare_dirs creates the folders, owned by the server's user. The parents of
# $dir must let that user through, which a private temp folder of root's does not.
prepare_dirs() {
  local owner=()
  if [[ $(id -u) == 0 ]]; then
    local user="${PGTEST_OS_USER:-postgres}"
    id "$user" >/dev/null 2>&1 || die "PostgreSQL refuses to run as root and there is no '$user' user: create it or set PGTEST_OS_USER"
    owner=(-o "$user" -g "$(id -gn "$user")")
  fi
  install -d "${owner[@]}" -m 700 "$dir" "$data_dir"
  install -d "${owner[@]}" -m 700 "$sock_dir"
  as_owner test -w "$dir" || die "the server's user cannot write $dir: choose another PGTEST_DIR"
}

start() {
  if running; then
    local port
    port=$(current_port) || die "a server runs in $data_dir but $port_file is missing: run '$0 stop' first"
    admin_url "$port"
    return
  fi
  local port
  port=$(choose_port)
  prepare_dirs
  # A folder left by an initdb that did not finish is started afresh.
  if [[ ! -f $data_dir/PG_VERSION ]]; then
    find "$data_dir" -mindepth 1 -delete
    as_owner "$initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
      }
  fi
  # The server is not running (checked above): a lock file left by a killed
  # one would only make it refuse to start.
  rm -f "$data_dir/postmaster.pid" "$sock_dir"/.s.PGSQL.*
  printf '%s\n' "$port" >"$port_file"
  # Durability is traded for speed (fsync off and friends): the data is
  # thrown away after the tests. max_connections leaves room for several
  # test packages, each with its pools and replicas, at once.
  local options="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sock_dir"
  options+=" -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  # The processes of a killed server may hold its shared memory for a moment
  # (PostgreSQL then refuses to start): try again once they have gone.
  local attempt
  for attempt in 1 2 3; do
    if as_owner "$pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 -o "$options" start >/dev/null; then
      admin_url "$port"
      return
    fi
    rm -f "$data_dir/postmaster.pid"
    sleep "$attempt"
  done
  tail -n 30 "$log_file" >&2 || true
  die "PostgreSQL did not start (log above, in $log_file)"
}

stop() {
  if running; then
    as_owner "$pg_ctl" -D "$data_dir" -m fast -w -t 60 stop >/dev/null ||
      die "PostgreSQL did not stop; see $log_file"
  fi
  rm -rf "$dir"
}

restart() {
  running || die "no server runs in $data_dir: run '$0 start' first"
  local port
  port=$(current_port) || die "$port_file is missing"
  as_owner "$pg_ctl" -D "$data_dir" -l "$log_file" -m fast -w -t 60 restart >/dev/null ||
    die "PostgreSQL did not restart; see $log_file"
  admin_url "$port"
}

# The programs are looked up once, by assignment, so that a missing one stops
# the script (set -e does not see a failure inside a command's arguments).
case "${1:-}" in
start | stop | restart | url | status)
  pg_ctl=$(find_bin pg_ctl)
  initdb=$(find_bin initdb)
  ;;
esac

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) restart ;;
url)
  running || die "no server runs in $data_dir: run '$0 start' first"
  admin_url "$(current_port)"
  ;;
status)
  if running; then
    echo "running: $(admin_url "$(current_port)")"
  else
    echo "not running"
    exit 1
  fi
  ;;
*)
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
