"""The GUI's Flask backend: pages, a small JSON API for them, and
server-sent event streams — all over servin's Docker-compatible REST API
(servin_client), never the core.

Security. The engine's API is root-equivalent and this server fronts it,
so (besides listening on 127.0.0.1 only, which main.py does):
  - every request needs the per-launch token: once as ?token= on the URL
    that main.py prints (it becomes an HttpOnly, SameSite=Strict cookie and
    the URL is redirected without it), or as "Authorization: Bearer";
  - the Host header must name this server (127.0.0.1:PORT or
    localhost:PORT), which defeats DNS rebinding;
  - state changes need the per-launch CSRF value (X-CSRF-Token header, or
    a csrf form field); it is printed into the pages, never sent to other
    origins, and cookies alone never suffice;
  - pages get a strict Content-Security-Policy (no inline script, nothing
    from elsewhere) and are never framed.

Errors. Engine failures become readable messages (EngineDown: 503 with
"engine": "down"; EngineError: the engine's status and message); anything
else is logged here and answered with a one-line message, never a trace.
"""
import collections
import hmac
import json
import mimetypes
import pkgutil
import queue
import re
import secrets
import shlex
import threading
import time
import urllib.parse

from flask import Flask, Response, jsonify, redirect, render_template, request
from jinja2 import FunctionLoader
from werkzeug.exceptions import HTTPException

from live import LiveHub
from servin_client import FOREVER, EngineDown, EngineError

KEEPALIVE_SECONDS = 15
RELAY_QUEUE = 1000
MAX_LOG_LINES = 10000
CONTAINER_ACTIONS = {"start", "stop", "restart", "pause", "unpause", "kill"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
STATIC_NAME = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*\.(js|css|svg|png)$")

PAGES = [
    ("dashboard", "/", "Dashboard"),
    ("containers", "/containers", "Containers"),
    ("images", "/images", "Images"),
    ("volumes", "/volumes", "Volumes"),
    ("networks", "/networks", "Networks"),
    ("events", "/events", "Events"),
]

CSP = ("default-src 'none'; script-src 'self'%s; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class BadInput(Exception):
    """A form value the GUI refuses before asking the engine."""


def resource(name):
    """A file shipped with the GUI (works from the source tree and from
    inside the zipapp); None when absent."""
    try:
        return pkgutil.get_data(__name__, name)
    except OSError:
        return None


def _template(name):
    data = resource("templates/" + name)
    return data.decode("utf-8") if data is not None else None


def sse(kind, data):
    return "event: %s\ndata: %s\n\n" % (kind, json.dumps(data))


def sse_response(gen):
    return Response(gen, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def error(status, message, **extra):
    body = {"error": message}
    body.update(extra)
    return jsonify(body), status


def missing_endpoint(e):
    """The engine has no such route (an older servin, or a partial API)."""
    return e.status == 404 and e.message == "page not found"


def friendly_engine_error(e):
    """The engine's message, or for an endpoint the engine does not serve,
    a sentence that says so."""
    if missing_endpoint(e):
        return "the engine does not offer %s (its API lacks this endpoint)" % (e.path or "this")
    return e.message


# ---------------------------------------------------------------- forms

def payload():
    """The request's fields: a JSON object or a form."""
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return body
    return request.form.to_dict()


def field(data, key, required=False, default=""):
    v = data.get(key, default)
    v = v.strip() if isinstance(v, str) else v
    if required and not v:
        raise BadInput("%s is required" % key)
    return v


def truthy(v):
    return v in (True, 1) or str(v).lower() in ("1", "true", "on", "yes")


def lines(text):
    return [ln.strip() for ln in str(text or "").splitlines() if ln.strip()]


def parse_port(spec):
    """[ip:]host:container[/proto] or container[/proto] → (key, binding)."""
    spec, _, proto = spec.partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp", "sctp"):
        raise BadInput("port %s: protocol must be tcp, udp or sctp" % spec)
    parts = spec.rsplit(":", 2)
    if not all(p.isdigit() for p in parts[-2:] if p) or not parts[-1].isdigit():
        raise BadInput("port %r: expected [ip:]hostport:containerport" % spec)
    key = "%s/%s" % (parts[-1], proto)
    if len(parts) == 1:
        return key, None
    ip = parts[0] if len(parts) == 3 else ""
    return key, {"HostIp": ip, "HostPort": parts[-2]}


def run_config(data):
    """The run form as a container create body."""
    image = field(data, "image", required=True)
    try:
        cmd = shlex.split(field(data, "command") or "")
    except ValueError as e:
        raise BadInput("command: %s" % e) from None
    env = lines(data.get("env"))
    for e in env:
        if "=" not in e:
            raise BadInput("environment line %r: expected NAME=value" % e)
    config = {"Image": image, "Env": env, "Tty": False, "OpenStdin": False,
              "AttachStdout": False, "AttachStderr": False, "Labels": {}}
    if cmd:
        config["Cmd"] = cmd
    host = {"AutoRemove": truthy(data.get("auto_remove")), "Binds": lines(data.get("volumes")),
            "PortBindings": {}}
    exposed = {}
    for spec in lines(data.get("ports")):
        key, binding = parse_port(spec)
        exposed[key] = {}
        if binding:
            host["PortBindings"].setdefault(key, []).append(binding)
    config["ExposedPorts"] = exposed
    network = field(data, "network")
    if network:
        host["NetworkMode"] = network
    config["HostConfig"] = host
    return field(data, "name"), config


# ---------------------------------------------------------------- images

def dangling(img):
    tags = img.get("RepoTags") or []
    return not tags or tags == ["<none>:<none>"]


def prune_preview(client, all_unused):
    """What POST /images/prune would remove: dangling images, or with
    all_unused every image no container uses."""
    used = set()
    try:
        used = {c.get("ImageID") for c in client.containers(all=True) or []}
    except EngineError:
        pass  # no containers API: rely on each image's Containers count
    out = []
    for img in client.images() or []:
        in_use = img["Id"] in used or (img.get("Containers") or 0) > 0
        if in_use:
            continue
        if dangling(img) or all_unused:
            out.append({"Id": img["Id"], "RepoTags": img.get("RepoTags") or [], "Size": img.get("Size", 0)})
    return out


# ---------------------------------------------------------------- streams

def waiting(q):
    """The items of q as they come, and None after each KEEPALIVE_SECONDS
    of quiet (the caller sends a keep-alive: writing is how a closed page
    is noticed)."""
    while True:
        try:
            yield q.get(timeout=KEEPALIVE_SECONDS)
        except queue.Empty:
            yield None


def relay(stream, convert):
    """Yields SSE text for each item of an engine Stream, read by a helper
    thread so that a quiet stream still sends keep-alives (which is how a
    closed page is noticed) and is closed when the page leaves."""
    q = queue.Queue(RELAY_QUEUE)

    def put(item):
        while not stream.closed:
            try:
                q.put(item, timeout=1)
                return
            except queue.Full:
                continue

    def pump():
        try:
            for item in stream:
                put(("item", item))
            put(("end", {"message": "the stream ended"}))
        except EngineDown as e:
            put(("end", {"message": str(e), "engine": "down"}))

    threading.Thread(target=pump, name="gui-relay", daemon=True).start()
    try:
        for got in waiting(q):
            if got is None:
                yield ": keepalive\n\n"
                continue
            kind, item = got
            if kind == "end":
                yield sse("end", item)
                return
            yield from convert(item)
    finally:
        stream.close()


class LineSplitter:
    """Log pieces to whole lines, per stream (a frame may end mid-line)."""

    def __init__(self):
        self.rest = {}

    def feed(self, stream, text):
        buf = self.rest.get(stream, "") + text
        parts = buf.split("\n")
        self.rest[stream] = parts.pop()
        return [{"stream": stream, "text": p} for p in parts]

    def flush(self):
        out = [{"stream": s, "text": t} for s, t in self.rest.items() if t]
        self.rest = {}
        return out


def log_query(tail, follow, timestamps):
    return {"stdout": 1, "stderr": 1, "tail": tail, "follow": int(follow), "timestamps": int(timestamps)}


# ---------------------------------------------------------------- the app

def create_app(client, token=None, csrf=None, hosts=None, allow_eval=False):
    """The Flask app for one engine. token and csrf default to fresh
    random values; hosts is the set of Host header values accepted
    (main.py sets it once the port is known). allow_eval adds
    'unsafe-eval' to the page policy: WebKitGTK runs pywebview's
    evaluate_js as an eval, which the window's self-test needs; the pages
    themselves never eval."""
    app = Flask(__name__, static_folder=None, template_folder=None)
    app.jinja_loader = FunctionLoader(_template)
    app.config.update(GUI_TOKEN=token or secrets.token_urlsafe(32), GUI_CSRF=csrf or secrets.token_urlsafe(32),
                      GUI_HOSTS=set(hosts or ()), GUI_CSP=CSP % (" 'unsafe-eval'" if allow_eval else ""),
                      JSON_SORT_KEYS=False)
    app.extensions["servin_client"] = client
    app.extensions["servin_hub"] = LiveHub(client)
    _install_guard(app)
    _install_errors(app)
    _install_pages(app)
    _install_system(app, client)
    _install_containers(app, client)
    _install_images(app, client)
    _install_volumes_networks(app, client)
    _install_streams(app, client)
    return app


def _cookie_name():
    host = request.headers.get("Host", "")
    port = host.rsplit(":", 1)[1] if ":" in host else "80"
    return "servin_gui_" + re.sub(r"[^0-9]", "", port)  # cookies ignore ports: one name per port


def _same(a, b):
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def _install_guard(app):
    def authenticated(token):
        bearer = request.headers.get("Authorization", "")
        if bearer.startswith("Bearer ") and _same(bearer[7:], token):
            return "bearer"
        if _same(request.cookies.get(_cookie_name()), token):
            return "cookie"
        if _same(request.args.get("token"), token):
            return "query"
        return None

    def csrf_ok(how):
        if how == "bearer":
            return True  # no browser sends this header across origins without our consent
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf")
        return _same(given, app.config["GUI_CSRF"])

    @app.before_request
    def guard():
        if request.headers.get("Host", "") not in app.config["GUI_HOSTS"]:
            return Response("servin-gui: unexpected Host header\n", 400, mimetype="text/plain")
        how = authenticated(app.config["GUI_TOKEN"])
        if not how:
            return Response("servin-gui: open the URL that servin-gui printed (it carries the access token)\n",
                            403, mimetype="text/plain")
        if how == "query" and request.method == "GET":
            return _login_redirect(app)
        if request.method not in SAFE_METHODS and not csrf_ok(how):
            return error(403, "the request lacks this page's CSRF token: reload the page")
        return None

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = app.config["GUI_CSP"]
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def _login_redirect(app):
    """Trades ?token= for the cookie and drops it from the address bar."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    target = request.path + ("?" + urllib.parse.urlencode(args) if args else "")
    resp = redirect(target, code=303)
    resp.set_cookie(_cookie_name(), app.config["GUI_TOKEN"], httponly=True, samesite="Strict", path="/")
    return resp


def _install_errors(app):
    @app.errorhandler(EngineDown)
    def engine_down(e):
        return error(503, str(e), engine="down")

    @app.errorhandler(EngineError)
    def engine_error(e):
        if missing_endpoint(e):
            return error(501, friendly_engine_error(e), missing=e.path)
        status = e.status if 400 <= e.status < 600 else 502
        return error(status, friendly_engine_error(e))

    @app.errorhandler(BadInput)
    def bad_input(e):
        return error(400, str(e))

    @app.errorhandler(Exception)
    def unexpected(e):
        if isinstance(e, HTTPException):
            return error(e.code, e.description or e.name)
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error(500, "internal error in the GUI (%s): see its log" % type(e).__name__)


def _install_pages(app):
    def page(name, title, **extra):
        return render_template(name + ".html", page=name, title=title, pages=PAGES,
                               csrf=app.config["GUI_CSRF"], **extra)

    for name, path, title in PAGES:
        app.add_url_rule(path, "page_" + name, lambda name=name, title=title: page(name, title))

    @app.route("/containers/<cid>")
    def container_page(cid):
        return page("container", "Container", cid=cid)

    @app.route("/static/<path:name>")
    def static_file(name):
        data = resource("static/" + name) if STATIC_NAME.match(name) else None
        if data is None:
            return error(404, "no such file")
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(data, mimetype=ctype, headers={"Cache-Control": "private, max-age=3600"})


def _install_system(app, client):
    @app.route("/gui/api/dashboard")
    def dashboard():
        out = {"version": client.version(), "info": client.info()}
        try:
            out["df"] = client.df()
        except EngineError as e:
            out["df_error"] = friendly_engine_error(e)
        return jsonify(out)

    @app.route("/gui/api/events")
    def past_events():
        """The last hour's events (or ?since=seconds ago), oldest first."""
        try:
            ago = max(1, min(int(request.args.get("since", "3600")), 30 * 86400))
        except ValueError:
            raise BadInput("since must be a number of seconds") from None
        now = time.time()  # to the nanosecond: an event of this very second is included
        stream = client.events(since="%.9f" % (now - ago), until="%.9f" % now, timeout=30)
        return jsonify(list(stream)[-1000:])


def _install_containers(app, client):
    @app.route("/gui/api/containers")
    def containers():
        return jsonify(client.containers(all=True) or [])

    @app.route("/gui/api/containers", methods=["POST"])
    def run():
        name, config = run_config(payload())
        created = client.container_create(name, config)
        cid = created["Id"]
        try:
            client.container_action(cid, "start")
        except EngineError as e:
            return error(e.status if 400 <= e.status < 600 else 502,
                         "created %s but it did not start: %s" % (cid[:12], friendly_engine_error(e)), id=cid)
        return jsonify({"Id": cid, "Warnings": created.get("Warnings") or []}), 201

    @app.route("/gui/api/containers/<cid>/<action>", methods=["POST"])
    def action(cid, action):
        if action not in CONTAINER_ACTIONS:
            return error(404, "unknown container action %s" % action)
        client.container_action(cid, action)
        return jsonify({"ok": True})

    @app.route("/gui/api/containers/<cid>", methods=["DELETE"])
    def remove(cid):
        client.container_remove(cid, force=truthy(request.args.get("force")))
        return jsonify({"ok": True})

    @app.route("/gui/api/containers/<cid>")
    def inspect(cid):
        return jsonify(client.container(cid))

    @app.route("/gui/api/containers/<cid>/top")
    def top(cid):
        return jsonify(client.container_top(cid))

    @app.route("/gui/api/containers/<cid>/logs")
    def logs(cid):
        tail = request.args.get("tail", "500")
        if tail != "all" and not tail.isdigit():
            raise BadInput("tail must be a number or all")
        split = LineSplitter()
        out = collections.deque(maxlen=MAX_LOG_LINES)  # tail=all of a chatty container stays bounded
        for stream, text in client.stream_logs(cid, log_query(tail, False, truthy(request.args.get("timestamps")))):
            out.extend(split.feed(stream, text))
        out.extend(split.flush())
        return jsonify({"lines": list(out)})

    @app.route("/gui/api/containers/<cid>/stats")
    def stats_history(cid):
        """The samples the hub keeps, by full ID (cid may be a name)."""
        full = client.container(cid)["Id"]
        return jsonify(app.extensions["servin_hub"].snapshot(full))


def _install_images(app, client):
    @app.route("/gui/api/images")
    def images():
        return jsonify(client.images() or [])

    @app.route("/gui/api/images/inspect")
    def image_inspect():
        return jsonify(client.image(field(request.args, "ref", required=True)))

    @app.route("/gui/api/images/pull", methods=["POST"])
    def pull():
        data = payload()
        image = field(data, "image", required=True)
        stream = client.image_pull(image, field(data, "tag") or None)  # an early error is a plain error

        def gen():
            try:
                for item in stream:
                    yield json.dumps(item) + "\n"
            except EngineDown as e:
                yield json.dumps({"error": str(e)}) + "\n"
            finally:
                stream.close()

        return Response(gen(), mimetype="application/x-ndjson", headers={"X-Accel-Buffering": "no"})

    @app.route("/gui/api/images/tag", methods=["POST"])
    def tag():
        data = payload()
        repo, _, tag = field(data, "target", required=True).rpartition(":")
        if not repo or "/" in tag:
            repo, tag = field(data, "target"), ""
        client.image_tag(field(data, "ref", required=True), repo, tag)
        return jsonify({"ok": True}), 201

    @app.route("/gui/api/images/remove", methods=["POST"])
    def image_remove():
        data = payload()
        return jsonify(client.image_remove(field(data, "ref", required=True), force=truthy(data.get("force"))))

    @app.route("/gui/api/images/prune")
    def preview():
        return jsonify(prune_preview(client, truthy(request.args.get("all"))))

    @app.route("/gui/api/images/prune", methods=["POST"])
    def prune():
        return jsonify(client.images_prune(all=truthy(payload().get("all"))))


def _install_volumes_networks(app, client):
    @app.route("/gui/api/volumes")
    def volumes():
        return jsonify((client.volumes() or {}).get("Volumes") or [])

    @app.route("/gui/api/volumes", methods=["POST"])
    def volume_create():
        data = payload()
        labels = dict(ln.split("=", 1) if "=" in ln else (ln, "") for ln in lines(data.get("labels")))
        return jsonify(client.volume_create(field(data, "name"), field(data, "driver") or None, labels)), 201

    @app.route("/gui/api/volumes/<name>")
    def volume_inspect(name):
        return jsonify(client.volume(name))

    @app.route("/gui/api/volumes/<name>", methods=["DELETE"])
    def volume_remove(name):
        client.volume_remove(name, force=truthy(request.args.get("force")))
        return jsonify({"ok": True})

    @app.route("/gui/api/networks")
    def networks():
        """Docker's list leaves Containers empty (only inspect fills it), so
        each network is inspected for the members column."""
        out = []
        for n in client.networks() or []:
            try:
                out.append(client.network(n["Id"]))
            except EngineError:
                out.append(n)  # removed meanwhile, or not inspectable: the list entry will do
        return jsonify(out)

    @app.route("/gui/api/networks", methods=["POST"])
    def network_create():
        data = payload()
        created = client.network_create(field(data, "name", required=True), field(data, "driver") or None,
                                        field(data, "subnet") or None, truthy(data.get("internal")))
        return jsonify(created), 201

    @app.route("/gui/api/networks/<nid>")
    def network_inspect(nid):
        return jsonify(client.network(nid))

    @app.route("/gui/api/networks/<nid>", methods=["DELETE"])
    def network_remove(nid):
        client.network_remove(nid)
        return jsonify({"ok": True})

    @app.route("/gui/api/networks/<nid>/<verb>", methods=["POST"])
    def network_attach(nid, verb):
        container = field(payload(), "container", required=True)
        if verb == "connect":
            client.network_connect(nid, container)
        elif verb == "disconnect":
            client.network_disconnect(nid, container, force=truthy(payload().get("force")))
        else:
            return error(404, "unknown network action %s" % verb)
        return jsonify({"ok": True})


def _install_streams(app, client):
    hub = app.extensions["servin_hub"]

    @app.route("/gui/sse/live")
    def live():
        """Engine state, every engine event, and stats samples."""
        q = hub.subscribe()

        def gen():
            try:
                snap = hub.snapshot()
                yield sse("engine", snap["engine"])
                yield sse("latest", snap["latest"])
                for got in waiting(q):
                    yield sse(*got) if got else ": keepalive\n\n"
            finally:
                hub.unsubscribe(q)

        return sse_response(gen())

    @app.route("/gui/sse/logs/<cid>")
    def follow_logs(cid):
        tail = request.args.get("tail", "200")
        if tail != "all" and not tail.isdigit():
            raise BadInput("tail must be a number or all")
        stream = client.stream_logs(cid, log_query(tail, True, truthy(request.args.get("timestamps"))), timeout=FOREVER)
        split = LineSplitter()

        def convert(piece):
            got = split.feed(*piece)
            if got:
                yield sse("lines", got)

        return sse_response(relay(stream, convert))
