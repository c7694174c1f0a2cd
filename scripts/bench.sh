#!/usr/bin/env bash
# Runs every benchmark of `make bench` (issue 8) and writes the report:
# Terraform against the reference backend beside terraform_data and the
# anchors null_resource and random_string (issue 16), the backend's HTTP
# API beside Prism (and its retrieve beside httplimit, issue 16), the same
# HTTP loads on PostgreSQL (one server and two replicas of one database,
# issue 6), the hot-path Go
# benchmarks, the usage benchmarks of issue 5, and peak memory. `make build`
# has built bin/.
#
# Sizes, from the environment (make passes its command-line variables on):
#   BENCH_QUICK=1        small sizes, a few minutes; writes .bench/BENCHMARKS.quick.md
#   BENCH_COUNT          runs of everything but Terraform (5; quick 1)
#   BENCH_TF_COUNT       runs of the Terraform section, at each size (3, as the anchors' figures
#                        of issue 16; quick 1)
#   BENCH_SIZES          resources of each type in the Terraform runs, one size after the other
#                        ("100 500": the targets are judged at the largest, the others show
#                        how the ratios scale; quick "10 20")
#   BENCH_PARALLELISM    terraform -parallelism (10)
#   BENCH_CONCURRENCY    connections of the HTTP loads (50)
#   BENCH_DURATION       each HTTP load (10s; quick 3s), after BENCH_WARMUP (2s; quick 1s)
#   BENCH_DB_MAX_CONNS   --db-max-conns of each PostgreSQL replica (10, the backend's default)
#   BENCH_OUT            the report (bench/BENCHMARKS.md; quick .bench/BENCHMARKS.quick.md)
#   USAGEBENCH_EVENTS    events of the usage report fixture (10,000,000; quick 62,000)
#   BENCH_ANCHORS        the folder of the anchors' sources (terraform-provider-null and
#                        terraform-provider-random, and httplimit, which answers the retrieve
#                        beside the backend; issue 16), built here with go build; make
#                        defaults it to ../shared/anchors when that folder exists. Empty: the
#                        Terraform section and the retrieve run without them and the report
#                        says so.
# The JSON results and benchmark outputs stay in .bench/results (git-ignored).
# The harness and the Go benchmarks are the Go module in bench/ (its
# README.md says why it is a module of its own), run with go -C bench.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ -n "${BENCH_QUICK:-}" ]]; then
	count="${BENCH_COUNT:-1}" tf_count="${BENCH_TF_COUNT:-1}" sizes="${BENCH_SIZES:-10 20}" duration="${BENCH_DURATION:-3s}" warmup="${BENCH_WARMUP:-1s}"
	out="${BENCH_OUT:-.bench/BENCHMARKS.quick.md}" usage_events="${USAGEBENCH_EVENTS:-62000}"
	ingest_time=2x report_time=3x raw_count=1 hot_time=200x quick_flag=-quick
else
	count="${BENCH_COUNT:-5}" tf_count="${BENCH_TF_COUNT:-3}" sizes="${BENCH_SIZES:-100 500}" duration="${BENCH_DURATION:-10s}" warmup="${BENCH_WARMUP:-2s}"
	out="${BENCH_OUT:-bench/BENCHMARKS.md}" usage_events="${USAGEBENCH_EVENTS:-}"
	ingest_time=10x report_time=20x raw_count=3 hot_time=1s quick_flag=
fi
parallelism="${BENCH_PARALLELISM:-10}"
concurrency="${BENCH_CONCURRENCY:-50}"
# The verbatim copy of the contract kept with the contract tests.
contract="${BENCH_CONTRACT:-$root/internal/backend/httpapi/testdata/telnyx-openapi-subset.yaml}"
prism_version=5.16.0

if ! command -v terraform >/dev/null; then
	echo "bench: terraform is not on PATH" >&2
	exit 1
fi
TF_CLI_CONFIG_FILE=/dev/null terraform version

work="$root/.bench"
results="$work/results"
mkdir -p "$results"
tmp="$(mktemp -d)"
# The PostgreSQL of the HTTP loads, in a folder of its own (not under $tmp:
# as root its server runs as the postgres user, who must reach the folder).
pg_dir="${TMPDIR:-/tmp}/terraform-provider-telnyx-bench-pg.$$"
pg_stop() { PGTEST_DIR="$pg_dir" "$root/scripts/postgres.sh" stop >/dev/null 2>&1 || true; }
trap 'pg_stop; rm -rf "$tmp"' EXIT
go -C bench build -trimpath -o "$work/benchdriver" ./benchdriver
driver="$work/benchdriver"
provider="$root/bin/terraform-provider-telnyx"
backend="$root/bin/reference-backend"

# Prism, pinned, into .bench/prism; without it the HTTP loads run against
# the backend alone and the report says why.
prism="$work/prism/node_modules/.bin/prism"
prism_unavailable=""
if [[ ! -x "$prism" ]] || [[ "$("$prism" --version 2>/dev/null || true)" != "$prism_version" ]]; then
	echo "bench: installing Prism $prism_version into .bench/prism"
	if ! command -v npm >/dev/null; then
		prism_unavailable="npm is not on PATH"
	elif ! npm install --no-audit --no-fund --loglevel=error --prefix "$work/prism" "@stoplight/prism-cli@$prism_version"; then
		prism_unavailable="npm could not install @stoplight/prism-cli@$prism_version"
	fi
fi
if [[ -n "$prism_unavailable" ]]; then
	echo "bench: $prism_unavailable; the HTTP loads run against the backend alone" >&2
	prism=""
fi

# The anchors of issue 16 (their folder's README.md), built into
# .bench/anchors; the project itself never needs them. Without them the
# report says which comparisons it skipped, and why.
anchors="${BENCH_ANCHORS:-}"
httplimit="" httplimit_skipped=""
if [[ -z "$anchors" ]]; then
	httplimit_skipped="BENCH_ANCHORS was not given (make bench sets it to ../shared/anchors when that folder exists)"
elif [[ ! -f "$anchors/httplimit/main.go" ]]; then
	httplimit_skipped="the anchors' folder $anchors has no httplimit/main.go"
else
	mkdir -p "$work/anchors"
	if go -C "$anchors/httplimit" build -trimpath -o "$work/anchors/httplimit" .; then
		httplimit="$work/anchors/httplimit"
	else
		httplimit_skipped="go build of $anchors/httplimit failed"
	fi
fi
if [[ -n "$httplimit_skipped" ]]; then
	echo "bench: skipping the httplimit comparison: $httplimit_skipped" >&2
fi

"$driver" machine -node "$(command -v node || true)" -dir "$tmp" -out "$results/machine.json"

# The anchors: HashiCorp's null and random providers, built from their
# sources, each in a copy of its folder (the folder itself stays untouched,
# and may be read-only). They only serve the comparison: without them the
# Terraform section runs the other types and the report says why.
anchors="${BENCH_ANCHORS:-}" anchors_skipped="" anchor_flags=()
if [[ -z "$anchors" ]]; then
	anchors_skipped="BENCH_ANCHORS names no folder of anchors' sources"
elif [[ ! -f "$anchors/terraform-provider-null/go.mod" || ! -f "$anchors/terraform-provider-random/go.mod" ]]; then
	anchors_skipped="$anchors has no terraform-provider-null and terraform-provider-random sources"
else
	mkdir -p "$work/anchors"
	for name in null random; do
		src="$tmp/anchor-$name"
		cp -R "$anchors/terraform-provider-$name" "$src"
		chmod -R u+w "$src"
		if ! (cd "$src" && GOWORK=off go build -trimpath -o "$work/anchors/terraform-provider-$name" .); then
			anchors_skipped="go build of terraform-provider-$name from $anchors failed"
			break
		fi
		anchor_flags+=(-"$name"-provider "$work/anchors/terraform-provider-$name")
	done
fi
if [[ -n "$anchors_skipped" ]]; then
	echo "bench: $anchors_skipped; null_resource and random_string are not measured, and the report says so" >&2
	anchor_flags=()
fi

# One run of the section per size, each with a backend of its own.
terraform_results=""
rm -f "$results"/terraform*.json
for n in $sizes; do
	"$driver" terraform -provider "$provider" -backend "$backend" -n "$n" -runs "$tf_count" \
		-parallelism "$parallelism" -anchors-skipped "$anchors_skipped" ${anchor_flags[@]+"${anchor_flags[@]}"} \
		-out "$results/terraform-$n.json"
	terraform_results+="${terraform_results:+,}$results/terraform-$n.json"
done

"$driver" http -backend "$backend" -prism "$prism" -prism-unavailable "$prism_unavailable" -contract "$contract" \
	-httplimit "$httplimit" -httplimit-skipped "$httplimit_skipped" -concurrency "$concurrency" -duration "$duration" -warmup "$warmup" -runs "$count" -out "$results/http.json"

# The same loads on PostgreSQL: a throwaway server, stopped once they end.
# If it cannot start, the report says why and the rest still runs.
pg_url="" pg_unavailable=""
if ! pg_url="$(PGTEST_DIR="$pg_dir" "$root/scripts/postgres.sh" start 2>"$tmp/postgres-start.log")"; then
	pg_url=""
	pg_unavailable="scripts/postgres.sh could not start PostgreSQL: $(tail -n 1 "$tmp/postgres-start.log")"
	echo "bench: $pg_unavailable" >&2
fi
"$driver" http-postgres -backend "$backend" -postgres-url "$pg_url" -postgres-unavailable "$pg_unavailable" \
	-db-max-conns "${BENCH_DB_MAX_CONNS:-10}" -concurrency "$concurrency" -duration "$duration" -warmup "$warmup" \
	-runs "$count" -out "$results/http-postgres.json"
pg_stop

# The Go benchmarks measure SQLite, whatever the test environment says.
env -u REFERENCE_BACKEND_TEST_POSTGRES_URL go -C bench test -run '^$' -bench . -benchmem -benchtime "$hot_time" -count "$count" \
	. | tee "$results/hotpaths.txt"

# The usage benchmarks share one report fixture, built by the first that
# needs it (several minutes at full size).
usage_pkg=./usagebench/
export USAGEBENCH_DIR="$tmp/usage"
mkdir -p "$USAGEBENCH_DIR"
if [[ -n "$usage_events" ]]; then
	export USAGEBENCH_EVENTS="$usage_events"
fi
go -C bench test -run '^$' -bench 'Ingest10kBatch' -benchtime "$ingest_time" -count "$count" -timeout 30m "$usage_pkg" | tee "$results/ingest.txt"
go -C bench test -run '^$' -bench 'Report31Days1000Accounts' -benchtime "$report_time" -count "$count" -timeout 90m "$usage_pkg" | tee "$results/report.txt"
go -C bench test -run '^$' -bench 'RawGroupBy' -benchtime 1x -count "$raw_count" -timeout 60m "$usage_pkg" | tee "$results/raw.txt"

"$driver" report $quick_flag -machine "$results/machine.json" -terraform "$terraform_results" -http "$results/http.json" \
	-http-postgres "$results/http-postgres.json" -hotpaths "$results/hotpaths.txt" -usage "$results/ingest.txt,$results/report.txt,$results/raw.txt" >"$tmp/report.md"
mkdir -p "$(dirname "$out")"
mv "$tmp/report.md" "$out"
echo "bench: wrote $out"
