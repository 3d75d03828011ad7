#!/bin/bash
# servin runtime against ../shared/attacks.md items 1-15, one section per
# item, on Docker's default config (capabilities, seccomp, masked paths).
# Items that need the engine (user names from /etc/passwd) are checked at
# the config level here; the engine's tests cover the lookup.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/runtime-lib.sh"
need_cmd gcc sha256sum
rt_setup
# Docker's defaults, seccomp included, for every bundle below.
rm "$RT_BASE/config.json"
rt spec --bundle "$RT_BASE"
# The probe (raw syscalls) is bind-mounted read-only at /probe.
mkdir -p "$SV_TMP/probe"
gcc -static -O1 -o "$SV_TMP/probe/probe" "$E2E_DIR/runtime-probe.c" || skip_all "cannot build the probe"
PROBE='.mounts += [{"destination": "/probe", "type": "bind", "source": "'"$SV_TMP/probe"'", "options": ["rbind", "ro"]}]'
status_of() { rt state "$1" | jq -r .status; }
wait_stopped() { for _ in $(seq 100); do [ "$(status_of "$1")" = stopped ] && return 0; sleep 0.05; done; return 1; }

# ---- 1. /proc/self/exe overwrite (CVE-2019-5736)
servin_sum=$(sha256sum "$BIN/servin")
d=$(rt_bundle_own exe "$(rt_args sleep 60)")
printf '#!/proc/self/exe\n' > "$d/rootfs/evil" && chmod 755 "$d/rootfs/evil"
ok "1: create" rtq create --bundle "$d" exe
pid=$(rt state exe | jq -r .pid)
like "$(readlink /proc/$pid/exe)" '^/memfd:servin-init \(deleted\)$' "1: the helper in the container runs from a memfd, not a host file"
out=$(sh -c "echo pwned > /proc/$pid/exe" 2>&1)
like "$out" "Operation not permitted|Text file busy|Permission denied" "1: even host root cannot write through /proc/<pid>/exe (sealed)"
ok "1: start" rt start exe
out=$(rt exec exe /evil 2>&1)
like "$out" "servin-init" "1: #!/proc/self/exe in the image runs the sealed copy, not the host binary"
out=$(rt exec exe sh -c 'for p in /proc/[0-9]*; do echo x >> $p/exe; done 2>&1; echo done')
like "$out" "done" "1: writes to every /proc/*/exe from inside were attempted"
is "$(sha256sum "$BIN/servin")" "$servin_sum" "1: the host's servin binary is unchanged"
ok "1: cleanup" rt delete -f exe

# ---- 2. leaked fds and a cwd outside the root (CVE-2024-21626)
rt_bundle fds "$PROBE | $(rt_args /probe/probe fds)" >/dev/null
is "$(rt_run fds 7<"$SV_TMP" 8<"$BIN/servin" 9>"$SV_TMP/leak")" "0 1 2 " "2: the init holds only fds 0-2 though the caller had 7-9 open"
d=$(rt_bundle fdexec "$PROBE | $(rt_args sleep 60)")
ok "2: run -d" rtq run -d --bundle "$d" fdexec
is "$(rt exec fdexec /probe/probe fds 7<"$SV_TMP")" "0 1 2 " "2: an exec'd process holds only fds 0-2"
is "$(rt exec fdexec ls /proc/1/fd | tr '\n' ' ')" "0 1 2 " "2: the running init holds only fds 0-2"
ok "2: cleanup" rt delete -f fdexec
for n in 3 4 5 6 7 8; do
	rt_bundle cwd$n ".process.cwd = \"/proc/self/fd/$n\" | $(rt_args true)" >/dev/null
	nok "2: cwd /proc/self/fd/$n is refused" rt_run cwd$n 7<"$SV_TMP"
done
rt_bundle cwdhost ".process.cwd = \"/proc/self/fd/3\" | $(rt_args pwd)" >/dev/null
like "$(rt_run cwdhost --preserve-fds 1 3</ 2>&1)" "outside the container|symbolic links" \
	"2: a cwd reaching a host directory through a passed fd is refused"
is "$(rt list -q)" "" "2: refused containers leave nothing behind"

# ---- 3. ptrace / /proc access to the helper (CVE-2016-9962)
d=$(rt_bundle dump "$(rt_args sleep 60)")
ok "3: create" rtq create --bundle "$d" dump
out=$(rt exec dump sh -c 'ls -l /proc/1/exe; cat /proc/1/environ; ls -l /proc/1/fd/0' 2>&1)
like "$out" "/proc/1/exe: cannot read link: Permission denied" "3: the waiting helper's exe is not readable from inside"
like "$out" "can't open '/proc/1/environ': Permission denied" "3: nor its environment"
like "$out" "/proc/1/fd/0: cannot read link: Permission denied" "3: nor its fds"
ok "3: cleanup" rt delete -f dump

# ---- 4. symlinks on mount targets (CVE-2021-30465, CVE-2024-45310)
# A host directory whose path is free inside the container (not under /dev).
host_target=$(mktemp -d /var/tmp/servin-e2e-target.XXXXXX)
cleanup "rm -rf '$host_target'"
mkdir -p "$SV_TMP/vol4"
d=$(rt_bundle_own link4 '.mounts += [{"destination": "/abs/sub", "type": "bind", "source": "'"$SV_TMP/vol4"'", "options": ["rbind"]}, {"destination": "/rel/sub2", "type": "bind", "source": "'"$SV_TMP/vol4"'", "options": ["rbind"]}]'" | $(rt_args sh -c 'ls -d /abs/sub /rel/sub2')")
ln -s "$host_target" "$d/rootfs/abs"
ln -s "../../../../../../../../../..$host_target" "$d/rootfs/rel"
mkdir -p "$d/rootfs$host_target"
ok "4: binds through absolute and relative symlinks run" rt_run link4
is "$(ls -A "$host_target")" "" "4: nothing was created in the host directory the links name"
ok "4: no mount landed on the host" nmatch " $host_target" "$(cat /proc/self/mountinfo)"
ok "4: the targets were made inside the rootfs" test -d "$d/rootfs$host_target/sub" -a -d "$d/rootfs$host_target/sub2"
d=$(rt_bundle_own link4c '.mounts += [{"destination": "/abs/sub", "type": "bind", "source": "'"$SV_TMP/vol4"'", "options": ["rbind"]}]')
ln -s "$host_target" "$d/rootfs/abs"
like "$(rt_run link4c 2>&1)" "abs in the rootfs is a dangling symlink" "4: a bind through a link to a path missing in the rootfs is refused"
is "$(ls -A "$host_target")" "" "4: and creates nothing on the host"
d=$(rt_bundle_own link4b '.mounts += [{"destination": "/abs/sub", "type": "tmpfs", "source": "tmpfs"}]')
ln -s "$host_target" "$d/rootfs/abs"
like "$(rt_run link4b 2>&1)" "/abs/sub is or goes through a symlink: refused" "4: a filesystem mount through a symlink is refused"
is "$(ls -A "$host_target")" "" "4: and leaves the host directory alone"

# ---- 5. masked paths: the mask is the real /dev/null (CVE-2025-31133)
d=$(rt_bundle_own mask5 'del(.mounts[] | select(.destination == "/dev" or .destination == "/dev/pts" or .destination == "/dev/shm" or .destination == "/dev/mqueue"))'" | $(rt_args sh -c 'stat -c "%F %t:%T" /dev/null /proc/timer_list; wc -c < /proc/timer_list')")
rm -f "$d/rootfs/dev/null" && ln -s /proc/sys/kernel/core_pattern "$d/rootfs/dev/null"
out=$(rt_run mask5)
is "$(sed -n 1p <<<"$out")" "character special file 1:3" "5: an image's /dev/null symlink is replaced by the real node"
is "$(sed -n 2p <<<"$out")" "character special file 1:3" "5: masked files are covered by char 1:3"
is "$(sed -n 3p <<<"$out")" 0 "5: and read empty"
d=$(rt_bundle_own mask5b '.linux.maskedPaths += ["/etc/shadowlink"]')
ln -s /etc/passwd "$d/rootfs/etc/shadowlink"
like "$(rt_run mask5b 2>&1)" "masked path /etc/shadowlink is a symlink" "5: a masked path that is a symlink is refused"

# ---- 6. /proc, /sys, /dev in the image as symlinks (CVE-2019-19921, CVE-2023-27561)
for dir in proc sys dev; do
	d=$(rt_bundle_own link6$dir "$(rt_args true)")
	rm -rf "${d:?}/rootfs/$dir" && ln -s "/tmp/fake$dir" "$d/rootfs/$dir"
	like "$(rt_run link6$dir 2>&1)" "/$dir.*symlink: refused" "6: /$dir as a symlink is refused"
	ok "6: nothing was created for /$dir, inside or outside" test ! -e "/tmp/fake$dir" -a ! -e "$d/rootfs/tmp/fake$dir"
done

# ---- 7. pivot_root, never chroot
rt_bundle piv "$(rt_args sh -c "unshare -mpf sh -c 'mount -t proc none /proc && echo h > /proc/sysrq-trigger'; echo rc=\$?")" >/dev/null
like "$(rt_run piv 2>&1)" "rc=[1-9]" "7: unshare + remounting /proc fails inside"
rt_bundle piv2 ".process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] | .process.capabilities.effective += [\"CAP_SYS_ADMIN\"] | .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"] | del(.linux.seccomp) | $(rt_args sh -c 'cut -d" " -f5 /proc/self/mountinfo')" >/dev/null
out=$(rt_run piv2)
ok "7: even with CAP_SYS_ADMIN no host mount point is visible" nmatch '^(/work|/tmp/servin|/home|/run/)' "$out"
is "$(head -1 <<<"$out")" / "7: the first mount is the container's root"

# ---- 8. users: uid as given, never wrapped
rt_bundle user8 ".process.user = {\"uid\": 1, \"gid\": 1, \"additionalGids\": [4]} | .process.capabilities.effective = [] | .process.capabilities.permitted = [] | $(rt_args sh -c 'id -u; id -G; grep CapEff /proc/self/status')" >/dev/null
out=$(rt_run user8)
is "$(sed -n 1p <<<"$out")" 1 "8: -u 1 runs as uid 1 (not root)"
is "$(sed -n 2p <<<"$out")" "1 4" "8: supplementary groups from the config are applied"
like "$(sed -n 3p <<<"$out")" "0000000000000000" "8: a non-root user has no effective capabilities"
rt_bundle user8b '.process.user.uid = 4294967296' >/dev/null
like "$(rt_run user8b 2>&1)" "uid: 4294967296 out of range" "8: a uid of 2^32 is refused, not wrapped to 0"

# ---- 9. capabilities: Docker's default set
rt_bundle caps9 "$(rt_args grep Cap /proc/self/status)" >/dev/null
out=$(rt_run caps9)
like "$out" "CapEff:.00000000a80425fb" "9: effective set is 00000000a80425fb"
like "$out" "CapPrm:.00000000a80425fb" "9: permitted set is 00000000a80425fb"
like "$out" "CapBnd:.00000000a80425fb" "9: bounding set is 00000000a80425fb"
like "$out" "CapInh:.0000000000000000" "9: inheritable set is empty"
like "$out" "CapAmb:.0000000000000000" "9: ambient set is empty"

# ---- 10. no_new_privs: a setuid binary gains nothing
mkdir -p "$SV_TMP/suid"
cp "$SV_TMP/probe/probe" "$SV_TMP/suid/probe" && chmod 4755 "$SV_TMP/suid/probe"
SUID='.mounts += [{"destination": "/suid", "type": "bind", "source": "'"$SV_TMP/suid"'", "options": ["rbind"]}] | .process.user = {"uid": 1000, "gid": 1000}'
rt_bundle nnp0 "$SUID | $(rt_args /suid/probe euid)" >/dev/null
is "$(rt_run nnp0)" 0 "10: control: without no_new_privs the setuid probe runs as root"
rt_bundle nnp1 "$SUID | .process.noNewPrivileges = true | $(rt_args /suid/probe euid)" >/dev/null
is "$(rt_run nnp1)" 1000 "10: with no_new_privs it stays uid 1000"
rt_bundle nnp2 ".process.noNewPrivileges = true | $(rt_args grep NoNewPrivs /proc/self/status)" >/dev/null
like "$(rt_run nnp2)" "NoNewPrivs:.1" "10: the flag is set"

# ---- 11. Docker's default seccomp profile
probe() { rt_run sc-$1 2>&1; }
for call in keyctl add_key request_key userfaultfd io_uring_setup kexec_load bpf perf_event_open unshare mount setns clone-ns; do
	rt_bundle sc-$call "$PROBE | $(rt_args /probe/probe sys $call)" >/dev/null
	is "$(probe $call)" EPERM "11: $call is refused"
done
rt_bundle sc-clone3 "$PROBE | $(rt_args /probe/probe sys clone3)" >/dev/null
is "$(probe clone3)" ENOSYS "11: clone3 answers ENOSYS"
rt_bundle sc-keyctl-x32 "$PROBE | $(rt_args /probe/probe sys keyctl-x32)" >/dev/null
is "$(probe keyctl-x32)" EPERM "11: the x32 ABI is filtered too"
rt_bundle sc-keyctl-i386 "$PROBE | $(rt_args /probe/probe sys keyctl-i386)" >/dev/null
is "$(probe keyctl-i386)" EPERM "11: the i386 ABI is filtered too"
rt_bundle sc-getpid "$PROBE | $(rt_args /probe/probe sys getpid)" >/dev/null
is "$(probe getpid)" ok "11: ordinary syscalls work"
d=$(rt_bundle sc-exec "$PROBE | $(rt_args sleep 60)")
ok "11: run -d" rtq run -d --bundle "$d" sc-exec
like "$(rt exec sc-exec grep Seccomp: /proc/self/status)" "Seccomp:.2" "11: an exec'd process is filtered (Seccomp: 2)"
is "$(rt exec sc-exec /probe/probe sys keyctl)" EPERM "11: and keyctl is refused to it"
ok "11: cleanup" rt delete -f sc-exec

# ---- 12. masked and read-only paths, read-only /sys, mount flags
rt_bundle mask12 "$(rt_args sh -c '
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/interrupts; do [ -e $f ] && echo "$f $(wc -c < $f)"; done
	for d in /proc/acpi /proc/scsi /sys/firmware; do [ -e $d ] && echo "$d $(ls -A $d | wc -l)"; done
	echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable
	touch /sys/x 2>/dev/null && echo sysfs-writable
	mkdir /sys/fs/cgroup/x 2>/dev/null && echo cgroup-writable
	for m in /proc /sys /dev/shm /dev/mqueue /proc/sys /proc/bus /proc/fs /proc/irq; do
		grep " $m " /proc/self/mountinfo | head -1 | cut -d" " -f5,6
	done')" >/dev/null
out=$(rt_run mask12)
for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/interrupts; do
	[ -e $f ] && is "$(grep "^$f " <<<"$out")" "$f 0" "12: $f is masked (reads empty)"
done
for dd in /proc/acpi /proc/scsi /sys/firmware; do
	[ -e $dd ] && is "$(grep "^$dd " <<<"$out")" "$dd 0" "12: $dd is masked (empty)"
done
ok "12: /proc/sys is read-only" nmatch sys-writable "$out"
ok "12: /sys is read-only" nmatch sysfs-writable "$out"
ok "12: /sys/fs/cgroup is read-only" nmatch cgroup-writable "$out"
like "$out" "/proc rw,nosuid,nodev,noexec" "12: /proc is nosuid,nodev,noexec"
like "$out" "/sys ro,nosuid,nodev,noexec" "12: /sys is ro,nosuid,nodev,noexec"
like "$out" "/dev/shm rw,nosuid,nodev,noexec" "12: /dev/shm is nosuid,nodev,noexec"
like "$out" "/dev/mqueue rw,nosuid,nodev,noexec" "12: /dev/mqueue is nosuid,nodev,noexec"
for p in /proc/sys /proc/bus /proc/fs /proc/irq; do
	like "$out" "$p ro," "12: $p is read-only"
done

# ---- 13. devices: the default set only; other nodes cannot be opened
d=$(rt_bundle_own dev13 "$(rt_args sh -c '
	ls /dev | tr "\n" " "; echo
	echo x > /dev/null && echo null-ok
	mknod /dev/sdx b 8 0 && echo mknod-ok
	head -c1 /dev/sdx >/dev/null 2>&1 || echo sdx-denied
	mknod /dev/kmsg2 c 1 11 && { head -c1 /dev/kmsg2 >/dev/null 2>&1 || echo kmsg-denied; }
	head -c1 /shipped >/dev/null 2>&1 || echo shipped-denied')")
mknod "$d/rootfs/shipped" c 1 1
out=$(rt_run dev13)
is "$(sed -n 1p <<<"$out")" "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " \
	"13: /dev holds the default set only"
like "$out" "null-ok" "13: /dev/null works"
like "$out" "mknod-ok" "13: mknod itself is allowed (CAP_MKNOD) ..."
like "$out" "sdx-denied" "13: ... but a disk node it made cannot be opened"
like "$out" "kmsg-denied" "13: nor a /dev/kmsg node"
like "$out" "shipped-denied" "13: nor a node shipped in the image (/dev/mem's numbers)"

# ---- 14. mounts made inside never reach the host
mkdir -p "$SV_TMP/vol14"
rt_bundle mnt14 ".mounts += [{\"destination\": \"/vol\", \"type\": \"bind\", \"source\": \"$SV_TMP/vol14\", \"options\": [\"rbind\"]}] | .process.capabilities.bounding += [\"CAP_SYS_ADMIN\"] | .process.capabilities.effective += [\"CAP_SYS_ADMIN\"] | .process.capabilities.permitted += [\"CAP_SYS_ADMIN\"] | del(.linux.seccomp) | $(rt_args sh -c 'mount -t tmpfs inside /vol && mount -t tmpfs inside /tmp && echo mounted; sleep 60')" >/dev/null
ok "14: run -d a container that mounts" rtq run -d --bundle "$SV_TMP/mnt14" mnt14
for _ in $(seq 50); do grep -q mounted "$SV_TMP/containers.log" && break; sleep 0.05; done
like "$(cat "$SV_TMP/containers.log")" mounted "14: it mounted tmpfs on a volume and on /tmp"
ok "14: the host sees no mount on the volume" nmatch " $SV_TMP/vol14 " "$(cat /proc/self/mountinfo)"
ok "14: the host sees no 'inside' mount anywhere" nmatch " inside " "$(cat /proc/self/mountinfo)"
ok "14: cleanup" rt delete -f mnt14

# ---- 15. resource limits hold
d=$(rt_bundle pids15 '.linux.resources.pids = {"limit": 10}'" | $(rt_args sh -c 'sh -c "i=0; while [ \$i -lt 30 ]; do sleep 30 & i=\$((i+1)); done" 2>/dev/null; echo forked; exec sleep 30')")
ok "15: run -d a fork bomb under pids.limit 10" rtq run -d --bundle "$d" pids15
for _ in $(seq 100); do grep -q forked "$SV_TMP/containers.log" && break; sleep 0.05; done
n=$(rt ps pids15 | wc -l)
ok "15: the fork bomb stopped at the limit ($n processes)" test "$n" -le 10 -a "$n" -ge 5
is "$(status_of pids15)" running "15: the container itself carries on"
ok "15: cleanup" rt delete -f pids15
d=$(rt_bundle idle15 "$(rt_args sleep 60)")
ok "15: a neighbour container runs" rtq run -d --bundle "$d" idle15
mem='.linux.resources.memory = {"limit": 16777216}'
[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && mem='.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
rt_bundle oom15 "$mem | $(rt_args dd if=/dev/zero of=/dev/null bs=64M count=1)" >/dev/null
exit_is 137 "15: a memory hog is OOM-killed (exit 137)" rt_run oom15 --keep
is "$(rt stats oom15 | jq '.oom_kills > 0')" true "15: the OOM kill is recorded in the container's cgroup"
ok "15: delete the OOM-killed container" rt delete oom15
is "$(status_of idle15)" running "15: the neighbour carries on"
ok "15: cleanup" rt delete -f idle15

done_testing
