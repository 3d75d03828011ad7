#!/bin/bash
# Pull, push and login through the REST API with the real docker CLI,
# against real docker-registry instances on loopback: progress streams,
# Docker's status lines, errors before output as HTTP errors, X-Registry-Auth.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"
. "$E2E_DIR/api-lib.sh"
need_docker
export DOCKER_CONFIG=$SV_TMP/docker # the registry lib's, shared with servin as Docker's

reg_start plain
R=$REG_plain
reg_start basic htpasswd
B=$REG_basic
sv_registries '{"insecure-registries": ["'"$R"'", "'"$B"'"]}'
mkdir -p "$SV_TMP/app/opt/app"
printf 'api registry test\n' >"$SV_TMP/app/opt/app/hello.txt"
mkimage busybox --layer "$SV_TMP/app" --out "$SV_TMP/app.tar" >/dev/null
skopeo_push "$SV_TMP/app.tar" "$R/e2e/app:1"
skopeo_push "$SV_TMP/app.tar" "$B/e2e/app:1" --dest-creds "$REG_USER:$REG_PASS"
want=$(skopeo inspect --tls-verify=false "docker://$R/e2e/app:1" | jq -r .Digest)
api_start

out=$(dk pull "$R/e2e/app:1" 2>&1)
is "$?" 0 "docker pull through the API"
like "$out" "Pulling from e2e/app" "progress is streamed"
like "$out" "[0-9a-f]{12}: (Already exists|Pull complete)" "layer by layer"
like "$out" "Digest: $want" "the registry's digest"
like "$out" "Status: Downloaded newer image for $R/e2e/app:1" "Docker's status line"
is "$(dk image inspect "$R/e2e/app:1" --format '{{index .RepoDigests 0}}')" "$R/e2e/app@$want" "the pulled image"
like "$(dk pull "$R/e2e/app:1" 2>&1)" "Image is up to date for $R/e2e/app:1" "a second pull is up to date"
out=$(dk pull "$R/e2e/nosuch:1" 2>&1)
is "$?" 1 "pulling a missing image fails"
like "$out" "Error response from daemon: .*manifest unknown" "as an HTTP error with the registry's reason"
out=$(curl -s -D - -o "$SV_TMP/pull.body" --unix-socket "$API_SOCK" -X POST \
	"http://x/v1.43/images/create?fromImage=$R/e2e/nosuch&tag=1")
like "$out" "HTTP/1.1 404" "an error before any output is a plain 404"

dk tag busybox "$R/e2e/pushed:v1"
out=$(dk push "$R/e2e/pushed:v1" 2>&1)
is "$?" 0 "docker push through the API"
like "$out" "v1: digest: sha256:[0-9a-f]{64} size: [0-9]+" "Docker's final push line"
pushed=$(skopeo inspect --tls-verify=false "docker://$R/e2e/pushed:v1" | jq -r .Digest)
like "$out" "digest: $pushed" "the digest skopeo sees"
is "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$API_SOCK" -X POST \
	"http://x/v1.43/images/$R/e2e/pushed/push?tag=v1")" 400 "push without X-Registry-Auth: 400"

out=$(echo wrong | dk login -u "$REG_USER" --password-stdin "$B" 2>&1)
is "$?" 1 "docker login with a wrong password fails"
like "$out" "unauthorized" "as unauthorized"
out=$(echo "$REG_PASS" | dk login -u "$REG_USER" --password-stdin "$B" 2>&1)
like "$out" "Login Succeeded" "docker login through POST /auth"
done_testing
