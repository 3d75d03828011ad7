#!/bin/bash
# Cold pull of a ~170 MB, 5-layer image (built from local files; 2 layers,
# ~20 MB with QUICK=1) from a
# local docker-registry: `servin pull` (download, verify and unpack) against
# `podman pull` (the same work) and `skopeo copy ... oci:` (download only),
# alternating, each run into fresh directories after `sync` and a pause.
# Target: servin at least 2x faster than podman.
. "$(dirname "$0")/lib.sh"
RUNS=$([ "$QUICK" = 1 ] && echo 1 || echo 3)
for c in docker-registry skopeo; do
	have "$c" || { skipped pull.podman "cold pull vs podman" "$c not installed"; exit 0; }
done
IMG=$(bench_image pull)
nl=$(image_layers "$IMG")
W=$(mktemp -d "$SCRATCH/pull.XXXXXX")
port=$(/usr/bin/python3 "$TOP/tests/e2e/registry/helper.py" port)
mkdir -p "$W/data" "$W/etc"
cat > "$W/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/data}}
http: {addr: 127.0.0.1:$port}
EOF
docker-registry serve "$W/registry.yml" > "$W/registry.log" 2>&1 &
REG_PID=$!
trap 'kill $REG_PID 2>/dev/null; wait $REG_PID 2>/dev/null; rm -rf "$W" &' EXIT
for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
REF=127.0.0.1:$port/bench/pull:1
skopeo copy -q --dest-tls-verify=false "oci:$IMG:1" "docker://$REF" >&2 || { echo "bench: push failed" >&2; exit 1; }
echo '{"insecure-registries": ["127.0.0.1:'"$port"'"]}' > "$W/etc/registries.json"
size=$(du -sm "$W/data" | cut -f1)

# podman: its rlimits pinned to ours (root cannot raise hard limits here).
cat > "$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$(ulimit -Hu):$(ulimit -Hu)"]
EOF
run_servin() {
	local d=$1
	"$BIN/servin" --root "$d/root" --runroot "$d/run" images >/dev/null # store made before timing
	settle 2
	SERVIN_CONFIG_DIR=$W/etc time_ms "$BIN/servin" --root "$d/root" --runroot "$d/run" pull -q "$REF"
}
run_podman() {
	local d=$1
	settle 2
	CONTAINERS_CONF=$W/containers.conf time_ms podman --root "$d/root" --runroot "$d/run" pull -q --tls-verify=false "$REF"
}
run_skopeo() {
	local d=$1
	settle 2
	time_ms skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$d/oci:1"
}

ss=() ps=() ks=() trash=()
for ((r = 0; r < RUNS; r++)); do
	for who in servin podman skopeo; do
		have "$who" || [ "$who" = servin ] || continue
		d=$(fresh_dir); trash+=("$d")
		t=$("run_$who" "$d")
		[ "$t" -ge 0 ] 2>/dev/null || { echo "bench: $who pull failed" >&2; exit 1; }
		case $who in servin) ss+=("$t") ;; podman) ps+=("$t") ;; skopeo) ks+=("$t") ;; esac
		echo "bench: pull run $r $who ${t} ms" >&2
	done
	# podman keeps mounts and storage locks under its root: clean it properly
	for d in "${trash[@]}"; do
		[ -d "$d/root/overlay" ] && podman --root "$d/root" --runroot "$d/run" system reset -f >/dev/null 2>&1
	done
	rm -rf "${trash[@]}" >/dev/null 2>&1 &
	trash=()
done
read -r sm smin smax < <(stats "${ss[@]}")
load=$(cut -d' ' -f1-3 /proc/loadavg)
note="servin min/max $smin/$smax ms; load $load"
if [ ${#ps[@]} -gt 0 ]; then
	read -r pm pmin pmax < <(stats "${ps[@]}")
	result pull.podman "cold pull, $nl layers (${size} MB compressed): servin pull vs podman pull" "$sm" "podman pull" "$pm" 0.5 \
		"$note; podman min/max $pmin/$pmax ms"
else
	skipped pull.podman "cold pull vs podman pull" "podman not installed"
fi
read -r km kmin kmax < <(stats "${ks[@]}")
result pull.skopeo "cold pull (${size} MB): servin pull (with unpack) vs skopeo copy to oci: (download only)" "$sm" \
	"skopeo copy" "$km" 10 "informational; skopeo min/max $kmin/$kmax ms"
# the deletions in the background, not the registry (the trap stops it)
kill $REG_PID 2>/dev/null
wait
