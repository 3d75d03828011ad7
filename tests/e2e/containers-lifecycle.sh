#!/bin/bash
# The lifecycle commands: create, start (-a -i), stop (-t), kill (-s),
# restart, pause/unpause, rm (-f), wait, rename, ps (-a -q -n -s --filter
# --format), inspect (containers, then images), top, stats, port,
# container prune, the `container ...` aliases, and rmi refusing an image
# a container uses.
. "$(dirname "$0")/lib.sh"
need_root
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'

# --- create / start / stop
id=$(sv create --name life busybox sh -c 'trap "exit 42" TERM; while true; do sleep 0.1; done')
like "$id" '^[0-9a-f]{64}$' "create prints the id"
is "$(sv inspect -f '{{.State.Status}}' life)" "created" "a created container"
is "$(sv ps -q)" "" "ps hides it"
is "$(sv ps -aq)" "${id:0:12}" "ps -a shows it"
is "$(sv start life)" "life" "start prints the name"
is "$(sv inspect -f '{{.State.Status}} {{.State.Running}}' life)" "running true" "it runs"
like "$(sv inspect -f '{{.State.Pid}}' life)" '^[1-9][0-9]*$' "with a pid"
is "$(sv start life)" "life" "start on a running container is fine"
is "$(sv ps --format '{{.Names}} {{.State}}')" "life running" "ps --format"
like "$(sv ps)" 'CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES' "ps table header"
like "$(sv ps)" 'Up .* life' "ps status Up"
is "$(sv stop life)" "life" "stop prints the name"
is "$(sv inspect -f '{{.State.Status}} {{.State.ExitCode}}' life)" "exited 42" "stop sent SIGTERM, the trap exited 42"
is "$(sv stop life)" "life" "stop on a stopped container is fine"
like "$(sv ps -a)" 'Exited \(42\) .* life' "ps -a status Exited (42)"

# --- stop escalation, kill, restart
sv run -d --name stubborn busybox sh -c 'trap "" TERM; trap "exit 9" USR1; while true; do sleep 0.1; done' >/dev/null
start=$(date +%s%N)
sv stop -t 1 stubborn >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
is "$(sv inspect -f '{{.State.ExitCode}}' stubborn)" "137" "stop -t 1 kills what ignores SIGTERM"
ok "after about the timeout ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 5000
sv start stubborn >/dev/null
is "$(sv kill -s USR1 stubborn)" "stubborn" "kill -s prints the name"
is "$(sv wait stubborn)" "9" "the container got SIGUSR1"
exit_is 1 "kill on a stopped container fails" sv kill stubborn
exit_is 1 "kill with a bad signal fails" sv kill -s NOPE stubborn
sv start stubborn >/dev/null
p1=$(sv inspect -f '{{.State.Pid}}' stubborn)
is "$(sv restart -t 0 stubborn)" "stubborn" "restart prints the name"
p2=$(sv inspect -f '{{.State.Pid}}' stubborn)
ok "restart runs a new process" test "$p1" != "$p2" -a "$(sv inspect -f '{{.State.Running}}' stubborn)" = true
is "$(sv kill stubborn)" "stubborn" "kill (SIGKILL)"
is "$(sv wait stubborn)" "137" "wait after kill: 137"

# --- pause / unpause
sv run -d --name pz busybox sh -c 'while true; do date +%s%N > /tmp/t; sleep 0.05; done' >/dev/null
sleep 0.2
is "$(sv pause pz)" "pz" "pause"
is "$(sv inspect -f '{{.State.Status}} {{.State.Paused}}' pz)" "paused true" "paused"
like "$(sv ps)" 'Up .*\(Paused\)' "ps shows (Paused)"
exit_is 125 "exec in a paused container fails" sv exec pz true
exit_is 1 "rm of a paused container fails" sv rm pz
is "$(sv unpause pz)" "pz" "unpause"
is "$(sv inspect -f '{{.State.Status}}' pz)" "running" "running again"
sv pause pz >/dev/null
is "$(sv stop -t 0 pz)" "pz" "a paused container can be stopped"
is "$(sv inspect -f '{{.State.Status}}' pz)" "exited" "and is stopped"

# --- rm
sv run -d --name busy busybox sleep 30 >/dev/null
exit_is 1 "rm of a running container fails" sv rm busy
like "$(sv rm busy 2>&1)" 'stop the container before removing or force remove' "with Docker's advice"
is "$(sv rm -f busy)" "busy" "rm -f removes it"
exit_is 1 "rm of an unknown container fails" sv rm nosuch
like "$(sv rm nosuch 2>&1)" 'No such container: nosuch' "No such container"
is "$(sv rm life pz)" "life
pz" "rm several"

# --- rename, wait, ids
cid=$(sv create --name old busybox true)
sv rename old new
is "$(sv inspect -f '{{.Name}}' "$cid")" "/new" "rename"
sv create --name other busybox true >/dev/null
exit_is 1 "rename to a taken name fails" sv rename new other
exit_is 1 "rename to a bad name fails" sv rename new 'bad/name'
is "$(sv inspect -f '{{.Id}}' "${cid:0:6}")" "$cid" "an id prefix finds the container"
sv start new >/dev/null
is "$(sv wait new)" "0" "wait"
is "$(sv inspect -f '{{.State.ExitCode}}' new)" "0" "exit code 0"

# --- start -a / -i
cid=$(sv create -i busybox sh -c 'read line; echo "got $line"; exit 6')
out=$(echo hi | sv start -ai "$cid")
is "$?$out" "6got hi" "start -ai attaches stdin and returns the exit code"
cid=$(sv create busybox sh -c 'echo attached-out')
is "$(sv start -a "$cid")" "attached-out" "start -a"

# --- ps filters and formats
sv create --name f1 -l tier=web busybox true >/dev/null
sv create --name f2 -l tier=db busybox true >/dev/null
is "$(sv ps -a --filter label=tier=web --format '{{.Names}}')" "f1" "filter label=k=v"
is "$(sv ps -a --filter label=tier --format '{{.Names}}' | sort | tr '\n' ' ')" "f1 f2 " "filter label=k"
is "$(sv ps -a --filter name=f2 --format '{{.Names}}')" "f2" "filter name"
is "$(sv ps -a --filter status=created --filter name=f --format '{{.Names}}' | sort | tr '\n' ' ')" "f1 f2 " "filter status"
is "$(sv ps -a --filter exited=6 -q | wc -l)" "1" "filter exited"
is "$(sv ps -a --filter ancestor=busybox -q | wc -l)" "$(sv ps -aq | wc -l)" "filter ancestor"
is "$(sv ps -n 1 --format '{{.Names}}')" "f2" "-n 1 is the latest"
is "$(sv ps -l --format '{{.Names}}')" "f2" "-l"
like "$(sv ps -a -s --format '{{.Size}}' | head -1)" 'B \(virtual' "-s sizes"
exit_is 1 "a bad filter fails" sv ps --filter bogus=1
like "$(sv ps -a --format json | head -1)" '^\{"ID":' "--format json"
like "$(sv ps -a --no-trunc -q | head -1)" '^[0-9a-f]{64}$' "--no-trunc"

# --- inspect
like "$(sv inspect f1)" '"HostConfig": \{' "inspect prints Docker's shape"
is "$(sv inspect -f '{{.HostConfig.LogConfig.Type}} {{.Config.Tty}} {{.Config.OpenStdin}}' f1)" "json-file false false" "fields clients read"
like "$(sv inspect busybox)" '"RepoTags"' "inspect falls back to images"
exit_is 1 "inspect of nothing fails" sv inspect nosuch
like "$(sv inspect nosuch 2>&1)" 'No such object: nosuch' "No such object"
exit_is 1 "container inspect does not fall back to images" sv container inspect busybox
is "$(sv container inspect -f '{{.Name}}' f1)" "/f1" "container inspect"

# --- top, stats, port
sv run -d --name tp busybox sh -c 'sleep 30' >/dev/null
like "$(sv top tp)" 'UID +PID +PPID +C +STIME +TTY +TIME +CMD' "top prints ps -ef columns"
like "$(sv top tp)" 'sleep 30' "and the container's processes"
like "$(sv top tp -o pid,comm)" 'PID +COMMAND' "top with ps options"
exit_is 1 "top of a stopped container fails" sv top f1
out=$(sv stats --no-stream)
like "$out" 'CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS' "stats header"
like "$out" 'tp +[0-9.]+% +[0-9.]+[KMG]?i?B / ' "stats row"
like "$(sv stats --no-stream --format '{{.Name}} {{.PIDs}}' tp)" '^tp [12]$' "stats --format"
is "$(sv port tp)" "" "port: nothing published"
exit_is 1 "port of a port that is not published fails" sv port tp 80
sv rm -f tp >/dev/null

# --- aliases and prune
is "$(sv container ls -a -q | wc -l)" "$(sv ps -aq | wc -l)" "container ls"
sv run -d --name keep busybox sleep 30 >/dev/null
exit_is 1 "rmi refuses an image a container uses" sv rmi busybox
like "$(sv rmi busybox 2>&1)" 'container' "and says why"
out=$(sv container prune -f)
like "$out" 'Deleted Containers:' "container prune"
is "$(sv ps -aq | wc -l)" "1" "prune left the running one"
is "$(sv container rm -f keep)" "keep" "container rm"

done_testing
