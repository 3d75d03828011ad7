# tests/e2e/lib.sh — sourced by every end-to-end test. TAP output; exit 77
# means the whole file was skipped (not root, missing kernel feature).
#
#   . "$(dirname "$0")/lib.sh"
#   need_root
#   sv_setup            # private --root/--runroot, cleaned up on exit
#   ok "images lists busybox" sv images | grep -q busybox
#   is "$(sv images -q | wc -l)" 1 "one image"
#   done_testing
set -u
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$E2E_DIR/../.." && pwd)
BIN=${SERVIN_BIN:-$TOP/build/bin}
FIXTURES=$TOP/tests/fixtures
TEST_NAME=$(basename "$0")
_n=0 _failed=0 _cleanups=()

skip_all() { echo "1..0 # SKIP $*"; exit 77; }
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip_all "needs $c"; done; }

_report() { # status description [diagnostics]
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_n - $2"
	else
		_failed=$((_failed + 1))
		echo "not ok $_n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return "$1"
}

# ok DESCRIPTION CMD... — passes when CMD exits 0.
ok() { local d=$1; shift; local out; out=$("$@" 2>&1); _report $? "$d" "$out"; }
# nok DESCRIPTION CMD... — passes when CMD fails.
nok() { local d=$1; shift; local out; if out=$("$@" 2>&1); then _report 1 "$d" "unexpected success: $out"; else _report 0 "$d"; fi; }
# is GOT WANT DESCRIPTION
is() { if [ "$1" = "$2" ]; then _report 0 "$3"; else _report 1 "$3" "got:  '$1'
want: '$2'"; fi; }
# like GOT REGEX DESCRIPTION
like() { if [[ $1 =~ $2 ]]; then _report 0 "$3"; else _report 1 "$3" "got:  '$1'
want match: '$2'"; fi; }
# exit_is CODE DESCRIPTION CMD...
exit_is() { local want=$1 d=$2; shift 2; local out; out=$("$@" 2>&1); local rc=$?; if [ $rc = "$want" ]; then _report 0 "$d"; else _report 1 "$d" "exit $rc, want $want: $out"; fi; }

cleanup() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
}
trap _run_cleanups EXIT

# A private state root and run root for this test, in tmpfs when there is
# one (this disk slows file creation for minutes after mass deletions, and
# tests create and delete a lot).
E2E_TMPDIR=${E2E_TMPDIR:-$([ -w /dev/shm ] && echo /dev/shm || echo /tmp)}
sv_setup() {
	SV_TMP=$(mktemp -d "$E2E_TMPDIR/servin-e2e.XXXXXX")
	export SERVIN_ROOT=$SV_TMP/root SERVIN_RUNROOT=$SV_TMP/run
	[ -n "${KEEP_TMP:-}" ] || cleanup "rm -rf '$SV_TMP'"
}
sv() { "$BIN/servin" "$@"; }

# kill_during MS ARGS... — runs `servin ARGS` in the background and sends
# it SIGKILL MS milliseconds later (servin itself is the job, not a shell
# running sv, so the signal hits it). For the crash tests.
kill_during() {
	local ms=$1 pid
	shift
	"$BIN/servin" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v d="$ms" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
}

# mkimage ARGS... — tests/fixtures/mkimage.sh
mkimage() { "$FIXTURES/mkimage.sh" "$@"; }

done_testing() {
	echo "1..$_n"
	[ "$_failed" = 0 ] || { echo "# $TEST_NAME: $_failed of $_n failed"; exit 1; }
	exit 0
}
