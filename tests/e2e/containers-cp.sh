#!/bin/bash
# cp both ways, running and stopped containers, Docker's path rules, tar
# streams, and symlinks inside the container that must never lead to the
# host (attacks.md items 4, 17).
. "$(dirname "$0")/lib.sh"
need_root
sv_setup
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'

H=$SV_TMP/host
mkdir -p "$H/dir/sub"
echo file-a > "$H/a.txt"
echo in-dir > "$H/dir/sub/f"
sv run -d --name cpc busybox sleep 60 >/dev/null

# --- host → container
sv cp "$H/a.txt" cpc:/tmp/
is "$(sv exec cpc cat /tmp/a.txt)" "file-a" "a file into an existing directory"
sv cp "$H/a.txt" cpc:/tmp/renamed.txt
is "$(sv exec cpc cat /tmp/renamed.txt)" "file-a" "a file to a new name"
sv cp "$H/dir" cpc:/home/
is "$(sv exec cpc cat /home/dir/sub/f)" "in-dir" "a directory into a directory"
sv cp "$H/dir" cpc:/opt/
is "$(sv exec cpc cat /opt/sub/f)" "in-dir" "a directory to a missing DEST/ creates it"
sv cp "$H/dir" cpc:/newdir
is "$(sv exec cpc cat /newdir/sub/f)" "in-dir" "a directory to a new name"
sv cp "$H/dir/." cpc:/tmp/
is "$(sv exec cpc cat /tmp/sub/f)" "in-dir" "dir/. copies the content"
exit_is 1 "a missing host file fails" sv cp "$H/nope" cpc:/tmp/
exit_is 1 "into a missing directory fails" sv cp "$H/a.txt" cpc:/no/such/dir/
exit_is 1 "an unknown container fails" sv cp "$H/a.txt" nosuch:/tmp/
exit_is 1 "two host paths fail" sv cp "$H/a.txt" "$H/b.txt"
tar -C "$H" -cf - a.txt | sv cp - cpc:/root/
is "$(sv exec cpc cat /root/a.txt)" "file-a" "cp - reads a tar from stdin"

# --- container → host
sv exec cpc sh -c 'mkdir -p /data/sub && echo x > /data/sub/f && ln -s /etc/passwd /data/link'
sv cp cpc:/data "$H/out"
is "$(cat "$H/out/sub/f")" "x" "a directory out to a new name"
is "$(readlink "$H/out/link")" "/etc/passwd" "symlinks come out as symlinks"
sv cp cpc:/data/sub/f "$H/dir/"
is "$(cat "$H/dir/f")" "x" "a file out into a directory"
sv cp cpc:/etc/hostname "$H/hn"
ok "a file out to a new name" test -s "$H/hn"
is "$(sv cp cpc:/data/sub/f - | tar -xOf -)" "x" "cp to - writes a tar"
exit_is 1 "a missing container path fails" sv cp cpc:/nope "$H/x"
exit_is 1 "a directory onto a file fails" sv cp cpc:/data "$H/a.txt"

# --- symlinks in the container stay in the container
mkdir -p "$SV_TMP/hostdir"
echo host-secret > "$SV_TMP/hostdir/secret"
sv exec cpc sh -c "ln -s / /rootlink && ln -s $SV_TMP/hostdir /esc && ln -s ../../../../../../ /up"
sv cp cpc:/rootlink/etc/hostname "$H/via-rootlink"
is "$(cat "$H/via-rootlink")" "$(cat "$H/hn")" "an absolute symlink resolves inside the container"
ok "not to the host's file" test "$(cat "$H/via-rootlink")" != "$(cat /etc/hostname)"
exit_is 1 "a symlink to a host path reads nothing of the host" sv cp cpc:/esc/secret "$H/leak"
ok "the host file was not copied" test ! -e "$H/leak"
exit_is 1 "climbing with .. stops at the container root" sv cp cpc:/up/$SV_TMP/hostdir/secret "$H/leak2"
sv cp "$H/a.txt" cpc:/esc/ 2>/dev/null
ok "copying through a symlink to a host path leaves the host alone" test ! -e "$SV_TMP/hostdir/a.txt"
sv exec cpc sh -c 'mkdir -p /lnkdir && ln -s /etc /lnkdir/etc'
sv cp "$H/a.txt" cpc:/lnkdir/etc/ 2>/dev/null
ok "nor does a symlinked parent inside the container" test ! -e /etc/a.txt

# --- a stopped container
sv stop -t 0 cpc >/dev/null
sv cp "$H/a.txt" cpc:/stopped.txt
sv cp cpc:/stopped.txt "$H/back.txt"
is "$(cat "$H/back.txt")" "file-a" "cp works on a stopped container, both ways"
is "$(grep -c " $SV_TMP/root/containers" /proc/mounts)" "0" "and leaves it unmounted"
sv start cpc >/dev/null
is "$(sv exec cpc cat /stopped.txt)" "file-a" "the file is there when it runs"

done_testing
