#!/bin/bash
# Pull from a real docker-registry over plain HTTP (listed as insecure):
# images pushed by skopeo arrive with identical digests and content, layers
# already present are not fetched again, tags, digests, --all-tags,
# multi-arch indexes and --platform, Docker v2s2 manifests and manifest
# lists, -q, parallel downloads (3 by default, max-concurrent-downloads),
# layers unpacked while they stream in, and the errors for an unknown tag
# and for a registry that is not listed as insecure.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"

plain_registry

# Two images sharing the busybox layer; files with known content.
mkdir -p "$SV_TMP/app/opt/app" "$SV_TMP/data/srv"
printf 'servin registry test\n' > "$SV_TMP/app/opt/app/hello.txt"
head -c 3000000 /dev/urandom > "$SV_TMP/data/srv/random.bin"
mkimage busybox --layer "$SV_TMP/app" --out "$SV_TMP/app.tar" >/dev/null
mkimage busybox --layer "$SV_TMP/app" --layer "$SV_TMP/data" --out "$SV_TMP/app2.tar" >/dev/null
ok "skopeo pushes the fixture" skopeo_push "$SV_TMP/app.tar" "$R/e2e/app:1"
skopeo_push "$SV_TMP/app.tar" "$R/e2e/app:latest"
skopeo_push "$SV_TMP/app2.tar" "$R/e2e/app:2"

want_digest=$(skopeo inspect --tls-verify=false "docker://$R/e2e/app:1" | jq -r .Digest)
want_config=$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/app:1" | jq -r .config.digest)

: > "$SV_TMP/proxy.log"
out=$(sv pull "$R/e2e/app:1" 2>&1)
is "$?" 0 "pull succeeds"
like "$out" "Pull complete" "progress shows each layer completing"
like "$out" "Digest: $want_digest" "the digest printed is the registry's"
like "$out" "Status: Downloaded newer image for $R/e2e/app:1" "status line"
is "$(tail -n1 <<<"$out")" "$R/e2e/app:1" "full name printed last"
is "$(sv image inspect --format '{{.Id}}' "$R/e2e/app:1")" "$want_config" "image id is the config digest"
is "$(sv image inspect --format '{{json .RepoDigests}}' "$R/e2e/app:1")" "[\"$R/e2e/app@$want_digest\"]" \
	"RepoDigests carries the manifest digest skopeo sees"
found=$(grep -l 'servin registry test' "$SERVIN_ROOT"/layers/*/opt/app/hello.txt 2>/dev/null | wc -l)
is "$found" 1 "the layer content is unpacked in the store"
ok "the busybox layer was not fetched (default image has it)" \
	bash -c "! grep -q 'GET /v2/e2e/app/blobs/$(skopeo inspect --raw --tls-verify=false docker://$R/e2e/app:1 | jq -r '.layers[0].digest')' '$SV_TMP/proxy.log'"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left behind"

: > "$SV_TMP/proxy.log"
out=$(sv pull "$R/e2e/app:1" 2>&1)
like "$out" "Image is up to date" "a second pull is up to date"
is "$(grep -c '/blobs/' "$SV_TMP/proxy.log")" 0 "and fetches no blob"

out=$(sv pull "$R/e2e/app:2" 2>&1)
like "$out" "Already exists" "layers shared with another image are not fetched again"
is "$(cmp "$SV_TMP/data/srv/random.bin" "$SERVIN_ROOT"/layers/*/srv/random.bin && echo same)" same \
	"a 3 MB incompressible file arrives intact"

is "$(sv pull -q "$R/e2e/app:latest")" "$R/e2e/app:latest" "-q prints only the name"
out=$(sv pull "$R/e2e/app" 2>&1)
like "$out" "Using default tag: latest" "no tag means latest"
ok "pull by digest" sv pull -q "$R/e2e/app@$want_digest"
ok "the digest reference resolves" sv image inspect "$R/e2e/app@$want_digest"

sv rmi "$R/e2e/app:1" "$R/e2e/app:2" "$R/e2e/app:latest" "$R/e2e/app@$want_digest" >/dev/null 2>&1
out=$(sv pull -a "$R/e2e/app" 2>&1)
is "$?" 0 "pull --all-tags succeeds"
is "$(sv images --format '{{.Tag}}' "$R/e2e/app" | sort | tr '\n' ' ')" "1 2 latest " "--all-tags pulls every tag"

out=$(sv pull "$R/e2e/app:nope" 2>&1)
rc=$?
is "$rc" 1 "an unknown tag fails"
like "$out" "not found" "and says not found"
like "$out" "manifest unknown" "with the registry's reason"

# Multi-arch: an OCI index with amd64 and arm64 images.
mkimage busybox --layer "$SV_TMP/app" --arch amd64 --format layout --out "$SV_TMP/multi" >/dev/null
mkimage busybox --arch arm64 --env ARCH=arm64 --format layout --out "$SV_TMP/arm" >/dev/null
cp -n "$SV_TMP/arm/blobs/sha256/"* "$SV_TMP/multi/blobs/sha256/"
# The two-platform index is a blob that index.json names "1".
jq -c --slurpfile arm "$SV_TMP/arm/index.json" '
	.manifests = [ (.manifests[0] | del(.annotations) | .platform = {"os":"linux","architecture":"amd64"}),
	               ($arm[0].manifests[0] | del(.annotations) | .platform = {"os":"linux","architecture":"arm64","variant":"v8"}) ]' \
	"$SV_TMP/multi/index.json" > "$SV_TMP/multi.idx"
idx=$(sha256sum < "$SV_TMP/multi.idx" | cut -d' ' -f1)
cp "$SV_TMP/multi.idx" "$SV_TMP/multi/blobs/sha256/$idx"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
	"$idx" "$(stat -c %s "$SV_TMP/multi.idx")" > "$SV_TMP/multi/index.json"
ok "skopeo pushes a two-platform index" skopeo copy -q --all --dest-tls-verify=false "oci:$SV_TMP/multi:1" "docker://$R/e2e/multi:1"
index_digest=$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/multi:1" | sha256sum | cut -d' ' -f1)
out=$(sv pull "$R/e2e/multi:1" 2>&1)
like "$out" "Digest: sha256:$index_digest" "a multi-arch pull reports the index digest"
is "$(sv image inspect --format '{{.Architecture}}' "$R/e2e/multi:1")" "$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')" \
	"the host's platform is chosen"
ok "--platform picks another" sv pull -q --platform linux/arm64 "$R/e2e/multi:1"
is "$(sv image inspect --format '{{.Architecture}}' "$R/e2e/multi:1")" arm64 "the tag now names the arm64 image"
out=$(sv pull --platform linux/s390x "$R/e2e/multi:1" 2>&1)
like "$out" "no image for platform linux/s390x" "a platform the index lacks is refused, naming what it has"

# Docker's formats: skopeo converts to a v2 schema 2 manifest, and the
# two-platform index to a Docker manifest list.
ok "skopeo pushes a Docker v2s2 image" skopeo_push "$SV_TMP/app.tar" "$R/e2e/v2s2:1" --format v2s2
is "$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/v2s2:1" | jq -r .mediaType)" \
	application/vnd.docker.distribution.manifest.v2+json "the registry holds a v2s2 manifest"
out=$(sv pull "$R/e2e/v2s2:1" 2>&1)
like "$out" "Digest: $(skopeo inspect --tls-verify=false "docker://$R/e2e/v2s2:1" | jq -r .Digest)" \
	"servin pulls it with the registry's digest"
is "$(sv image inspect --format '{{.Id}}' "$R/e2e/v2s2:1")" \
	"$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/v2s2:1" | jq -r .config.digest)" "and the config digest as its id"
ok "skopeo pushes a Docker manifest list" skopeo copy -q --all --format v2s2 --dest-tls-verify=false \
	"oci:$SV_TMP/multi:1" "docker://$R/e2e/list:1"
is "$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/list:1" | jq -r .mediaType)" \
	application/vnd.docker.distribution.manifest.list.v2+json "the registry holds a manifest list"
is "$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/list:1" | jq -r '[.manifests[].mediaType] | unique[]')" \
	application/vnd.docker.distribution.manifest.v2+json "of v2s2 manifests"
is "$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/list:1" | jq -r '[.manifests[].mediaType] | unique[]')" \
	application/vnd.docker.distribution.manifest.v2+json "of v2s2 manifests"
out=$(sv pull "$R/e2e/list:1" 2>&1)
like "$out" "Digest: $(skopeo inspect --tls-verify=false "docker://$R/e2e/list:1" | jq -r .Digest)" \
	"servin pulls the list with the registry's digest"
is "$(sv image inspect --format '{{.Architecture}}' "$R/e2e/list:1")" "$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')" \
	"and picks the host's platform from it"

# search: the distribution registry has a catalog, not /v1/search.
out=$(sv search "$R/app" 2>&1)
like "$out" "NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED" "search prints Docker's table"
like "$out" "$R/e2e/app" "and finds the repository in the registry's catalog"
is "$(sv search --format '{{.Name}}' "$R/nomatch" | wc -l)" 0 "a term nothing matches finds nothing"

# On a terminal: a line per layer, redrawn in place with a bar.
SLOW=$(free_port)
helper_start slow proxy "$SLOW" "$(cut -d: -f2 <<<"$REG_plain")" "$SV_TMP/slow.log" 1500000
sv_registries '{"insecure-registries": ["'"$R"'", "127.0.0.1:'"$SLOW"'"]}'
plain=$(SERVIN_ROOT=$SV_TMP/root-plain sv pull "127.0.0.1:$SLOW/e2e/app:2" 2>&1)
tty=$(SERVIN_ROOT=$SV_TMP/root-tty script -qfec "$BIN/servin pull 127.0.0.1:$SLOW/e2e/app:2" /dev/null 2>&1)
like "$tty" $'\e\\[[0-9]+A' "on a terminal, layer lines are redrawn in place"
like "$tty" "Downloading +\\[=*>" "with a progress bar"
like "$plain" "Downloading" "not on a terminal: plain status lines"
nok "without escape sequences" grep -q $'\e' <<<"$plain"

# Parallel downloads: four 600 kB layers (busybox is already in a new
# store) through the 1.5 MB/s proxy, whose slow.log.blobs says how many
# blob GETs were in flight as each one began.
for i in 1 2 3 4; do
	mkdir -p "$SV_TMP/par$i/par$i"
	head -c 600000 /dev/urandom > "$SV_TMP/par$i/par$i/data"
done
mkimage busybox --layer "$SV_TMP/par1" --layer "$SV_TMP/par2" --layer "$SV_TMP/par3" --layer "$SV_TMP/par4" \
	--out "$SV_TMP/five.tar" >/dev/null
skopeo_push "$SV_TMP/five.tar" "$R/e2e/five:1"
blob_gets() { grep -c '^start .*/blobs/' "$SV_TMP/slow.log.blobs"; }
max_inflight() { awk '$1 == "start" && $2 > m { m = $2 } END { print m + 0 }' "$SV_TMP/slow.log.blobs"; }
: > "$SV_TMP/slow.log.blobs"
ok "a 5-layer image pulls through the slow proxy" env SERVIN_ROOT="$SV_TMP/root-par3" "$BIN/servin" pull -q "127.0.0.1:$SLOW/e2e/five:1"
is "$(blob_gets)" 5 "the config and four layers were fetched"
n=$(max_inflight)
ok "layers download in parallel ($n at once)" test "$n" -gt 1
ok "at most 3 at once by default ($n)" test "$n" -le 3
sv_registries '{"insecure-registries": ["127.0.0.1:'"$SLOW"'"], "max-concurrent-downloads": 1}'
: > "$SV_TMP/slow.log.blobs"
ok "the same pull with max-concurrent-downloads 1" env SERVIN_ROOT="$SV_TMP/root-par1" "$BIN/servin" pull -q "127.0.0.1:$SLOW/e2e/five:1"
is "$(blob_gets)" 5 "fetches the same five blobs"
is "$(max_inflight)" 1 "one at a time"

# Unpacked while it streams: a layer holding a small file first and 3 MB
# of random data after it; the small file is in the pull's directory under
# tmp/ while the layer's GET is still under way.
mkdir -p "$SV_TMP/stream/a" "$SV_TMP/stream/z"
printf 'first\n' > "$SV_TMP/stream/a/first"
head -c 3000000 /dev/urandom > "$SV_TMP/stream/z/big"
mkimage busybox --layer "$SV_TMP/stream" --out "$SV_TMP/stream.tar" >/dev/null
skopeo_push "$SV_TMP/stream.tar" "$R/e2e/stream:1"
slayer=$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/stream:1" | jq -r '.layers[1].digest')
: > "$SV_TMP/slow.log.blobs"
SERVIN_ROOT=$SV_TMP/root-stream "$BIN/servin" pull -q "127.0.0.1:$SLOW/e2e/stream:1" > "$SV_TMP/stream.out" 2>&1 &
spull=$!
first_seen=
for ((i = 0; i < 300; i++)); do
	if compgen -G "$SV_TMP/root-stream/tmp/*/layer-*/a/first" >/dev/null; then
		first_seen=$(grep -c "^end .*/blobs/$slayer" "$SV_TMP/slow.log.blobs")
		break
	fi
	sleep 0.05
done
wait $spull
is "$?" 0 "the streamed pull succeeds"
is "$first_seen" 0 "the layer's first file is unpacked under tmp/ before its GET completes"
ok "and that GET did complete later" grep -q "^end .*/blobs/$slayer" "$SV_TMP/slow.log.blobs"
is "$(cat "$SV_TMP/root-stream/layers"/*/a/first 2>/dev/null)" first "the streamed layer is in the store"

# A registry not listed as insecure is spoken to over verified TLS only.
sv_registries '{}'
before=$(store_state)
out=$(sv pull "$R/e2e/app:1" 2>&1)
is "$?" 1 "an unlisted plain-HTTP registry is refused"
like "$out" "SSL|TLS|wrong version" "with the TLS error"
is "$(store_state)" "$before" "and the store is unchanged"
printf '{"insecure-registries": ["%s"]}\n' "$R" > "$SV_TMP/elsewhere.json"
ok "--config names another registries file" sv --config "$SV_TMP/elsewhere.json" pull -q "$R/e2e/app:1"
out=$(sv --config "$SV_TMP/missing.json" pull "$R/e2e/app:1" 2>&1)
like "$out" "missing.json" "a --config file that does not exist is an error naming it"

done_testing
