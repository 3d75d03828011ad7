#!/bin/bash
# Push to a real docker-registry, and interoperability the other way: what
# servin pushes, skopeo and podman pull with the same digests, and servin
# pulls back unchanged, and podman runs. A second push sends nothing the
# registry has; a push to another repository mounts the blobs instead of
# uploading them. run and create pull a missing image first.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"

plain_registry

mkdir -p "$SV_TMP/app/usr/share/app"
head -c 500000 /dev/urandom > "$SV_TMP/app/usr/share/app/data"
printf 'pushed by servin\n' > "$SV_TMP/app/usr/share/app/hello"
mkimage busybox --layer "$SV_TMP/app" --cmd cat --cmd /usr/share/app/hello --out "$SV_TMP/app.tar" >/dev/null
sv load -q -i "$SV_TMP/app.tar" >/dev/null
id=$(sv images -q --no-trunc | head -n1)
sv tag "$id" "$R/e2e/pushed:1"

: > "$SV_TMP/proxy.log"
out=$(sv push "$R/e2e/pushed:1" 2>&1)
is "$?" 0 "push succeeds"
like "$out" "The push refers to repository \[$R/e2e/pushed\]" "names the repository"
like "$out" "Pushed" "reports uploaded layers"
digest=$(grep -o 'digest: sha256:[0-9a-f]*' <<<"$out" | cut -d' ' -f2)
like "$out" "1: digest: $digest size: [0-9]+" "ends with the digest line"
is "$(skopeo inspect --tls-verify=false "docker://$R/e2e/pushed:1" | jq -r .Digest)" "$digest" \
	"skopeo sees the digest servin reported"
is "$(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/pushed:1" | jq -r .config.digest)" "$id" \
	"the config is the image id"
ok "skopeo copies the image out" skopeo copy -q --src-tls-verify=false "docker://$R/e2e/pushed:1" "oci:$SV_TMP/sk:1"
for b in $(skopeo inspect --raw --tls-verify=false "docker://$R/e2e/pushed:1" | jq -r '.layers[].digest'); do
	ok "layer ${b:7:12} is byte-identical to servin's blob" cmp "$SV_TMP/sk/blobs/sha256/${b#sha256:}" "$SERVIN_ROOT/blobs/sha256/${b#sha256:}"
done

: > "$SV_TMP/proxy.log"
out=$(sv push "$R/e2e/pushed:1" 2>&1)
like "$out" "Layer already exists" "a second push finds the layers there"
nok "and uploads nothing" grep -qE '^(PUT|PATCH) /v2/e2e/pushed/blobs' "$SV_TMP/proxy.log"

sv tag "$R/e2e/pushed:1" "$R/e2e/mounted:7"
: > "$SV_TMP/proxy.log"
out=$(sv push "$R/e2e/mounted:7" 2>&1)
like "$out" "Mounted from e2e/pushed" "a push to another repository mounts the blobs"
ok "with a cross-repository mount request" grep -q '^POST /v2/e2e/mounted/blobs/uploads/?mount=sha256:.*from=e2e/pushed' "$SV_TMP/proxy.log"
nok "and no blob upload" grep -qE '^(PUT|PATCH) /v2/e2e/mounted/blobs' "$SV_TMP/proxy.log"
is "$(skopeo inspect --tls-verify=false "docker://$R/e2e/mounted:7" | jq -r .Digest)" "$digest" "same digest there"

# servin pulls back exactly what it pushed (into a fresh store), and runs
# it: `run` pulls a missing image first.
export SERVIN_ROOT=$SV_TMP/root2
if [ "$(id -u)" = 0 ]; then
	out=$(sv run --rm "$R/e2e/pushed:1" 2>&1)
	like "$out" "Unable to find image '$R/e2e/pushed:1' locally" "run pulls a missing image first"
	like "$out" "pushed by servin" "and the pushed image runs"
fi
out=$(SERVIN_ROOT=$SV_TMP/root3 sv create --name made "$R/e2e/mounted:7" 2>&1)
is "$?" 0 "create with an image not in the store succeeds"
like "$out" "Unable to find image '$R/e2e/mounted:7' locally" "create pulls a missing image first"
is "$(SERVIN_ROOT=$SV_TMP/root3 sv image inspect --format '{{.Id}}' "$R/e2e/mounted:7")" "$id" "the pulled image is in the store"
is "$(SERVIN_ROOT=$SV_TMP/root3 sv ps -a --format '{{.Names}} {{.Image}}')" "made $R/e2e/mounted:7" "and the container made from it"
out=$(sv pull "$R/e2e/pushed:1" 2>&1)
like "$out" "Digest: $digest" "servin pulls its own push with the same digest"
is "$(sv image inspect --format '{{.Id}}' "$R/e2e/pushed:1")" "$id" "and the same image id"

# podman (a test dependency in mk/deps.sh), with its own throw-away
# storage; its default ulimits pinned to this host's hard limits (root here
# lacks CAP_SYS_RESOURCE; podman lowers its own nproc to 32768), cgroupfs,
# and runc: crun refuses this host's hybrid cgroup layout (as in
# bench/network.sh).
if ok "podman is installed" command -v podman; then
	cat > "$SV_TMP/containers.conf" <<-EOF
	[containers]
	default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	EOF
	pm() { CONTAINERS_CONF=$SV_TMP/containers.conf timeout 120 podman --root "$SV_TMP/podman/root" \
		--runroot "$SV_TMP/podman/run" --storage-driver vfs --runtime runc "$@"; }
	cleanup "rm -rf '$SV_TMP/podman' 2>/dev/null"
	ok "podman pulls what servin pushed" pm pull -q --tls-verify=false "$R/e2e/pushed:1"
	is "$(pm image inspect --format '{{.Digest}}' "$R/e2e/pushed:1")" "$digest" "podman sees the same digest"
	is "$(pm image inspect --format '{{.ID}}' "$R/e2e/pushed:1")" "${id#sha256:}" "and the same image id"
	if [ "$(id -u)" = 0 ]; then
		prun=$(pm run --rm --net none "$R/e2e/pushed:1" 2>&1)
		is "$?" 0 "podman runs the image servin pushed" || echo "$prun" | sed 's/^/# /'
		like "$prun" "pushed by servin" "and its command prints the pushed file"
	fi
fi

done_testing
