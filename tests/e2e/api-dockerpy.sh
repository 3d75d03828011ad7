#!/bin/bash
# The REST API driven by docker-py (Debian's python3-docker 5.0.3): version
# negotiation, info, df, images (list, get, tag, remove, save/load), pull
# from a real docker-registry, events with since/until.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"
. "$E2E_DIR/api-lib.sh"
/usr/bin/python3 -c 'import docker' 2>/dev/null || skip_all "needs python3-docker"

reg_start plain
R=$REG_plain
sv_registries '{"insecure-registries": ["'"$R"'"]}'
mkdir -p "$SV_TMP/app/opt"
echo py >"$SV_TMP/app/opt/py.txt"
mkimage busybox --layer "$SV_TMP/app" --out "$SV_TMP/app.tar" >/dev/null
skopeo_push "$SV_TMP/app.tar" "$R/e2e/py:1"
api_start

# Each line the script prints is "DESCRIPTION<TAB>GOT<TAB>WANT"; anything
# else (a traceback) fails, and so does a script that stops early.
last=
while IFS= read -r line; do
	if [[ $line != *$'\t'*$'\t'* ]]; then
		_report 1 "docker-py: unexpected output" "$line"
		continue
	fi
	IFS=$'\t' read -r desc got want <<<"$line"
	is "$got" "$want" "docker-py: $desc"
	last=$desc
done < <(API_SOCK=$API_SOCK REG=$R /usr/bin/python3 - <<'PY' 2>&1
import io, os, sys, time
import docker

def check(desc, got, want):
    print(f"{desc}\t{got}\t{want}", flush=True)

c = docker.DockerClient(base_url="unix://" + os.environ["API_SOCK"], version="auto")
v = c.version()
check("version negotiates 1.43", c.api.api_version, "1.43")
check("version Components", v["Components"][0]["Name"], "Engine")
check("info", c.info()["OSType"], "linux")
check("images.list", sorted(t for i in c.images.list() for t in i.tags), ["busybox:latest"])
img = c.images.get("busybox")
check("images.get", img.attrs["Config"]["Cmd"], ["sh"])
check("image.tag", img.tag("pyrepo/bb", "t1"), True)
check("tagged", sorted(c.images.get("pyrepo/bb:t1").tags), ["busybox:latest", "pyrepo/bb:t1"])
c.images.remove("pyrepo/bb:t1")
check("images.remove", sorted(t for i in c.images.list() for t in i.tags), ["busybox:latest"])
try:
    c.images.get("no/such:image")
    check("missing image raises ImageNotFound", "no exception", "ImageNotFound")
except docker.errors.ImageNotFound as e:
    check("missing image raises ImageNotFound", type(e).__name__, "ImageNotFound")
data = b"".join(img.save(named=True))
check("image.save returns a tar", data[257:262], b"ustar")
c.images.remove("busybox")
loaded = c.images.load(data)
check("images.load", [t for i in loaded for t in i.tags], ["busybox:latest"])
t0 = int(time.time())
pulled = c.images.pull(os.environ["REG"] + "/e2e/py", tag="1")
check("images.pull", pulled.tags, [os.environ["REG"] + "/e2e/py:1"])
stream = [l.get("status", "") for l in c.api.pull(os.environ["REG"] + "/e2e/py", tag="1", stream=True, decode=True)]
check("pull stream ends with Docker's status", stream[-1], "Status: Image is up to date for " + os.environ["REG"] + "/e2e/py:1")
c.images.get("busybox").tag("pyrepo/ev", "1")
time.sleep(1.1)
evs = [(e["Type"], e["Action"]) for e in c.events(since=t0, until=int(time.time()), decode=True,
                                                 filters={"type": "image", "event": ["pull", "tag"]})]
check("events since/until with filters", sorted(set(evs)), [("image", "pull"), ("image", "tag")])
df = c.df()
check("df", len(df["Images"]), 2)
check("low-level API client", len(c.api.images(quiet=True)), 2)
check("script completed", "yes", "yes")
PY
)
is "$last" "script completed" "the docker-py script ran to its end"
done_testing
