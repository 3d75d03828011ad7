#!/bin/bash
# Hostile and broken archives (attacks.md items 16-23): each `load` fails
# with an error naming the image (when it got as far as the index) and the
# reason, writes nothing outside the store, and
# leaves the store exactly as it was (files and database rows).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd sqlite3 jq
sv_setup
W=$SV_TMP/work
mkdir -p "$W"
PY=/usr/bin/python3
sv images >/dev/null # seed

snapshot() {
	{
		(cd "$SERVIN_ROOT" && find . -path ./tmp -prune -o -path ./locks -prune -o \
			-name 'servin.db*' -prune -o -printf '%y %m %s %p\n' | sort)
		for t in images refs layers image_layers events; do
			echo "== $t"
			sqlite3 "$SERVIN_ROOT/servin.db" "SELECT * FROM $t ORDER BY 1"
		done
		ls "$SERVIN_ROOT/tmp"
	}
}
BEFORE=$(snapshot)

# A good OCI layout to break in different ways.
mkimage busybox --out "$W/good" --format layout --tag victim:1
blob() { echo "$W/$1/blobs/sha256/${2#sha256:}"; }
manifest_of() { jq -r '.manifests[0].digest' "$W/$1/index.json"; }
layer_of() { jq -r '.layers[0].digest' "$(blob "$1" "$(manifest_of "$1")")"; }
config_of() { jq -r '.config.digest' "$(blob "$1" "$(manifest_of "$1")")"; }
variant() { rm -rf "$W/$1"; cp -a "$W/good" "$W/$1"; }
pack() { tar -C "$W/$1" -cf "$W/$1.tar" .; }
# Rewrites the manifest (after the caller edits it) and points the index at it.
rehash_manifest() {
	local v=$1 m new
	m=$(blob "$v" "$(manifest_of "$v")")
	new=$(sha256sum "$m" | cut -d' ' -f1)
	mv "$m" "$W/$v/blobs/sha256/$new"
	jq -c --arg d "sha256:$new" --argjson s "$(stat -c %s "$W/$v/blobs/sha256/$new")" \
		'.manifests[0].digest=$d | .manifests[0].size=$s' "$W/$v/index.json" > "$W/$v/i" && mv "$W/$v/i" "$W/$v/index.json"
}

expect_refused() { # name regex
	local out rc
	out=$(sv load -i "$W/$1.tar" 2>&1); rc=$?
	if [ $rc = 0 ]; then _report 1 "$1: refused" "load succeeded: $out"; return; fi
	like "$out" "$2" "$1: refused with a clear error"
	is "$(snapshot)" "$BEFORE" "$1: store unchanged"
}

# 22: a layer blob whose content does not match its digest
variant corrupt
f=$(blob corrupt "$(layer_of corrupt)")
printf 'XXXX' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
pack corrupt
expect_refused corrupt "image victim:1: .*blob sha256:[0-9a-f]+ is corrupt"

# 22: the manifest lies about a size
variant badsize
m=$(blob badsize "$(manifest_of badsize)")
jq -c '.layers[0].size += 1' "$m" > "$m.new" && mv "$m.new" "$m"
rehash_manifest badsize
pack badsize
expect_refused badsize "image victim:1: .*size [0-9]+, but the descriptor says"

# 22: a layer whose content is not what the config's diff_id says
variant badcontent
layer=$(layer_of badcontent)
mkdir -p "$W/other"; echo x > "$W/other/x"
tar -C "$W/other" -czf "$W/other.tgz" .
nd=$(sha256sum "$W/other.tgz" | cut -d' ' -f1)
cp "$W/other.tgz" "$W/badcontent/blobs/sha256/$nd"
rm "$(blob badcontent "$layer")"
m=$(blob badcontent "$(manifest_of badcontent)")
jq -c --arg d "sha256:$nd" --argjson s "$(stat -c %s "$W/other.tgz")" '.layers[0].digest=$d | .layers[0].size=$s' "$m" > "$m.new" && mv "$m.new" "$m"
rehash_manifest badcontent
pack badcontent
expect_refused badcontent "image victim:1: .*diff_id\\) mismatch"

# 21: a manifest over 4 MiB
variant bigmanifest
m=$(blob bigmanifest "$(manifest_of bigmanifest)")
$PY - "$m" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["annotations"] = {"pad": "x" * (5 << 20)}
json.dump(m, open(p, "w"))
PY
rehash_manifest bigmanifest
pack bigmanifest
expect_refused bigmanifest "image victim:1: .*over the limit"

# 23: malformed config JSON
variant badconfig
c=$(blob badconfig "$(config_of badconfig)")
printf '{"rootfs": {"type": "layers", "diff_ids": [' > "$c"
nc=$(sha256sum "$c" | cut -d' ' -f1)
mv "$c" "$W/badconfig/blobs/sha256/$nc"
m=$(blob badconfig "$(manifest_of badconfig)")
jq -c --arg d "sha256:$nc" --argjson s "$(stat -c %s "$W/badconfig/blobs/sha256/$nc")" '.config.digest=$d | .config.size=$s' "$m" > "$m.new" && mv "$m.new" "$m"
rehash_manifest badconfig
pack badconfig
expect_refused badconfig "image victim:1: .*image config: malformed JSON"

# 23: an unknown layer media type
variant badmedia
m=$(blob badmedia "$(manifest_of badmedia)")
jq -c '.layers[0].mediaType="application/x-evil"' "$m" > "$m.new" && mv "$m.new" "$m"
rehash_manifest badmedia
pack badmedia
expect_refused badmedia "image victim:1: .*unsupported layer media type"

# 23: garbage index, missing blob, not a tar, empty, truncated (an error
# found before the index is read has no image to name)
variant badindex; echo '{"manifests": 7' > "$W/badindex/index.json"; pack badindex
expect_refused badindex "malformed JSON"
variant missing; rm "$(blob missing "$(layer_of missing)")"; pack missing
expect_refused missing "image victim:1: .*is not in the archive"
head -c 5000 /dev/urandom > "$W/junk.tar"
expect_refused junk "not a tar archive|corrupt or truncated"
: > "$W/empty.tar"
expect_refused empty "not a tar archive|neither a docker-archive"
pack good
head -c $(($(stat -c %s "$W/good.tar") / 2)) "$W/good.tar" > "$W/truncated.tar"
expect_refused truncated "corrupt or truncated|not in the archive|[Tt]runcated"

# 16-17: hostile layers inside an otherwise valid image
hostile() { # name python-body; builds layer tar with tarfile and an image around it
	local name=$1 body=$2
	$PY - "$W/$name.layer" <<PY
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def add(name, data=b"x", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE: ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    else: t.addfile(ti)
$body
t.close()
PY
	local d=$W/$name.lay
	rm -rf "$d"; mkdir -p "$d"
	# an image whose only layer is that tar, written as a docker-archive
	local diff cfg
	diff=$(sha256sum "$W/$name.layer" | cut -d' ' -f1)
	printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > "$d/config.json"
	cfg=$(sha256sum "$d/config.json" | cut -d' ' -f1)
	mv "$d/config.json" "$d/$cfg.json"
	cp "$W/$name.layer" "$d/layer.tar"
	printf '[{"Config":"%s.json","RepoTags":["hostile:%s"],"Layers":["layer.tar"]}]' "$cfg" "$name" > "$d/manifest.json"
	tar -C "$d" -cf "$W/$name.tar" .
}
target=$SV_TMP/escaped
hostile dotdot "add('../../../../../../../..$target')"
expect_refused dotdot "image hostile:dotdot: layer layer.tar: .*points outside the layer"
ok "dotdot: nothing written outside" test ! -e "$target"
hostile symlinkdir "add('l', type=tarfile.SYMTYPE, linkname='$SV_TMP')
add('l/escaped')"
expect_refused symlinkdir "image hostile:symlinkdir: layer layer.tar: .*No such file or directory"
ok "symlinkdir: nothing written outside" test ! -e "$target"
hostile hardlink "add('h', type=tarfile.LNKTYPE, linkname='../../../../../../../../etc/passwd')"
expect_refused hardlink "image hostile:hardlink: layer layer.tar: .*points outside the layer"
ok "hardlink: /etc/passwd has no new link" test "$(stat -c %h /etc/passwd)" = 1
hostile badwhiteout "add('.wh..')"
expect_refused badwhiteout "image hostile:badwhiteout: layer layer.tar: .*invalid whiteout"
done_testing
