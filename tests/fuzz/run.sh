#!/bin/bash
# Runs libFuzzer targets: first every checked-in regression input (a crash
# found once stays fixed), then SECONDS of exploration from the seed corpus.
#   tests/fuzz/run.sh SECONDS FUZZER...
set -u
secs=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-$(dirname "$1")/corpus}
failed=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp}
for bin in "$@"; do
	name=$(basename "$bin" -fuzzer)
	seeds=$here/corpus/$name regress=$here/regressions/$name
	mkdir -p "$work/$name" "$here/crashes"
	if [ -d "$regress" ] && [ -n "$(ls -A "$regress" 2>/dev/null)" ]; then
		if ! "$bin" -runs=0 "$regress" >"$work/$name.regress.log" 2>&1; then
			echo "FAILED  $name: a recorded regression crashes again"; tail -20 "$work/$name.regress.log"
			failed+=("$name"); continue
		fi
	fi
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$here/crashes/$name-" "$work/$name" "$seeds" >"$work/$name.log" 2>&1; then
		printf 'ok      %-12s %s\n' "$name" "$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | awk '{print $2}') runs in ${secs}s"
	else
		echo "FAILED  $name (crash input saved in tests/fuzz/crashes/; add it to tests/fuzz/regressions/$name/)"
		grep -A30 -m1 'ERROR\|==ERROR\|deadly signal' "$work/$name.log" | head -40
		failed+=("$name")
	fi
done
[ ${#failed[@]} = 0 ] || { echo "fuzz: failed: ${failed[*]}"; exit 1; }
echo "fuzz: $# targets clean"
