#!/usr/bin/python3
"""Servers the registry end-to-end tests put in front of (or beside) a real
docker-registry. Standard library only; everything listens on 127.0.0.1.

  helper.py port
      print a free TCP port
  helper.py token PORT KEY CERT USER PASSWORD LOG [lapsed-first]
      Docker's bearer token flow: GET /token?service=&scope=&account= with
      Basic credentials; answers JWTs (RS256, signed with `openssl dgst`)
      that docker-registry's `auth: token` verifies against CERT. Wrong
      credentials get 401; anonymous callers get a token without access.
      Every request is logged to LOG (one line: scope and user). With
      lapsed-first, the first token answered expired an hour ago (and says
      "expires_in": 2), as a cached token that lapsed would have.
  helper.py proxy PORT UPSTREAM LOG [RATE] [REDIRECT_PORT]
      forwards to 127.0.0.1:UPSTREAM, throttled to RATE bytes/s (0: not),
      logging "METHOD PATH range=R auth=yes|no"; with REDIRECT_PORT, blob
      GETs are redirected (307) to 127.0.0.1:REDIRECT_PORT/blob/<digest>.
      Blob GETs are also logged to LOG.blobs: "start N PATH" when one
      arrives (N: how many are in flight, this one included) and
      "end PATH" once its last byte is sent.
  helper.py capture PORT DATADIR LOG
      serves /blob/<digest> from a docker-registry data directory and logs
      whether an Authorization header came along ("auth=yes|no").
  helper.py fake PORT MODE [LOG]
      a registry that misbehaves in one way (see MODES below); LOG gets
      "METHOD PATH range=R" per request.
"""
import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import socket
import socketserver
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def log_line(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def serve(port, handler):
    Server(("127.0.0.1", port), handler).serve_forever()


# ---------------------------------------------------------------- token


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_server(port, key, cert, user, password, log, lapsed_first):
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout

    issued = [0]

    def jwt(sub, service, access):
        now = int(time.time())
        issued[0] += 1
        if lapsed_first and issued[0] == 1:
            now -= 3600
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        claims = {"iss": "servin-test", "sub": sub, "aud": service, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                             check=True, capture_output=True).stdout
        return signing + "." + b64url(sig)

    class H(Quiet):
        def do_GET(self):
            u = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(u.query)
            who = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                pair = base64.b64decode(auth[6:]).decode(errors="replace")
                if pair != user + ":" + password:
                    log_line(log, "denied scope=%s" % " ".join(q.get("scope", [])))
                    return self.send(401, b'{"details":"incorrect username or password"}')
                who = user
            access = []
            for s in q.get("scope", []):
                parts = s.split(":")
                if len(parts) == 3 and parts[0] == "repository" and who:
                    access.append({"type": "repository", "name": parts[1],
                                   "actions": parts[2].split(",")})
            log_line(log, "token scope=%s user=%s" % (" ".join(q.get("scope", [])) or "-", who or "-"))
            tok = jwt(who or "", q.get("service", [""])[0], access)
            body = json.dumps({"token": tok, "access_token": tok,
                               "expires_in": 2 if lapsed_first else 300}).encode()
            self.send(200, body)

    serve(port, H)


# ---------------------------------------------------------------- proxy


def proxy_server(port, upstream, log, rate, redirect_port):
    lock = threading.Lock()
    inflight = [0]

    class H(Quiet):
        def handle_any(self):
            log_line(log, "%s %s range=%s auth=%s" % (self.command, self.path, self.headers.get("Range", "-"),
                                                       "yes" if self.headers.get("Authorization") else "no"))
            if self.command != "GET" or "/blobs/sha256:" not in self.path:
                return self.forward()
            with lock:
                inflight[0] += 1
                log_line(log + ".blobs", "start %d %s" % (inflight[0], self.path))
            try:
                self.forward()
            finally:
                with lock:
                    inflight[0] -= 1
                    log_line(log + ".blobs", "end %s" % self.path)

        def forward(self):
            if redirect_port and self.command == "GET" and "/blobs/sha256:" in self.path:
                digest = self.path.rsplit("/", 1)[1]
                loc = "http://127.0.0.1:%d/blob/%s" % (redirect_port, digest)
                return self.send(307, b"", headers={"Location": loc})
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            try:
                c = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
                c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():  # repeated headers (Accept) kept
                    if k.lower() not in ("connection", "content-length"):
                        c.putheader(k, v)
                if body is not None:
                    c.putheader("Content-Length", str(len(body)))
                c.endheaders(body)
                r = c.getresponse()
            except OSError:
                return self.send(502, b'{"errors":[{"code":"UNAVAILABLE","message":"upstream down"}]}')
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "transfer-encoding"):
                    self.send_header(k, v)
            if r.getheader("Content-Length") is None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            start = time.monotonic()
            sent = 0
            while self.command != "HEAD":
                chunk = r.read(32768)
                if not chunk:
                    break
                sent += len(chunk)
                if rate:  # paced before writing: the last byte sent ends the request
                    ahead = sent / rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
                self.wfile.write(chunk)
            c.close()

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

    serve(port, H)


def capture_server(port, datadir, log):
    class H(Quiet):
        def do_GET(self):
            log_line(log, "GET %s auth=%s" % (self.path, "yes" if self.headers.get("Authorization") else "no"))
            hexd = self.path.rsplit("sha256:", 1)[-1]
            p = os.path.join(datadir, "docker/registry/v2/blobs/sha256", hexd[:2], hexd, "data")
            try:
                data = open(p, "rb").read()
            except OSError:
                return self.send(404)
            self.send(200, data, "application/octet-stream")

    serve(port, H)


# ---------------------------------------------------------------- fake

MODES = {
    "ok": "a well-formed one-layer image (proves the fake itself works)",
    "hang": "accepts connections and never answers",
    "garbage": "answers every request with bytes that are not HTTP",
    "bigmanifest": "a manifest of 5 MiB",
    "badmedia": "a manifest with an unknown media type",
    "badlayer": "a layer with an unknown media type",
    "digestlie": "Docker-Content-Digest does not match the manifest",
    "sizelie": "the layer is longer than its descriptor says",
    "closemid": "the layer's connection closes half way, every time",
    "resetonce": "the layer's first connection closes half way; Range requests are honoured",
    "flaky": "every path answers 503 the first time it is asked for",
    "redirectloop": "blob requests redirect forever",
    "redirectfile": "blob requests redirect to file:///etc/passwd",
    "badjson": "the manifest is not JSON",
    "childlie": "tag 1 is an index whose child manifest does not hash to the digest the index gives",
}


def make_image():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = b"hello from the fake registry\n" * 1000
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    layer = gzip.compress(tar, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers",
                                    "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}).encode()
    return layer, config


def fake_server(port, mode, log):
    if mode == "hang":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(16)
        held = []
        while True:
            held.append(s.accept()[0])
    layer, config = make_image()
    blobs = {"sha256:" + hashlib.sha256(b).hexdigest(): b for b in (layer, config)}
    ldesc = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
             "digest": "sha256:" + hashlib.sha256(layer).hexdigest(), "size": len(layer)}
    if mode == "badlayer":
        ldesc["mediaType"] = "application/x-evil"
    if mode == "sizelie":
        ldesc["size"] = len(layer) - 100
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
                "layers": [ldesc]}
    if mode == "badmedia":
        manifest["mediaType"] = "application/vnd.evil.manifest+json"
    if mode == "bigmanifest":
        manifest["annotations"] = {"pad": "x" * (5 << 20)}
    mbody = json.dumps(manifest).encode()
    if mode == "badjson":
        mbody = b"{ this is not json"
    mdigest = "sha256:" + hashlib.sha256(mbody).hexdigest()
    ibody = None
    if mode == "childlie":
        child = {"mediaType": manifest["mediaType"], "size": len(mbody),
                 "digest": "sha256:" + hashlib.sha256(mbody + b"\n").hexdigest()}
        ibody = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                            "manifests": [dict(child, platform={"os": "linux", "architecture": a})
                                          for a in ("amd64", "arm64")]}).encode()

    seen = set()

    class H(Quiet):
        def do_GET(self):
            if log:
                log_line(log, "%s %s range=%s" % (self.command, self.path, self.headers.get("Range", "-")))
            if mode == "flaky" and (self.command, self.path) not in seen:
                seen.add((self.command, self.path))
                return self.send(503, b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}')
            if mode == "garbage":
                self.wfile.write(os.urandom(4096))
                self.close_connection = True
                return
            p = self.path
            if p == "/v2/":
                return self.send(200, b"{}")
            if ibody and p.endswith("/manifests/1"):
                return self.send(200, ibody, "application/vnd.oci.image.index.v1+json",
                                 {"Docker-Content-Digest": "sha256:" + hashlib.sha256(ibody).hexdigest()})
            if "/manifests/" in p:
                digest = "sha256:" + hashlib.sha256(b"lie").hexdigest() if mode == "digestlie" else mdigest
                ctype = manifest.get("mediaType", "application/json")
                return self.send(200, mbody, ctype, {"Docker-Content-Digest": digest})
            if "/blobs/" in p:
                d = p.rsplit("/", 1)[1]
                if mode == "redirectloop":
                    return self.send(302, headers={"Location": p})
                if mode == "redirectfile" and d == ldesc["digest"]:
                    return self.send(302, headers={"Location": "file:///etc/passwd"})
                if d not in blobs:
                    return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
                body = blobs[d]
                rng = self.headers.get("Range", "")
                if mode == "resetonce" and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    return self.send(206, body[start:], "application/octet-stream",
                                     {"Content-Range": "bytes %d-%d/%d" % (start, len(body) - 1, len(body))})
                first = mode == "resetonce" and ("blob", d) not in seen
                seen.add(("blob", d))
                if (mode == "closemid" or first) and d == ldesc["digest"]:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                return self.send(200, body, "application/octet-stream")
            return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}')

        do_HEAD = do_GET

    serve(port, H)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] == "port":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
    elif a[0] == "token":
        token_server(int(a[1]), a[2], a[3], a[4], a[5], a[6], a[7:] == ["lapsed-first"])
    elif a[0] == "proxy":
        rate = int(a[4]) if len(a) > 4 else 0
        redirect = int(a[5]) if len(a) > 5 else 0
        proxy_server(int(a[1]), int(a[2]), a[3], rate, redirect)
    elif a[0] == "capture":
        capture_server(int(a[1]), a[2], a[3])
    elif a[0] == "fake" and a[2] in MODES:
        fake_server(int(a[1]), a[2], a[3] if len(a) > 3 else None)
    else:
        sys.exit("unknown mode; fake modes: " + ", ".join(sorted(MODES)))


if __name__ == "__main__":
    main()
