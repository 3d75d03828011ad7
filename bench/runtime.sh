#!/bin/bash
# `servin runtime run` against `crun run` and `runc run` on the very same
# bundle (busybox fixture, process `true`), alternating runtimes every
# round so load changes hit all three alike. Prints min / median / max and
# the ratios, plus the load average before and after.
#
#   bench/runtime.sh [--runs N] [--seccomp] [--keep-state-on-disk]
#
# The bundle is our Docker-like default config without seccomp (the "plain
# bundle"); --seccomp keeps Docker's default profile in it (all three
# runtimes then compile or load it). Every runtime's state root is put on
# one private tmpfs (as /run is on a normal host) unless
# --keep-state-on-disk. crun 1.8 refuses hybrid cgroup hosts while a v2
# controller (hugetlb here) is not bound to a v1 hierarchy: hugetlb is
# mounted as v1 around each crun run only; servin and runc see the host as
# it is. Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
servin=${SERVIN:-$top/build/bin/servin}
runs=30 seccomp=--no-seccomp tmpfs=1
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--quick) runs=10 ;;
	--seccomp) seccomp= ;;
	--keep-state-on-disk) tmpfs=0 ;;
	*) echo "runtime.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "runtime.sh: needs root" >&2; exit 77; }
for c in crun runc jq; do command -v $c >/dev/null || { echo "runtime.sh: needs $c" >&2; exit 77; }; done

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
"$top/tests/fixtures/mkbundle.sh" "$work/bundle" --servin "$servin" $seccomp
cd "$work/bundle"

hugetlb_v2() { grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; }

declare -A times
# Runs one runtime once; appends the wall time in µs to times[name].
one() {
	local name=$1; shift
	local pre=() t0 t1
	if [ "$name" = crun ] && hugetlb_v2; then mount -t cgroup -o hugetlb none "$hug"; fi
	t0=$EPOCHREALTIME
	"$@" >/dev/null
	t1=$EPOCHREALTIME
	if mountpoint -q "$hug"; then umount "$hug"; fi
	times[$name]+=" $(( (${t1/./} - ${t0/./}) ))"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 0; i < runs + 2; i++)); do
	# Two warm-up rounds are dropped.
	[ $i = 2 ] && times=()
	one servin "$servin" --runroot "$work/state/servin" runtime run "b$i"
	one crun crun --root "$work/state/crun" run "b$i"
	one runc runc --root "$work/state/runc" run "b$i"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

stats() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f %.2f\n", v[1] / 1000, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }'; }
printf 'bundle: busybox `true`, %s, state on %s, %d runs each\n' \
	"$([ -n "$seccomp" ] && echo "no seccomp" || echo "Docker's default seccomp")" \
	"$([ $tmpfs = 1 ] && echo tmpfs || echo disk)" "$runs"
printf '%-8s %9s %9s %9s\n' runtime "min ms" "median ms" "max ms"
declare -A med
for r in servin crun runc; do
	read -r mn md mx < <(echo "${times[$r]}" | stats)
	med[$r]=$md
	printf '%-8s %9s %9s %9s\n' "$r" "$mn" "$md" "$mx"
done
awk -v s="${med[servin]}" -v c="${med[crun]}" -v r="${med[runc]}" \
	'BEGIN { printf "servin/crun %.2fx   servin/runc %.2fx (medians)\n", s / c, s / r }'
echo "load average before: $load_before, after: $load_after ($(nproc) cpus)"
