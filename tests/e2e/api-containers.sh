#!/bin/bash
# Containers through the REST API with the real docker CLI: run (attached,
# detached, --rm, -i, -it through a pty), exit codes, logs, exec (-i, -d,
# -it), the lifecycle (stop, kill, wait, pause, restart, rename, rm),
# inspect, top, stats, cp, prune, events. Outputs are checked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_root
need_cmd curl script tar
sv_setup
need_docker
# Few stream threads, so that a leak of them would show (see "abandoned").
api_start --max-streams 8

# run, attached: output, exit codes, stdin.
is "$(dk run --rm busybox echo hello)" hello "run --rm prints the container's output"
exit_is 3 "the container's exit code is docker's" dk run --rm busybox sh -c 'exit 3'
exit_is 127 "a missing command exits 127" dk run --rm busybox no-such-command
like "$(dk run --rm busybox no-such-command 2>&1)" "executable file not found" "with the runtime's reason"
exit_is 126 "a command that cannot run exits 126" dk run --rm busybox /etc
is "$(echo piped | dk run -i --rm busybox cat)" piped "run -i: stdin reaches the container, EOF ends it"
is "$(dk run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)" out "stdout and stderr stay apart (stdout)"
is "$(dk run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" err "stdout and stderr stay apart (stderr)"
is "$(dk ps -aq | wc -l)" 0 "--rm containers are gone"

# run -it through a pty: a TTY, and the terminal's size reaches it.
out=$(script -qec "stty cols 111 rows 33; '$DOCKER' run -it --rm busybox sh -c 'tty; sleep 0.3; stty size'" /dev/null)
like "$out" "/dev/pts/0" "run -it gives the container a TTY"
like "$out" "33 111" "and resizes it to the client's terminal"

# Detached, listed, logs.
id=$(dk run -d --name web --label app=api busybox sh -c 'echo one; echo two; echo three >&2; sleep 300')
like "$id" "^[0-9a-f]{64}$" "run -d prints the id"
is "$(dk ps --no-trunc --format '{{.Names}} {{.Image}} {{.Command}}')" 'web busybox "sh -c '"'"'echo one; echo two; echo three >&2; sleep 300'"'"'"' "ps"
like "$(dk ps --format '{{.Status}}')" "^Up " "ps status"
is "$(dk ps --filter label=app=api -q)" "${id:0:12}" "ps filters by label"
is "$(dk ps --filter label=app=other -q)" "" "and the label filter really filters"
sleep 0.5
is "$(dk logs web 2>/dev/null | tr '\n' ' ')" "one two " "logs: stdout"
is "$(dk logs web 2>&1 >/dev/null)" "three" "logs: stderr apart"
is "$(dk logs --tail 2 web 2>/dev/null)" "two" "logs --tail counts both streams, then filters"
like "$(dk logs -t web 2>/dev/null | head -1)" "^20[0-9-]+T[0-9:.]+Z one$" "logs -t"

dk run -d --name follow busybox sh -c 'echo a; sleep 1; echo b' >/dev/null
is "$(timeout 15 "$DOCKER" logs -f follow | tr '\n' ' ')" "a b " "logs -f follows and ends when the container stops"
dk rm follow >/dev/null
# A follower that hangs up is let go even when the container stays silent.
dk run -d --name silent busybox sleep 300 >/dev/null
# (a follower holds an inotify watch on the log's directory)
watches() { find "/proc/$API_PID/fd" -lname 'anon_inode:inotify' 2>/dev/null | wc -l; }
base=$(watches)
curl -s --unix-socket "$API_SOCK" "http://x/containers/silent/logs?follow=1&stdout=1" >/dev/null &
cpid=$!
for _ in $(seq 50); do [ "$(watches)" -gt "$base" ] && break; sleep 0.1; done
is "$(watches)" "$((base + 1))" "a follower of a silent container holds its watch"
kill $cpid; wait $cpid 2>/dev/null
for _ in $(seq 30); do [ "$(watches)" -le "$base" ] && break; sleep 0.1; done
is "$(watches)" "$base" "the server lets go of it once the client hangs up"
dk rm -f silent >/dev/null

# inspect, top, stats.
is "$(dk inspect web --format '{{.State.Running}} {{.Config.Labels.app}} {{.HostConfig.LogConfig.Type}}')" \
	"true api json-file" "inspect"
like "$(dk top web)" "sleep 300" "top"
like "$(dk stats --no-stream --format '{{.Name}} {{.PIDs}}' web)" "^web [0-9]+$" "stats --no-stream"
n=$(timeout -s KILL 3.5 "$DOCKER" stats --format '{{.Name}}' web 2>/dev/null | grep -c web)
ok "stats streams a sample a second ($n in 3.5 s)" test "$n" -ge 2

# exec.
is "$(dk exec web echo in-exec)" in-exec "exec"
is "$(echo exec-stdin | dk exec -i web cat)" exec-stdin "exec -i"
exit_is 7 "exec's exit code" dk exec web sh -c 'exit 7'
exit_is 127 "exec of a missing command: 127" dk exec web no-such-command
like "$(dk exec web no-such-command 2>&1)" "executable file not found" "with the reason in the stream"
exit_is 126 "exec of a directory: 126" dk exec web /etc
ok "exec -d" dk exec -d web touch /tmp/made-by-exec
sleep 0.3
ok "the detached exec ran" dk exec web test -f /tmp/made-by-exec
out=$(script -qec "stty cols 77 rows 22; '$DOCKER' exec -it web sh -c 'tty; sleep 0.3; stty size'" /dev/null)
like "$out" "22 77" "exec -it: a TTY of the client's size"

# cp both ways.
echo copied >"$SV_TMP/in.txt"
ok "cp into the container" dk cp "$SV_TMP/in.txt" web:/tmp/in.txt
is "$(dk exec web cat /tmp/in.txt)" copied "the file arrived"
ok "cp out of the container" dk cp web:/tmp/in.txt "$SV_TMP/out.txt"
is "$(cat "$SV_TMP/out.txt")" copied "and came back"

# Lifecycle and Docker's status codes.
ok "pause" dk pause web
like "$(dk ps --format '{{.Status}}')" "Paused" "paused"
is "$(api_status POST /containers/web/pause)" 409 "pause of a paused container: 409, as Docker"
ok "unpause" dk unpause web
is "$(api_status POST /containers/web/unpause)" 409 "unpause of a running one: 409"
like "$(dk rm web 2>&1)" "container is running" "rm of a running container is refused (409)"
is "$(api_status POST /containers/web/start)" 304 "start of a running container: 304"
ok "rename" dk rename web web2
ok "stop" dk stop -t 1 web2
is "$(api_status POST /containers/web2/stop)" 304 "stop of a stopped container: 304"
like "$(dk kill web2 2>&1)" "is not running" "kill of a stopped container is refused (409)"
is "$(dk inspect web2 --format '{{.State.Status}} {{.State.ExitCode}}')" "exited 137" "stopped by SIGKILL after -t 1"
ok "start again" dk start web2
ok "restart" dk restart -t 1 web2
( sleep 1; dk kill -s KILL web2 >/dev/null ) &
killer=$!
is "$(timeout 20 "$DOCKER" wait web2)" 137 "wait blocks until the exit and prints its status"
wait $killer
is "$(dk rm web2)" web2 "rm"
exit_is 1 "inspect after rm fails" dk inspect web2

# start -a, attach, wait before start (docker's run sequence by hand).
dk create --name att busybox sh -c 'sleep 0.5; echo attached-out' >/dev/null
is "$(dk start -a att)" attached-out "start -a streams the output"
dk run -d --name late busybox sh -c 'sleep 1; echo late-out; sleep 1' >/dev/null
is "$(timeout 10 "$DOCKER" attach late)" late-out "attach to a running container"
is "$(api_status POST /containers/nosuch/wait)" 404 "wait on a missing container: 404"

# An abandoned wait does not hold a thread (docker run -d leaves its wait).
dk run -d --name long busybox sleep 300 >/dev/null
for i in $(seq 20); do
	curl -s -m 0.3 -X POST --unix-socket "$API_SOCK" "http://x/containers/long/wait?condition=next-exit" >/dev/null
done
is "$(dk run --rm busybox echo still)" still "20 abandoned waits later all 8 stream threads are free again"
dk rm -f long >/dev/null

# prune and events.
t0=$(date +%s)
dk run --name gone busybox true >/dev/null
like "$(dk container prune -f)" "Deleted Containers:" "container prune"
is "$(dk ps -aq | wc -l)" 0 "nothing left"
is "$(dk events --since "$t0" --until "$(($(date +%s) + 1))" --filter container=gone --filter event=die --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}')" \
	"gone 0" "events carry the container's die"
like "$(dk run --rm nosuch/image:1 2>&1)" "nosuch/image" "run of a missing image: the CLI tries a pull after the 404"
done_testing
