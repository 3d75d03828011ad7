#!/bin/bash
# `servin runtime run` against `crun run` and `runc run` on the very same
# bundle (busybox fixture, process `true`), alternating runtimes every
# round so load changes hit all three alike. Two bundles: the "plain" one
# (our Docker-like default config without seccomp) and the same with
# Docker's default seccomp profile. Prints a table with min / median / max
# and the load average on stderr, result lines (bench/lib.sh) on stdout.
#
#   bench/runtime.sh [--runs N] [--keep-state-on-disk]
#
# Every runtime's state root is on one private tmpfs (as /run is on a
# normal host) unless --keep-state-on-disk. crun 1.8 refuses hybrid cgroup
# hosts while a v2 controller (hugetlb here) is not bound to a v1
# hierarchy: hugetlb is mounted as v1 around each crun run only; servin
# and runc see the host as it is. Needs root.
. "$(dirname "$0")/lib.sh"
set -eo pipefail
servin=$BIN/servin
runs=30 tmpfs=1
[ "$QUICK" = 1 ] && runs=10
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--quick) runs=10 ;;
	--keep-state-on-disk) tmpfs=0 ;;
	*) echo "runtime.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" != 0 ] || ! have crun || ! have runc || ! have jq; then
	skipped runtime-vs-crun "servin runtime run vs crun run" "needs root, crun, runc and jq"
	exit 0
fi

work=$(mktemp -d /tmp/servin-bench-runtime.XXXXXX)
hug=$work/hugetlb
cleanup() {
	mountpoint -q "$hug" 2>/dev/null && umount "$hug"
	mountpoint -q "$work/state" 2>/dev/null && umount "$work/state"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/state" "$hug"
[ $tmpfs = 1 ] && mount -t tmpfs -o mode=0700 tmpfs "$work/state"

hugetlb_v2() { grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; }

declare -A times
# Runs one runtime once; appends its wall time in µs to times[name].
one() {
	local name=$1 t0 t1
	shift
	if [ "$name" = crun ] && hugetlb_v2; then mount -t cgroup -o hugetlb none "$hug"; fi
	t0=$EPOCHREALTIME
	"$@" >/dev/null || { echo "runtime.sh: $name failed" >&2; exit 1; }
	t1=$EPOCHREALTIME
	if mountpoint -q "$hug"; then umount "$hug"; fi
	times[$name]+=" $((${t1/./} - ${t0/./}))"
}

# bench_bundle ID LABEL [mkbundle options]
bench_bundle() {
	local id=$1 label=$2 b=$work/$1 i r mn md mx
	shift 2
	"$TOP/tests/fixtures/mkbundle.sh" "$b" --servin "$servin" "$@"
	cd "$b"
	times=()
	local load_before load_after
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	for ((i = 0; i < runs + 2; i++)); do
		[ $i = 2 ] && times=() # two warm-up rounds are dropped
		one servin "$servin" --runroot "$work/state/servin" runtime run "$id$i"
		one crun crun --root "$work/state/crun" run "$id$i"
		one runc runc --root "$work/state/runc" run "$id$i"
	done
	load_after=$(cut -d' ' -f1-3 /proc/loadavg)
	cd "$work"
	declare -A med
	{
		printf '%s, state on %s, %d runs each\n' "$label" "$([ $tmpfs = 1 ] && echo tmpfs || echo disk)" "$runs"
		printf '  %-8s %9s %9s %9s\n' runtime "min ms" "median ms" "max ms"
	} >&2
	for r in servin crun runc; do
		# shellcheck disable=SC2086
		read -r md mn mx < <(stats ${times[$r]})
		med[$r]=$(awk -v v="$md" 'BEGIN { printf "%.2f", v / 1000 }')
		awk -v r="$r" -v a="$mn" -v b="$md" -v c="$mx" 'BEGIN { printf "  %-8s %9.2f %9.2f %9.2f\n", r, a / 1000, b / 1000, c / 1000 }' >&2
	done
	echo "  load average before: $load_before, after: $load_after ($(nproc) cpus)" >&2
	result "$id-vs-crun" "servin runtime run vs crun run ($label)" "${med[servin]}" crun "${med[crun]}" 2 \
		"medians of $runs alternating runs; load $load_before → $load_after"
	result "$id-vs-runc" "servin runtime run vs runc run ($label)" "${med[servin]}" runc "${med[runc]}" 2 \
		"medians of $runs alternating runs; load $load_before → $load_after"
}

bench_bundle runtime "plain bundle, no seccomp" --no-seccomp
bench_bundle runtime-seccomp "Docker's default seccomp profile"
