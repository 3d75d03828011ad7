#!/bin/bash
# Networks and volumes through the REST API with the real clients: the
# docker CLI (network/volume commands, run --network, -v, -p) and
# docker-compose 1.29 (a project with its own network and named volume,
# services reaching each other by service name). Inside a network
# namespace this test makes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_root
need_cmd ip nsenter curl

if [ -z "${SV_E2E_NETNS:-}" ]; then
	ns=svapi-$$
	ip netns add "$ns" || skip_all "cannot create a network namespace"
	ip -n "$ns" link set lo up
	SV_E2E_NETNS=$ns nsenter --net="/run/netns/$ns" bash "$0"
	rc=$?
	for p in $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns"
	exit $rc
fi

sv_setup
need_docker
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done; sv network prune -f; sv volume prune -af'
api_start

# --- docker CLI
ok "docker network create" dk network create --label a=b --subnet 10.77.0.0/24 dnet
is "$(dk network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' dnet)" "10.77.0.0/24" "docker network inspect"
like "$(dk network ls --format '{{.Name}}' | tr '\n' ' ')" 'bridge dnet host none' "docker network ls"
is "$(api_status GET /networks/nosuch)" "404" "an unknown network is 404 (compose creates it then)"
ok "docker volume create" dk volume create --label a=b dvol
is "$(dk volume inspect -f '{{.Driver}}' dvol)" "local" "docker volume inspect"
is "$(api_status GET /volumes/nosuch)" "404" "an unknown volume is 404"
dk run -d --name dweb --network dnet --network-alias web -v dvol:/srv -p 127.0.0.1:18090:80 busybox \
	sh -c 'echo from-volume > /srv/index.html; httpd -f -p 80 -h /srv' >/dev/null
for _ in $(seq 30); do timeout 1 busybox wget -q -O- http://127.0.0.1:18090/ >/dev/null 2>&1 && break; sleep 0.1; done
is "$(timeout 3 busybox wget -q -O- http://127.0.0.1:18090/)" "from-volume" "docker run -p -v --network serves the host"
is "$(dk port dweb 80)" "127.0.0.1:18090" "docker port"
is "$(dk run --rm --network dnet busybox sh -c 'timeout 3 wget -q -O- http://web/; exit $?')" "from-volume" \
	"a container reaches it by its alias"
is "$(dk inspect -f '{{.NetworkSettings.Networks.dnet.IPAddress}}' dweb | cut -d. -f1-3)" "10.77.0" \
	"inspect shows its address on dnet"
exit_is 1 "docker volume rm of a used volume is refused" dk volume rm dvol
exit_is 1 "docker network rm of a used network is refused" dk network rm dnet
dk rm -f dweb >/dev/null
dk create --name dc busybox true >/dev/null
ok "docker network connect of a created container" dk network connect dnet dc
like "$(dk inspect -f '{{json .NetworkSettings.Networks}}' dc)" '"dnet"' "it is attached"
ok "docker network disconnect" dk network disconnect dnet dc
dk rm dc >/dev/null
ok "docker volume rm" dk volume rm dvol
ok "docker network rm" dk network rm dnet

# --- docker-compose
if command -v docker-compose >/dev/null; then
	proj=$SV_TMP/proj
	mkdir -p "$proj"
	cat > "$proj/docker-compose.yml" <<'EOF'
version: "3"
services:
  web:
    image: busybox
    command: sh -c 'echo compose-ok > /data/index.html; httpd -f -p 80 -h /data'
    volumes: [ "content:/data" ]
    networks: [ back ]
  client:
    image: busybox
    command: sleep 60
    networks: [ back ]
networks:
  back: {}
volumes:
  content: {}
EOF
	ok "docker-compose up -d" docker-compose -p svt -f "$proj/docker-compose.yml" up -d
	got=
	for _ in $(seq 30); do
		got=$(docker-compose -p svt -f "$proj/docker-compose.yml" exec -T client wget -q -O- http://web/ 2>/dev/null) && break
		sleep 0.2
	done
	is "$got" "compose-ok" "compose services reach each other by service name on the project network"
	like "$(dk network ls --format '{{.Name}}')" 'svt_back' "compose made its network"
	like "$(dk volume ls --format '{{.Name}}')" 'svt_content' "and its volume"
	ok "docker-compose down -v" docker-compose -p svt -f "$proj/docker-compose.yml" down -v
	is "$(dk network ls -q -f name=svt_back | wc -l)" "0" "down removed the network"
	is "$(dk volume ls -q -f name=svt_content | wc -l)" "0" "and the volume"
else
	echo "# docker-compose not installed: compose part not run"
fi
done_testing
