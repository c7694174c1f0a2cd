#!/usr/bin/env bash
# Runs every fuzz target (func FuzzXxx in a _test.go file) for FUZZTIME each,
# one at a time (-fuzz takes one target), and fails if any target fails. The
# targets are listed with `go test -list`, so a new one is fuzzed without
# being named here. `make test` already runs each target's seed corpus
# (testdata/fuzz/FuzzXxx) as a plain test; a crash found here is written to
# that corpus, to be committed with its fix.
#
# Go 1.26's fuzzing coordinator can fail a target with a bare "context
# deadline exceeded" as -fuzztime runs out, having found nothing
# (go.dev/issue/75804, fixed in Go 1.27). Such a run, with no failing input
# written and no other failure, is run once more; anything else fails.
set -uo pipefail

fuzztime="${FUZZTIME:-10s}"
failed=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# coordinator_flake: the run in $log failed only by the coordinator's race.
coordinator_flake() {
	grep -q 'context deadline exceeded' "$log" &&
		! grep -q -e 'Failing input written' -e '^panic:' -e '    --- FAIL' -e '_test.go:[0-9]*:' "$log"
}

pkgs="$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)"
for pkg in $pkgs; do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		for attempt in 1 2; do
			echo "==> fuzz $pkg $target ($fuzztime)"
			if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; then
				break
			fi
			if [[ $attempt == 1 ]] && coordinator_flake; then
				echo "==> $target: the fuzzing coordinator's deadline race (go.dev/issue/75804), nothing found; once more"
				continue
			fi
			failed+=("$pkg $target")
			break
		done
	done
done

if ((${#failed[@]} > 0)); then
	printf 'fuzzing failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
