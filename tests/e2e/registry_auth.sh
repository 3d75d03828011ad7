#!/bin/bash
# TLS and authentication against real docker-registry instances: TLS with a
# CA made here (refused until the CA is in certs.d/<host>/), htpasswd Basic
# auth (anonymous refused as "access denied", a wrong password as
# unauthorized, login/logout and auth.json, Docker's config.json, no
# credentials for a redirect target on another host), and the bearer token
# flow through a token server written for the test (tokens cached per scope,
# a lapsed token replaced, no credentials for a plain-http token realm).
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"
need_cmd htpasswd

mkdir -p "$SV_TMP/app/etc/app"
printf 'auth test\n' > "$SV_TMP/app/etc/app/conf"
mkimage busybox --layer "$SV_TMP/app" --out "$SV_TMP/app.tar" >/dev/null

# ---------------------------------------------------------------- TLS
reg_start tls tls
skopeo_push "$SV_TMP/app.tar" "$REG_tls/e2e/app:1"
sv_registries '{}'
before=$(store_state)
out=$(sv pull "$REG_tls/e2e/app:1" 2>&1)
is "$?" 1 "TLS with an unknown CA is refused"
like "$out" "certificate" "with a certificate error"
is "$(store_state)" "$before" "and the store is unchanged"
mkdir -p "$SERVIN_CONFIG_DIR/certs.d/$REG_tls"
cp "$SV_TMP/pki/ca.crt" "$SERVIN_CONFIG_DIR/certs.d/$REG_tls/ca.crt"
ok "with the CA in certs.d/<host>/ca.crt the pull succeeds" sv pull -q "$REG_tls/e2e/app:1"
rm -rf "$SERVIN_CONFIG_DIR/certs.d"
sv rmi "$REG_tls/e2e/app:1" >/dev/null
sv_registries '{"insecure-registries": ["'"$REG_tls"'"]}'
ok "a listed insecure TLS registry is used without verification" sv pull -q "$REG_tls/e2e/app:1"

# ---------------------------------------------------------------- Basic
reg_start basic htpasswd
skopeo_push "$SV_TMP/app.tar" "$REG_basic/e2e/app:1" --dest-creds "$REG_USER:$REG_PASS"
sv_registries '{"insecure-registries": ["'"$REG_basic"'"]}'
out=$(sv pull "$REG_basic/e2e/app:1" 2>&1)
is "$?" 1 "anonymous pull from a private registry fails"
like "$out" "access denied.*servin login" "as access denied, suggesting a login"
nok "it does not claim the image is missing" grep -qi "not found" <<<"$out"

out=$(printf 'wrong\n' | sv login -u "$REG_USER" --password-stdin "$REG_basic" 2>&1)
is "$?" 1 "login with a wrong password fails"
like "$out" "unauthorized: incorrect username or password" "as unauthorized"
ok "and stores nothing" test ! -e "$XDG_CONFIG_HOME/servin/auth.json"

out=$(printf '%s\n' "$REG_PASS" | sv login -u "$REG_USER" --password-stdin "$REG_basic" 2>&1)
is "$out" "Login Succeeded" "login with the right password"
auth=$XDG_CONFIG_HOME/servin/auth.json
is "$(stat -c %a "$auth")" 600 "auth.json is 0600"
is "$(jq -r --arg h "$REG_basic" '.auths[$h].auth' "$auth" | base64 -d)" "$REG_USER:$REG_PASS" \
	"auth.json holds Docker's auths format"
ok "pull with the stored login" sv pull -q "$REG_basic/e2e/app:1"
sv tag "$REG_basic/e2e/app:1" "$REG_basic/e2e/copy:1"
ok "push with the stored login" sv push -q "$REG_basic/e2e/copy:1"
ok "skopeo sees the pushed image" skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REG_basic/e2e/copy:1"
is "$(sv logout "$REG_basic")" "Removing login credentials for $REG_basic" "logout"
is "$(jq -r '.auths | length' "$auth")" 0 "logout removes the entry"
is "$(sv logout "$REG_basic")" "Not logged in to $REG_basic" "a second logout says so"
out=$(sv pull "$REG_basic/e2e/app:1" 2>&1)
like "$out" "access denied" "after logout the registry refuses again"
ok "--creds gives credentials for one pull" sv pull -q --creds "$REG_USER:$REG_PASS" "$REG_basic/e2e/app:1"
ok "and for one push" sv push -q --creds "$REG_USER:$REG_PASS" "$REG_basic/e2e/copy:1"
ok "without storing them" test "$(jq -r '.auths | length' "$auth")" = 0
out=$(sv pull --creds "$REG_USER:wrong" "$REG_basic/e2e/app:1" 2>&1)
like "$out" "unauthorized" "wrong --creds are refused as unauthorized"

printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_basic" "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64)" \
	> "$DOCKER_CONFIG/config.json"
ok "credentials in Docker's config.json are used" sv pull -q "$REG_basic/e2e/app:1"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_basic" "$(printf '%s:wrong' "$REG_USER" | base64)" \
	> "$DOCKER_CONFIG/config.json"
out=$(sv pull "$REG_basic/e2e/app:1" 2>&1)
is "$?" 1 "a wrong stored password fails the pull"
like "$out" "unauthorized" "as unauthorized"
echo "{}" > "$DOCKER_CONFIG/config.json"

# A registry that redirects blobs to another host: the credentials stay home.
PROXY=$(free_port) CAPTURE=$(free_port)
helper_start capture capture "$CAPTURE" "$(reg_data basic)" "$SV_TMP/capture.log"
helper_start proxy proxy "$PROXY" "$(cut -d: -f2 <<<"$REG_basic")" "$SV_TMP/proxy.log" 0 "$CAPTURE"
sv_registries '{"insecure-registries": ["127.0.0.1:'"$PROXY"'"]}'
printf '%s\n' "$REG_PASS" | sv login -u "$REG_USER" --password-stdin "127.0.0.1:$PROXY" >/dev/null
mkdir -p "$SV_TMP/redir"
head -c 100000 /dev/urandom > "$SV_TMP/redir/blob"
mkimage busybox --layer "$SV_TMP/redir" --out "$SV_TMP/redir.tar" >/dev/null
skopeo_push "$SV_TMP/redir.tar" "$REG_basic/e2e/redir:1" --dest-creds "$REG_USER:$REG_PASS"
out=$(sv pull "127.0.0.1:$PROXY/e2e/redir:1" 2>&1)
is "$?" 0 "pull through a registry that redirects blobs elsewhere"
ok "the registry got the credentials" grep -q 'redir/manifests/1 range=- auth=yes' "$SV_TMP/proxy.log"
ok "the redirect target got blob requests" grep -q 'GET /blob/sha256:' "$SV_TMP/capture.log"
nok "but never the credentials" grep -q 'auth=yes' "$SV_TMP/capture.log"

# ---------------------------------------------------------------- bearer tokens
make_pki
TOKEN=$(free_port)
helper_start token token "$TOKEN" "$SV_TMP/pki/token.key" "$SV_TMP/pki/token.crt" "$REG_USER" "$REG_PASS" "$SV_TMP/token.log"
reg_start tok token "http://127.0.0.1:$TOKEN/token"
skopeo_push "$SV_TMP/app.tar" "$REG_tok/e2e/app:1" --dest-creds "$REG_USER:$REG_PASS"
sv_registries '{"insecure-registries": ["'"$REG_tok"'"]}'
out=$(sv pull "$REG_tok/e2e/app:1" 2>&1)
is "$?" 1 "anonymous pull with a token server that grants nothing fails"
like "$out" "access denied" "as access denied"
out=$(printf 'nope\n' | sv login -u "$REG_USER" --password-stdin "$REG_tok" 2>&1)
like "$out" "unauthorized: incorrect username or password" "a wrong password at the token server is unauthorized"
ok "login through the token server" sh -c "printf '%s\n' '$REG_PASS' | '$BIN/servin' login -u '$REG_USER' --password-stdin '$REG_tok'"
: > "$SV_TMP/token.log"
out=$(sv pull "$REG_tok/e2e/app:1" 2>&1)
is "$?" 0 "pull with bearer tokens"
is "$(grep -c 'token scope=repository:e2e/app:pull user='"$REG_USER" "$SV_TMP/token.log")" 1 \
	"one token for the manifest and every blob (cached per scope)"
sv tag "$REG_tok/e2e/app:1" "$REG_tok/e2e/other:1"
: > "$SV_TMP/token.log"
ok "push with bearer tokens (pull,push scope; mount from e2e/app)" sv push -q "$REG_tok/e2e/other:1"
ok "the push asked for push access" grep -q 'scope=repository:e2e/other:pull,push' "$SV_TMP/token.log"
ok "skopeo pulls what servin pushed" skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$REG_tok/e2e/other:1"

# A token that has lapsed (the registry refuses it) is replaced: the token
# server's first answer expired an hour ago; the pull asks again, once.
helper_stop token
helper_start token token "$TOKEN" "$SV_TMP/pki/token.key" "$SV_TMP/pki/token.crt" "$REG_USER" "$REG_PASS" \
	"$SV_TMP/token.log" lapsed-first
sv rmi "$REG_tok/e2e/app:1" >/dev/null
sv image prune -af >/dev/null 2>&1
: > "$SV_TMP/token.log"
out=$(sv pull "$REG_tok/e2e/app:1" 2>&1)
is "$?" 0 "a pull whose first token has lapsed succeeds" || echo "$out" | sed 's/^/# /'
is "$(grep -c 'token scope=repository:e2e/app:pull user='"$REG_USER" "$SV_TMP/token.log")" 2 \
	"with a second token request for the scope"

# Credentials never go to a token realm over plain http unless the registry
# itself is listed insecure: a verified-TLS registry whose realm is http.
reg_start toktls tls token "http://127.0.0.1:$TOKEN/token"
skopeo_push "$SV_TMP/app.tar" "$REG_toktls/e2e/app:1" --dest-creds "$REG_USER:$REG_PASS"
sv_registries '{}'
mkdir -p "$SERVIN_CONFIG_DIR/certs.d/$REG_toktls"
cp "$SV_TMP/pki/ca.crt" "$SERVIN_CONFIG_DIR/certs.d/$REG_toktls/ca.crt"
: > "$SV_TMP/token.log"
out=$(sv pull --creds "$REG_USER:$REG_PASS" "$REG_toktls/e2e/app:1" 2>&1)
is "$?" 1 "a pull whose token realm is plain http fails"
like "$out" "access denied|unauthorized" "refused for want of access"
ok "the token server was asked" grep -q 'token scope=repository:e2e/app:pull' "$SV_TMP/token.log"
nok "but never given the credentials" grep -q "user=$REG_USER" "$SV_TMP/token.log"

done_testing
