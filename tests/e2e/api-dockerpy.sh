#!/bin/bash
# The REST API driven by docker-py (Debian's python3-docker 5.0.3): version
# negotiation, info, df, images (list, get, tag, remove, save/load), pull
# from a real docker-registry, events with since/until, and containers
# (run attached and detached, logs(stream=True), exec_run, wait, events).
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"
. "$E2E_DIR/api-lib.sh"
need_root
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

# Containers.
# (A command that exits at once races the shim's log drain; see api-needs.md.)
check("containers.run attached", c.containers.run("busybox", ["sh", "-c", "sleep 0.3; echo hi"], remove=True),
      b"hi\n")
try:
    c.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 4"], remove=True)
    check("a failing run raises ContainerError", "no exception", "ContainerError")
except docker.errors.ContainerError as e:
    check("a failing run raises ContainerError", (e.exit_status, e.stderr), (4, b"bad\n"))
ctr = c.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.2; done; sleep 100"],
                       detach=True, name="pyc", labels={"t": "py"})
check("containers.run detached", ctr.name, "pyc")
lines = []
for chunk in ctr.logs(stream=True, follow=True):
    lines.append(chunk)
    if b"line3" in b"".join(lines):
        break
check("logs(stream=True)", b"".join(lines).split(), [b"line1", b"line2", b"line3"])
res = ctr.exec_run(["sh", "-c", "echo from-exec; exit 5"])
check("exec_run", (res.exit_code, res.output), (5, b"from-exec\n"))
check("exec_run streams", b"".join(ctr.exec_run(["echo", "s"], stream=True).output), b"s\n")
check("containers.list filters by label", [x.name for x in c.containers.list(filters={"label": "t=py"})], ["pyc"])
ctr.reload()
check("attrs", (ctr.status, ctr.attrs["HostConfig"]["LogConfig"]["Type"]), ("running", "json-file"))
ctr.kill()
check("wait", ctr.wait()["StatusCode"], 137)
ctr.remove()
try:
    c.containers.get("pyc")
    check("removed", "still there", "NotFound")
except docker.errors.NotFound:
    check("removed", "NotFound", "NotFound")
t1 = int(time.time())
c.containers.run("busybox", ["true"], remove=True, name="pyev")
evs = {e["Action"] for e in c.events(since=t1, until=int(time.time()) + 1, decode=True,
                                     filters={"type": "container", "container": "pyev"})}
check("container events", sorted(evs & {"create", "start", "die", "destroy"}), ["create", "destroy", "die", "start"])
check("script completed", "yes", "yes")
PY
)
is "$last" "script completed" "the docker-py script ran to its end"
done_testing
