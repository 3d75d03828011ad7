#!/bin/bash
# The REST API driven by the real docker CLI over the unix socket: version
# negotiation, info, images and every image command, system df, events.
# Outputs are checked, not only exit codes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_cmd curl tar
sv_setup
need_docker
api_start

is "$(stat -c %a "$API_SOCK")" 660 "the socket is born 0660"
is "$(dk version --format '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}')" "1.43 1.24 linux" \
	"version: API 1.43, minimum 1.24"
# 28.x negotiates down to 1.43; Debian's 20.10 CLI speaks 1.41 itself.
like "$(dk version --format '{{.Client.APIVersion}}')" '^1\.4[13]$' "the CLI negotiated an API version we serve"
is "$(dk info --format '{{.Images}} {{.OSType}} {{.Driver}}')" "1 linux overlay2" "info"
is "$(dk images --format '{{.Repository}}:{{.Tag}} {{.Size}}')" "busybox:latest 1.98MB" "images lists the default image"
is "$(dk image inspect busybox --format '{{.Os}} {{len .RootFS.Layers}} {{index .Config.Cmd 0}}')" "linux 1 sh" \
	"image inspect"
like "$(dk history busybox --format '{{.CreatedBy}}')" "mkimage" "history"

# Names with slashes travel in paths.
ok "tag with a registry and a path" dk tag busybox localhost:5000/my/bb:v1
is "$(dk image inspect localhost:5000/my/bb:v1 --format '{{index .RepoTags 0}}')" "busybox:latest" \
	"inspect by a name with slashes"
is "$(dk images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')" "busybox:latest localhost:5000/my/bb:v1 " \
	"both tags listed"
is "$(dk rmi localhost:5000/my/bb:v1)" "Untagged: localhost:5000/my/bb:v1" "rmi untags"
out=$(dk rmi no/such:image 2>&1)
exit_is 1 "rmi of a missing image fails" dk rmi no/such:image
like "$out" "No such image: no/such:image" "with Docker's message"
exit_is 1 "inspect of a missing image fails" dk image inspect nosuch

# save → rmi → load round trip.
ok "save" dk save -o "$SV_TMP/bb.tar" busybox
like "$(tar -tf "$SV_TMP/bb.tar" | tr '\n' ' ')" "manifest.json" "save wrote a docker-archive"
like "$(dk rmi busybox)" "Deleted: sha256:" "rmi deletes the last tag's image"
is "$(dk images -q | wc -l)" 0 "no image left"
is "$(dk load -i "$SV_TMP/bb.tar")" "Loaded image: busybox:latest" "load"
is "$(dk images --format '{{.Repository}}')" busybox "the image is back"
out=$(echo "not a tar" | dk load 2>&1)
exit_is 1 "load of garbage fails" sh -c "echo 'not a tar' | '$DOCKER' load"
like "$out" "Error" "with an error message"
is "$(dk images -q | wc -l)" 1 "and leaves the store as it was"

# import (streamed body) and prune of a dangling image.
mkdir -p "$SV_TMP/rootfs/etc" && echo hello >"$SV_TMP/rootfs/etc/greeting"
tar -C "$SV_TMP/rootfs" -cf "$SV_TMP/rootfs.tar" .
like "$(dk import "$SV_TMP/rootfs.tar" imp/orted:1)" "^sha256:[0-9a-f]{64}$" "import prints the new id"
is "$(dk image inspect imp/orted:1 --format '{{len .RootFS.Layers}}')" 1 "the imported image has one layer"
dangling=$(dk import "$SV_TMP/rootfs.tar" | cut -c8-19)
like "$(dk images --filter dangling=true -q)" "$dangling" "an untagged import is dangling"
like "$(dk image prune -f)" "deleted: sha256:$dangling" "image prune removes it"
is "$(dk images --filter dangling=true -q)" "" "nothing dangling left"
is "$(dk images -q | wc -l)" 2 "tagged images survive prune"
like "$(dk image prune -a -f)" "Total reclaimed space" "image prune -a"

ok "reload the default image" dk load -i "$SV_TMP/bb.tar"
is "$(dk system df --format '{{.Type}}={{.TotalCount}}' | tr '\n' ' ')" \
	"Images=1 Containers=0 Local Volumes=0 Build Cache=0 " "system df"

# events: a past window, then a live stream (a whole second apart from
# the events before, since --since has one-second resolution).
sleep 1
t0=$(date +%s)
sleep 1
dk tag busybox ev/one:1
sleep 1
t1=$(date +%s)
dk tag busybox ev/two:1
is "$(dk events --since "$t0" --until "$t1" --filter event=tag --format '{{.Action}} {{.Actor.Attributes.name}}')" \
	"tag ev/one:1" "events --since/--until shows only that window"
is "$(dk events --since "$t0" --until "$(($(date +%s) + 1))" --filter event=tag --filter image=ev/two:1 --format '{{.Actor.Attributes.name}}')" \
	"ev/two:1" "events filters by image"
dk events --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}' >"$SV_TMP/live" 2>&1 &
evpid=$!
cleanup "kill $evpid"
sleep 0.5
dk rmi ev/one:1 >/dev/null
for i in $(seq 50); do grep -q untag "$SV_TMP/live" && break; sleep 0.1; done
is "$(cat "$SV_TMP/live")" "untag ev/one:1" "a live event arrives while streaming"

# Older clients and bad versions.
is "$(DOCKER_API_VERSION=1.24 dk images --format '{{.Repository}}:{{.Tag}}' | grep -c busybox)" 1 \
	"API 1.24 clients are served"
like "$(DOCKER_API_VERSION=1.12 dk images 2>&1)" "too old" "API 1.12 is refused with Docker's message"

# Errors are JSON with Docker's status codes.
hdr=$(curl -s -D - -o "$SV_TMP/body" --unix-socket "$API_SOCK" http://x/v1.43/nope)
like "$hdr" "HTTP/1.1 404" "unknown routes are 404"
like "$hdr" $'Content-Type: application/json\r' "errors are application/json exactly"
is "$(cat "$SV_TMP/body")" '{"message":"page not found"}' "errors are {\"message\": ...}"
is "$(api_status POST /images/busybox/tag?repo=x)" 201 "tag answers 201"
is "$(api_status POST /images/nosuch/tag?repo=x)" 404 "tag of a missing image answers 404"
hdr=$(curl -s -D - -o /dev/null --unix-socket "$API_SOCK" -I http://x/_ping)
like "$hdr" "Api-Version: 1.43" "HEAD /_ping carries Api-Version"
like "$hdr" "Swarm: inactive" "and Docker's other ping headers"
done_testing
