#!/bin/bash
# `servin system check` against reality, for containers: each kind of
# damage a crash can leave is made by hand (a shim killed, a stop nobody
# recorded, a row gone under its files, a layer without its row), then the
# check must name it with the right kind, change nothing without --repair,
# and repair it with --repair. Another store on the same host keeps its
# running container's network through all of it.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd sqlite3 ip
sv_setup
DB=$SERVIN_ROOT/servin.db
sv images >/dev/null

q() { sqlite3 "$DB" "$1"; }
cid() { q "SELECT id FROM containers WHERE name = '$1'"; }
cg_dirs() { find /sys/fs/cgroup -maxdepth 6 -type d -path "*/servin/$1" 2>/dev/null | wc -l; }
mounted() { grep -c "$SERVIN_ROOT/containers/$1/rootfs" /proc/self/mountinfo; }
veths() { ip -o link show | grep -c "servin:veth:$1"; }
gone() { # PID — no longer runs (a zombie counts as gone)
	local i
	for ((i = 0; i < 50; i++)); do
		[ -r "/proc/$1/stat" ] || return 0
		[[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) =~ [ZX] ]] && return 0
		sleep 0.1
	done
	return 1
}
# kill_shim NAME — the container's servin-shim (and with "all", its
# process too), as a crash of the shim would.
kill_shim() {
	local sp pid
	sp=$(q "SELECT shim_pid FROM containers WHERE name = '$1'")
	pid=$(q "SELECT pid FROM containers WHERE name = '$1'")
	kill -9 "$sp"
	[ "${2:-}" = all ] && kill -9 "$pid"
	gone "$sp"
	echo "$pid"
}

# Another store, with a running bridge container: none of this touches it.
OTHER=$SV_TMP/other
other() { SERVIN_ROOT=$OTHER/root SERVIN_RUNROOT=$OTHER/run "$BIN/servin" "$@"; }
oid=$(other run -d busybox sleep 600)
cleanup "SERVIN_ROOT=$OTHER/root SERVIN_RUNROOT=$OTHER/run '$BIN/servin' rm -f $oid"

sv run -d --name live busybox sleep 600 >/dev/null
sv create --name idle busybox true >/dev/null
out=$(sv system check)
is "$out" "ok: 0 findings, 0 corrupt left" "a healthy store: no finding (another store's veth is not ours)"

# 1. A shim killed: the row still says running.
sv run -d --name s1 busybox sleep 600 >/dev/null
id1=$(cid s1)
pid1=$(kill_shim s1)
out=$(sv system check)
is "$?" 0 "a dead shim is not corruption"
like "$out" "container stale +${id1:0:12}: recorded running, but its servin-shim \(pid [0-9]+\) is gone"$'\n'"ok: 1 finding, 0 corrupt left" \
	"it is reported as stale"
is "$(q "SELECT state FROM containers WHERE id = '$id1'")" running "without --repair nothing changes"
is "$(veths "$id1")" 1 "not even its veth"
out=$(sv system check --repair)
like "$out" "${id1:0:12}: recorded running.* is gone: stop recorded \[repaired\]" "--repair records the stop"
is "$(q "SELECT state || ' ' || exit_code FROM containers WHERE id = '$id1'")" "exited 137" "the row says exited (137)"
ok "its process is killed" gone "$pid1"
is "$(veths "$id1") $(mounted "$id1") $(cg_dirs "$id1")" "0 0 0" "its veth, rootfs mount and cgroups are gone"

# 2. A stop nobody recorded: exited with its remains still there.
sv run -d --name s2 --network none busybox sleep 600 >/dev/null
id2=$(cid s2)
kill_shim s2 all >/dev/null
q "UPDATE containers SET shim_pid = 0, shim_start = 0, state = 'exited' WHERE id = '$id2'"
out=$(sv system check)
like "$out" "container leftover +${id2:0:12}: runtime state [^ ]+ of a container that does not run" "runtime state reported"
like "$out" "${id2:0:12}: rootfs mounted for a container that does not run" "the mounted rootfs reported"
like "$out" "${id2:0:12}: [0-9]+ cgroup director(y|ies) \(.*\) of a container that does not run" "its cgroups reported"
like "$out" $'\n'"ok: 3 findings, 0 corrupt left" "leftovers are not corruption"
is "$(mounted "$id2")" 1 "without --repair the rootfs stays mounted"
out=$(sv system check --repair)
like "$out" "${id2:0:12}: runtime state .* processes killed, cgroups and state removed \[repaired\]" "--repair removes the state"
like "$out" "${id2:0:12}: rootfs mounted .*: unmounted \[repaired\]" "and unmounts"
is "$(mounted "$id2") $(cg_dirs "$id2") $(ls "$SERVIN_RUNROOT/runtime" | grep -c "$id2")" "0 0 0" \
	"no mount, cgroup or runtime state left"
ok "the container starts again" sv start s2

# 3. Recorded running with no shim: nothing would ever settle that.
sv run -d --name s3 --network none busybox sleep 600 >/dev/null
id3=$(cid s3)
kill_shim s3 all >/dev/null
q "UPDATE containers SET shim_pid = 0, shim_start = 0 WHERE id = '$id3'"
out=$(sv system check)
is "$?" 1 "a running row no shim owns is corruption (exit 1)"
like "$out" "container corrupt +${id3:0:12}: recorded running, but no servin-shim owns it" "named as such"
like "$out" "CORRUPT: .* 1 corrupt left" "and counted"
out=$(sv system check --repair)
is "$?" 0 "--repair settles it"
is "$(q "SELECT state FROM containers WHERE id = '$id3'") $(mounted "$id3") $(cg_dirs "$id3")" "exited 0 0" \
	"exited, unmounted, no cgroups"

# 4. A row gone under its files and its process (what a kill inside a
#    removal could leave in another order): everything of it is an orphan.
sv run -d --name s4 busybox sleep 600 >/dev/null
id4=$(cid s4)
pid4=$(kill_shim s4)
q "DELETE FROM endpoints WHERE container_id = '$id4'; DELETE FROM containers WHERE id = '$id4'"
out=$(sv system check)
like "$out" "${id4:0:12}: directory $SERVIN_ROOT/containers/$id4 of a container that has no record" "its directory reported"
like "$out" "${id4:0:12}: directory $SERVIN_RUNROOT/containers/$id4 of a container that has no record" "its run directory reported"
like "$out" "${id4:0:12}: rootfs mounted for a container that has no record" "its mount reported"
like "$out" "network +leftover .*veth container not running" "its veth reported"
sv system check --repair >/dev/null
is "$(ls "$SERVIN_ROOT/containers" "$SERVIN_RUNROOT/containers" "$SERVIN_RUNROOT/runtime" | grep -c "$id4")" 0 \
	"--repair removes its directories"
is "$(mounted "$id4") $(cg_dirs "$id4") $(veths "$id4")" "0 0 0" "its mount, cgroups and veth"
ok "its process is killed" gone "$pid4"

# 5. A layer directory without its row (a kill inside a commit).
mkdir -p "$SERVIN_ROOT/layers/$(printf '%064d' 7)/etc"
out=$(sv system check)
like "$out" "image +leftover +layers/0{63}7: layer directory without a record" "an orphan layer directory is reported"
sv system check --repair >/dev/null
ok "and removed by --repair" test ! -e "$SERVIN_ROOT/layers/$(printf '%064d' 7)"

is "$(sv system check)" "ok: 0 findings, 0 corrupt left" "the store is clean again"
is "$(q "SELECT state FROM containers WHERE name = 'live'")" running "the healthy container still runs"
is "$(other inspect -f '{{.State.Status}}' "$oid") $(veths "$oid")" "running 1" \
	"the other store's container still runs, its veth untouched"
is "$(other system check)" "ok: 0 findings, 0 corrupt left" "and the other store is clean"
sv rm -f live idle s1 s2 s3 >/dev/null
done_testing
