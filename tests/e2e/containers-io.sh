#!/bin/bash
# A container's streams: the json-file log (Docker's format, rotation,
# logs --tail/--since/--until/-t/-f), attach, and exec (-d -i -t -u -w -e),
# with and without a TTY.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd script
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'

# --- the json-file log
sv run --name lg busybox sh -c 'echo one; echo two >&2; printf "no newline"' >/dev/null 2>&1
log=$(sv inspect -f '{{.LogPath}}' lg)
ok "LogPath names the log file" test -f "$log"
is "$(wc -l < "$log")" "3" "one JSON line per output line"
like "$(head -1 "$log")" '^\{"log":"one\\n","stream":"stdout","time":"[0-9-]+T[0-9:.]+Z"\}$' "Docker's json-file format"
like "$(sed -n 2p "$log")" '"log":"two\\n","stream":"stderr"' "stderr entries"
like "$(sed -n 3p "$log")" '"log":"no newline"' "a last partial line is logged"
is "$(sv logs lg 2>/dev/null)" "one
no newline" "logs: stdout to stdout"
is "$(sv logs lg 2>&1 >/dev/null)" "two" "logs: stderr to stderr"
is "$(sv logs --tail 1 lg 2>&1)" "no newline" "--tail 1"
is "$(sv logs --tail 0 lg 2>&1)" "" "--tail 0"
like "$(sv logs -t lg 2>/dev/null | head -1)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z one$' "-t prefixes timestamps"
is "$(sv logs --since 1h lg 2>/dev/null | head -1)" "one" "--since 1h"
is "$(sv logs --until 1h lg 2>&1)" "" "--until 1h ago: nothing"
sv run --name esc busybox printf '<&>"\\\t\001\n' >/dev/null
like "$(cat "$(sv inspect -f '{{.LogPath}}' esc)")" '"log":"\\u003c\\u0026\\u003e\\"\\\\\\t\\u0001\\n"' "escaping as Go's encoding/json"
is "$(sv logs esc | od -An -c | tr -s ' ')" "$(printf '<&>"\\\t\001\n' | od -An -c | tr -s ' ')" "and logs gives the bytes back"

# --- rotation
sv run --name rot --log-opt max-size=2k --log-opt max-file=3 busybox sh -c 'for i in $(seq 200); do echo line-$i; done' >/dev/null
log=$(sv inspect -f '{{.LogPath}}' rot)
ok "rotated files exist" test -f "$log.1" -a -f "$log.2"
ok "no more than max-file files" test ! -e "$log.3"
ok "each at most about max-size" test "$(stat -c %s "$log.1")" -le 2100
is "$(sv logs rot | tail -1)" "line-200" "logs reads the live file last"
is "$(sv logs rot | head -1 | grep -c line-)" "1" "and the rotated ones first"
n=$(sv logs rot | wc -l)
is "$(sv logs rot | awk -F- '{print $2}' | sort -n | uniq | wc -l)" "$n" "without duplicates"
exit_is 125 "a bad max-size is refused" sv run --rm --log-opt max-size=big busybox true
exit_is 125 "an unknown log opt is refused" sv run --rm --log-opt foo=1 busybox true
sv run --name nolog --log-driver none busybox echo x >/dev/null
exit_is 1 "logs of a container without a log fails" sv logs nolog

# --- logs survive the CLI, follow
# (servin itself is the job: `sv ... &` would make $! a subshell)
"$BIN/servin" run --name surv busybox sh -c 'sleep 1; echo after-cli' >/dev/null 2>&1 &
pid=$!
for i in $(seq 50); do [ "$(sv inspect -f '{{.State.Running}}' surv 2>/dev/null)" = true ] && break; sleep 0.1; done
kill -9 $pid
wait $pid 2>/dev/null
is "$(sv wait surv)" "0" "the container outlives a killed CLI"
is "$(sv logs surv)" "after-cli" "and its output is logged"
sv run -d --name fol busybox sh -c 'for i in 1 2 3; do echo f$i; sleep 0.2; done' >/dev/null
is "$(timeout 10 "$BIN/servin" logs -f fol | tr '\n' ' ')" "f1 f2 f3 " "logs -f follows until the container stops"
sv run -d --name folr --log-opt max-size=1k --log-opt max-file=2 busybox sh -c 'sleep 0.3; for i in $(seq 100); do echo r$i; done; sleep 0.3' >/dev/null
out=$(timeout 10 "$BIN/servin" logs -f folr)
is "$(echo "$out" | tail -1)" "r100" "logs -f follows across a rotation"

# --- attach
sv run -d --name at busybox sh -c 'sleep 0.5; echo from-attached; exit 4' >/dev/null
out=$(sv attach at)
is "$?:$out" "4:from-attached" "attach gets the output and the exit code"
sv run -d -i --name ati busybox sh -c 'read l; echo "in:$l"' >/dev/null
is "$(echo typed | sv attach ati)" "in:typed" "attach sends stdin to an -i container"
sv create --name stopped busybox true >/dev/null
exit_is 1 "attach to a stopped container fails" sv attach stopped
sv run -d -t --name att busybox sh -c 'sleep 0.5; tty' >/dev/null
like "$(script -qec "$BIN/servin attach att" /dev/null | tr -d '\r')" '/dev/pts/0' "attach to a TTY container"

(sleep 0.8; printf '\020\021') | timeout 10 script -qec "$BIN/servin run -it --name det busybox sh" /dev/null >/dev/null
is "$?:$(sv inspect -f '{{.State.Running}}' det)" "0:true" "ctrl-p ctrl-q detaches and leaves the container running"
sv rm -f det >/dev/null

# --- exec
sv run -d --name ex -e FROMRUN=1 busybox sleep 60 >/dev/null
is "$(sv exec ex echo hi)" "hi" "exec"
exit_is 7 "exec returns the command's exit code" sv exec ex sh -c 'exit 7'
exit_is 127 "exec of a missing command: 127" sv exec ex nosuch
exit_is 125 "exec in an unknown container: 125" sv exec nosuchctr true
is "$(sv exec -u nobody ex id -un)" "nobody" "exec -u"
is "$(sv exec -u nobody ex id -G)" "65534" "exec -u applies the user's groups"
is "$(sv exec -w /tmp ex pwd)" "/tmp" "exec -w"
is "$(sv exec -e X=y ex sh -c 'echo $X$FROMRUN')" "y1" "exec -e adds to the container's environment"
is "$(echo viastdin | sv exec -i ex cat)" "viastdin" "exec -i"
is "$(sv exec ex sh -c 'grep CapEff /proc/self/status')" "CapEff:	00000000a80425fb" "exec gets the container's capabilities"
is "$(sv exec ex sh -c 'grep ^Seccomp: /proc/self/status')" "Seccomp:	2" "and its seccomp filter"
sv exec -d ex sh -c 'sleep 0.2; echo bg > /tmp/bg'
sleep 0.6
is "$(sv exec ex cat /tmp/bg)" "bg" "exec -d runs in the background"
like "$(script -qec "$BIN/servin exec -it ex sh -c 'tty'" /dev/null </dev/null | tr -d '\r')" '/dev/pts/[0-9]+' "exec -it has a terminal"
is "$(script -qec "stty rows 22 cols 77; $BIN/servin exec -it ex stty size" /dev/null </dev/null | tr -dc '0-9 ')" "22 77" "exec -t: the process starts with the client's terminal size"
is "$(script -qec "stty rows 23 cols 78; $BIN/servin run --rm -it busybox stty size" /dev/null </dev/null | tr -dc '0-9 ')" "23 78" "run -t: the same"
script -qec "$BIN/servin exec -t ex sh -c 'exit 3'" /dev/null >/dev/null
is "$?" "3" "exec -t passes the exit code"
like "$(sv exec ex ps)" 'sleep 60' "exec sees the container's processes"
is "$(sv logs ex)" "" "exec output is not in the container's log"

done_testing
