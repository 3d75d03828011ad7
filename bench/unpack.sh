#!/bin/bash
# Unpacking a ~170 MB, 5-layer image built from local files: each layer
# against `tar -xzf`, the whole image (servin load of the OCI layout, which
# verifies every digest and diff_id) against `umoci unpack`.
. "$(dirname "$0")/lib.sh"
RUNS=$([ "$QUICK" = 1 ] && echo 1 || echo 3)
IMG=$(bench_image unpack)
nl=$(image_layers "$IMG")
manifest=$IMG/blobs/sha256/$(jq -r '.manifests[0].digest' "$IMG/index.json" | cut -d: -f2)
mapfile -t layers < <(jq -r '.layers[].digest' "$manifest" | cut -d: -f2)
largest=$(cd "$IMG/blobs/sha256" && ls -S "${layers[@]}" | head -1)
trash=()

# (run in this shell, not in a subshell: the trash list must reach the
# final rm, or every run leaks two unpacked layers into $SCRATCH)
one_layer() { # blob → sets LAYER_TAR_MS and LAYER_SV_MS
	local blob=$IMG/blobs/sha256/$1 a b
	a=$(fresh_dir); b=$(fresh_dir); trash+=("$a" "$b")
	settle 1
	LAYER_TAR_MS=$(time_ms tar -xzf "$blob" -C "$a")
	settle 1
	LAYER_SV_MS=$(time_ms "$BIN/servin" layer unpack "$blob" "$b")
}

# Per layer: alternate tar and servin, RUNS times each.
for l in "${layers[@]}"; do
	ts=() ss=()
	for ((r = 0; r < RUNS; r++)); do
		one_layer "$l"
		ts+=("$LAYER_TAR_MS"); ss+=("$LAYER_SV_MS")
	done
	read -r tm _ _ < <(stats "${ts[@]}")
	read -r sm _ _ < <(stats "${ss[@]}")
	size=$(stat -c %s "$IMG/blobs/sha256/$l")
	tag=$([ "$l" = "$largest" ] && echo "largest " || echo "")
	result "unpack.layer.${l:0:12}" "${tag}layer ${l:0:12} ($((size / 1048576)) MB gzip)" "$sm" "tar -xzf" "$tm" 1.2
done

# Whole image: umoci unpack vs servin load (same layout, fresh roots).
if have umoci; then
	us=() ss=()
	for ((r = 0; r < RUNS; r++)); do
		a=$(fresh_dir); b=$(fresh_dir); trash+=("$a" "$b")
		settle 2
		us+=("$(time_ms umoci unpack --image "$IMG:1" "$a/bundle")")
		# the store exists (and holds its default image) before timing
		"$BIN/servin" --root "$b/root" --runroot "$b/run" images >/dev/null
		settle 2
		ss+=("$(time_ms "$BIN/servin" --root "$b/root" --runroot "$b/run" load -i "$IMG")")
	done
	read -r um _ _ < <(stats "${us[@]}")
	read -r sm _ _ < <(stats "${ss[@]}")
	result unpack.image "whole $nl-layer image ($(du -sm "$IMG" | cut -f1) MB): servin load vs umoci unpack" "$sm" "umoci unpack" "$um" 0.333
else
	skipped unpack.image "whole image vs umoci unpack" "umoci not installed"
fi
rm -rf "${trash[@]}" >/dev/null 2>&1 & # (not holding the results pipe open)
