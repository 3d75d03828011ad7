#!/bin/bash
# Local images end to end: the seeded default image, load/save/import,
# interoperability with skopeo both ways, listing formats and info, tags,
# removal, prune (image and system), df, and two processes working on one
# store at once on images that share a layer.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd skopeo sqlite3 jq
sv_setup
W=$SV_TMP/work
mkdir -p "$W"

# --- the default image, seeded once --------------------------------------
out=$(sv images --format '{{.Repository}}:{{.Tag}}')
is "$out" "busybox:latest" "a new store holds the default busybox image"
sv rmi -q busybox >/dev/null 2>&1 || sv rmi busybox >/dev/null
is "$(sv images -q | wc -l)" 0 "removing it empties the store"
is "$(sv images -q | wc -l)" 0 "and it is not seeded again"
ok "load the default image back" sv load -i "$TOP/build/share/servin/busybox.oci.tar"

# --- a multi-layer image with a whiteout ------------------------------------
mkdir -p "$W/l2/etc" "$W/l3/etc"
echo two > "$W/l2/etc/two"
echo three > "$W/l3/etc/three"
mknod "$W/l3/etc/.wh.two" c 0 0 2>/dev/null || : > "$W/l3/etc/.wh.two"
mkimage busybox --layer "$W/l2" --layer "$W/l3" --out "$W/multi.tar" --tag multi:1 --compress gzip
mkimage --layer "$W/l2" --out "$W/zstd.tar" --tag zstd:1 --compress zstd
like "$(sv load -i "$W/zstd.tar")" "Loaded image: zstd:1" "load an OCI archive with zstd layers"
sv rmi zstd:1 >/dev/null
like "$(sv load -i "$W/multi.tar")" "Loaded image: multi:1" "load an OCI archive with three gzip layers"
id=$(sv image inspect -f '{{.Id}}' multi:1)
like "$id" '^sha256:[0-9a-f]{64}$' "image inspect gives the config digest as Id"
is "$(sv image inspect -f '{{len .RootFS.Layers}}' multi:1)" 3 "three layers recorded"
is "$(sv images --filter reference='multi*' -q | wc -l)" 1 "filter by reference"
is "$(sv history -q multi:1 | head -1)" "${id:7:12}" "history starts with the image id"

# --- listing formats ---------------------------------------------------------------
like "$(sv images --digests multi:1)" $'^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE\nmulti +1 +<none> +'"${id:7:12}" \
	"--digests adds a DIGEST column (<none> for a loaded image)"
is "$(sv images --format json | jq -r 'select(.Repository == "multi") | "\(.Tag) \(.ID) \(.Digest)"')" \
	"1 ${id:7:12} <none>" "--format json: one object per image"
like "$(sv images --format 'table {{.Repository}}\t{{.ID}}' multi)" $'^REPOSITORY +IMAGE ID\nmulti +'"${id:7:12}"'$' \
	"--format table: a header and aligned columns"
out=$(sv info)
like "$out" $'\n Images: 2\n' "info counts the images"
like "$out" "Servin Root Dir: $SERVIN_ROOT"$'\n' "info names the store's root"
like "$out" "Storage Driver: overlay2" "and its storage driver"

# --- interoperability: skopeo → servin ---------------------------------------
skopeo copy -q oci-archive:"$W/multi.tar" docker-archive:"$W/multi-docker.tar":skopeo/multi:2 2>&1
like "$(sv load -i "$W/multi-docker.tar")" "Loaded image: skopeo/multi:2" "load a docker-archive written by skopeo"
is "$(sv image inspect -f '{{.Id}}' skopeo/multi:2)" "$id" "same image id through docker-archive"
skopeo copy -q oci-archive:"$W/multi.tar" oci-archive:"$W/multi-sk-oci.tar":localhost/sk:3 2>&1
sv load -i "$W/multi-sk-oci.tar" >/dev/null
is "$(sv images --format '{{.ID}}' --filter reference=localhost/sk:3)" "${id:7:12}" "load an oci-archive written by skopeo"

# --- interoperability: servin → skopeo ---------------------------------------
ok "save docker-archive" sv save -o "$W/out-docker.tar" multi:1
want_layers=$(sv image inspect -f '{{json .RootFS.Layers}}' multi:1)
got_layers=$(skopeo inspect docker-archive:"$W/out-docker.tar" | jq -c .Layers)
is "$got_layers" "$want_layers" "skopeo reads our docker-archive; layers are the diff_ids"
is "$(skopeo inspect --config docker-archive:"$W/out-docker.tar" | jq -c .rootfs.diff_ids)" "$want_layers" "config survives"
ok "save oci-archive" sv save --format oci -o "$W/out-oci.tar" multi:1
mdigest=$(skopeo inspect oci-archive:"$W/out-oci.tar" | jq -r .Digest)
orig_mdigest=$(skopeo inspect oci-archive:"$W/multi.tar" | jq -r .Digest)
is "$mdigest" "$orig_mdigest" "oci-archive keeps the manifest digest of the original"
is "$(skopeo inspect oci-archive:"$W/out-oci.tar" | jq -c .Layers)" \
	"$(skopeo inspect oci-archive:"$W/multi.tar" | jq -c .Layers)" "and the layer digests"

# --- round trip: load → save → load in a fresh store ---------------------------
R2=$SV_TMP/root2
SERVIN_ROOT=$R2 sv load -i "$W/out-oci.tar" >/dev/null
is "$(SERVIN_ROOT=$R2 sv image inspect -f '{{.Id}}' multi:1)" "$id" "oci round trip keeps the id"
SERVIN_ROOT=$R2 sv rmi multi:1 >/dev/null
SERVIN_ROOT=$R2 sv load -i "$W/out-docker.tar" >/dev/null
is "$(SERVIN_ROOT=$R2 sv image inspect -f '{{.Id}}' multi:1)" "$id" "docker round trip keeps the id"
# the whiteout really is an overlay whiteout in the unpacked layer
chain3=$(sqlite3 "$SERVIN_ROOT/servin.db" "SELECT chain_id FROM image_layers WHERE image_id='$id' AND idx=2")
ok "whiteout stored as a 0:0 character device" test -c "$SERVIN_ROOT/layers/${chain3#sha256:}/etc/two"

# --- tags and removal -----------------------------------------------------------
ok "tag" sv tag multi:1 other/name:x
is "$(sv images --format '{{.Repository}}:{{.Tag}}' | grep -c -e multi:1 -e other/name:x)" 2 "two tags listed"
exit_is 1 "rmi by id with several tags needs -f" sv rmi "${id:7:12}"
like "$(sv rmi other/name:x)" "Untagged: other/name:x" "rmi of one tag untags only"
ok "image still there" sv image inspect multi:1
out=$(sv rmi -f "${id:7:12}")
like "$out" "Deleted: $id" "rmi -f by id deletes"
exit_is 1 "inspect of a removed image fails" sv image inspect multi:1
like "$(sv image inspect nosuch 2>&1)" "No such image: nosuch" "clear not-found error"

# --- dangling images and prune ---------------------------------------------------
sv load -i "$W/multi.tar" >/dev/null
sv tag busybox multi:1
is "$(sv images --filter dangling=true -q | wc -l)" 1 "moving a tag leaves the old image dangling"
is "$(sv images -a --format '{{.Repository}}:{{.Tag}} {{.ID}}' | grep -c "^<none>:<none> ${id:7:12}$")" 1 \
	"images -a lists the dangling image"
is "$(sv images -a -q | sort)" "$(sv images -q | sort)" "and, with no intermediate images, the same as images"
out=$(sv image prune -f)
like "$out" "Deleted: $id" "prune removes the dangling image"
like "$out" "Total reclaimed space: [0-9.]+[kMG]?B" "and reports space"
is "$(sv images --filter dangling=true -q | wc -l)" 0 "nothing dangling left"
left=$(sqlite3 "$SERVIN_ROOT/servin.db" "SELECT COUNT(*) FROM layers")
is "$(ls "$SERVIN_ROOT/layers" | wc -l)" "$left" "no orphan layer directories"
sv load -i "$W/multi.tar" >/dev/null
sv tag busybox multi:1
out=$(sv system prune -f)
like "$out" "Deleted Images:"$'\n'"deleted: $id" "system prune removes a dangling image"
is "$(sv images --filter dangling=true -q | wc -l)" 0 "leaving nothing dangling"
ok "and keeps tagged images" sv image inspect busybox

# --- import ---------------------------------------------------------------------------
mkdir -p "$W/rootfs/bin"
cp /bin/busybox "$W/rootfs/bin/"
tar -C "$W/rootfs" -czf "$W/rootfs.tgz" .
iid=$(sv import -c 'CMD ["/bin/busybox","true"]' -c 'ENV A=b' -m "imported" "$W/rootfs.tgz" imp:1)
like "$iid" '^sha256:' "import prints the new id"
is "$(sv image inspect -f '{{json .Config.Cmd}}' imp:1)" '["/bin/busybox","true"]' "--change CMD applied"
is "$(sv image inspect -f '{{json .Config.Env}}' imp:1)" '["A=b"]' "--change ENV applied"
is "$(sv history --format '{{.Comment}}' imp:1)" "imported" "message kept in history"
exit_is 1 "import refuses a URL" sv import http://example.invalid/x.tar
nimg=$(sv images -q --no-trunc | sort -u | wc -l)
like "$(sv system df)" "Images +$nimg " "system df counts images"

# --- two processes at once -------------------------------------------------------
# Their images share a base layer that nothing else holds: each rmi may
# remove it, or must keep it for the other's image, while the other loads.
mkdir -p "$W/base/usr/share/conc"
head -c 200000 /dev/urandom > "$W/base/usr/share/conc/data"
mkimage --layer "$W/base" --layer "$W/l2" --out "$W/a.tar" --tag conc/a:1 --compress gzip
mkimage --layer "$W/base" --layer "$W/l3" --out "$W/b.tar" --tag conc/b:1 --compress gzip
sv load -i "$W/a.tar" >/dev/null
base_chain=$(sv image inspect -f '{{json .RootFS.Layers}}' conc/a:1 | jq -r '.[0]') # the first layer's chain id is its diff_id
sv load -i "$W/b.tar" >/dev/null
sv rmi conc/a:1 >/dev/null
ok "removing one image keeps the base layer the other uses" test -s "$SERVIN_ROOT/layers/${base_chain#sha256:}/usr/share/conc/data"
sv rmi conc/b:1 >/dev/null
ok "it goes with the last image using it" test ! -e "$SERVIN_ROOT/layers/${base_chain#sha256:}"
worker() {
	local img=$1 tag=$2 i
	for i in $(seq 1 15); do
		sv load -i "$img" >/dev/null || { echo "load failed"; return 1; }
		sv rmi "$tag" >/dev/null || { echo "rmi failed"; return 1; }
	done
}
worker "$W/a.tar" conc/a:1 > "$W/w1.log" 2>&1 & p1=$!
worker "$W/b.tar" conc/b:1 > "$W/w2.log" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1:$r2" "0:0" "two processes loading and removing at once never fail"
is "$(sqlite3 "$SERVIN_ROOT/servin.db" 'PRAGMA integrity_check')" ok "database intact"
is "$(sqlite3 "$SERVIN_ROOT/servin.db" "SELECT COUNT(*) FROM refs WHERE name LIKE '%conc/%'")" 0 "no lost or duplicated images"
left=$(sqlite3 "$SERVIN_ROOT/servin.db" "SELECT COUNT(*) FROM layers")
is "$(ls "$SERVIN_ROOT/layers" | wc -l)" "$left" "layer directories match the records"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left"
ok "the shared base layer is gone with both images" test ! -e "$SERVIN_ROOT/layers/${base_chain#sha256:}"
sv load -i "$W/a.tar" >/dev/null
sv load -i "$W/b.tar" >/dev/null
ok "both load again afterwards, the base layer whole" cmp "$W/base/usr/share/conc/data" \
	"$SERVIN_ROOT/layers/${base_chain#sha256:}/usr/share/conc/data"
sv rmi conc/a:1 conc/b:1 >/dev/null

# --- image prune -a: every image no container uses -------------------------------
sv create --name keeper busybox >/dev/null
bid=$(sv image inspect -f '{{.Id}}' busybox)
out=$(sv image prune -af)
like "$out" "Deleted: $iid" "image prune -a removes an unused tagged image"
is "$(sv images -q --no-trunc | sort -u)" "$bid" "and keeps only the image a container uses"
sv rm keeper >/dev/null
done_testing
