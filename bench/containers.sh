#!/bin/bash
# Containers end to end, side by side in one run:
#   1. `servin run --rm --network none busybox true` against
#      `podman run --rm --network none` of the same image (target: 10x faster)
#      and against `crun run` of a plain bundle of that image (target: at
#      most 2x crun's time);
#   2. the RSS of one servin-shim against one conmon, each monitoring a
#      running `sleep` (target: under 1 MB, conmon ~2 MB).
# Rounds alternate servin / podman / crun so load changes hit all alike;
# the first two rounds are warm-up. The load average is printed before and
# after: trust figures only from a quiet machine.
#
#   bench/containers.sh [--runs N] [--quick]
#
# podman keeps its storage in a temp dir and reads a containers.conf written
# here: its default ulimits pinned to what this host allows (root lacks
# CAP_SYS_RESOURCE; podman lowers its own nproc to 32768), cgroupfs, file
# events. crun 1.8 refuses hybrid cgroup hosts while the v2 hierarchy holds
# a controller (hugetlb here): around each crun-based run hugetlb is bound
# to a v1 hierarchy (as bench/runtime.sh does); without that, podman uses
# runc. Both engines' run roots are on one private tmpfs, as /run is on a
# normal host; their stores are on disk.
. "$(dirname "$0")/lib.sh"
runs=20
[ "$QUICK" = 1 ] && runs=6
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--quick) runs=6 ;;
	*) echo "containers.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { skipped containers "containers" "needs root"; exit 0; }
for c in podman crun jq; do have $c || { skipped containers "containers" "needs $c"; exit 0; }; done

work=$(mktemp -d "$SCRATCH/containers.XXXXXX")
hug=$work/hugetlb
PM=()
cleanup() {
	[ ${#PM[@]} -gt 0 ] && "${PM[@]}" rm -af >/dev/null 2>&1
	"$BIN/servin" --root "$work/servin" --runroot "$work/run/servin" rm -f \
		$("$BIN/servin" --root "$work/servin" --runroot "$work/run/servin" ps -aq 2>/dev/null) >/dev/null 2>&1
	# podman leaves cgroups in the hugetlb v1 hierarchy, which would keep
	# hugetlb out of the v2 hierarchy for good: remove them.
	if mount -t cgroup -o hugetlb none "$hug" 2>/dev/null; then
		find "$hug" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		umount "$hug"
	fi
	mountpoint -q "$work/run" 2>/dev/null && umount -l "$work/run"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/run" "$hug"
mount -t tmpfs -o mode=0700 tmpfs "$work/run"

SV=("$BIN/servin" --root "$work/servin" --runroot "$work/run/servin")
"${SV[@]}" images >/dev/null # seeds the busybox image

# podman, private storage, this host's limits
podman_conf "$work"
hugetlb_v2() { grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; }
pm_runtime=crun
hugetlb_v2 && ! mount -t cgroup -o hugetlb none "$hug" 2>/dev/null && pm_runtime=runc
mountpoint -q "$hug" && umount "$hug"
PM=(podman --root "$work/podman" --runroot "$work/run/podman" --storage-driver overlay --runtime "$pm_runtime")
"${PM[@]}" load -q -i "$TOP/build/share/servin/busybox.oci.tar" >/dev/null

"$TOP/tests/fixtures/mkbundle.sh" "$work/bundle" --servin "$BIN/servin" --no-seccomp >/dev/null

# One timed command; appends µs to the named list. crun needs hugetlb
# bound to v1 while it runs (see above).
declare -A times
one() {
	local name=$1 crun_based=$2 t0 t1
	shift 2
	# (hugetlb may sit in a v1 hierarchy podman left populated: mount it anyway)
	[ "$crun_based" = 1 ] && mount -t cgroup -o hugetlb none "$hug" 2>/dev/null
	sleep ${PAUSE:-0}
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>"$work/err" || echo "containers.sh: $name failed: $* ($(tail -1 "$work/err"))" >&2
	t1=$EPOCHREALTIME
	mountpoint -q "$hug" && umount "$hug"
	times[$name]+=" $((${t1/./} - ${t0/./}))"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
pm_crun=0
[ "$pm_runtime" = crun ] && pm_crun=1
for ((i = 0; i < runs + 2; i++)); do
	[ $i = 2 ] && times=()
	one servin 0 "${SV[@]}" run --rm --network none busybox true
	one podman $pm_crun "${PM[@]}" run --rm --network none localhost/busybox true
	one crun 1 crun --root "$work/run/crun" run -b "$work/bundle" "c$i"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median_ms() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }
sv_ms=$(echo "${times[servin]}" | median_ms)
pm_ms=$(echo "${times[podman]}" | median_ms)
cr_ms=$(echo "${times[crun]}" | median_ms)
note="median of $runs; load $load_before -> $load_after on $(nproc) cpus"
result run-vs-podman "servin run --rm --network none busybox true vs podman ($pm_runtime)" \
	"$sv_ms" "podman run --rm --network none" "$pm_ms" 0.1 "$note"
result run-vs-crun "servin run --rm --network none busybox true vs crun run (plain bundle)" \
	"$sv_ms" "crun run" "$cr_ms" 2 "$note"

# --- RSS of one monitor each, beside a sleeping container
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
cid=$("${SV[@]}" run -d --network none busybox sleep 60)
cpid=$("${SV[@]}" inspect -f '{{.State.Pid}}' "$cid")
shim=$(ps -o ppid= -p "$cpid" | tr -d ' ')
sleep 2 # a few stats samples taken
shim_rss=$(rss_kb "$shim")
shim_pss=$(pss_kb "$shim")
[ "$pm_crun" = 1 ] && mount -t cgroup -o hugetlb none "$hug" 2>/dev/null
"${PM[@]}" run -d --network none localhost/busybox sleep 60 >/dev/null
mountpoint -q "$hug" && umount "$hug"
conmon=$(pgrep -n -x conmon)
sleep 2
conmon_rss=$(rss_kb "$conmon")
conmon_pss=$(pss_kb "$conmon")
result_abs shim-rss "servin-shim RSS (KB), monitoring a running container" "$shim_rss" KB 1024 \
	"PSS $shim_pss KB; conmon: RSS $conmon_rss KB, PSS $conmon_pss KB"
UNIT=KB result shim-vs-conmon "servin-shim RSS vs conmon RSS (KB)" "$shim_rss" conmon "$conmon_rss" 0.5 \
	"PSS: servin-shim $shim_pss KB, conmon $conmon_pss KB"
