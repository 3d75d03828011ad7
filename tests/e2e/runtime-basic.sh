#!/bin/bash
# servin runtime: the OCI lifecycle on the busybox bundle, for real (root,
# namespaces, cgroups): run/create/start/state/exec/pause/resume/kill/
# delete, exit codes, isolation, process settings, errors leaving no trace.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/runtime-lib.sh"
rt_setup

# ---- run: output, exit codes
rt_bundle hello "$(rt_args echo 'hello from servin')" >/dev/null
is "$(rt_run hello)" "hello from servin" "run prints the process's output"
rt_bundle code "$(rt_args sh -c 'exit 3')" >/dev/null
exit_is 3 "run exits with the process's code" rt_run code
rt_bundle sig "$(rt_args sh -c 'sleep 5 & kill -TERM $!; wait $!; exit $?')" >/dev/null
exit_is 143 "a signal death is 128+signal" rt_run sig
rt_bundle missing "$(rt_args no-such-command)" >/dev/null
exit_is 127 "a missing command is 127" rt_run missing
like "$(rt_run missing 2>&1)" 'exec: "no-such-command": executable file not found in \$PATH' \
	"a missing command says so"
rt_bundle noexec "$(rt_args /etc/passwd)" >/dev/null
exit_is 126 "a file that cannot be executed is 126" rt_run noexec
is "$(rt list -q)" "" "run deletes its container when it exits"

# ---- create / start / state / exec / pause / resume / kill / delete
d=$(rt_bundle life "$(rt_args sleep 60)")
ok "create" rtq create --bundle "$d" --pid-file "$d/pid" life
st=$(rt state life)
is "$(jq -r .status <<<"$st")" created "state says created"
is "$(jq -r .pid <<<"$st")" "$(cat "$d/pid")" "the pid file holds the state's pid"
is "$(jq -r .bundle <<<"$st")" "$d" "state names the bundle"
pid=$(jq -r .pid <<<"$st")
like "$(readlink /proc/$pid/exe)" '^/memfd:servin-init' "the created process is servin-init from a memfd"
like "$(rt list)" "life +$pid +created" "list shows it"
ok "start" rt start life
is "$(rt state life | jq -r .status)" running "state says running after start"
like "$(readlink /proc/$pid/exe)" 'busybox' "the init is now the process itself"
nok "start twice is refused" rt start life
is "$(rt exec life sh -c 'echo in $(hostname); echo $$')" "in servin
2" "exec runs in the container's namespaces"
exit_is 7 "exec returns its process's code" rt exec life sh -c 'exit 7'
is "$(rt exec -e FOO=bar --cwd /tmp life sh -c 'echo $FOO $(pwd)')" "bar /tmp" "exec takes env and cwd"
is "$(rt exec -u 1:2 life id)" "uid=1(daemon) gid=2(bin)" "exec takes a numeric user"
exit_is 127 "exec of a missing command is 127" rt exec life nothere
is "$(rt exec life cat /proc/self/cgroup)" "$(cat /proc/$pid/cgroup | sed 's/:\/.*/:\//')" "exec joins the container's cgroups (and cgroup namespace)"
cat > "$SV_TMP/process.json" <<'JSON'
{"args": ["sh", "-c", "id -u; echo $X; grep -E 'NoNewPrivs|CapEff' /proc/self/status"], "cwd": "/tmp",
 "env": ["PATH=/bin", "X=from-process-json"], "user": {"uid": 2, "gid": 2}, "noNewPrivileges": true}
JSON
out=$(rt exec --process "$SV_TMP/process.json" life)
is "$(sed -n 1,2p <<<"$out" | tr '\n' ' ')" "2 from-process-json " "exec --process runs an OCI process object"
like "$out" "NoNewPrivs:.1" "with its no_new_privs"
like "$out" "CapEff:.0000000000000000" "and its (empty) capabilities"
ok "exec -d returns at once" rtq exec -d life sleep 30
is "$(rt ps life | wc -l)" 2 "the detached exec runs in the container"
if [ -x /usr/bin/python3 ]; then
	sock=$SV_TMP/console.sock
	/usr/bin/python3 - "$sock" > "$SV_TMP/console.out" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 64, 1)
out = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
PY
	py=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
	ok "exec -t with a console socket" rt exec -t --console-socket "$sock" life sh -c 'tty; [ -t 1 ] && echo is-a-tty'
	wait $py
	like "$(cat "$SV_TMP/console.out")" "/dev/pts/0" "the pty master went to the console socket"
	like "$(cat "$SV_TMP/console.out")" "is-a-tty" "the exec'd process runs on the pty"
fi
ps_out=$(rt ps life)
like "$ps_out" "^$pid" "ps lists the container's pids"
ok "pause" rt pause life
is "$(rt state life | jq -r .status)" paused "state says paused"
like "$(grep State /proc/$pid/status)" "State:.D" "the process is frozen"
nok "exec into a paused container is refused" rt exec life true
ok "resume" rt resume life
is "$(rt state life | jq -r .status)" running "running again after resume"
nok "delete of a running container is refused" rt delete life
ok "kill" rt kill life KILL
for _ in $(seq 50); do [ "$(rt state life | jq -r .status)" = stopped ] && break; sleep 0.05; done
is "$(rt state life | jq -r .status)" stopped "stopped after SIGKILL"
ok "delete" rt delete life
exit_is 1 "state of a deleted container fails" rt state life
like "$(rt state life 2>&1)" 'container "life" does not exist' "and says why"
ok "no cgroup is left" test ! -e /sys/fs/cgroup/pids/servin/life

# ---- detached run, delete -f, kill --all, duplicate and bad ids
d=$(rt_bundle det "$(rt_args sh -c 'sleep 60 & sleep 60 & wait')")
ok "run -d returns" rtq run -d --bundle "$d" det
is "$(rt state det | jq -r .status)" running "a detached container runs"
nok "the same id twice is refused" rtq run -d --bundle "$d" det
like "$(rt run -d --bundle "$d" det 2>&1)" 'already exists' "and says it exists"
is "$(rt ps det | wc -l)" 3 "ps sees all three processes"
ok "kill --all" rt kill --all det TERM
ok "delete -f" rt delete -f det
nok "an id with a slash is refused" rtq run -d --bundle "$d" ../x
nok "an empty bundle is refused" rt run --bundle "$SV_TMP/nonexistent" nob

# ---- a create killed half-way (state dir, no state.json, no lock holder)
mkdir -p "$SERVIN_RUNROOT/runtime/stale1" "$SERVIN_RUNROOT/runtime/stale2"
rt_bundle stale1 "$(rt_args echo taken-over)" >/dev/null
is "$(rt_run stale1)" taken-over "a leftover of a killed create is taken over"
ok "delete removes a leftover of a killed create" rt delete stale2
ok "and it is gone" test ! -e "$SERVIN_RUNROOT/runtime/stale2"

# ---- signals reach the container through a foreground run
rt_bundle fwd "$(rt_args sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done')" >/dev/null
"$BIN/servin" runtime run --bundle "$SV_TMP/fwd" fwd > "$SV_TMP/fwd.out" 2>&1 &
cli=$!
for _ in $(seq 100); do grep -q ready "$SV_TMP/fwd.out" && break; sleep 0.05; done
kill -TERM $cli
wait $cli
is "$?" 42 "SIGTERM to 'runtime run' is forwarded to the container"

# ---- a bad config leaves no trace
d=$(rt_bundle badcfg '.process.user.uid = 4294967296')
nok "a uid of 2^32 is refused" rt_run badcfg
ok "no state is left" test ! -e "$SERVIN_RUNROOT/runtime/badcfg"
d=$(rt_bundle badmnt '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]')
like "$(rt_run badmnt 2>&1)" 'mount none \(nosuchfs\) on /x' "a mount failure names the mount"
ok "no state is left after a failed setup" test ! -e "$SERVIN_RUNROOT/runtime/badmnt"
ok "no cgroup is left after a failed setup" test ! -e /sys/fs/cgroup/memory/servin/badmnt -a ! -e /sys/fs/cgroup/pids/servin/badmnt

# ---- isolation
rt_bundle iso "$(rt_args sh -c 'hostname; echo $$; ls /sys/class/net; cat /proc/self/cgroup | grep -c ":/$"; for n in pid net ipc uts mnt cgroup; do readlink /proc/1/ns/$n; done')" >/dev/null
out=$(rt_run iso)
is "$(sed -n 1p <<<"$out")" servin "own uts namespace (hostname from config)"
is "$(sed -n 2p <<<"$out")" 1 "own pid namespace (pid 1)"
is "$(sed -n 3p <<<"$out")" lo "own network namespace (only lo)"
is "$(sed -n 4p <<<"$out")" "$(grep -c . /proc/self/cgroup)" "own cgroup namespace (every cgroup is /)"
for n in pid net ipc uts mnt cgroup; do
	ok "own $n namespace" grep -qv "$(readlink /proc/self/ns/$n)" <<<"$(sed -n 5,10p <<<"$out" | grep "^$n:")"
done
rt_bundle mnt "$(rt_args sh -c 'grep -c . /proc/self/mountinfo; cut -d" " -f5 /proc/self/mountinfo | head -1')" >/dev/null
out=$(rt_run mnt)
is "$(sed -n 2p <<<"$out")" / "the rootfs is / (pivot_root)"
ok "no host mount is visible" test "$(sed -n 1p <<<"$out")" -lt 40

# ---- process settings
rt_bundle proc '.process.env = ["A=1", "PATH=/bin"] | .process.cwd = "/new/dir" | .process.user = {"uid": 1, "gid": 1, "additionalGids": [10, 100]} | .process.capabilities.effective = [] | .process.capabilities.permitted = []'" | $(rt_args sh -c 'echo $A $PATH; pwd; id; umask')" >/dev/null
out=$(rt_run proc)
is "$(sed -n 1p <<<"$out")" "1 /bin" "env from config"
is "$(sed -n 2p <<<"$out")" /new/dir "cwd from config, created when missing"
is "$(sed -n 3p <<<"$out")" "uid=1(daemon) gid=1(daemon) groups=10(wheel),100(users)" "user, group and additional groups"
is "$(sed -n 4p <<<"$out")" 0022 "default umask 0022"
hard=$(ulimit -Hn)
rt_bundle rl ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200}] | $(rt_args sh -c 'ulimit -n; ulimit -Hn')" >/dev/null
is "$(rt_run rl | tr '\n' ' ')" "100 200 " "rlimits apply"
rt_bundle rlhi ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": $((hard + 1))}]" >/dev/null
like "$(rt_run rlhi 2>&1)" "RLIMIT_NOFILE: cannot raise the hard limit from $hard to $((hard + 1)) without CAP_SYS_RESOURCE" \
	"raising a hard limit gives a clear error"
rt_bundle sysctl ".linux.sysctl = {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmni\": \"100\"} | $(rt_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni')" >/dev/null
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
is "$(rt_run sysctl | tr '\n' ' ')" "1 100 " "namespaced sysctls apply"
is "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "the host's sysctl is untouched"
rt_bundle sysbad '.linux.sysctl = {"kernel.panic": "1"}' >/dev/null
like "$(rt_run sysbad 2>&1)" "kernel.panic is not in a separate kernel namespace" "a host-wide sysctl is refused"

# ---- stdio, extra fds, terminal
rt_bundle cat "$(rt_args cat)" >/dev/null
is "$(echo piped | rt_run cat)" piped "stdin reaches the process"
# ls's own directory fd takes the lowest free number: 4 when 0-3 are all.
rt_bundle fds "$(rt_args sh -c 'cat <&3; ls /proc/self/fd | tr "\n" " "')" >/dev/null
is "$(echo extra | rt_run fds --preserve-fds 1 3<&0)" "extra
0 1 2 3 4 " "--preserve-fds passes fd 3, nothing else"
if command -v script >/dev/null; then
	rt_bundle tty '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'" | $(rt_args sh -c 'tty; stty size; [ -t 0 ] && echo t0')" >/dev/null
	out=$(script -qec "$BIN/servin runtime run --bundle $SV_TMP/tty tty" /dev/null | tr -d '\r')
	like "$out" "/dev/pts/0" "a terminal process gets a pty"
	like "$out" "t0" "stdin is the terminal"
	rt_bundle ttysock "$(rt_args true)"' | .process.terminal = true' >/dev/null
	like "$(rt run -d --bundle "$SV_TMP/ttysock" ttysock 2>&1)" "needs --console-socket" \
		"a detached terminal needs a console socket"
	is "$(rt list -q)" "" "and leaves nothing behind"
fi

# ---- cgroups: limits land in the right files (v1 and the v2 part)
d=$(rt_bundle cg '.linux.resources += {"memory": {"limit": 67108864}, "cpu": {"shares": 512, "quota": 20000, "period": 100000}, "pids": {"limit": 42}}'" | $(rt_args sleep 60)")
ok "run with limits" rtq run -d --bundle "$d" cg
cgs=$(rt state cg >/dev/null; jq -r '.cgroups[]' "$SERVIN_RUNROOT/runtime/cg/state.json")
mem=$(grep '^memory:' <<<"$cgs" | cut -d: -f2)
is "$(cat "$mem/memory.limit_in_bytes")" 67108864 "memory limit"
is "$(cat "$(grep '^cpu:' <<<"$cgs" | cut -d: -f2)/cpu.shares")" 512 "cpu shares"
is "$(cat "$(grep '^cpu:' <<<"$cgs" | cut -d: -f2)/cpu.cfs_quota_us")" 20000 "cpu quota"
is "$(cat "$(grep '^pids:' <<<"$cgs" | cut -d: -f2)/pids.max")" 42 "pids limit"
pid=$(rt state cg | jq -r .pid)
like "$(cat /proc/$pid/cgroup)" "memory:/.*servin/cg" "the process is in the container's cgroup"
ok "delete -f removes the cgroups" rt delete -f cg
d=$(rt_bundle cg2 '.linux.resources += {"cpu": {"cpus": "0", "mems": "0"}, "blockIO": {"weight": 300}}'" | $(rt_args sh -c 'grep Cpus_allowed_list /proc/self/status')")
like "$(rt_run cg2 2>&1)" "Cpus_allowed_list:.0$" "cpuset cpus apply (v1 cpuset, parents initialised)"
ok "the memory cgroup is gone" test ! -d "$mem"
if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
	# Using hugetlb on v2 enables it in the v2 root; put the host back as
	# it was (crun's benchmark needs hugetlb free for a v1 mount).
	if ! grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control; then
		cleanup "rmdir /sys/fs/cgroup/unified/servin; echo -hugetlb > /sys/fs/cgroup/unified/cgroup.subtree_control"
	fi
	d=$(rt_bundle v2 '.linux.resources += {"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'" | $(rt_args sleep 60)")
	ok "run with a hugetlb limit (cgroup v2 on this hybrid host)" rtq run -d --bundle "$d" v2
	v2dir=$(jq -r '.cgroups[] | select(startswith(":/"))' "$SERVIN_RUNROOT/runtime/v2/state.json" | cut -c2-)
	is "$(cat "$v2dir/hugetlb.2MB.max" 2>&1)" 4194304 "the limit is in the v2 tree"
	pid=$(rt state v2 | jq -r .pid)
	like "$(grep '^0::' /proc/$pid/cgroup)" "^0::/.*servin/v2$" "the process joined the v2 cgroup"
	is "$(grep ':devices:' /proc/$pid/cgroup | cut -d: -f3)" "$(grep ':devices:' /proc/self/cgroup | cut -d: -f3)" \
		"with a v2 cgroup the v1 devices hierarchy is not joined"
	out=$(rt exec v2 sh -c 'echo x > /dev/null && echo null-ok; head -c1 /dev/zero | wc -c; mknod /tmp/sdx b 8 0 && { head -c1 /tmp/sdx >/dev/null 2>&1 || echo sdx-denied; }; mknod /tmp/kmsg c 1 11 && { head -c1 /tmp/kmsg >/dev/null 2>&1 || echo kmsg-denied; }')
	like "$out" "null-ok" "v2 device filter (eBPF): /dev/null is allowed"
	like "$out" "sdx-denied" "v2 device filter (eBPF): a disk node is denied"
	like "$out" "kmsg-denied" "v2 device filter (eBPF): /dev/kmsg's numbers are denied"
	ok "delete v2" rt delete -f v2
fi

# ---- hooks run in the runtime's namespace with the state on stdin
d=$(rt_bundle hooks ".hooks = {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $SV_TMP/hook-state\"]}], \"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"touch $SV_TMP/hook-stopped\"]}]} | $(rt_args true)")
ok "run with hooks" rt_run hooks
is "$(jq -r '.id + " " + .status' "$SV_TMP/hook-state")" "hooks created" "createRuntime got the state"
ok "poststop ran at delete" test -e "$SV_TMP/hook-stopped"
rt_bundle hookfail '.hooks = {"prestart": [{"path": "/bin/false"}]}' >/dev/null
like "$(rt_run hookfail 2>&1)" "hook /bin/false failed" "a failing prestart hook fails create"
is "$(rt list -q)" "" "nothing is left behind"

# ---- spec
mkdir -p "$SV_TMP/spec"
ok "spec writes a config" rt spec --bundle "$SV_TMP/spec"
is "$(jq -r '.process.capabilities.bounding | length' "$SV_TMP/spec/config.json")" 14 "with Docker's 14 capabilities"
nok "spec refuses to overwrite" rt spec --bundle "$SV_TMP/spec"

done_testing
