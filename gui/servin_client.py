"""A small client of servin's Docker-compatible REST API.

The GUI speaks only this API, never the core: whatever `servin serve` (or a
Docker-compatible engine) answers is what the pages show. The transport is
the engine's unix socket (the default) or TCP, with a bearer token and/or
TLS (a CA to trust, a client certificate).

Errors come out as two exception types with messages fit for a person:
EngineDown (nothing answers at the address) and EngineError (the engine
answered with an error status; `status` and the engine's own `message`).
Streams (events, stats, logs, pull progress) are generators that end when
the engine closes them or the caller stops iterating.
"""
import http.client
import json
import socket
import ssl
import struct
import urllib.parse

API_VERSION = "v1.43"
DEFAULT_TIMEOUT = 30.0
FOREVER = -1  # a timeout for streams that may stay quiet for hours


class EngineDown(Exception):
    """Nothing answers at the engine's address (stopped, wrong socket)."""


class EngineError(Exception):
    """The engine answered with an error status."""

    def __init__(self, status, message, path=""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path  # the API path that failed, without the version


class Stream:
    """An open streaming answer. Iterate it for its items; close() may be
    called from another thread to end an iteration blocked on a quiet
    stream (it shuts the socket down)."""

    def __init__(self, api, conn, items):
        self.api = api
        self.conn = conn
        self.items = items
        self.closed = False
        self.iterating = False

    def __iter__(self):
        self.iterating = True
        try:
            yield from self.items
        except (OSError, http.client.HTTPException, ValueError, AttributeError) as e:
            # AttributeError: http.client's reader after a close from another thread
            if not self.closed:
                raise EngineDown("engine is down: %s stopped answering (%s)" % (self.api, _reason(e))) from None
        finally:
            self.closed = True
            self.conn.close()

    def close(self):
        """Ends the stream. From another thread only the socket is shut
        down: the iterating thread wakes with EOF and releases the rest."""
        self.closed = True
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if not self.iterating:
            self.conn.close()


class _UnixConnection(http.client.HTTPConnection):
    """HTTP/1.1 over a unix socket: the Host header is a placeholder."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.unix_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def parse_address(api):
    """Splits unix:///path, tcp://h:p, http(s)://h:p into (scheme, where)."""
    if api.startswith("unix://"):
        path = api[len("unix://"):]
        if not path.startswith("/"):
            raise ValueError("unix address needs an absolute path: %s" % api)
        return "unix", path
    u = urllib.parse.urlsplit(api)
    if u.scheme not in ("tcp", "http", "https") or not u.hostname or not u.port:
        raise ValueError("engine address must be unix:///path or https://host:port: %s" % api)
    return ("https" if u.scheme == "https" else "http"), (u.hostname, u.port)


def _engine_message(status, body):
    """The engine's {"message": ...}, or a short description of the body."""
    try:
        msg = json.loads(body.decode("utf-8", "replace")).get("message")
        if msg:
            return str(msg)
    except (ValueError, AttributeError):
        pass
    text = body.decode("utf-8", "replace").strip()
    return text[:300] if text else "HTTP %d" % status


class Client:
    """One engine. Thread-safe: every request opens its own connection."""

    def __init__(self, api, token=None, tls_ca=None, tls_cert=None, tls_key=None, timeout=DEFAULT_TIMEOUT):
        self.api = api
        self.scheme, self.where = parse_address(api)
        self.token = token
        self.timeout = timeout
        self.ssl_context = None
        if self.scheme == "https":
            self.ssl_context = ssl.create_default_context(cafile=tls_ca)
            if tls_cert:
                self.ssl_context.load_cert_chain(tls_cert, tls_key)

    # ------------------------------------------------------------ transport

    def _connection(self, timeout):
        if self.scheme == "unix":
            return _UnixConnection(self.where, timeout)
        host, port = self.where
        if self.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self.ssl_context)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _headers(self, body_type):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if body_type:
            h["Content-Type"] = body_type
        return h

    def open(self, method, path, query=None, body=None, timeout=None, headers=None):
        """Sends one request; returns (connection, response) with the body
        unread. Raises EngineDown when the engine cannot be reached and
        EngineError for an error status."""
        url = "/%s%s" % (API_VERSION, path)
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            url += "?" + urllib.parse.urlencode(q)
        data, body_type = None, None
        if body is not None:
            data, body_type = json.dumps(body).encode(), "application/json"
        h = self._headers(body_type)
        h.update(headers or {})
        if timeout is None:
            timeout = self.timeout
        conn = self._connection(None if timeout == FOREVER else timeout)
        try:
            conn.request(method, url, body=data, headers=h)
            resp = conn.getresponse()
        except ssl.SSLError as e:
            conn.close()
            raise EngineDown("engine unreachable: the TLS handshake with %s failed (%s)" % (self.api, _reason(e))) from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise EngineDown("engine is down: cannot reach %s (%s)" % (self.api, _reason(e))) from None
        if resp.status >= 400:
            try:
                raw = resp.read(65536)
            except (OSError, http.client.HTTPException):
                raw = b""
            conn.close()
            raise EngineError(resp.status, _engine_message(resp.status, raw), path)
        return conn, resp

    def call(self, method, path, query=None, body=None, timeout=None):
        """A request whose answer is read whole: JSON decoded, text, or None."""
        conn, resp = self.open(method, path, query, body, timeout)
        try:
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise EngineDown("engine is down: %s stopped answering (%s)" % (self.api, _reason(e))) from None
        finally:
            conn.close()
        if not raw:
            return None
        if resp.getheader("Content-Type", "").startswith("application/json"):
            try:
                return json.loads(raw)
            except ValueError:
                raise EngineError(502, "the engine sent malformed JSON for %s" % path) from None
        return raw.decode("utf-8", "replace")

    def stream_json(self, method, path, query=None, body=None, timeout=None, headers=None):
        """A JSON-lines stream (events, stats, progress) as a Stream of
        decoded objects. The request is sent now, so an error status raises
        here, before any item."""
        conn, resp = self.open(method, path, query, body, timeout, headers)
        return Stream(self.api, conn, _json_lines(resp))

    def stream_logs(self, ref, query, timeout=None):
        """A container's log as a Stream of (stream, text) pieces:
        multiplexed frames (stream 1 stdout, 2 stderr) or, for a TTY
        container, raw bytes reported as stdout."""
        conn, resp = self.open("GET", "/containers/%s/logs" % _q(ref), query, timeout=timeout)
        raw = resp.getheader("Content-Type", "") == "application/vnd.docker.raw-stream"
        return Stream(self.api, conn, _raw_pieces(resp) if raw else _frames(resp))

    # ------------------------------------------------------------ system

    def ping(self, timeout=2.0):
        """True when the engine answers /_ping."""
        try:
            self.call("GET", "/_ping", timeout=timeout)
            return True
        except (EngineDown, EngineError):
            return False

    def version(self):
        return self.call("GET", "/version")

    def info(self):
        return self.call("GET", "/info")

    def df(self):
        return self.call("GET", "/system/df")

    def events(self, since=None, until=None, filters=None, timeout=FOREVER):
        q = {"since": since, "until": until, "filters": _filters(filters)}
        return self.stream_json("GET", "/events", q, timeout=timeout)

    # ------------------------------------------------------------ containers

    def containers(self, all=True):
        return self.call("GET", "/containers/json", {"all": int(all)})

    def container(self, ref):
        return self.call("GET", "/containers/%s/json" % _q(ref))

    def container_create(self, name, config):
        return self.call("POST", "/containers/create", {"name": name or None}, body=config)

    def container_action(self, ref, action, query=None):
        """start, stop, restart, pause, unpause, kill."""
        return self.call("POST", "/containers/%s/%s" % (_q(ref), action), query, timeout=60)

    def container_remove(self, ref, force=False, volumes=False):
        return self.call("DELETE", "/containers/%s" % _q(ref), {"force": int(force), "v": int(volumes)})

    def container_top(self, ref):
        return self.call("GET", "/containers/%s/top" % _q(ref))

    def stats(self, ref, stream=True, timeout=FOREVER):
        if stream:
            return self.stream_json("GET", "/containers/%s/stats" % _q(ref), {"stream": 1}, timeout=timeout)
        return self.call("GET", "/containers/%s/stats" % _q(ref), {"stream": 0})

    # ------------------------------------------------------------ images

    def images(self):
        return self.call("GET", "/images/json")

    def image(self, ref):
        return self.call("GET", "/images/%s/json" % _q(ref, "/:@"))

    def image_pull(self, image, tag=None):
        """Yields Docker's progress objects; an error after the stream
        started arrives as an object with "error"."""
        q = {"fromImage": image, "tag": tag or None}
        return self.stream_json("POST", "/images/create", q, timeout=600, headers={"X-Registry-Auth": "e30="})

    def image_tag(self, ref, repo, tag=None):
        return self.call("POST", "/images/%s/tag" % _q(ref, "/:@"), {"repo": repo, "tag": tag or None})

    def image_remove(self, ref, force=False):
        return self.call("DELETE", "/images/%s" % _q(ref, "/:@"), {"force": int(force)})

    def images_prune(self, all=False):
        filters = {"dangling": ["false" if all else "true"]}
        return self.call("POST", "/images/prune", {"filters": json.dumps(filters)}, timeout=120)

    # ------------------------------------------------------------ volumes

    def volumes(self):
        return self.call("GET", "/volumes")

    def volume(self, name):
        return self.call("GET", "/volumes/%s" % _q(name))

    def volume_create(self, name, driver=None, labels=None):
        body = {"Name": name, "Driver": driver or "local", "Labels": labels or {}}
        return self.call("POST", "/volumes/create", body=body)

    def volume_remove(self, name, force=False):
        return self.call("DELETE", "/volumes/%s" % _q(name), {"force": int(force)})

    # ------------------------------------------------------------ networks

    def networks(self):
        return self.call("GET", "/networks")

    def network(self, ref):
        return self.call("GET", "/networks/%s" % _q(ref))

    def network_create(self, name, driver=None, subnet=None, internal=False):
        body = {"Name": name, "Driver": driver or "bridge", "Internal": bool(internal), "CheckDuplicate": True}
        if subnet:
            body["IPAM"] = {"Driver": "default", "Config": [{"Subnet": subnet}]}
        return self.call("POST", "/networks/create", body=body)

    def network_remove(self, ref):
        return self.call("DELETE", "/networks/%s" % _q(ref))

    def network_connect(self, ref, container):
        return self.call("POST", "/networks/%s/connect" % _q(ref), body={"Container": container})

    def network_disconnect(self, ref, container, force=False):
        return self.call("POST", "/networks/%s/disconnect" % _q(ref),
                         body={"Container": container, "Force": bool(force)})


def _q(part, safe=""):
    """Quotes one path parameter (image names keep their slashes)."""
    return urllib.parse.quote(part, safe=safe)


def _filters(f):
    return json.dumps(f) if f else None


def _reason(e):
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__


def _json_lines(resp):
    """Each JSON object of a JSON-lines body; lines that are not JSON are
    skipped (a proxy's keep-alive blank, a truncated tail)."""
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            yield json.loads(line)
        except ValueError:
            continue


def _read_exact(resp, n):
    buf = b""
    while len(buf) < n:
        chunk = resp.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _frames(resp):
    """Docker's multiplexed log stream: [stream,0,0,0,len32be] + payload."""
    while True:
        head = _read_exact(resp, 8)
        if head is None:
            return
        stream, size = head[0], struct.unpack(">I", head[4:8])[0]
        payload = _read_exact(resp, size)
        if payload is None:
            return
        yield ("stderr" if stream == 2 else "stdout"), payload.decode("utf-8", "replace")


def _raw_pieces(resp):
    while True:
        chunk = resp.read1(65536)
        if not chunk:
            return
        yield "stdout", chunk.decode("utf-8", "replace")
