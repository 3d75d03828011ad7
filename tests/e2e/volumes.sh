#!/bin/bash
# Volumes and mounts end to end: named volumes outlive containers, :ro,
# tmpfs empty at each start, copy-up of image content (symlinks copied,
# never followed), anonymous volumes from VOLUME and -v, --volumes-from,
# --mount, in-use refusal, prune, driver options (tmpfs, bind).
. "$(dirname "$0")/lib.sh"
need_root
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done; sv volume prune -af'

# --- named volumes
ok "volume create" sv volume create --label team=a data
is "$(sv volume ls -q)" "data" "volume ls lists it"
is "$(sv volume inspect -f '{{.Driver}} {{.Labels.team}}' data)" "local a" "inspect shows driver and labels"
ok "a container writes into the volume" sv run --rm -v data:/data busybox sh -c 'echo kept > /data/f'
is "$(sv run --rm -v data:/data busybox cat /data/f)" "kept" "content survives the container's removal"
is "$(sv run --rm -v data:/data:ro busybox sh -c '(echo x > /data/g) 2>/dev/null; echo $?')" "1" ":ro refuses writes"
is "$(sv run --rm -v data:/data:ro busybox cat /data/f)" "kept" "and still reads"
ok "-v NAME creates a missing named volume" sv run --rm -v made:/m busybox true
like "$(sv volume ls -q)" 'made' "which volume ls then lists"

sv create --name user -v data:/data busybox true >/dev/null
sv volume create --label team=b other >/dev/null
is "$(sv volume ls -q --filter label=team=a)" "data" "volume ls --filter label=KEY=VALUE"
is "$(sv volume ls -q --filter label=team | tr '\n' ' ')" "data other " "--filter label=KEY matches any value"
is "$(sv volume ls -q --filter dangling=true | tr '\n' ' ')" "made other " "--filter dangling=true lists the unused ones"
is "$(sv volume ls -q -f dangling=false -f label=team)" "data" "dangling=false the used one (filters combine)"
exit_is 1 "an unknown filter is refused" sv volume ls --filter nosuch=1
sv volume rm other >/dev/null
exit_is 1 "rm of a volume a container uses is refused" sv volume rm data
like "$(sv volume rm data 2>&1)" 'volume is in use' "with Docker's message"
exit_is 1 "even with -f" sv volume rm -f data
sv rm user >/dev/null
ok "once the container is gone it can go" sv volume rm data
ok "volume rm -f of a missing volume is fine" sv volume rm -f data
exit_is 1 "volume rm of a missing volume is not" sv volume rm data
exit_is 1 "a bad volume name is refused" sv volume create 'bad/name'
exit_is 1 "an unknown driver is refused" sv volume create -d nosuch v2

# --- tmpfs
sv create --name tt --tmpfs /scratch:size=1m busybox sh -c 'ls -A /scratch | wc -l; touch /scratch/f' >/dev/null
is "$(sv start -a tt)" "0" "--tmpfs is empty at the first start"
is "$(sv start -a tt)" "0" "and empty again at the next"
like "$(sv run --rm --tmpfs /scratch:size=1m busybox df -k /scratch)" 'tmpfs +1024 ' "--tmpfs size= applies"
is "$(sv run --rm --mount type=tmpfs,target=/s,tmpfs-size=2m busybox sh -c 'df -k /s | tail -1 | awk "{print \$2}"')" \
	"2048" "--mount type=tmpfs,tmpfs-size applies"
sv rm tt >/dev/null

# --- binds
host=$SV_TMP/hostdir
mkdir -p "$host" && echo from-host > "$host/in"
is "$(sv run --rm -v "$host:/h" busybox cat /h/in)" "from-host" "-v /host:/ctr binds a host directory"
ok "writes land on the host" sv run --rm -v "$host:/h" busybox sh -c 'echo back > /h/out'
is "$(cat "$host/out")" "back" "and are seen there"
is "$(sv run --rm -v "$host:/h:ro" busybox sh -c '(echo x > /h/ro) 2>/dev/null; echo $?')" "1" \
	"-v /host:/ctr:ro refuses writes"
ok "and nothing reached the host" test ! -e "$host/ro"
is "$(sv run --rm -v "$host:/h:rw" busybox cat /h/in)" "from-host" "-v /host:/ctr:rw is accepted"
is "$(sv run --rm --mount "type=bind,source=$host,target=/h,readonly" busybox sh -c 'touch /h/x 2>/dev/null; echo $?')" "1" \
	"--mount type=bind,readonly refuses writes"
# bind-propagation: in a mount namespace of the test's own, the source is
# a shared mount; a tmpfs mounted under it after the start shows in the
# container with rshared, and not with the default (rprivate).
prop=$SV_TMP/prop
mkdir -p "$prop/sub"
got=$(unshare -m --propagation private sh -c '
	mount --bind "$1" "$1" && mount --make-shared "$1" || exit 2
	a=$("$2" run -d --mount "type=bind,source=$1,target=/p,bind-propagation=rshared" busybox sleep 60) || exit 3
	b=$("$2" run -d --mount "type=bind,source=$1,target=/p" busybox sleep 60) || exit 3
	mount -t tmpfs -o size=64k late "$1/sub" && echo late > "$1/sub/f"
	echo "$("$2" exec "$a" cat /p/sub/f 2>&1)/$("$2" exec "$b" cat /p/sub/f 2>&1)"
	"$2" rm -f "$a" "$b" >/dev/null' sh "$prop" "$BIN/servin" 2>&1)
like "$got" '^late/cat: can.t open' "--mount bind-propagation=rshared passes later host mounts in (the default does not)"
exit_is 125 "--mount type=bind of a missing source is refused" \
	sv run --rm --mount "type=bind,source=$SV_TMP/nope,target=/h" busybox true
ok "-v of a missing host path makes it" sv run --rm -v "$SV_TMP/made:/h" busybox true
ok "the directory exists" test -d "$SV_TMP/made"
exit_is 125 "two mounts on one target are refused" sv run --rm -v "$host:/h" -v data:/h busybox true
exit_is 125 "a relative target is refused" sv run --rm -v "$host:rel" busybox true

# --- copy-up and anonymous volumes from the image's VOLUME
img=$SV_TMP/img
mkdir -p "$img/data"
echo seed > "$img/data/seed.txt"
ln -s /etc/shadow-of-the-host "$img/data/escape"
ln -s ../../../../../../tmp "$img/data/up"
mkimage busybox --layer "$img" --volume /data --out "$SV_TMP/img.tar" --tag voltest:1 >/dev/null
sv load -i "$SV_TMP/img.tar" >/dev/null
id=$(sv create voltest:1 cat /data/seed.txt)
is "$(sv start -a "$id")" "seed" "an anonymous volume for VOLUME /data gets the image's content (copy-up)"
anon=$(sv inspect -f '{{json .Mounts}}' "$id" | jq -r '.[0].Name')
like "$anon" '^[0-9a-f]{64}$' "it is an anonymous volume"
vdir=$(sv volume inspect -f '{{.Mountpoint}}' "$anon")
is "$(readlink "$vdir/escape")" "/etc/shadow-of-the-host" "symlinks are copied as symlinks"
ok "and never followed out of the volume" test ! -e /etc/shadow-of-the-host
is "$(readlink "$vdir/up")" "../../../../../../tmp" "relative ones too"
ok "rm -v removes the anonymous volume" sv rm -v "$id"
exit_is 1 "it is gone" sv volume inspect "$anon"

ok "copy-up into a new named volume" sv run --rm -v filled:/data voltest:1 true
is "$(sv run --rm -v filled:/x busybox cat /x/seed.txt)" "seed" "the named volume holds the image's files"
sv run --rm -v filled:/data busybox sh -c 'echo changed > /data/seed.txt'
is "$(sv run --rm -v filled:/data voltest:1 cat /data/seed.txt)" "changed" "a volume with content is not copied over"
ok "volume-nocopy skips the copy" sv run --rm --mount type=volume,source=empty,target=/data,volume-nocopy voltest:1 true
is "$(sv run --rm -v empty:/x busybox ls -A /x)" "" "so the volume stays empty"

# --- --volumes-from
sv create --name src -v shared:/shared -v "$host:/h" busybox true >/dev/null
sv run --rm -v shared:/shared busybox sh -c 'echo via-src > /shared/f'
is "$(sv run --rm --volumes-from src busybox cat /shared/f /h/in | tr '\n' ' ')" "via-src from-host " \
	"--volumes-from mounts the other container's volumes and binds"
is "$(sv run --rm --volumes-from src:ro busybox sh -c 'touch /shared/x 2>/dev/null; echo $?')" "1" \
	"--volumes-from ctr:ro makes them read-only"
sv rm src >/dev/null

# --- driver options
ok "volume create -o type=tmpfs" sv volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv
like "$(sv run --rm -v tv:/t busybox df -k /t)" 'tmpfs +1024 ' "a tmpfs volume is mounted while used"
mkdir -p "$SV_TMP/bdev" && echo bound > "$SV_TMP/bdev/f"
ok "volume create -o o=bind -o device=DIR" sv volume create -o type=none -o o=bind -o device="$SV_TMP/bdev" bv
is "$(sv run --rm -v bv:/b busybox cat /b/f)" "bound" "a bind volume shows its device directory"
exit_is 1 "a bind volume needs an absolute device" sv volume create -o type=none -o o=bind -o device=rel bad

# --- prune
ok "--rm takes its anonymous volumes along" sv run --rm -v /gone busybox true
sv rm "$(sv create -v /anon busybox true)" >/dev/null
sv create -v /kept busybox true >/dev/null
before=$(sv volume ls -q | wc -l)
ok "volume prune" sv volume prune -f
after=$(sv volume ls -q | wc -l)
is "$((before - after))" "1" "prune removed only the unused anonymous volume"
like "$(sv volume ls -q)" 'made' "named volumes stay without --all"
ok "volume prune --all" sv volume prune -af
is "$(sv volume ls -q | wc -l)" "1" "only the volume a container still uses is left"
done_testing
