#!/usr/bin/python3
"""The real pieces the GUI tests run against, standard library only.

  Engine(tmp)     `servin serve` on a private root and socket (in tmpfs);
                  start(), stop(), restart() — stopping it is how the tests
                  take the engine down.
  Registry(tmp)   Debian's docker-registry on 127.0.0.1:<free port>, with a
                  registries.json marking it insecure (as tests/e2e/registry
                  does), and push(name) to put an image in it with skopeo.
  Gui(engine)     gui/main.py --no-window against the engine; .url is the
                  first line it prints (token included).

Run as a program (`stack.py --state FILE --control-port N`), it starts all
three, writes their addresses to FILE and serves a control endpoint on
127.0.0.1:N for the browser tests (Playwright's webServer):
  GET /ready          200 once everything is up
  POST /engine/stop   stops `servin serve`;  POST /engine/start  restarts it
It stops everything it started (by PID) on SIGTERM or SIGINT.
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.environ.get("SERVIN_BIN", os.path.join(TOP, "build", "bin"))
PY = "/usr/bin/python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, seconds=15, step=0.05):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def tmp_dir(prefix):
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def stop_process(p, seconds=5):
    if p is None or p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(seconds)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


class Engine:
    def __init__(self, tmp):
        self.tmp = tmp
        self.env = dict(os.environ, SERVIN_ROOT=os.path.join(tmp, "root"), SERVIN_RUNROOT=os.path.join(tmp, "run"),
                        SERVIN_CONFIG_DIR=os.path.join(tmp, "etc"), XDG_CONFIG_HOME=os.path.join(tmp, "xdg"),
                        DOCKER_CONFIG=os.path.join(tmp, "docker"))
        for d in ("etc", "xdg", "docker"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        self.sock = os.path.join(tmp, "run", "servin.sock")
        self.api = "unix://" + self.sock
        self.proc = None

    def servin(self, *args, check=True):
        return subprocess.run([os.path.join(BIN, "servin"), *args], env=self.env, check=check,
                              capture_output=True, text=True, timeout=120)

    def ping(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(self.sock)
                s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def start(self):
        log = open(os.path.join(self.tmp, "serve.log"), "ab")
        self.proc = subprocess.Popen([os.path.join(BIN, "servin"), "serve", "--access-log", "off"], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not wait_for(self.ping):
            raise RuntimeError("servin serve did not answer; see %s/serve.log" % self.tmp)

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def remove_containers(self):
        """Containers outlive `servin serve` (daemonless: each has its shim),
        so a test removes what it left before its root goes."""
        ids = self.servin("ps", "-aq", check=False).stdout.split()
        if ids:
            self.servin("rm", "-f", *ids, check=False)

    def restart(self):
        self.stop()
        self.start()


class Registry:
    def __init__(self, tmp, engine):
        self.dir = os.path.join(tmp, "registry")
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        self.port = free_port()
        self.addr = "127.0.0.1:%d" % self.port
        with open(os.path.join(self.dir, "config.yml"), "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                    "storage:\n  filesystem:\n    rootdirectory: %s/data\n"
                    "http:\n  addr: %s\n" % (self.dir, self.addr))
        with open(os.path.join(engine.env["SERVIN_CONFIG_DIR"], "registries.json"), "w") as f:
            json.dump({"insecure-registries": [self.addr]}, f)
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "log"), "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", os.path.join(self.dir, "config.yml")],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()

        def up():
            try:
                return urllib.request.urlopen("http://%s/v2/" % self.addr, timeout=2).status == 200
            except OSError:
                return False

        if not wait_for(up, 20, 0.1):
            raise RuntimeError("docker-registry did not start")

    def push(self, archive, name):
        subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", "oci-archive:" + archive,
                        "docker://%s/%s" % (self.addr, name)], check=True, capture_output=True, timeout=120)

    def stop(self):
        stop_process(self.proc)


def make_image(tmp, name, data_bytes=2000000):
    """A small image from the host's busybox (tests/fixtures/mkimage.sh)
    plus a layer of random data, so a pull has two layers to report."""
    base = os.path.join(tmp, name.replace("/", "_").replace(":", "_"))
    os.makedirs(base + ".layer/srv", exist_ok=True)
    with open(base + ".layer/srv/data.bin", "wb") as f:
        f.write(os.urandom(data_bytes))
    subprocess.run([os.path.join(TOP, "tests", "fixtures", "mkimage.sh"), "busybox", "--layer", base + ".layer",
                    "--out", base + ".tar", "--tag", name], check=True, capture_output=True, timeout=120)
    return base + ".tar"


class Gui:
    def __init__(self, engine, *extra):
        self.err = open(os.path.join(engine.tmp, "gui.err"), "ab")
        self.proc = subprocess.Popen([PY, os.path.join(TOP, "gui", "main.py"), "--api", engine.api, "--no-window",
                                      *extra], stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            raise RuntimeError("servin-gui printed %r" % self.url)

    def stop(self):
        stop_process(self.proc)
        self.err.close()


# ---------------------------------------------------------------- the program

class Control(http.server.BaseHTTPRequestHandler):
    stack = None

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ready":
            return self.reply(200, self.stack.state)
        return self.reply(404, {"error": "no such path"})

    def do_POST(self):
        engine = self.stack.engine
        if self.path == "/engine/stop":
            engine.stop()
            return self.reply(200, {"engine": "down"})
        if self.path == "/engine/start":
            engine.start()
            return self.reply(200, {"engine": "up"})
        return self.reply(404, {"error": "no such path"})


class Stack:
    def __init__(self, with_registry):
        self.tmp = tmp_dir("servin-gui-e2e.")
        self.engine = Engine(self.tmp)
        self.registry = Registry(self.tmp, self.engine) if with_registry else None
        self.gui = None
        self.state = {}

    def start(self):
        self.engine.start()
        if self.registry:
            self.registry.start()
            self.registry.push(make_image(self.tmp, "gui/pulled:v1"), "gui/pulled:v1")
        self.gui = Gui(self.engine)
        self.state = {"gui": self.gui.url, "api": self.engine.api, "tmp": self.tmp,
                      "registry": self.registry.addr if self.registry else None}

    def stop(self):
        for part in (self.gui, self.registry, self.engine):
            if part:
                part.stop()
        self.engine.remove_containers()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True)
    p.add_argument("--control-port", type=int, required=True)
    p.add_argument("--no-registry", action="store_true")
    args = p.parse_args()
    stack = Stack(not args.no_registry)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        stack.start()
        with open(args.state, "w") as f:
            json.dump(stack.state, f)
        Control.stack = stack
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.control_port), Control)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        done.wait()
        server.shutdown()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
