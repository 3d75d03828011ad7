#!/bin/bash
# Soak: SOAK_CONTAINERS (200) containers running `sleep` for SOAK_SECONDS
# (600), the memory of their servin-shim processes sampled every
# SOAK_INTERVAL (30) seconds (VmRSS of /proc/PID/status, total and per
# shim). Memory must stay flat: the last sample's total is at most the
# first's plus SOAK_TOLERANCE percent (2) plus 64 kB per shim, and no
# shim grew by more than 64 kB. All containers must still run at the end;
# then they are removed and `system check` must be clean. Not part of
# `make test` (it lives outside tests/e2e); `make proof` runs it.
#   SOAK_SECONDS=120 tests/proof/soak.sh
. "$(dirname "$0")/../e2e/lib.sh"
need_root
need_cmd sqlite3
sv_setup
N=${SOAK_CONTAINERS:-200}
SECS=${SOAK_SECONDS:-600}
EVERY=${SOAK_INTERVAL:-30}
TOL=${SOAK_TOLERANCE:-2}
NET=${SOAK_NETWORK:-none}
DB=$SERVIN_ROOT/servin.db
sv images >/dev/null

s=$(date +%s)
fails=0
for ((i = 0; i < N; i++)); do
	sv run -d --network "$NET" --name "soak$i" busybox sleep 100000 >/dev/null || fails=$((fails + 1))
done
is "$fails" 0 "$N containers started ($(($(date +%s) - s)) s)"

shims() { sqlite3 "$DB" "SELECT shim_pid FROM containers WHERE state = 'running' AND shim_pid > 0"; }
# sample N → "total_kB min_kB max_kB count"; "pid kB" per shim in $SV_TMP/rss.N
sample() {
	local files=()
	for p in $(shims); do files+=("/proc/$p/status"); done
	[ ${#files[@]} -gt 0 ] || { : > "$SV_TMP/rss.$1"; echo "0 0 0 0"; return; }
	awk '/^VmRSS:/ { split(FILENAME, f, "/"); print f[3], $2 }' "${files[@]}" 2>/dev/null > "$SV_TMP/rss.$1"
	awk 'NR == 1 || $2 < min { min = $2 } $2 > max { max = $2 } { t += $2; n++ }
		END { print t + 0, min + 0, max + 0, n + 0 }' "$SV_TMP/rss.$1"
}

sleep 3
echo "# sample  elapsed_s  total_kB  min_kB  max_kB  shims"
start=$(date +%s) k=0
while :; do
	read -r tot min max n < <(sample $k)
	el=$(($(date +%s) - start))
	printf '# %6d  %9d  %8d  %6d  %6d  %5d\n' "$k" "$el" "$tot" "$min" "$max" "$n"
	[ $k = 0 ] && first_tot=$tot
	last_tot=$tot last_n=$n
	[ "$el" -ge "$SECS" ] && break
	left=$((SECS - el))
	sleep $((left < EVERY ? left : EVERY))
	k=$((k + 1))
done

is "$last_n" "$N" "all $N shims still there after $SECS s"
is "$(sv ps -q | wc -l)" "$N" "all $N containers still running"
limit=$((first_tot + first_tot * TOL / 100 + 64 * N))
ok "total shim RSS flat: $first_tot kB -> $last_tot kB (limit $limit kB)" test "$last_tot" -le "$limit"
grown=$(join <(sort "$SV_TMP/rss.0") <(sort "$SV_TMP/rss.$k") | awk '$3 - $2 > 64 { n++ } END { print n + 0 }')
is "$grown" 0 "no shim grew by more than 64 kB"
echo "# per shim: first $((first_tot / (N > 0 ? N : 1))) kB, last $((last_tot / (last_n > 0 ? last_n : 1))) kB on average"

s=$(date +%s)
sv ps -aq | xargs -n 50 "$BIN/servin" rm -f >/dev/null
is "$(sv ps -aq | wc -l)" 0 "all removed ($(($(date +%s) - s)) s)"
is "$(sv system check)" "ok: 0 findings, 0 corrupt left" "system check is clean"
done_testing
