#!/bin/bash
# Who starts a container and who records its exit. The CLI (single-threaded)
# starts it from a fork of itself, not through servin-shim-ctl; an attached
# `run` waits for the exit with the store open, so the shim hands the exit
# to it (SV_FRAME_EXITED) instead of exec'ing servin-shim-ctl; every other
# case (detached, a restart due, the attached CLI gone) still goes through
# servin-shim-ctl. The binaries run from a copy whose servin-shim-ctl is a
# wrapper that logs each call, so the test sees which path was taken.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd sqlite3 jq curl
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'

T=$(mktemp -d)
cleanup "rm -rf $T"
mkdir "$T/bin"
cp "$BIN/servin" "$BIN/servin-shim" "$T/bin/"
cp "$BIN/servin-shim-ctl" "$T/bin/servin-shim-ctl.real"
cat > "$T/bin/servin-shim-ctl" <<EOF
#!/bin/sh
echo "\$1" >> "$T/calls"
exec "$T/bin/servin-shim-ctl.real" "\$@"
EOF
chmod +x "$T/bin/servin-shim-ctl"
svc() { "$T/bin/servin" --root "$SERVIN_ROOT" --runroot "$SERVIN_RUNROOT" "$@"; }
sv images >/dev/null # the copy has no default image beside it to seed from
# (checkpoints come whenever the WAL has grown: checked on their own below)
calls() { grep -vx checkpoint "$T/calls" 2>/dev/null | sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " }'; }
reset_calls() { rm -f "$T/calls"; }
# Waits (up to 10 s) until the file of calls holds $1.
wait_calls() { local i; for ((i = 0; i < 100; i++)); do [ "$(calls)" = "$1" ] && return 0; sleep 0.1; done; calls; return 1; }
# Waits (up to 10 s) until `inspect -f FORMAT NAME` prints WANT.
wait_inspect() { local i; for ((i = 0; i < 100; i++)); do [ "$(sv inspect -f "$1" "$2" 2>/dev/null)" = "$3" ] && return 0; sleep 0.1; done; sv inspect -f "$1" "$2"; return 1; }
# No process left that names container $1 (its shim is gone).
no_shim() { local i; for ((i = 0; i < 100; i++)); do grep -lq "$1" /proc/[0-9]*/cmdline 2>/dev/null || return 0; sleep 0.05; done; grep -l "$1" /proc/[0-9]*/cmdline; return 1; }
tmp_empty() { local i; for ((i = 0; i < 100; i++)); do [ -z "$(ls -A "$SERVIN_ROOT/tmp")" ] && return 0; sleep 0.05; done; ls -A "$SERVIN_ROOT/tmp"; return 1; }

# --- the attached run records the exit itself
reset_calls
exit_is 7 "an attached run exits with the container's code" svc run --name fin1 busybox sh -c 'exit 7'
is "$(calls)" "" "servin-shim-ctl never ran: the CLI started it from a fork and recorded the exit"
is "$(sv inspect -f '{{.State.Status}} {{.State.ExitCode}}' fin1)" "exited 7" "the exit is recorded"
ok "and the shim is gone" no_shim "$(sv inspect -f '{{.Id}}' fin1)"
like "$(sv events --since 1m --until 0s --filter container=fin1 --format '{{.Action}}' | tr '\n' ' ')" \
	'^create start die $' "with Docker's events, once each"
sv rm fin1 >/dev/null

reset_calls
out=$(svc run --rm busybox sh -c 'echo out; echo err >&2; exit 4' 2>&1)
is "$?" "4" "run --rm: the code"
is "$out" "out
err" "all of the output arrives before the exit"
is "$(sv ps -aq | wc -l)" "0" "the container is gone when run --rm returns"
is "$(calls)" "" "no servin-shim-ctl for run --rm either"
ok "the shim purges what --rm moved aside" tmp_empty

# --- with no network to wire, the attached run claims the container for
# its forked shim (which never opens the store); that process execs the
# monitor at once while a helper child starts the container, which then
# comes to the monitor (a child subreaper) with the cgroups and the fds
reset_calls
svc run --network none --name early busybox sh -c 'sleep 2; exit 6' >/dev/null &
runner=$!
wait_inspect '{{.State.Status}}' early running >/dev/null
cpid=$(sv inspect -f '{{.State.Pid}}' early)
mon=$(awk '{ print $4 }' "/proc/$cpid/stat")
is "$(cat "/proc/$mon/comm")" "servin-shim" "the container's parent is its monitor"
is "$(ps -o pid= --ppid "$mon" | tr -d ' ')" "$cpid" "and the helper that started it is gone (reaped)"
# (the ring: a 64-byte header, then samples; pids at byte 48 of one)
ring_pids() { od -An -td8 -j $((64 + 48)) -N8 "$SERVIN_RUNROOT/containers/$(sv inspect -f '{{.Id}}' early)/stats" | tr -d ' '; }
ring_has_pids() { local i; for ((i = 0; i < 40; i++)); do [ "$(ring_pids)" -gt 0 ] 2>/dev/null && return 0; sleep 0.05; done; ring_pids; return 1; }
ok "the cgroups reached the monitor: its stats ring counts the processes" ring_has_pids
wait "$runner"
is "$?" "6" "the code"
is "$(calls)" "" "no servin-shim-ctl"
is "$(sv inspect -f '{{.State.Status}} {{.State.ExitCode}}' early)" "exited 6" "recorded"
sv rm early >/dev/null
svc run --rm --network none busybox true
root_mounts() { grep -c " $SERVIN_ROOT/" /proc/self/mounts; }
no_root_mounts() { local i; for ((i = 0; i < 100; i++)); do [ "$(root_mounts)" = 0 ] && return 0; sleep 0.05; done; grep " $SERVIN_ROOT/" /proc/self/mounts; return 1; }
ok "the rootfs run --rm left mounted in the trash is detached by the shim" no_root_mounts
ok "and the trash purged" tmp_empty
exit_is 127 "a command missing in the image: 127" svc run --rm --network none busybox nosuchcmd
is "$(sv ps -aq | wc -l)" "0" "and --rm removed it"
ok "the monitor that got nothing to watch is gone" no_shim "--root=$SERVIN_ROOT"
echo in | svc run -i --rm --network none busybox sh -c 'cat; echo e >&2' >"$T/out" 2>"$T/err"
is "$(cat "$T/out") $(cat "$T/err")" "in e" "stdin, stdout and stderr pipes handed to the monitor"

# --- the WAL is folded into the database after exits, by a shim (off the
# CLI's path), not inside some CLI's commit
reset_calls
for i in $(seq 12); do svc run --rm busybox true; done
has_checkpoint() { local i; for ((i = 0; i < 100; i++)); do grep -qx checkpoint "$T/calls" 2>/dev/null && return 0; sleep 0.05; done; calls; return 1; }
ok "after a dozen runs a shim ran servin-shim-ctl checkpoint" has_checkpoint
is "$(calls)" "" "and nothing else"

# --- a client waiting beside the attached run hears the code from the shim
reset_calls
svc run --name fin2 busybox sh -c 'sleep 1; exit 9' >/dev/null &
runner=$!
wait_inspect '{{.State.Status}}' fin2 running >/dev/null
is "$(sv wait fin2)" "9" "wait beside an attached run gets the code"
wait "$runner"
is "$?" "9" "and so does the run"
is "$(calls)" "" "still without servin-shim-ctl"
ok "the shim is gone after telling both" no_shim "$(sv inspect -f '{{.Id}}' fin2)"
sv rm fin2 >/dev/null

# --- the cases servin-shim-ctl keeps
reset_calls
id=$(svc run -d busybox sh -c 'exit 3')
is "$(sv wait "$id")" "3" "detached: the code"
ok "detached: servin-shim-ctl records the exit" wait_calls "exited:1"
sv rm "$id" >/dev/null

reset_calls
exit_is 1 "an attached run with a restart due returns the first exit" \
	svc run --name fin3 --restart on-failure:2 busybox sh -c 'exit 1'
ok "the restarts still happen (the run declined to record the exit)" \
	wait_inspect '{{.RestartCount}} {{.State.Status}}' fin3 "2 exited"
ok "through servin-shim-ctl" wait_calls "exited:3"
sv rm fin3 >/dev/null

reset_calls
# (servin itself is the job, not a shell running svc, so kill hits it)
"$T/bin/servin" --root "$SERVIN_ROOT" --runroot "$SERVIN_RUNROOT" run --name fin4 busybox sh -c 'sleep 1; exit 6' >/dev/null &
runner=$!
wait_inspect '{{.State.Status}}' fin4 running >/dev/null
kill -9 "$runner"
wait "$runner" 2>/dev/null
is "$(sv wait fin4)" "6" "an attached run killed before the exit: the code is still recorded"
ok "by servin-shim-ctl" wait_calls "exited:1"
sv rm fin4 >/dev/null

# --- a threaded process (the REST API server) spawns servin-shim-ctl to
# start, as the engine does whenever forking is not safe
reset_calls
sock=$T/api.sock
setpriv --pdeathsig TERM "$T/bin/servin" --root "$SERVIN_ROOT" --runroot "$SERVIN_RUNROOT" serve \
	-H "unix://$sock" --access-log off >"$T/serve.log" 2>&1 &
server=$!
cleanup "kill $server 2>/dev/null"
for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
api() { curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' "$@"; }
cid=$(api -X POST -d '{"Image":"busybox","Cmd":["sh","-c","exit 5"]}' http://x/containers/create | jq -r .Id)
api -X POST "http://x/containers/$cid/start" >/dev/null
is "$(api -X POST "http://x/containers/$cid/wait" | jq -r .StatusCode)" "5" "started over the API: the code"
ok "through servin-shim-ctl start (and exited)" wait_calls "exited:1 start:1"
kill "$server"
wait "$server" 2>/dev/null
sv rm "$cid" >/dev/null

# --- an attached run records the start too (the shim goes on to the
# monitor at once); when that CLI died before it did, the row still says
# 'created' under a live shim: the next reader settles it from the runtime
id=$(sv run -d --name fin6 busybox sleep 30)
sqlite3 "$SERVIN_ROOT/servin.db" "UPDATE containers SET state = 'created', pid = 0, started = 0 WHERE id = '$id'"
like "$(sv ps --format '{{.Names}} {{.Status}}' --filter name=fin6)" '^fin6 Up ' "a started container left 'created' is settled running by the next ps"
like "$(sv inspect -f '{{.State.Status}} {{.State.Pid}} {{.State.StartedAt}}' fin6)" '^running [1-9][0-9]* 20[0-9]{2}-' "with its pid and start time"
is "$(sv events --since 1m --until 0s --filter container=fin6 --format '{{.Action}}' | grep -c start)" "2" "and a start event for it"
exit_is 0 "stop works on it" sv stop -t 1 fin6
sv rm fin6 >/dev/null

# --- only the connection handed over at start may finish: a client that
# claims SV_ATTACH_FINISH in its HELLO gets the plain EXIT frame.
sv run -d --name fin5 busybox sh -c 'sleep 1; exit 2' >/dev/null
dir="$SERVIN_RUNROOT/containers/$(sv inspect -f '{{.Id}}' fin5)"
got=$(/usr/bin/python3 - "$dir" <<'EOF'
import os, socket, struct, sys
d = os.open(sys.argv[1], os.O_PATH | os.O_DIRECTORY)
s = socket.socket(socket.AF_UNIX)
s.connect("/proc/self/fd/%d/attach" % d)
s.settimeout(20)
s.sendall(struct.pack(">B3xI", 16, 1) + bytes([0x0f]))  # HELLO: stdio + FINISH
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
while len(buf) >= 8:
    t, n = struct.unpack(">B3xI", buf[:8])
    print(t, buf[8:8 + n].decode())
    buf = buf[8 + n:]
EOF
)
is "$got" "17 2" "a HELLO cannot make a client the finisher: it gets EXIT 2"
is "$(sv inspect -f '{{.State.Status}} {{.State.ExitCode}}' fin5)" "exited 2" "recorded by servin-shim-ctl"
sv rm fin5 >/dev/null

done_testing
