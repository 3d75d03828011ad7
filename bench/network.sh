#!/bin/bash
# What networking costs a container start, side by side in one run:
#   servin run --rm busybox true on the default bridge vs --network none
#   (target: networking adds under 10 ms), and vs podman run --rm with its
#   default network (and podman's own none, for its overhead).
# Everything runs inside a network namespace made here, so neither
# engine's bridge or rules touch the host's. Rounds alternate the four
# commands so load changes hit all alike; the first two are warm-up. The
# load average is printed: trust figures only from a quiet machine.
#
#   bench/network.sh [--runs N] [--quick]
#
# podman keeps its storage in a temp dir and reads a containers.conf
# written here, its default ulimits pinned to this host's hard limits
# (root lacks CAP_SYS_RESOURCE), cgroupfs, file events; runc as its
# runtime (crun 1.8 refuses this hybrid cgroup host while cgroup2 holds
# hugetlb, see bench/containers.sh).
. "$(dirname "$0")/lib.sh"
runs=20
[ "$QUICK" = 1 ] && runs=6
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--quick) runs=6 ;;
	--inside) inside=1 ;;
	*) echo "network.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { skipped network "network" "needs root"; exit 0; }
for c in podman ip; do have $c || { skipped network "network" "needs $c"; exit 0; }; done

if [ -z "${inside:-}" ]; then
	ns=svbench-$$
	ip netns add "$ns" || { skipped network "network" "cannot create a network namespace"; exit 0; }
	ip -n "$ns" link set lo up
	QUICK=$QUICK nsenter --net="/run/netns/$ns" bash "$0" --inside --runs "$runs"
	rc=$?
	for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns"
	exit $rc
fi

work=$(mktemp -d "$SCRATCH/network.XXXXXX")
PM=()
cleanup() {
	[ ${#PM[@]} -gt 0 ] && "${PM[@]}" rm -af >/dev/null 2>&1
	"${SV[@]}" rm -f $("${SV[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1
	mountpoint -q "$work/run" 2>/dev/null && umount -l "$work/run"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700 tmpfs "$work/run"

SV=("$BIN/servin" --root "$work/servin" --runroot "$work/run/servin")
"${SV[@]}" images >/dev/null # seeds the busybox image

podman_conf "$work"
PM=(podman --root "$work/podman" --runroot "$work/run/podman" --storage-driver overlay --runtime runc)
"${PM[@]}" load -q -i "$TOP/build/share/servin/busybox.oci.tar" >/dev/null

declare -A times
one() {
	local name=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>"$work/err" || echo "network.sh: $name failed: $* ($(tail -1 "$work/err"))" >&2
	t1=$EPOCHREALTIME
	times[$name]+=" $((${t1/./} - ${t0/./}))"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 0; i < runs + 2; i++)); do
	[ $i = 2 ] && times=()
	one sv_bridge "${SV[@]}" run --rm busybox true
	one sv_none "${SV[@]}" run --rm --network none busybox true
	one pm_bridge "${PM[@]}" run --rm localhost/busybox true
	one pm_none "${PM[@]}" run --rm --network none localhost/busybox true
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median_ms() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }
sb=$(echo "${times[sv_bridge]}" | median_ms)
sn=$(echo "${times[sv_none]}" | median_ms)
pb=$(echo "${times[pm_bridge]}" | median_ms)
pn=$(echo "${times[pm_none]}" | median_ms)
add=$(awk -v a="$sb" -v b="$sn" 'BEGIN { printf "%.1f", a - b }')
padd=$(awk -v a="$pb" -v b="$pn" 'BEGIN { printf "%.1f", a - b }')
note="median of $runs; servin bridge $sb ms, none $sn ms; podman bridge $pb ms, none $pn ms (adds $padd ms); load $load_before -> $load_after on $(nproc) cpus"
result_abs net-overhead "what the default bridge adds to servin run --rm busybox true (ms)" "$add" ms 10 "$note"
result net-vs-podman "servin run --rm (default bridge) vs podman run --rm (default network)" \
	"$sb" "podman run --rm" "$pb" 0.5 "$note"
