#!/bin/bash
# Listing from the command line, side by side in one run: `servin ps -a`
# with 100 and with 1,000 containers, and `servin images`, against the same
# podman commands on the same counts (podman here: 60 ms and 387 ms for
# ps -a, per issue 8). The containers are created, never started: a
# listing reads the store and, for each container, checks it is not
# running. No issue sets a target for these: the target written is "no
# slower than podman" (1.0); the ratio is the figure to read.
#
#   bench/cli.sh [--quick]      (--quick: 100 containers only)
. "$(dirname "$0")/lib.sh"
runs=11
counts=(100 1000)
[ "$QUICK" = 1 ] && { runs=7; counts=(100); }
[ "${1:-}" = --quick ] && { runs=7; counts=(100); }
[ "$(id -u)" = 0 ] || { skipped cli "ps and images" "needs root"; exit 0; }

work=$(mktemp -d "$SCRATCH/cli.XXXXXX")
SV=("$BIN/servin" --root "$work/servin" --runroot "$work/run/servin")
PM=()
cleanup() {
	[ ${#PM[@]} -gt 0 ] && "${PM[@]}" rm -af >/dev/null 2>&1
	mountpoint -q "$work/run" 2>/dev/null && umount -l "$work/run"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700 tmpfs "$work/run"
"${SV[@]}" images >/dev/null # seeds the busybox image

if have podman; then
	podman_conf "$work"
	PM=(podman --root "$work/podman" --runroot "$work/run/podman" --storage-driver overlay)
	"${PM[@]}" load -q -i "$TOP/build/share/servin/busybox.oci.tar" >/dev/null || PM=()
fi

# fill N: creates containers in both engines until each holds N
have_sv=0 have_pm=0
fill() {
	local n=$1
	# (the containers are the setting, not the measure: made four at a time)
	seq $((n - have_sv)) | xargs -P4 -I{} "${SV[@]}" create --network none busybox true >/dev/null ||
		{ echo "cli.sh: servin create failed" >&2; exit 1; }
	have_sv=$n
	if [ ${#PM[@]} -gt 0 ]; then
		seq $((n - have_pm)) | xargs -P4 -I{} "${PM[@]}" create --network none localhost/busybox true >/dev/null ||
			echo "cli.sh: podman create failed" >&2
		have_pm=$n
	fi
}

# bench ID WHAT ARGS...: alternating servin / podman, median of $runs
bench() {
	local id=$1 what=$2 i t0 t1 sv=() pm=()
	shift 2
	for ((i = 0; i < runs + 1; i++)); do
		t0=$EPOCHREALTIME
		"${SV[@]}" "$@" >/dev/null
		t1=$EPOCHREALTIME
		[ $i -gt 0 ] && sv+=($((${t1/./} - ${t0/./})))
		[ ${#PM[@]} -gt 0 ] || continue
		t0=$EPOCHREALTIME
		"${PM[@]}" "$@" >/dev/null
		t1=$EPOCHREALTIME
		[ $i -gt 0 ] && pm+=($((${t1/./} - ${t0/./})))
	done
	local s p
	read -r s _ _ < <(stats "${sv[@]}")
	s=$(awk -v u="$s" 'BEGIN { printf "%.1f", u / 1000 }')
	if [ ${#PM[@]} -eq 0 ]; then
		skipped "$id" "$what" "podman is missing (servin: $s ms)"
		return
	fi
	read -r p _ _ < <(stats "${pm[@]}")
	p=$(awk -v u="$p" 'BEGIN { printf "%.1f", u / 1000 }')
	result "$id" "$what" "$s" "podman $*" "$p" 1 "median of $runs, alternating; load $(cut -d' ' -f1 /proc/loadavg)"
}

for n in "${counts[@]}"; do
	fill "$n"
	settle 1
	bench "ps-$n" "servin ps -a with $n containers" ps -a
done
bench images "servin images (one image)" images
