#!/bin/bash
# docker-compose 1.29 (Debian's) through the REST API: up -d, ps, logs, down
# of a two-service project — a busybox httpd and a client fetching from it
# by name on a user network, a named volume they share, a published port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_root
need_cmd docker-compose curl
sv_setup
api_start
export COMPOSE_HTTP_TIMEOUT=120 DOCKER_CONFIG=$SV_TMP/docker-config
mkdir -p "$DOCKER_CONFIG" "$SV_TMP/proj"
PORT=$((20000 + RANDOM % 20000))
cat >"$SV_TMP/proj/docker-compose.yml" <<YML
version: "3.7"
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/data"]
    volumes: ["data:/data"]
    networks: [front]
    ports: ["127.0.0.1:$PORT:80"]
    labels: {role: server}
  client:
    image: busybox
    command: ["sh", "-c", "echo hello-from-volume > /data/index.html; while true; do wget -q -O- http://web/index.html && echo fetched-ok; sleep 1; done"]
    volumes: ["data:/data"]
    networks: [front]
    depends_on: [web]
networks:
  front: {}
volumes:
  data: {}
YML
dc() { (cd "$SV_TMP/proj" && timeout 120 docker-compose -p proj "$@"); }

out=$(dc up -d 2>&1)
is "$?" 0 "docker-compose up -d"
like "$out" "Creating proj_client_1 .* done" "it creates both services"
is "$(curl -s --unix-socket "$API_SOCK" 'http://x/networks/proj_front' | jq -r .Name)" proj_front "the project network exists"
is "$(curl -s --unix-socket "$API_SOCK" 'http://x/volumes/proj_data' | jq -r .Name)" proj_data "the named volume exists"
out=$(dc ps)
like "$out" "proj_web_1 .* Up .*127.0.0.1:$PORT->80/tcp" "ps: web is up with its published port"
like "$out" "proj_client_1 .* Up" "ps: client is up"
for i in $(seq 50); do dc logs --no-color client 2>/dev/null | grep -q fetched-ok && break; sleep 0.2; done
logs=$(dc logs --no-color client 2>&1)
like "$logs" "client_1 +\| hello-from-volume" "logs: the client fetched the page through the shared volume"
like "$logs" "fetched-ok" "by the web service's name on the user network"
is "$(curl -s --unix-socket "$API_SOCK" 'http://x/containers/json?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dproj%22%5D%7D' | jq length)" \
	2 "the compose label filter finds the project's containers"
is "$(curl -s --unix-socket "$API_SOCK" 'http://x/containers/json?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dother%22%5D%7D' | jq length)" \
	0 "and only them"
out=$(dc down -v 2>&1)
is "$?" 0 "docker-compose down -v"
like "$out" "Removing network proj_front" "down removes the network"
like "$out" "Removing volume proj_data" "and the volume"
is "$(curl -s --unix-socket "$API_SOCK" 'http://x/containers/json?all=1' | jq length)" 0 "no container left"
is "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$API_SOCK" http://x/networks/proj_front)" 404 "no network left"
done_testing
