#!/bin/bash
# Faults: a registry killed mid-pull (clear error, store unchanged, the next
# pull resumes the blob with a Range request and completes), a pull killed
# with SIGKILL (no half image; the next pull completes), a blob corrupted
# on the registry's disk (digest error), mirrors that are down (the next
# one, then the registry itself, is used), and registries that answer
# garbage, hang, close mid-stream, lie about digests and sizes (an index
# child or a pull @digest that does not hash to its digest), send huge or
# unknown manifests, or redirect in loops or to file:// — each a clear
# error with the store left as it was.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"

reg_start up
UP_PORT=$(cut -d: -f2 <<<"$REG_up")
PROXY=$(free_port)
# 4 MB/s: an 8 MB layer takes about two seconds to come through.
helper_start proxy proxy "$PROXY" "$UP_PORT" "$SV_TMP/proxy.log" 4000000
R=127.0.0.1:$PROXY
config() { sv_registries '{"insecure-registries": ["'"$R"'", "'"$REG_up"'"], "retries": 2, "timeout": 3'"${1:-}"'}'; }
config

mkdir -p "$SV_TMP/big/data"
head -c 8000000 /dev/urandom > "$SV_TMP/big/data/random.bin"
mkimage busybox --layer "$SV_TMP/big" --out "$SV_TMP/big.tar" >/dev/null
skopeo_push "$SV_TMP/big.tar" "$REG_up/e2e/big:1"
layer=$(skopeo inspect --raw --tls-verify=false "docker://$REG_up/e2e/big:1" | jq -r '.layers[1].digest')
partial=$SERVIN_ROOT/downloads/${layer#sha256:}.partial

wait_partial() { # until the partial download holds more than 1 MB (10 s at most)
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(stat -c %s "$partial" 2>/dev/null || echo 0)" -gt 1000000 ] && return 0
		sleep 0.05
	done
	return 1
}

# ---------------------------------------------------------------- registry killed
sv images >/dev/null
before=$(store_state)
"$BIN/servin" pull "$R/e2e/big:1" > "$SV_TMP/pull1.out" 2>&1 &
pull=$!
ok "the download is under way" wait_partial
reg_kill up
wait $pull
is "$?" 1 "a pull whose registry dies fails"
like "$(cat "$SV_TMP/pull1.out")" "Error: pull $R/e2e/big:1: layer $layer: .*(502|upstream|reset|refused)" \
	"with a clear error naming the layer"
is "$(store_state)" "$before" "the store's images, layers and blobs are unchanged"
ok "the partial download is kept" test -s "$partial"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left behind"
have=$(stat -c %s "$partial")
_reg_launch up
: > "$SV_TMP/proxy.log"
out=$(sv pull "$R/e2e/big:1" 2>&1)
is "$?" 0 "the next pull completes"
ok "it asked only for the missing bytes (Range)" grep -q "GET /v2/e2e/big/blobs/$layer range=bytes=$have-" "$SV_TMP/proxy.log"
ok "the resumed file is intact" cmp "$SV_TMP/big/data/random.bin" "$(ls -d "$SERVIN_ROOT"/layers/*/data | head -n1)/random.bin"
ok "the partial file became the blob" test ! -e "$partial" -a -s "$SERVIN_ROOT/blobs/sha256/${layer#sha256:}"

# ---------------------------------------------------------------- servin killed
sv rmi "$R/e2e/big:1" "$R/e2e/big@$(skopeo inspect --tls-verify=false "docker://$REG_up/e2e/big:1" | jq -r .Digest)" >/dev/null 2>&1
sv image prune -af >/dev/null 2>&1
before=$(store_state)
dirs_before=$(ls "$SERVIN_ROOT/layers")
"$BIN/servin" pull "$R/e2e/big:1" >/dev/null 2>&1 &
pull=$!
wait_partial
kill -9 $pull
wait $pull 2>/dev/null
# Blobs verified before the kill may stay (the next pull reuses them);
# there is no image and no layer, and every blob is whole.
is "$(store_state | grep -v -x -f <(ls "$SERVIN_ROOT/blobs/sha256"))" "$(grep -v -x -f <(ls "$SERVIN_ROOT/blobs/sha256") <<<"$before")" \
	"a pull killed with SIGKILL leaves no image and no layer"
bad=0
for b in "$SERVIN_ROOT"/blobs/sha256/*; do
	[ -e "$b" ] || continue
	[ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || bad=$((bad + 1))
done
is "$bad" 0 "any blob it kept is whole and verified"
is "$(ls "$SERVIN_ROOT/layers")" "$dirs_before" "nor a layer directory (none was moved into place)"
# Spoil what the killed pull left: the resumed download fails its digest
# check, and the pull starts that blob over instead of failing.
ok "a partial download was left" test -s "$partial"
printf 'garbage!' | dd of="$partial" bs=1 seek=1000 conv=notrunc 2>/dev/null
: > "$SV_TMP/proxy.log"
out=$(sv pull "$R/e2e/big:1" 2>&1)
is "$?" 0 "the next pull completes"
ok "it resumed first, then fetched the blob whole" \
	bash -c "grep 'blobs/$layer' '$SV_TMP/proxy.log' | grep -q 'range=bytes=' && grep 'blobs/$layer' '$SV_TMP/proxy.log' | tail -n1 | grep -q 'range=-'"
ok "and its content is whole" cmp "$SV_TMP/big/data/random.bin" "$(ls -d "$SERVIN_ROOT"/layers/*/data | head -n1)/random.bin"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "the killed pull's temporaries were swept"

# ---------------------------------------------------------------- corrupt blob
mkdir -p "$SV_TMP/cor/x"
head -c 200000 /dev/urandom > "$SV_TMP/cor/x/f"
mkimage busybox --layer "$SV_TMP/cor" --out "$SV_TMP/cor.tar" >/dev/null
skopeo_push "$SV_TMP/cor.tar" "$REG_up/e2e/cor:1"
cl=$(skopeo inspect --raw --tls-verify=false "docker://$REG_up/e2e/cor:1" | jq -r '.layers[1].digest' | cut -d: -f2)
f=$(reg_data up)/docker/registry/v2/blobs/sha256/${cl:0:2}/$cl/data
printf 'XXXX' | dd of="$f" bs=1 seek=100000 conv=notrunc 2>/dev/null
before=$(store_state)
out=$(sv pull "$REG_up/e2e/cor:1" 2>&1)
is "$?" 1 "a blob corrupted on the registry's disk fails the pull"
like "$out" "digest mismatch: expected sha256:$cl" "as a digest mismatch"
is "$(store_state)" "$before" "store unchanged"
ok "no partial download of a corrupt blob is kept" test ! -e "$SERVIN_ROOT/downloads/$cl.partial"

# ---------------------------------------------------------------- mirrors
reg_start mirror
mkdir -p "$SV_TMP/mir"
printf 'mirrored\n' > "$SV_TMP/mir/m"
mkimage busybox --layer "$SV_TMP/mir" --out "$SV_TMP/mir.tar" >/dev/null
skopeo_push "$SV_TMP/mir.tar" "$REG_mirror/e2e/mir:1"
skopeo_push "$SV_TMP/mir.tar" "$REG_up/e2e/mir:1"
DEAD=$(free_port)
MPROXY=$(free_port)
helper_start mproxy proxy "$MPROXY" "$(cut -d: -f2 <<<"$REG_mirror")" "$SV_TMP/mproxy.log"
: > "$SV_TMP/proxy.log"
sv_registries '{"insecure-registries": ["'"$R"'"], "retries": 2, "timeout": 3,
	"registries": {"'"$R"'": {"mirrors": ["http://127.0.0.1:'"$DEAD"'", "http://127.0.0.1:'"$MPROXY"'"]}}}'
out=$(sv pull "$R/e2e/mir:1" 2>&1)
is "$?" 0 "a pull with the first mirror down succeeds"
ok "through the second mirror" grep -q 'GET /v2/e2e/mir/manifests/1' "$SV_TMP/mproxy.log"
is "$(grep -c '/v2/e2e/mir/' "$SV_TMP/proxy.log")" 0 "without touching the registry itself"
helper_stop mproxy
sv rmi "$R/e2e/mir:1" >/dev/null
sv image prune -af >/dev/null 2>&1
out=$(sv pull "$R/e2e/mir:1" 2>&1)
is "$?" 0 "with every mirror down the registry itself serves" || echo "$out" | sed 's/^/# /' 
ok "and it did" grep -q 'GET /v2/e2e/mir/manifests/1' "$SV_TMP/proxy.log"

# ---------------------------------------------------------------- bad registries
fake() { # MODE EXPECTED-ERROR-REGEX (empty: success) DESCRIPTION [:TAG|@DIGEST]
	local port out
	port=$(free_port)
	helper_start "fake-$1" fake "$port" "$1" "$SV_TMP/fake-$1.log"
	sv_registries '{"insecure-registries": ["127.0.0.1:'"$port"'"], "retries": 1, "timeout": 2}'
	before=$(store_state)
	out=$(timeout 60 "$BIN/servin" pull "127.0.0.1:$port/e2e/fake${4:-:1}" 2>&1)
	local rc=$?
	if [ -z "$2" ]; then
		is "$rc" 0 "$3"
		sv rmi -f "127.0.0.1:$port/e2e/fake:1" >/dev/null 2>&1
		sv image prune -af >/dev/null 2>&1
	else
		is "$rc" 1 "$3: fails"
		like "$out" "$2" "$3: clear error"
		is "$(store_state)" "$before" "$3: store unchanged"
	fi
	helper_stop "fake-$1"
}
fake ok "" "the fake registry's well-formed image pulls (the fake itself works)"
fake flaky "" "a registry answering 503 once per request is retried until it serves"
ok "every request was retried" test "$(grep -c ' /v2/e2e/fake/' "$SV_TMP/fake-flaky.log")" -ge 6
fake resetonce "" "a layer whose connection breaks once is resumed in the same pull"
ok "with a Range request for the rest" grep -q 'GET /v2/e2e/fake/blobs/sha256:[0-9a-f]* range=bytes=[1-9][0-9]*-' "$SV_TMP/fake-resetonce.log"
fake hang "timed out" "a registry that never answers"
fake garbage "GET http://127.0.0.1:[0-9]+/v2/|not a registry|Weird server reply|garbage" "a registry answering garbage"
fake bigmanifest "over the limit of 4194304 bytes" "a 5 MiB manifest"
fake badmedia "unsupported manifest media type 'application/vnd.evil.manifest\+json'" "an unknown manifest media type"
fake badlayer "unsupported layer media type 'application/x-evil'" "an unknown layer media type"
fake badjson "malformed" "a manifest that is not JSON"
fake digestlie "manifest digest mismatch" "a registry lying about the manifest digest"
# By digest: an index's child, and a pull @digest, must hash to what was asked.
fake childlie "manifest digest mismatch: asked for sha256:[0-9a-f]{64}, the content hashes to" \
	"an index whose child manifest does not hash to its descriptor"
ok "the child was asked for by digest" grep -q 'GET /v2/e2e/fake/manifests/sha256:' "$SV_TMP/fake-childlie.log"
wrong=sha256:$(printf wrong | sha256sum | cut -d' ' -f1)
fake ok "manifest digest mismatch: asked for $wrong, the content hashes to" \
	"a pull @digest whose manifest hashes to another digest" "@$wrong"
fake sizelie "size mismatch" "a layer longer than its descriptor"
fake closemid "layer sha256:[0-9a-f]+: GET .*(Transferred a partial file|reset|closed)" "a connection closing mid-layer"
fake redirectloop "more than 10 redirects" "redirects in a loop"
fake redirectfile "only http and https are followed" "a redirect to file://"

done_testing
