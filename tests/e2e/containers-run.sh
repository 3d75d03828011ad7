#!/bin/bash
# servin run/create: attached and detached, with and without a TTY, the
# options that shape the container, and Docker's exit codes (125 servin,
# 126 cannot execute, 127 not found, else the container's own).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd script
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'

# --- attached, detached, exit codes
is "$(sv run --rm busybox echo hello)" "hello" "run prints the container's output"
exit_is 3 "run exits with the container's code" sv run --rm busybox sh -c 'exit 3'
out=$(sv run --rm busybox sh -c 'echo out; echo err >&2' 2>/dev/null)
is "$out" "out" "stdout and stderr are separate streams"
out=$(sv run --rm busybox sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)
is "$out" "err" "stderr reaches stderr"
exit_is 127 "a missing command exits 127" sv run --rm busybox nosuchcmd
like "$(sv run --rm busybox nosuchcmd 2>&1)" 'executable file not found' "and says so"
exit_is 126 "a command that cannot execute exits 126" sv run --rm busybox /etc/passwd
exit_is 125 "an unknown image exits 125" sv run --rm --pull never nosuchimage true
like "$(sv run --rm --pull never nosuchimage true 2>&1)" 'No such image' "and says so"
out=$(sv run --rm 127.0.0.1:1/nosuch true 2>&1)
is "$?" "125" "a missing image that cannot be pulled exits 125"
like "$out" "Unable to find image '127.0.0.1:1/nosuch' locally" "after trying to pull it"
exit_is 125 "a bad flag exits 125" sv run --bogus busybox true
exit_is 125 "a bad flag value exits 125" sv run -m lots busybox true
exit_is 125 "memory under 6MB is refused" sv run -m 1m busybox true
exit_is 125 "an unknown capability is refused" sv run --cap-add CAP_NOPE busybox true
exit_is 125 "a bad restart policy is refused" sv run --restart sometimes busybox true
exit_is 125 "--restart with --rm is refused" sv run --rm --restart always busybox true
is "$(sv ps -aq | wc -l)" "0" "failed runs with --rm leave no container"

id=$(sv run -d busybox sh -c 'echo detached; sleep 0.2')
like "$id" '^[0-9a-f]{64}$' "run -d prints the full id"
is "$(sv wait "$id")" "0" "wait prints the exit code"
is "$(sv logs "$id")" "detached" "a detached container's output is logged"
sv rm "$id" >/dev/null

start=$(date +%s%N)
id=$(sv run -d busybox sleep 4 3>&1 4>&1)
ms=$((($(date +%s%N) - start) / 1000000))
ok "run -d returns at once even when the caller's pipe is on other fds ($ms ms: nothing leaks into the shim)" test "$ms" -lt 3000
sv rm -f "$id" >/dev/null

sv run -d --name taken busybox sleep 30 >/dev/null
exit_is 125 "a taken name exits 125" sv run --name taken busybox true
like "$(sv run --name taken busybox true 2>&1)" 'Conflict. The container name "/taken" is already in use' "with Docker's message"
sv rm -f taken >/dev/null

# --- stdin and TTY
is "$(echo piped | sv run --rm -i busybox cat)" "piped" "-i passes stdin, EOF closes it"
is "$(echo ignored | sv run --rm busybox sh -c 'cat; echo eof')" "eof" "without -i stdin is empty"
out=$(script -qec "$BIN/servin run --rm -t busybox sh -c 'tty; exit 4'" /dev/null | tr -d '\r')
like "$out" '^/dev/pts/0' "-t gives the process a terminal"
script -qec "$BIN/servin run --rm -t busybox sh -c 'exit 4'" /dev/null >/dev/null
is "$?" "4" "with -t the exit code passes through"
out=$(printf 'echo typed-$((6*7))\nexit 5\n' | script -qec "$BIN/servin run --rm -it busybox sh" /dev/null | tr -d '\r')
like "$out" 'typed-42' "-it is an interactive shell"
is "$(script -qec "$BIN/servin run --rm -t busybox sh -c 'echo \$TERM'" /dev/null | tr -d '\r')" "xterm" "TERM is set with -t"
exit_is 125 "-it without a terminal is refused" sv run --rm -it busybox true

# --- what the options put into the container
is "$(sv run --rm -e A=1 -e B busybox sh -c 'echo $A-${B:-unset}')" "1-unset" "-e sets variables; an unset host one is dropped"
printf 'X=from-file\n# comment\n\nY=2\n' > "$SV_TMP/env"
is "$(sv run --rm --env-file "$SV_TMP/env" busybox sh -c 'echo $X$Y')" "from-file2" "--env-file"
is "$(sv run --rm -w /tmp busybox pwd)" "/tmp" "-w sets the working directory"
exit_is 125 "a relative -w is refused" sv run --rm -w tmp busybox pwd
is "$(sv run --rm -h myhost busybox hostname)" "myhost" "-h sets the hostname"
is "$(sv run --rm --entrypoint echo busybox a b)" "a b" "--entrypoint replaces the entrypoint"
is "$(sv run --rm busybox sh -c 'echo $HOME $PATH')" "/root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME and PATH as Docker sets them"
is "$(sv run --rm -u nobody busybox id)" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" "-u resolves a name from the image"
is "$(sv run --rm -u 1:2 busybox id -u)" "1" "-u uid:gid"
is "$(sv run --rm busybox id)" "uid=0(root) gid=0(root) groups=0(root),10(wheel)" "supplementary groups come from /etc/group"
exit_is 125 "an unknown user fails the start" sv run --rm -u nosuch busybox true
exit_is 125 "a uid of 2^32 is refused, never wrapped to root" sv run --rm -u 4294967296 busybox true
id=$(sv create -l a=b --label c busybox true)
is "$(sv inspect -f '{{index .Config.Labels "a"}}' "$id")" "b" "--label is recorded"
sv rm "$id" >/dev/null
exit_is 1 "--read-only makes / read-only" sv run --rm --read-only busybox touch /x
is "$(sv run --rm busybox sh -c 'touch /x && echo ok')" "ok" "without it / is writable"
is "$(sv run --rm busybox sh -c 'grep CapEff /proc/self/status')" "CapEff:	00000000a80425fb" "Docker's default capabilities"
is "$(sv run --rm --cap-drop ALL busybox sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000000000" "--cap-drop ALL"
is "$(sv run --rm --cap-drop ALL --cap-add NET_ADMIN busybox sh -c 'grep CapEff /proc/self/status')" "CapEff:	0000000000001000" "--cap-add after --cap-drop ALL"
like "$(sv run --rm --privileged busybox sh -c 'grep CapEff /proc/self/status')" 'CapEff:	000001ff' "--privileged has every capability"
is "$(sv run --rm busybox sh -c 'grep ^Seccomp: /proc/self/status')" "Seccomp:	2" "seccomp is on by default"
is "$(sv run --rm --security-opt seccomp=unconfined busybox sh -c 'grep ^Seccomp: /proc/self/status')" "Seccomp:	0" "seccomp=unconfined"
cat > "$SV_TMP/prof.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
EOF
exit_is 1 "a Docker seccomp profile file is applied" sv run --rm --security-opt seccomp="$SV_TMP/prof.json" busybox mkdir /x
exit_is 0 "and the same run without it may mkdir (its translation is not reused)" sv run --rm busybox mkdir /x
# (translations are cached in the run root, per profile and capability set)
exit_is 1 "the default profile refuses unshare" sv run --rm --network none busybox unshare -n true
exit_is 0 "with CAP_SYS_ADMIN it allows it, as Docker's does" sv run --rm --network none --cap-add SYS_ADMIN busybox unshare -n true
exit_is 1 "and refuses it again without (a translation for each capability set)" sv run --rm --network none busybox unshare -n true
exit_is 1 "the profile file again: still applied" sv run --rm --security-opt seccomp="$SV_TMP/prof.json" busybox mkdir /x
is "$(sv run --rm --security-opt no-new-privileges busybox sh -c 'grep ^NoNewPrivs: /proc/self/status')" "NoNewPrivs:	1" "no-new-privileges"
is "$(sv run --rm --ulimit nofile=256:512 busybox sh -c 'ulimit -n')" "256" "--ulimit"
is "$(sv run --rm --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr \"\0\" \" \" " "--init runs an init as PID 1"
out=$(sv run --rm --init busybox sh -c 'sleep 0.1 & exec sleep 0.3' ; echo "rc=$?")
is "$out" "rc=0" "the init reaps and passes the exit code"
id=$(sv create -m 64m --memory-swap 128m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --pids-limit 50 --stop-signal SIGUSR1 --stop-timeout 3 busybox true)
is "$(sv inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}}' "$id")" \
	"67108864 134217728 500000000 512 0 50" "resource options are recorded"
is "$(sv inspect -f '{{.Config.StopSignal}} {{.Config.StopTimeout}}' "$id")" "SIGUSR1 3" "stop signal and timeout are recorded"
sv rm "$id" >/dev/null
is "$(sv run --rm --network none busybox sh -c 'ls /sys/class/net')" "lo" "--network none has only loopback"

done_testing
