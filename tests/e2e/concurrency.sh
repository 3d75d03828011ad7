#!/bin/bash
# Several servin processes at once on one store, each cycling through
# run --rm, ps, images, create/rm and volume create/rm, with `servin serve`
# answering API clients and servin-desktop (in tmux) watching the store
# meanwhile: no command fails because of another, no container is lost or
# duplicated, the TUI stays up and follows, and `system check` is clean at
# the end.  CONC_WORKERS=4 CONC_CYCLES=50 for the full run (make proof).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_root
need_cmd curl tmux
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config/servin" "$SV_TMP/state"
WORKERS=${CONC_WORKERS:-4}
CYCLES=${CONC_CYCLES:-8}
sv images >/dev/null

SOCK=$SV_TMP/api.sock
# servin itself as the job ($! of `sv ... &` would be a subshell: the
# kill at cleanup would miss the server)
setpriv --pdeathsig TERM "$BIN/servin" serve -H "unix://$SOCK" >"$SV_TMP/serve.log" 2>&1 &
serve=$!
cleanup "kill $serve"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
ok "servin serve is up" test -S "$SOCK"

# An API client listing containers and images all along.
api_client() {
	local n=0 bad=0
	while [ ! -e "$SV_TMP/stop" ]; do
		for path in /containers/json?all=1 /images/json /_ping; do
			code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://x$path")
			[ "$code" = 200 ] || bad=$((bad + 1))
			n=$((n + 1))
		done
	done
	echo "$n $bad" > "$SV_TMP/api.result"
}
api_client &
client=$!

tui_start 120 40 tmux-256color C.UTF-8
ok "servin-desktop is up" wait_for 'nothing here yet'

worker() { # id
	local w=$1 i fails=0 id
	for ((i = 0; i < CYCLES; i++)); do
		sv run --rm busybox true || { echo "run --rm failed: exit $?"; fails=$((fails + 1)); }
		sv ps -a -q >/dev/null || { echo "ps failed"; fails=$((fails + 1)); }
		sv images -q >/dev/null || { echo "images failed"; fails=$((fails + 1)); }
		id=$(sv create --name "w$w-$i" busybox true) || { echo "create failed"; fails=$((fails + 1)); }
		echo "$id" >> "$SV_TMP/created.$w"
		sv rm "w$w-$i" >/dev/null || { echo "rm w$w-$i failed"; fails=$((fails + 1)); }
		sv volume create "v$w-$i" >/dev/null || { echo "volume create v$w-$i failed"; fails=$((fails + 1)); }
		sv volume rm "v$w-$i" >/dev/null || { echo "volume rm v$w-$i failed"; fails=$((fails + 1)); }
	done
	echo "$fails" > "$SV_TMP/fails.$w"
}
pids=()
for ((w = 0; w < WORKERS; w++)); do
	worker $w > "$SV_TMP/worker.$w.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
touch "$SV_TMP/stop"
wait $client

total=0
for ((w = 0; w < WORKERS; w++)); do total=$((total + $(cat "$SV_TMP/fails.$w"))); done
is "$total" 0 "$WORKERS processes x $CYCLES cycles of run --rm, ps, images, create, rm, volume create, rm: no failure"
[ "$total" = 0 ] || cat "$SV_TMP"/worker.*.log | sort | uniq -c | head -20 | sed 's/^/# /'
is "$(sort -u "$SV_TMP"/created.* | grep -c .)" "$((WORKERS * CYCLES))" "every create got its own id"
is "$(sv ps -a -q | wc -l)" 0 "no container lost or left behind"
read -r n bad < "$SV_TMP/api.result"
is "$bad" 0 "the API answered all $n requests meanwhile"
is "$(tm list-panes -t t -F '#{pane_dead}')" 0 "servin-desktop ran all along"
ok "and shows the empty store at the end" wait_for 'nothing here yet'
is "$(sv volume ls -q | wc -l)" 0 "no volume left behind"
ok "system check is clean" sv system check
done_testing
