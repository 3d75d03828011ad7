#!/bin/bash
# Crash consistency of the image store: `servin load`, `import` and `rmi`
# are killed with SIGKILL at random instants (seeded, reproducible), then
# `servin system check` must find nothing corrupt, and the interrupted
# command must run to completion when repeated.
#   CRASH_KILLS=200 CRASH_SEED=42 tests/e2e/crash-images.sh
. "$(dirname "$0")/lib.sh"
need_root
sv_setup
KILLS=${CRASH_KILLS:-30}
SEED=${CRASH_SEED:-20261129}
RANDOM=$SEED
echo "# seed $SEED, $KILLS kills"
W=$SV_TMP/work
mkdir -p "$W/rootfs"
cp -a /usr/include/linux "$W/rootfs/"
mkimage busybox --layer "$W/rootfs" --out "$W/img.tar" --tag crash:1 >/dev/null
tar -C "$W/rootfs" -czf "$W/rootfs.tgz" .
sv images >/dev/null

# How long one load takes here, to spread the kills over it.
s=$(date +%s%N); sv load -i "$W/img.tar" >/dev/null; e=$(date +%s%N)
span=$(((e - s) / 1000000 + 20))
echo "# a load takes ~${span} ms"

op_cmd() {
	case $1 in
	load) echo "sv load -i $W/img.tar" ;;
	import) echo "sv import $W/rootfs.tgz imported:1" ;;
	rmi) echo "sv rmi -f crash:1 imported:1" ;;
	esac
}

corrupt=0 incomplete=0 n=0
ops=(load import rmi)
for ((k = 0; k < KILLS; k++)); do
	op=${ops[$((RANDOM % 3))]}
	delay=$((RANDOM % span))
	cmd=($(op_cmd $op))
	kill_during "$delay" "${cmd[@]:1}"
	n=$((n + 1))
	if ! out=$(sv system check 2>&1); then
		corrupt=$((corrupt + 1))
		echo "# kill $k ($op after ${delay} ms): $out"
	fi
	# the interrupted command completes when run again
	case $op in
	load | import) $(op_cmd $op) >/dev/null 2>&1 || { incomplete=$((incomplete + 1)); echo "# rerun of $op failed"; } ;;
	rmi) sv rmi -f crash:1 imported:1 >/dev/null 2>&1; sv image inspect crash:1 >/dev/null 2>&1 &&
		{ incomplete=$((incomplete + 1)); echo "# rerun of rmi left the image"; } ;;
	esac
done
is "$corrupt" 0 "$n kills during load/import/rmi: system check finds nothing corrupt"
is "$incomplete" 0 "every interrupted command completes when run again"
ok "final check is clean after repair of leftovers" sv system check --repair
out=$(sv system check)
like "$out" "^ok: 0 findings" "and nothing is left over"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left behind"
done_testing
