#!/bin/bash
# Runs the cmocka unit test programs (ASan+UBSan builds) and summarises.
set -u
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(dirname "$0")/lsan.supp}
export CMOCKA_MESSAGE_OUTPUT=${CMOCKA_MESSAGE_OUTPUT:-stdout}
failed=()
for t in "$@"; do
	name=$(basename "$t")
	if out=$("$t" 2>&1); then
		printf 'ok      %s (%s)\n' "$name" "$(grep -c '^\[       OK \]' <<<"$out") tests"
	else
		printf 'FAILED  %s\n%s\n' "$name" "$out"
		failed+=("$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "unit: ${#failed[@]} program(s) failed: ${failed[*]}"
	exit 1
fi
echo "unit: all $# programs passed"
