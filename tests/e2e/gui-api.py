#!/usr/bin/python3
"""The GUI's Flask backend through Flask's test client, against a REAL
`servin serve` on a temporary socket (never a fake API): the security
guard (token, Host, CSRF, headers), every page, the JSON API for images,
events, containers, volumes, networks and pulls, the live SSE stream,
readable errors, and the engine going down and coming back.

Every engine endpoint the GUI uses exists: a GUI path answering 501
(the engine lacks the endpoint) fails its test; the readable 501 that an
older engine gets is tested on its own (OlderEngine). A skipped test is
reported as "not ok". TAP output.
"""
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.realpath(__file__))
TOP = os.path.realpath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(TOP, "gui"), os.path.join(HERE, "gui")]

if importlib.util.find_spec("flask") is None:  # Debian's python3-flask
    print("1..0 # SKIP needs python3-flask (mk/deps.sh installs it)")
    sys.exit(77)

import app as gui_app  # noqa: E402
import live  # noqa: E402
from servin_client import Client, EngineDown, EngineError  # noqa: E402
from stack import PY, Engine, Registry, free_port, make_image, tmp_dir, wait_for  # noqa: E402

ENGINE = None
REGISTRY = None
TMP = None
CSRF = "test-csrf-value"
TOKEN = "test-token-value"


def new_app():
    return gui_app.create_app(Client(ENGINE.api), token=TOKEN, csrf=CSRF, hosts={"localhost", "localhost:5000"})


class GuiCase(unittest.TestCase):
    """A logged-in test client (the cookie from ?token=)."""

    @classmethod
    def setUpClass(cls):
        cls.app = new_app()
        cls.c = cls.app.test_client()
        r = cls.c.get("/?token=" + TOKEN)
        assert r.status_code == 303, r.status_code

    def get(self, path, status=200):
        r = self.c.get(path)
        self.assertEqual(r.status_code, status, "%s: %s" % (path, r.get_data(as_text=True)[:300]))
        return r.get_json()

    def send(self, method, path, body=None, status=200):
        r = self.c.open(path, method=method, json=body, headers={"X-CSRF-Token": CSRF})
        self.assertEqual(r.status_code, status, "%s %s: %s" % (method, path, r.get_data(as_text=True)[:300]))
        return r.get_json()

    def assertReadable(self, body):
        """An error a person can read: a sentence, no trace, no markup."""
        self.assertIsInstance(body, dict)
        msg = body.get("error", "")
        self.assertTrue(msg)
        self.assertNotIn("Traceback", msg)
        self.assertNotIn("<", msg)


# ---------------------------------------------------------------- security

class Security(GuiCase):
    def test_no_token_is_refused_everywhere(self):
        c = self.app.test_client()
        for path in ("/", "/containers", "/gui/api/images", "/gui/api/dashboard", "/static/style.css",
                     "/gui/sse/live"):
            self.assertEqual(c.get(path).status_code, 403, path)
        self.assertEqual(c.post("/gui/api/images/tag", json={"ref": "busybox", "target": "x:1"}).status_code, 403)

    def test_wrong_token_is_refused(self):
        c = self.app.test_client()
        self.assertEqual(c.get("/?token=nope").status_code, 403)
        self.assertEqual(c.get("/gui/api/images", headers={"Authorization": "Bearer nope"}).status_code, 403)

    def test_token_becomes_a_strict_cookie_and_leaves_the_url(self):
        c = self.app.test_client()
        r = c.get("/images?token=%s&x=1&q=a%%26b" % TOKEN)
        self.assertEqual(r.status_code, 303)
        self.assertEqual(r.headers["Location"], "/images?x=1&q=a%26b")
        cookie = r.headers["Set-Cookie"]
        for part in ("servin_gui_80=" + TOKEN, "HttpOnly", "SameSite=Strict"):
            self.assertIn(part, cookie)
        self.assertEqual(c.get("/images").status_code, 200)

    def test_cookie_is_per_port(self):
        c = self.app.test_client()
        r = c.get("/?token=" + TOKEN, headers={"Host": "localhost:5000"})
        self.assertIn("servin_gui_5000=", r.headers["Set-Cookie"])

    def test_foreign_host_is_refused_even_with_the_token(self):
        for host in ("evil.example", "127.0.0.1:1", "localhost:5001"):
            r = self.c.get("/gui/api/images", headers={"Host": host, "Authorization": "Bearer " + TOKEN})
            self.assertEqual(r.status_code, 400, host)

    def test_changes_need_the_csrf_token(self):
        r = self.c.post("/gui/api/images/tag", json={"ref": "busybox:latest", "target": "csrf/x:1"})
        self.assertEqual(r.status_code, 403)
        self.assertIn("CSRF", r.get_json()["error"])
        r = self.c.post("/gui/api/images/tag", json={"ref": "busybox:latest", "target": "csrf/x:1"},
                        headers={"X-CSRF-Token": "wrong"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.c.delete("/gui/api/volumes/x").status_code, 403)
        images = json.dumps(self.get("/gui/api/images"))
        self.assertNotIn("csrf/x", images)

    def test_form_field_csrf_and_bearer_work(self):
        r = self.c.post("/gui/api/images/tag", data={"csrf": CSRF, "ref": "busybox:latest", "target": "csrf/form:1"})
        self.assertEqual(r.status_code, 201, r.get_data(as_text=True))
        c = self.app.test_client()
        r = c.post("/gui/api/images/remove", json={"ref": "csrf/form:1"}, headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status_code, 200, r.get_data(as_text=True))

    def test_headers_forbid_framing_and_foreign_code(self):
        r = self.c.get("/")
        csp = r.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(r.headers["X-Frame-Options"], "DENY")
        self.assertEqual(r.headers["Referrer-Policy"], "no-referrer")
        self.assertEqual(r.headers["Cache-Control"], "no-store")

    def test_static_files_stay_inside_static(self):
        for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/js/../../app.py", "/static/x.py"):
            self.assertIn(self.c.get(path).status_code, (404, 308), path)
        r = self.c.get("/static/js/common.js")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.mimetype.endswith("javascript"), r.mimetype)


# ---------------------------------------------------------------- pages

class Pages(GuiCase):
    def test_every_page_renders_with_navigation_and_csrf(self):
        for path, title in (("/", "Dashboard"), ("/containers", "Containers"), ("/images", "Images"),
                            ("/volumes", "Volumes"), ("/networks", "Networks"), ("/events", "Events"),
                            ("/containers/abc", "Container")):
            html = self.c.get(path).get_data(as_text=True)
            self.assertIn("<title>%s · servin</title>" % title, html)
            self.assertIn('data-csrf="%s"' % CSRF, html)
            for nav in ("nav-dashboard", "nav-containers", "nav-images", "nav-volumes", "nav-networks", "nav-events"):
                self.assertIn(nav, html)
            for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
                self.assertEqual(self.c.get(src).status_code, 200, src)

    def test_no_inline_script_or_style(self):
        for path in ("/", "/containers", "/containers/x", "/images", "/volumes", "/networks", "/events"):
            html = self.c.get(path).get_data(as_text=True)
            self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)", path)
            self.assertNotIn(" style=", html, path)
            self.assertNotRegex(html, r"<[^>]+\son[a-z]+=", path)

    def test_container_id_is_escaped(self):
        html = self.c.get("/containers/%3Cscript%3Ex").get_data(as_text=True)
        self.assertIn("&lt;script&gt;x", html)
        self.assertNotIn("<script>x", html)

    def test_unknown_path_is_a_plain_404(self):
        r = self.c.get("/nope")
        self.assertEqual(r.status_code, 404)
        self.assertReadable(r.get_json())


# ---------------------------------------------------------------- system, images

class Dashboard(GuiCase):
    def test_dashboard_reports_the_real_engine(self):
        d = self.get("/gui/api/dashboard")
        self.assertEqual(d["version"]["ApiVersion"], "1.43")
        self.assertEqual(d["info"]["Images"], len(self.get("/gui/api/images")))
        self.assertIn("LayersSize", d["df"])
        self.assertGreater(d["df"]["LayersSize"], 0)

    def test_container_counts_follow_the_engine(self):
        def counts():
            info = self.get("/gui/api/dashboard")["info"]
            return tuple(info[k] for k in ("Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped"))

        def listed():
            states = [c["State"] for c in self.get("/gui/api/containers")]
            return (len(states), states.count("running"), states.count("paused"),
                    len(states) - states.count("running") - states.count("paused"))

        before = counts()
        self.assertEqual(before, listed())
        self.send("POST", "/gui/api/containers", {"image": "busybox:latest", "name": "gui-count",
                  "command": "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'"}, 201)
        try:
            self.assertEqual(counts(), (before[0] + 1, before[1] + 1, before[2], before[3]), "one more running")
            self.send("POST", "/gui/api/containers/gui-count/stop")
            self.assertEqual(counts(), (before[0] + 1, before[1], before[2], before[3] + 1), "one more stopped")
            self.assertEqual(counts(), listed())
        finally:
            self.c.delete("/gui/api/containers/gui-count?force=1", headers={"X-CSRF-Token": CSRF})
        self.assertEqual(counts(), before)


class Images(GuiCase):
    def test_list_shows_the_default_image(self):
        tags = [t for i in self.get("/gui/api/images") for t in i["RepoTags"]]
        self.assertIn("busybox:latest", tags)

    def test_tag_inspect_remove(self):
        self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest", "target": "gui/tagged:v2"}, 201)
        img = self.get("/gui/api/images/inspect?ref=gui/tagged:v2")
        self.assertIn("gui/tagged:v2", img["RepoTags"])
        out = self.send("POST", "/gui/api/images/remove", {"ref": "gui/tagged:v2"})
        self.assertEqual(out, [{"Untagged": "gui/tagged:v2"}])
        tags = [t for i in self.get("/gui/api/images") for t in i["RepoTags"]]
        self.assertNotIn("gui/tagged:v2", tags)
        self.assertIn("busybox:latest", tags)

    def test_tag_with_registry_port_keeps_the_port(self):
        self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest", "target": "localhost:5000/gui/p"}, 201)
        self.get("/gui/api/images/inspect?ref=localhost:5000/gui/p:latest")
        self.send("POST", "/gui/api/images/remove", {"ref": "localhost:5000/gui/p:latest"})

    def test_errors_are_readable(self):
        body = self.send("POST", "/gui/api/images/remove", {"ref": "no/such:image"}, 404)
        self.assertReadable(body)
        self.assertIn("no/such", body["error"])
        self.assertReadable(self.get("/gui/api/images/inspect?ref=nope:1", 404))
        self.assertReadable(self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest", "target": "Bad Name"}, 400))
        self.assertReadable(self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest"}, 400))
        self.assertReadable(self.send("POST", "/gui/api/images/pull", {"image": ""}, 400))

    def test_prune_preview_matches_what_prune_removes(self):
        root = os.path.join(TMP, "rootfs")
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "f"), "w") as f:
            f.write("dangling\n")
        shutil.make_archive(os.path.join(TMP, "rootfs"), "tar", root)
        dangling = ENGINE.servin("import", os.path.join(TMP, "rootfs.tar")).stdout.strip()
        self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest", "target": "gui/unused:1"}, 201)
        preview = self.get("/gui/api/images/prune?all=0")
        self.assertEqual([p["Id"] for p in preview], [dangling], "only the untagged image")
        every = {p["Id"] for p in self.get("/gui/api/images/prune?all=1")}
        busybox = self.get("/gui/api/images/inspect?ref=busybox:latest")["Id"]
        self.assertEqual(every, {dangling, busybox}, "every image no container uses")
        out = self.send("POST", "/gui/api/images/prune", {"all": False})
        self.assertIn({"Deleted": dangling}, out["ImagesDeleted"])
        self.assertNotIn(dangling, {i["Id"] for i in self.get("/gui/api/images")})
        self.assertEqual(self.get("/gui/api/images/prune?all=0"), [])
        self.send("POST", "/gui/api/images/remove", {"ref": "gui/unused:1"})


# ---------------------------------------------------------------- events and the live stream

def read_sse(resp, want, seconds=10):
    """Parses server-sent events from a streaming test response until
    want(events) is true or time runs out; returns the events."""
    events, buf, end = [], "", time.time() + seconds
    for chunk in resp.response:
        buf += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buf:
            block, buf = buf.split("\n\n", 1)
            kind = re.search(r"^event: (.*)$", block, re.M)
            data = re.search(r"^data: (.*)$", block, re.M)
            if kind and data:
                events.append((kind.group(1), json.loads(data.group(1))))
        if want(events) or time.time() > end:
            break
    return events


class Events(GuiCase):
    def test_past_events_include_a_tag(self):
        self.send("POST", "/gui/api/images/tag", {"ref": "busybox:latest", "target": "gui/ev:1"}, 201)
        past = self.get("/gui/api/events?since=60")
        self.assertTrue(any(e["Type"] == "image" and e["Action"] == "tag" for e in past), past[-3:])
        self.send("POST", "/gui/api/images/remove", {"ref": "gui/ev:1"})
        self.assertReadable(self.get("/gui/api/events?since=abc", 400))

    def test_live_stream_relays_engine_state_and_events(self):
        resp = self.c.get("/gui/sse/live", buffered=False)
        self.assertEqual(resp.mimetype, "text/event-stream")
        got = read_sse(resp, lambda ev: any(k == "engine" and d["state"] == "up" for k, d in ev))
        self.assertIn("up", [d["state"] for k, d in got if k == "engine"], got)
        threading.Timer(0.3, lambda: self.send("POST", "/gui/api/images/tag",
                                               {"ref": "busybox:latest", "target": "gui/live:1"}, 201)).start()
        got = read_sse(resp, lambda ev: any(k == "event" and d.get("Action") == "tag" for k, d in ev))
        resp.close()
        tags = [d for k, d in got if k == "event" and d.get("Action") == "tag"]
        self.assertTrue(tags, got)
        self.assertEqual(tags[0]["Type"], "image")
        self.send("POST", "/gui/api/images/remove", {"ref": "gui/live:1"})


# ---------------------------------------------------------------- containers

class Containers(GuiCase):
    def test_run_form_is_checked_before_the_engine(self):
        cases = [({}, "image is required"), ({"image": "busybox", "command": "sh -c 'x"}, "command"),
                 ({"image": "busybox", "env": "NOEQUALS"}, "NAME=value"),
                 ({"image": "busybox", "ports": "80:http"}, "port")]
        for body, words in cases:
            out = self.send("POST", "/gui/api/containers", body, 400)
            self.assertReadable(out)
            self.assertIn(words, out["error"])

    def test_run_config_maps_the_form(self):
        name, cfg = gui_app.run_config({"image": "busybox", "name": "n1", "command": "sh -c 'echo a b'",
                                        "env": "A=1\nB=2", "ports": "127.0.0.1:8080:80\n53/udp",
                                        "volumes": "data:/data", "network": "net1", "auto_remove": True})
        self.assertEqual(name, "n1")
        self.assertEqual(cfg["Cmd"], ["sh", "-c", "echo a b"])
        self.assertEqual(cfg["Env"], ["A=1", "B=2"])
        self.assertEqual(cfg["ExposedPorts"], {"80/tcp": {}, "53/udp": {}})
        self.assertEqual(cfg["HostConfig"]["PortBindings"], {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]})
        self.assertEqual(cfg["HostConfig"]["Binds"], ["data:/data"])
        self.assertEqual(cfg["HostConfig"]["NetworkMode"], "net1")
        self.assertTrue(cfg["HostConfig"]["AutoRemove"])

    def test_run_list_logs_top_stop_remove(self):
        self.app.extensions["servin_hub"].start()
        out = self.send("POST", "/gui/api/containers", {"image": "busybox:latest", "name": "gui-t1",
                        "command": "sh -c 'trap \"exit 0\" TERM; echo hello-from-gui; echo oops >&2; "
                                   "while :; do sleep 1; done'"}, 201)
        cid = out["Id"]
        try:
            names = [n for c in self.get("/gui/api/containers") for n in c["Names"]]
            self.assertIn("/gui-t1", names)
            self.assertTrue(wait_for(lambda: any(
                ln["text"] == "hello-from-gui" for ln in self.get("/gui/api/containers/gui-t1/logs")["lines"]), 10))
            lines = self.get("/gui/api/containers/gui-t1/logs")["lines"]
            self.assertIn({"stream": "stderr", "text": "oops"}, lines)
            self.assertEqual(self.get("/gui/api/containers/" + cid)["State"]["Running"], True)
            top = self.get("/gui/api/containers/gui-t1/top")
            self.assertTrue(any("sh -c" in " ".join(p) for p in top["Processes"]), top)
            taken = self.send("POST", "/gui/api/containers", {"image": "busybox:latest", "name": "gui-t1"}, 409)
            self.assertReadable(taken)
            self.assertTrue(wait_for(lambda: self.get("/gui/api/containers/gui-t1/stats")["history"], 10),
                            "stats samples arrive through the hub")
            state = lambda: self.get("/gui/api/containers/gui-t1")["State"]
            self.send("POST", "/gui/api/containers/gui-t1/pause")
            self.assertTrue(state()["Paused"])
            self.send("POST", "/gui/api/containers/gui-t1/unpause")
            self.assertFalse(state()["Paused"])
            started = state()["StartedAt"]
            self.send("POST", "/gui/api/containers/gui-t1/restart")
            self.assertTrue(state()["Running"])
            self.assertNotEqual(state()["StartedAt"], started, "restart starts it anew")
            self.send("POST", "/gui/api/containers/gui-t1/stop")
            self.assertFalse(state()["Running"])
            stopped = state()
            hellos = lambda: [ln["text"] for ln in self.get("/gui/api/containers/gui-t1/logs")["lines"]].count("hello-from-gui")
            runs = hellos()
            self.send("POST", "/gui/api/containers/gui-t1/start")
            self.assertTrue(state()["Running"], "start runs the stopped container again")
            self.assertNotEqual(state()["StartedAt"], stopped["StartedAt"])
            self.assertTrue(wait_for(lambda: hellos() == runs + 1, 10), "its command ran once more")
        finally:
            self.c.delete("/gui/api/containers/%s?force=1" % cid, headers={"X-CSRF-Token": CSRF})
        self.assertNotIn(cid, [c["Id"] for c in self.get("/gui/api/containers")])

    def test_missing_image_is_readable(self):
        out = self.send("POST", "/gui/api/containers", {"image": "no/such-image:1"}, 404)
        self.assertReadable(out)
        self.assertIn("no/such-image", out["error"])

    def test_unknown_action_and_container(self):
        self.assertEqual(self.c.post("/gui/api/containers/x/explode", headers={"X-CSRF-Token": CSRF}).status_code, 404)
        self.assertReadable(self.send("POST", "/gui/api/containers/no-such-ctr/start", None, 404))


# ---------------------------------------------------------------- volumes, networks, pull

class VolumesNetworks(GuiCase):
    def test_volume_create_inspect_remove(self):
        v = self.send("POST", "/gui/api/volumes", {"name": "gui-vol", "labels": "a=b"}, 201)
        self.assertEqual(v["Name"], "gui-vol")
        self.assertEqual(self.get("/gui/api/volumes/gui-vol")["Labels"], {"a": "b"})
        self.assertIn("gui-vol", [x["Name"] for x in self.get("/gui/api/volumes")])
        self.send("DELETE", "/gui/api/volumes/gui-vol")
        self.assertNotIn("gui-vol", [x["Name"] for x in self.get("/gui/api/volumes")])
        self.assertReadable(self.send("DELETE", "/gui/api/volumes/gui-vol", None, 404))

    def test_volume_with_a_generated_name(self):
        v = self.send("POST", "/gui/api/volumes", {"name": ""}, 201)
        self.assertRegex(v["Name"], r"^[0-9a-f]{16,}$")
        self.send("DELETE", "/gui/api/volumes/" + v["Name"])

    def test_network_create_connect_remove(self):
        n = self.send("POST", "/gui/api/networks", {"name": "gui-net", "subnet": "10.231.7.0/24"}, 201)
        self.assertTrue(n["Id"])
        net = self.get("/gui/api/networks/gui-net")
        self.assertEqual(net["Name"], "gui-net")
        self.assertEqual(net["IPAM"]["Config"][0]["Subnet"], "10.231.7.0/24")
        self.assertReadable(self.send("POST", "/gui/api/networks", {"name": "gui-net"}, 409))
        self.assertReadable(self.send("POST", "/gui/api/networks/gui-net/connect", {"container": "no-such-ctr"}, 404))
        self.assertReadable(self.send("POST", "/gui/api/networks/gui-net/connect", {}, 400))
        self.send("DELETE", "/gui/api/networks/gui-net")
        self.assertNotIn("gui-net", [x["Name"] for x in self.get("/gui/api/networks")])

    def test_connect_and_disconnect_a_container(self):
        self.send("POST", "/gui/api/networks", {"name": "gui-net2"}, 201)
        out = self.send("POST", "/gui/api/containers", {"image": "busybox:latest", "name": "gui-netc",
                        "command": "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'"}, 201)
        try:
            self.send("POST", "/gui/api/networks/gui-net2/connect", {"container": "gui-netc"})
            members = self.get("/gui/api/networks/gui-net2")["Containers"] or {}
            self.assertIn(out["Id"], members)
            self.send("POST", "/gui/api/networks/gui-net2/disconnect", {"container": "gui-netc"})
            self.assertNotIn(out["Id"], self.get("/gui/api/networks/gui-net2")["Containers"] or {})
        finally:
            self.c.delete("/gui/api/containers/gui-netc?force=1", headers={"X-CSRF-Token": CSRF})
            self.c.delete("/gui/api/networks/gui-net2", headers={"X-CSRF-Token": CSRF})


class Pull(GuiCase):
    def test_pull_streams_progress_per_layer(self):
        ref = "%s/gui/pulled" % REGISTRY.addr
        r = self.c.post("/gui/api/images/pull", json={"image": ref, "tag": "v1"}, headers={"X-CSRF-Token": CSRF})
        self.assertEqual(r.status_code, 200, r.get_data(as_text=True)[:300])
        items = [json.loads(ln) for ln in r.get_data(as_text=True).splitlines() if ln.strip()]
        self.assertFalse([i for i in items if "error" in i], items[-3:])
        layers = {i["id"] for i in items if i.get("id") and i.get("progressDetail") is not None}
        self.assertGreaterEqual(len(layers), 2, items)
        self.assertIn(ref + ":v1", [t for i in self.get("/gui/api/images") for t in i["RepoTags"]])

    def test_pull_of_an_unknown_tag_is_readable(self):
        r = self.c.post("/gui/api/images/pull", json={"image": "%s/gui/pulled" % REGISTRY.addr, "tag": "nope"},
                        headers={"X-CSRF-Token": CSRF})
        if r.status_code != 200:
            self.assertNotEqual(r.status_code, 501, "the engine pulls through its API")
            self.assertReadable(r.get_json())
            return
        last = [json.loads(ln) for ln in r.get_data(as_text=True).splitlines() if ln.strip()][-1]
        self.assertIn("error", last)


class OlderEngine(GuiCase):
    """An older servin lacks some endpoints: the GUI says so in a sentence
    (501), never a stack trace. The real engine, asked for a path it does
    not serve, answers as such an engine would."""

    class OldClient(Client):
        def volumes(self):
            return self.call("GET", "/volumes-of-a-newer-engine")

    def test_missing_endpoint_is_a_readable_501(self):
        c = gui_app.create_app(self.OldClient(ENGINE.api), token=TOKEN, csrf=CSRF, hosts={"localhost"}).test_client()
        r = c.get("/gui/api/volumes", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status_code, 501, r.get_data(as_text=True))
        body = r.get_json()
        self.assertReadable(body)
        self.assertEqual(body["missing"], "/volumes-of-a-newer-engine")
        self.assertIn("does not offer /volumes-of-a-newer-engine", body["error"])
        r = c.get("/gui/api/volumes/nope", headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status_code, 404, "an engine's own 404 (no such volume) stays a 404")


# ---------------------------------------------------------------- engine down and back

class EngineAbsent(unittest.TestCase):
    def test_the_hub_gives_the_reason_once(self):
        """A GUI started with no engine: the live state carries the reason
        alone, which the page puts after "The engine is down: " (it said
        "engine is down: engine is down: cannot reach ...")."""
        sock = os.path.join(TMP, "no-engine.sock")
        hub = live.LiveHub(Client("unix://" + sock))
        hub.start()
        try:
            self.assertTrue(wait_for(lambda: hub.snapshot()["engine"]["state"] == "down", 10))
            self.assertRegex(hub.snapshot()["engine"]["message"], r"^cannot reach unix://%s " % re.escape(sock))
        finally:
            hub.stop()


class EngineDownAndBack(GuiCase):
    def test_down_then_back(self):
        hub = self.app.extensions["servin_hub"]
        resp = self.c.get("/gui/sse/live", buffered=False)
        read_sse(resp, lambda ev: any(k == "engine" and d["state"] == "up" for k, d in ev))
        ENGINE.stop()
        try:
            body = self.get("/gui/api/dashboard", 503)
            self.assertEqual(body["engine"], "down")
            self.assertReadable(body)
            self.assertIn("engine is down", body["error"])
            self.assertEqual(self.get("/gui/api/images", 503)["engine"], "down")
            self.assertEqual(self.c.get("/images").status_code, 200, "pages still render")
            got = read_sse(resp, lambda ev: any(k == "engine" and d["state"] == "down" for k, d in ev))
            self.assertIn("down", [d["state"] for k, d in got if k == "engine"], got)
        finally:
            ENGINE.start()
        got = read_sse(resp, lambda ev: any(k == "engine" and d["state"] == "up" for k, d in ev))
        resp.close()
        self.assertIn("up", [d["state"] for k, d in got if k == "engine"], "the hub reconnects by itself")
        self.assertEqual(hub.snapshot()["engine"]["state"], "up")
        self.assertIn("busybox:latest", [t for i in self.get("/gui/api/images") for t in i["RepoTags"]])


# ---------------------------------------------------------------- launcher and remote engines

def make_pki(d):
    """A CA and a server certificate for 127.0.0.1, with openssl."""
    os.makedirs(d, exist_ok=True)
    run = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gui-test-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "ext", "-out", "server.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=gui-client", "-keyout", "client.key", "-out", "client.csr")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-out", "client.crt")


class Launcher(unittest.TestCase):
    """gui/main.py as a user starts it."""

    def launch(self, *args):
        p = subprocess.Popen([PY, os.path.join(TOP, "gui", "main.py"), "--no-window", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait()))
        return p, p.stdout.readline().strip()

    def fetch(self, url, path, token, host=None):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(host or u.hostname, u.port, timeout=10)
        conn.request("GET", path, headers={"Authorization": "Bearer " + token, "Host": u.netloc})
        r = conn.getresponse()
        return r.status, r.read()

    def test_no_window_prints_the_url_first_and_serves_loopback_only(self):
        p, url = self.launch("--api", ENGINE.api)
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})", url)
        self.assertTrue(m, url)
        port, token = int(m.group(1)), m.group(2)
        status, body = self.fetch(url, "/gui/api/images", token)
        self.assertEqual(status, 200)
        self.assertIn(b"busybox:latest", body)
        self.assertEqual(self.fetch(url, "/gui/api/images", "x" * 43)[0], 403)
        with self.assertRaises(OSError):  # bound to 127.0.0.1, not to every loopback address
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
        p2, url2 = self.launch("--api", ENGINE.api)
        self.assertNotEqual(url2.split("token=")[1], token, "a fresh token per launch")
        self.assertNotEqual(urllib.parse.urlsplit(url2).port, port, "a random port per launch")
        p.terminate()
        self.assertEqual(p.wait(10), 0)

    def test_without_a_webview_backend_the_browser_opens_the_url(self):
        record = os.path.join(TMP, "browser-got")
        script = os.path.join(TMP, "fake-browser")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho \"$1\" > %s\n" % record)
        os.chmod(script, 0o755)
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env["BROWSER"] = script + " %s"  # what Python's webbrowser runs: a stand-in that records the URL
        p = subprocess.Popen([PY, os.path.join(TOP, "gui", "main.py"), "--api", ENGINE.api], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait()))
        url = p.stdout.readline().strip()
        self.assertTrue(wait_for(lambda: os.path.exists(record), 10), "the browser was asked to open the URL")
        with open(record) as f:
            self.assertEqual(f.read().strip(), url)
        self.assertIsNone(p.poll(), "it keeps serving")
        self.assertEqual(self.fetch(url, "/gui/api/images", url.split("token=")[1])[0], 200)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(10), 0)

    def test_bad_api_address_is_a_clear_error(self):
        r = subprocess.run([PY, os.path.join(TOP, "gui", "main.py"), "--no-window", "--api", "ftp://x"],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unix:///path or https://host:port", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_remote_engine_over_mutual_tls_and_a_token(self):
        pki = os.path.join(TMP, "pki")
        make_pki(pki)
        with open(os.path.join(TMP, "api-token"), "w") as f:
            f.write("gui-test-token-0123456789\n")
        os.chmod(os.path.join(TMP, "api-token"), 0o600)
        port = free_port()
        serve = subprocess.Popen([os.path.join(TOP, "build", "bin", "servin"), "serve", "--no-unix", "--access-log",
                                  "off", "--tcp", "127.0.0.1:%d" % port, "--token-file", os.path.join(TMP, "api-token"),
                                  "--tls-cert", os.path.join(pki, "server.crt"), "--tls-key",
                                  os.path.join(pki, "server.key"), "--tls-ca", os.path.join(pki, "ca.crt")],
                                 env=ENGINE.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (serve.terminate(), serve.wait()))
        api = "https://127.0.0.1:%d" % port
        tls = {"tls_ca": os.path.join(pki, "ca.crt"), "tls_cert": os.path.join(pki, "client.crt"),
               "tls_key": os.path.join(pki, "client.key")}
        remote = Client(api, token="gui-test-token-0123456789", **tls)
        self.assertTrue(wait_for(remote.ping, 10), "the TLS engine answers")
        self.assertIn("busybox:latest", [t for i in remote.images() for t in i["RepoTags"]])
        with self.assertRaises(EngineError) as e:
            Client(api, **tls).images()
        self.assertEqual(e.exception.status, 401)
        with self.assertRaises(EngineDown):
            Client(api, token="gui-test-token-0123456789", tls_ca=tls["tls_ca"]).images()  # no client certificate
        with self.assertRaises(EngineDown) as down:
            Client(api, token="gui-test-token-0123456789").images()  # the test CA is not trusted by default
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(down.exception))
        p, url = self.launch("--api", api, "--api-token-file", os.path.join(TMP, "api-token"),
                             "--tls-ca", tls["tls_ca"], "--tls-cert", tls["tls_cert"], "--tls-key", tls["tls_key"])
        status, body = self.fetch(url, "/gui/api/dashboard", url.split("token=")[1])
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(json.loads(body)["version"]["ApiVersion"], "1.43")


class Client_(unittest.TestCase):
    def test_addresses(self):
        from servin_client import parse_address
        self.assertEqual(parse_address("unix:///run/x.sock"), ("unix", "/run/x.sock"))
        self.assertEqual(parse_address("https://127.0.0.1:2376"), ("https", ("127.0.0.1", 2376)))
        self.assertEqual(parse_address("tcp://localhost:2375"), ("http", ("localhost", 2375)))
        for bad in ("unix://rel.sock", "ftp://x:1", "https://nohost", "/path"):
            self.assertRaises(ValueError, parse_address, bad)

    def test_stats_sample_uses_the_cli_formula(self):
        s = live.stats_sample({"cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
                               "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
                               "memory_stats": {"usage": 5000, "limit": 10000, "stats": {"inactive_file": 1000}},
                               "networks": {"eth0": {"rx_bytes": 7, "tx_bytes": 3}}, "pids_stats": {"current": 4}})
        self.assertEqual((s["cpu"], s["mem"], s["limit"], s["rx"], s["tx"], s["pids"]), (40.0, 4000, 10000, 7, 3, 4))


# ---------------------------------------------------------------- TAP

class Tap(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, test.id().split(".", 1)[1]), flush=True)
        for ln in (diag or "").splitlines()[-25:]:
            print("#   " + ln, flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test, self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        """Nothing here may skip: a skip is a failure."""
        super().addSkip(test, reason)
        self.failures.append((test, "skipped: " + reason))
        self._line(False, test, "skipped: " + reason)


def main():
    global ENGINE, REGISTRY, TMP
    if not os.path.exists(os.path.join(TOP, "build", "bin", "servin")):
        print("1..0 # SKIP build/bin/servin is not built")
        return 77
    gui_app.KEEPALIVE_SECONDS = 1  # the SSE readers below check their deadlines at least once a second
    TMP = tmp_dir("servin-gui-api.")
    ENGINE = Engine(TMP)
    REGISTRY = Registry(TMP, ENGINE)
    try:
        ENGINE.start()
        REGISTRY.start()
        REGISTRY.push(make_image(TMP, "gui/pulled:v1"), "gui/pulled:v1")
        order = [Client_, Launcher, Security, Pages, Dashboard, Images, Events, Containers, VolumesNetworks, Pull,
                 OlderEngine, EngineAbsent, EngineDownAndBack]
        suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(c) for c in order)
        result = Tap()
        suite.run(result)
        print("1..%d" % result.n)
        return 0 if result.wasSuccessful() else 1
    finally:
        REGISTRY.stop()
        ENGINE.stop()
        ENGINE.remove_containers()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
