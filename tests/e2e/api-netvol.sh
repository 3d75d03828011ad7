#!/bin/bash
# Networks and volumes through the REST API: the docker CLI's network and
# volume subcommands, connect/disconnect of a created container (compose
# does that before start), docker-py's networks and volumes, and `docker
# inspect NAME` falling through container → image → network → volume.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_root
sv_setup
need_docker
api_start

like "$(dk network create --label k=v --subnet 10.199.7.0/24 apinet)" "^[0-9a-f]{64}$" "network create"
is "$(dk network ls --filter name=apinet --format '{{.Name}} {{.Driver}}')" "apinet bridge" "network ls"
is "$(dk network inspect apinet --format '{{range .IPAM.Config}}{{.Subnet}}{{end}} {{.Labels.k}}')" "10.199.7.0/24 v" \
	"network inspect"
like "$(dk network create apinet 2>&1)" "already exists" "a taken name is refused (409)"
is "$(dk inspect --format '{{.Name}}' apinet)" apinet "docker inspect finds a network after container and image 404s"
dk create --name c1 busybox sleep 30 >/dev/null
ok "connect a created container" dk network connect --alias c1alias apinet c1
like "$(dk inspect c1 --format '{{json .NetworkSettings.Networks}}')" "apinet" "it is on the network"
ok "disconnect it" dk network disconnect apinet c1
dk run -d --name c2 --network apinet busybox sleep 30 >/dev/null
like "$(dk network rm apinet 2>&1)" "active endpoints|in use|running" "a network in use is not removed"
dk rm -f c1 c2 >/dev/null
is "$(dk network rm apinet)" apinet "network rm"
exit_is 1 "inspect of a removed network fails" dk network inspect apinet
dk network create pruneme >/dev/null
like "$(dk network prune -f)" "pruneme" "network prune"

is "$(dk volume create --label a=b apivol)" apivol "volume create"
is "$(dk volume ls --format '{{.Name}}')" apivol "volume ls"
is "$(dk volume inspect apivol --format '{{.Driver}} {{.Labels.a}}')" "local b" "volume inspect"
is "$(dk inspect --format '{{.Name}}' apivol)" apivol "docker inspect finds a volume last"
dk run --rm -v apivol:/v busybox sh -c 'echo kept > /v/f'
is "$(dk run --rm -v apivol:/v busybox cat /v/f)" kept "a volume keeps data between containers"
dk create --name holder -v apivol:/v busybox true >/dev/null
like "$(dk volume rm apivol 2>&1)" "in use" "a volume in use is not removed (409)"
dk rm holder >/dev/null
is "$(dk volume rm apivol)" apivol "volume rm"
dk volume create keepme >/dev/null
dk run --rm -v /anon busybox true
like "$(dk volume prune -f)" "Total reclaimed space" "volume prune"
is "$(dk volume ls -q)" keepme "prune keeps named volumes by default"
like "$(dk volume prune -a -f 2>&1)" "keepme" "volume prune -a removes them"

py_checks <<'PY'
import os, docker
def check(desc, got, want):
    print(f"{desc}\t{got}\t{want}", flush=True)
c = docker.DockerClient(base_url="unix://" + os.environ["API_SOCK"], version="auto")
n = c.networks.create("pynet", labels={"x": "y"})
check("networks.create", c.networks.get(n.id).name, "pynet")
check("networks.list", [x.name for x in c.networks.list(names=["pynet"])], ["pynet"])
n.remove()
v = c.volumes.create("pyvol")
check("volumes.create", c.volumes.get("pyvol").attrs["Driver"], "local")
check("volumes.list", [x.name for x in c.volumes.list()], ["pyvol"])
v.remove()
check("volumes removed", [x.name for x in c.volumes.list() if x.name == "pyvol"], [])
check("script completed", "yes", "yes")
PY
done_testing
