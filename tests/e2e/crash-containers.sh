#!/bin/bash
# Crash consistency of containers, volumes, networks and pulls: `servin`
# is killed with SIGKILL at random instants (seeded, reproducible) during
# `run` (--rm or detached, bridge or --network none, with a published
# port), `rm -f`, `volume rm`, `network rm` and `pull` from a real
# docker-registry on 127.0.0.1. After each kill `servin system check` must
# find nothing corrupt (what it finds otherwise is tallied by kind and
# printed), and the interrupted command must complete when run again. At
# the end, after `system check --repair`, this store's veths, bridges,
# nftables chains and port elements, mounts and cgroup directories are
# back to what they were before the first kill, and the check is clean.
#   CRASH_KILLS=200 CRASH_SEED=42 tests/e2e/crash-containers.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmd sqlite3 ip
sv_setup
. "$E2E_DIR/registry/lib.sh"
KILLS=${CRASH_KILLS:-30}
SEED=${CRASH_SEED:-20261130}
RANDOM=$SEED
echo "# seed $SEED, $KILLS kills"
DB=$SERVIN_ROOT/servin.db
sv images >/dev/null

reg_start plain
R=$REG_plain
sv_registries '{"insecure-registries": ["'"$R"'"]}'
mkdir -p "$SV_TMP/data/srv"
head -c 4000000 /dev/urandom > "$SV_TMP/data/srv/random.bin"
mkimage busybox --layer "$SV_TMP/data" --out "$SV_TMP/app.tar" >/dev/null
ok "the test image is in the registry" skopeo_push "$SV_TMP/app.tar" "$R/crash/app:1"
IMG=$R/crash/app:1

# What this store has in the kernel: the ids its events ever named (but
# the default bridge network's: servin0 is shared by every store on the
# host, and whichever made it first names it).
ids_of() { sqlite3 "$DB" "SELECT DISTINCT actor FROM events WHERE type = '$1' AND actor != '$DEFNET'"; }
count_links() { # TYPE ALIAS-PREFIX
	local n=0 id links
	links=$(ip -o link show)
	for id in $(ids_of "$1"); do n=$((n + $(grep -c "$2$id" <<<"$links"))); done
	echo $n
}
count_cgroups() {
	local dirs n=0 id
	dirs=$(find /sys/fs/cgroup -maxdepth 6 -type d -path '*/servin/*' 2>/dev/null)
	for id in $(ids_of container); do n=$((n + $(grep -c "/servin/$id\$" <<<"$dirs"))); done
	echo $n
}
count_nft() { # chains of our networks + port elements of ports we ever held
	command -v nft >/dev/null || { echo 0; return; }
	local t n=0 id p
	t=$(nft list table ip servin 2>/dev/null)
	for id in $(ids_of network); do n=$((n + $(grep -c -- "-${id:0:12} {" <<<"$t"))); done
	for p in $(sort -u "$SV_TMP/ports" 2>/dev/null); do n=$((n + $(grep -cE "(\{ |, )(127\.0\.0\.1 \. )?$p :" <<<"$t"))); done
	echo $n
}
note_ports() { sqlite3 "$DB" "SELECT host_port FROM ports" >> "$SV_TMP/ports"; }
resources() {
	echo "veths=$(count_links container servin:veth:) bridges=$(count_links network servin:net:)" \
		"nft=$(count_nft) mounts=$(grep -c "$SERVIN_ROOT" /proc/self/mountinfo) cgroups=$(count_cgroups)"
}
DEFNET=none
: > "$SV_TMP/ports"
# The default network made, the image pulled once: the baseline.
sv run --rm busybox true
sv pull -q "$IMG" >/dev/null
DEFNET=$(sv network inspect -f '{{.Id}}' bridge)
base=$(resources)
echo "# baseline: $base"

op_cmd() {
	case $1 in
	run-rm) echo "sv run --rm busybox true" ;;
	run-rm-none) echo "sv run --rm --network none busybox true" ;;
	run-d) echo "sv run -d -p 127.0.0.1::80 busybox sleep 300" ;;
	run-d-none) echo "sv run -d --network none busybox sleep 300" ;;
	rm) echo "sv rm -f $target" ;;
	volume-rm) echo "sv volume rm $target" ;;
	network-rm) echo "sv network rm $target" ;;
	pull) echo "sv pull -q $IMG" ;;
	esac
}
# Makes what the op works on.
prepare() {
	target=
	case $1 in
	rm) target=$(sv run -d busybox sleep 300) ;;
	volume-rm) target=vol$k; sv volume create "$target" >/dev/null ;;
	network-rm) target=net$k; sv network create "$target" >/dev/null ;;
	pull) sv rmi -f "$IMG" >/dev/null ;;
	esac
}
# Did the op's effect happen (after the re-run)?
done_right() {
	case $1 in
	rm) ! sv inspect "$target" >/dev/null 2>&1 ;;
	volume-rm) ! sv volume inspect "$target" >/dev/null 2>&1 ;;
	network-rm) ! sv network inspect "$target" >/dev/null 2>&1 ;;
	pull) sv image inspect "$IMG" >/dev/null 2>&1 ;;
	*) true ;;
	esac
}
# The re-run: a removal may find its object gone (the killed one finished).
rerun() {
	local out
	out=$($(op_cmd "$1") 2>&1) && return 0
	case $1 in rm | volume-rm | network-rm) [[ $out =~ [Nn]o\ such|not\ found ]] && return 0 ;; esac
	echo "# re-run of $1 failed: $out"
	return 1
}

ops=(run-rm run-rm-none run-d run-d-none rm volume-rm network-rm pull)
# How long each op takes here, to spread the kills over it.
declare -A span
for op in "${ops[@]}"; do
	k=m
	prepare "$op"
	s=$(date +%s%N)
	$(op_cmd "$op") >/dev/null 2>&1
	span[$op]=$((($(date +%s%N) - s) / 1000000 + 10))
	note_ports
done
echo "# spans (ms): $(for op in "${ops[@]}"; do printf '%s=%s ' "$op" "${span[$op]}"; done)"

corrupt=0 incomplete=0 wrong=0
declare -A tally
for ((k = 0; k < KILLS; k++)); do
	op=${ops[$((RANDOM % ${#ops[@]}))]}
	delay=$((RANDOM % span[$op]))
	prepare "$op"
	cmd=($(op_cmd $op))
	kill_during "$delay" "${cmd[@]:1}"
	out=$(sv system check 2>&1)
	if [ $? != 0 ]; then
		corrupt=$((corrupt + 1))
		echo "# kill $k ($op after ${delay} ms): $out"
	fi
	while read -r area kind rest; do
		[ "$area" = ok: ] || [ "$area" = CORRUPT: ] && continue
		what=$(sed -E 's/^[0-9a-f]{12}: |^[^:]+: //; s/\(pid [0-9]+\)/(pid N)/; s/[0-9]+ cgroup/N cgroup/; s/ \/[^ ]+ / PATH /' <<<"$rest")
		tally["$area $kind: $what"]=$((${tally["$area $kind: $what"]:-0} + 1))
	done <<<"$out"
	rerun "$op" || incomplete=$((incomplete + 1))
	done_right "$op" || { wrong=$((wrong + 1)); echo "# kill $k: $op did not take effect after its re-run"; }
	note_ports
	# Keep the detached containers few.
	[ "$(sv ps -q | wc -l)" -gt 6 ] && sv rm -f $(sv ps -q) >/dev/null
done
is "$corrupt" 0 "$KILLS kills during run/rm/volume rm/network rm/pull: system check finds nothing corrupt"
is "$incomplete" 0 "every interrupted command completes when run again"
is "$wrong" 0 "and has its effect"
echo "# what the checks after the kills found (not corrupt), by kind:"
for key in "${!tally[@]}"; do printf '#   %4d  %s\n' "${tally[$key]}" "$key"; done | sort -rn

sv rm -f $(sv ps -aq) >/dev/null 2>&1
for n in $(sv network ls --format '{{.Name}}' | grep '^net'); do sv network rm "$n" >/dev/null; done
out=$(sv system check --repair)
is "$?" 0 "system check --repair succeeds"
echo "$out" | grep -v '^ok:' | sed 's/^/# repaired: /'
is "$(sv system check)" "ok: 0 findings, 0 corrupt left" "then the check is clean"
is "$(resources)" "$base" "veths, bridges, nft rules, mounts and cgroups are back to the baseline"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left behind"
done_testing
