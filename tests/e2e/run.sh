#!/bin/bash
# Runs every end-to-end test file (tests/e2e/*.sh, *.py), each printing
# TAP. Exit 77 is a skip: reported as such, never as a pass.
#   tests/e2e/run.sh [FILE...]
set -u
cd "$(dirname "$0")"
files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(ls [0-9a-z]*.sh [0-9a-z]*.py 2>/dev/null | grep -v -e 'lib\.sh$' -e '^run\.sh$')
passed=() failed=() skipped=()
for f in "${files[@]}"; do
	start=$(date +%s)
	case "$f" in *.py) runner=(/usr/bin/python3 "$f") ;; *) runner=(bash "$f") ;; esac
	out=$(timeout 900 "${runner[@]}" 2>&1)
	rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc = 0 ]; then
		passed+=("$f")
		printf 'ok      %-32s %3ds (%s)\n' "$f" "$secs" "$(grep -c '^ok ' <<<"$out") checks"
	elif [ $rc = 77 ]; then
		skipped+=("$f")
		printf 'SKIP    %-32s %s\n' "$f" "$(grep -m1 SKIP <<<"$out")"
	else
		failed+=("$f")
		printf 'FAILED  %-32s %3ds (exit %d)\n' "$f" "$secs" "$rc"
		grep -v '^ok ' <<<"$out" | sed 's/^/    /' | tail -60
	fi
done
echo "e2e: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ ${#failed[@]} = 0 ]
