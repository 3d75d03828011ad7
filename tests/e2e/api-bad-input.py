#!/usr/bin/python3
"""Bad input against `servin serve`: malformed requests, wrong types, huge
headers and bodies, slowloris, half-open and non-reading clients, request
smuggling, unknown routes, rate limits. Each must get the right 4xx (or be
cut off) while a parallel client — another process, hence another client —
keeps being served the whole time. TAP output; raw sockets, no mocks."""
import ctypes
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("SERVIN_BIN", os.path.join(TOP, "build", "bin"))
N = 0
FAILED = 0


def report(good, desc, diag=""):
    global N, FAILED
    N += 1
    if good:
        print(f"ok {N} - {desc}")
    else:
        FAILED += 1
        print(f"not ok {N} - {desc}")
        for line in str(diag).splitlines()[:20]:
            print(f"#   {line}")
    sys.stdout.flush()


def is_(got, want, desc):
    report(got == want, desc, f"got:  {got!r}\nwant: {want!r}")


def die_with_parent():
    # A test killed by a timeout must not leave its server behind.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    def __init__(self, tmp, name, *args):
        self.sock = os.path.join(tmp, name + ".sock")
        self.log = open(os.path.join(tmp, name + ".log"), "wb")
        self.p = subprocess.Popen([os.path.join(BIN, "servin"), "serve", "-H", "unix://" + self.sock, *args],
                                  stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        for _ in range(200):
            if os.path.exists(self.sock):
                try:
                    if request(self.sock, b"GET /_ping HTTP/1.0\r\n\r\n")[0] == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def rss_kb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()


def connect(path, timeout=20):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_all(s):
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    return data


def parse(data):
    """(status, headers dict, body) of the first response in data."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, data
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    return status, hdrs, body


def request(path, raw, shut=False):
    s = connect(path)
    try:
        s.sendall(raw)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return parse(read_all(s))
    finally:
        s.close()


def get(path, target, extra=b""):
    return request(path, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")


PINGER = r"""
import socket, sys, time
path, stop = sys.argv[1], sys.argv[2]
ok = bad = 0; worst = 0.0
while True:
    try:
        open(stop).close(); break
    except OSError:
        pass
    t = time.time()
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path)
        s.sendall(b"GET /images/json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        d = b""
        while True:
            x = s.recv(65536)
            if not x: break
            d += x
        s.close()
        if d.startswith(b"HTTP/1.1 200") and b"busybox" in d: ok += 1
        else: bad += 1
    except OSError:
        bad += 1
    worst = max(worst, time.time() - t)
    time.sleep(0.02)
print(ok, bad, round(worst, 3))
"""


class Pinger:
    """Another process asking for /images/json all the time."""

    def __init__(self, sock, tmp):
        self.stopfile = os.path.join(tmp, "pinger.stop")
        self.p = subprocess.Popen([sys.executable, "-c", PINGER, sock, self.stopfile], stdout=subprocess.PIPE)

    def finish(self):
        open(self.stopfile, "w").close()
        out = self.p.communicate(timeout=30)[0].decode().split()
        os.unlink(self.stopfile)
        return int(out[0]), int(out[1]), float(out[2])


def error_of(resp):
    status, hdrs, body = resp
    try:
        return status, hdrs.get("content-type"), json.loads(body.decode())["message"]
    except (ValueError, KeyError, UnicodeDecodeError):
        return status, hdrs.get("content-type"), body[:80]


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally below
    tmp = tempfile.mkdtemp(prefix="servin-e2e.")
    os.environ["SERVIN_ROOT"] = os.path.join(tmp, "root")
    os.environ["SERVIN_RUNROOT"] = os.path.join(tmp, "run")
    srv = Server(tmp, "api", "--rate-limit", "0", "--header-timeout", "1s", "--body-timeout", "2s",
                 "--idle-timeout", "3s", "--write-timeout", "2s", "--max-connections-per-client", "64")
    try:
        run(srv, tmp)
    finally:
        srv.stop()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{N}")
    sys.exit(1 if FAILED else 0)


def run(srv, tmp):
    S = srv.sock
    pinger = Pinger(S, tmp)

    # Malformed requests and unknown routes.
    is_(error_of(request(S, b"GARBAGE\r\n\r\n")), (400, "application/json", "malformed request line"),
        "a malformed request line: 400 with a JSON message")
    is_(request(S, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")[0], 400, "an HTTP/2 preface: 400")
    is_(request(S, b"GET / HTTP/3.0\r\n\r\n")[0], 505, "HTTP/3.0: 505")
    is_(error_of(get(S, "/v1.43/no/such/route")), (404, "application/json", "page not found"), "unknown route: 404")
    is_(request(S, b"PUT /_ping HTTP/1.1\r\nConnection: close\r\n\r\n")[0], 405, "known path, wrong method: 405")
    is_(get(S, "/images/%zz/json")[0], 400, "a bad percent-escape in the path: 400")
    is_(get(S, "/images/json?all=%")[0], 400, "a bad percent-escape in the query: 400")
    is_(request(S, b"POST /images/prune HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")[0],
        400, "Content-Length with Transfer-Encoding (smuggling): 400")
    is_(request(S, b"GET /_ping HTTP/1.1\r\nX: a\r\n folded\r\n\r\n")[0], 400, "folded header lines: 400")

    # Wrong types in parameters.
    st, ct, msg = error_of(get(S, "/images/json?filters=%7B%22label%22%3A5%7D"))
    is_((st, ct), (400, "application/json"), "filters of the wrong type: 400")
    report("invalid filter" in msg, "with a message naming the filter", msg)
    is_(get(S, "/images/json?filters=not-json")[0], 400, "filters that are not JSON: 400")
    is_(get(S, "/images/json?filters=%7B%22nosuch%22%3A%5B%22x%22%5D%7D")[0], 400, "an unknown filter key: 400")
    is_(get(S, "/events?since=yesterday")[0], 400, "events with a malformed time: 400")
    is_(get(S, "/events?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D")[0], 400, "events with a bad filter: 400")
    is_(request(S, b"POST /images/busybox/tag HTTP/1.1\r\nConnection: close\r\n\r\n")[0], 400,
        "tag without repo: 400")

    # Malformed JSON and wrong types in bodies.
    def post(path, body):
        return error_of(request(S, b"POST " + path.encode() + b" HTTP/1.1\r\nContent-Type: application/json\r\n"
                                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body))
    for path, body, why in [
        ("/containers/create", b"{bad", "malformed JSON"),
        ("/containers/create", b"[]", "an array, not an object"),
        ("/containers/create", b"", "no body"),
        ("/containers/create", b'{"Image": 5}', "Image of the wrong type"),
        ("/volumes/create", b'{"Name": 7}', "Name of the wrong type"),
        ("/volumes/create", b'{"Labels": "x"}', "Labels of the wrong type"),
        ("/networks/create", b'{"Name": "n", "Internal": "yes"}', "Internal of the wrong type"),
        ("/networks/create", b'{"Name": "n", "IPAM": {"Config": [{"Subnet": "nope"}]}}', "a bad subnet"),
        ("/containers/nosuch/exec", b'{"Cmd": "ls"}', "Cmd of the wrong type"),
        ("/containers/nosuch/exec", b'{"Cmd": ["ls", 1]}', "Cmd with a number"),
        ("/auth", b'{"username": 1, "password": "p"}', "username of the wrong type"),
    ]:
        st, ct, msg = post(path, body)
        report(st == 400 and ct == "application/json" and msg, f"POST {path} with {why}: 400 with a message",
               (st, ct, msg))

    # Huge heads.
    t = time.time()
    is_(request(S, b"GET /_ping HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")[0], 431,
        "1 MB of headers: 431")
    is_(request(S, b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")[0], 414, "a 1 MB request line: 414")
    hdrs = b"".join(b"X-%d: y\r\n" % i for i in range(1000))
    is_(request(S, b"GET /_ping HTTP/1.1\r\n" + hdrs + b"\r\n")[0], 431, "1000 header fields: 431")
    report(time.time() - t < 5, "refused at once, not after reading everything")

    # Huge bodies: a JSON-sized route refuses at once, streamed ones never buffer.
    s = connect(S)
    s.sendall(b"POST /images/prune HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n")
    sent = 0
    try:
        while sent < 100 << 20:
            s.sendall(b"x" * (1 << 20))
            sent += 1 << 20
    except OSError:
        pass
    is_(parse(read_all(s))[0], 413, "a 100 MB body on a JSON route: 413")
    s.close()
    s = connect(S)
    s.sendall(b"POST /images/prune HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    try:
        for _ in range(100):
            s.sendall(b"100000\r\n" + b"x" * 0x100000 + b"\r\n")
    except OSError:
        pass
    is_(parse(read_all(s))[0], 413, "a 100 MB chunked body on a JSON route: 413")
    s.close()
    rss0 = srv.rss_kb()
    s = connect(S, timeout=60)
    s.sendall(b"POST /images/load HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n")
    try:
        for _ in range(100):
            s.sendall(b"\0" * (1 << 20))
    except OSError:
        pass
    st, ct, msg = error_of(parse(read_all(s)))
    s.close()
    report(st == 400 and ct == "application/json", "a 100 MB garbage upload to images/load: 400", (st, ct, msg))
    rss1 = srv.rss_kb()
    report(rss1 - rss0 < 32 * 1024, f"streamed, not buffered (RSS {rss0} -> {rss1} kB)")

    # Slowloris: heads dribbled a byte at a time are cut at the head timeout.
    results = []

    def slow():
        s = connect(S)
        t = time.time()
        try:
            for ch in b"GET /_ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
                s.send(bytes([ch]))
                time.sleep(0.1)
        except OSError:
            pass
        results.append((parse(read_all(s))[0], time.time() - t))
        s.close()

    threads = [threading.Thread(target=slow) for _ in range(20)]
    [th.start() for th in threads]

    # Half-open: connections that never send a byte are closed.
    idle = [connect(S) for _ in range(40)]
    t = time.time()
    closed = sum(1 for c in idle if read_all(c) == b"")
    report(closed == 40 and time.time() - t < 5, f"40 silent connections closed after the head timeout ({closed})")
    [c.close() for c in idle]
    [th.join() for th in threads]
    report(all(st == 408 and secs < 5 for st, secs in results),
           "20 slowloris clients get 408 within the head timeout", results[:3])

    # Half-closed before the answer: the answer still comes.
    is_(request(S, b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n", shut=True)[0], 200,
        "a client that half-closes after its request still gets the answer")

    # Per-client connection cap.
    many = []
    try:
        for _ in range(80):
            many.append(connect(S))
    except OSError:
        pass
    turned = [parse(read_all(c))[0] for c in many[64:]]
    report(len(many) >= 64 and turned and all(st == 503 for st in turned),
           f"connections over the per-client cap get 503 ({len(turned)} of {len(many)})")
    [c.close() for c in many]

    # A client that never reads its answer is dropped; others are not held up.
    s = connect(S)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /images/get?names=busybox HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(4)
    report(get(S, "/_ping")[0] == 200, "a client not reading a 2 MB archive does not hold up others")
    s.close()

    # Keep-alive and pipelining.
    data = read_all_after(S, b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
                          b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    is_(data.count(b"HTTP/1.1 200 OK"), 3, "three pipelined requests on one connection, three answers")

    ok, bad, worst = pinger.finish()
    report(ok > 50 and bad == 0, f"the parallel client was served throughout ({ok} ok, {bad} failed, slowest {worst}s)")

    # Rate limiting: 429 with Retry-After, per client.
    rl = Server(tmp, "rl", "--rate-limit", "5", "--rate-burst", "5")
    try:
        codes = [get(rl.sock, "/_ping")[0] for _ in range(12)]
        # The start-up probe took one token of the burst of 5.
        report(codes[:4] == [200] * 4 and codes[5:] == [429] * 7, "over the rate: 429", codes)
        st, hdrs, _ = get(rl.sock, "/_ping")
        is_((st, hdrs.get("retry-after")), (429, "1"), "with Retry-After")
        other = subprocess.run(["curl", "-s", "--unix-socket", rl.sock, "http://x/_ping"], capture_output=True)
        is_(other.stdout, b"OK", "another client is not limited by the first")
    finally:
        rl.stop()
    report(srv.p.poll() is None, "the server survived all of it")


def read_all_after(path, raw):
    s = connect(path)
    s.sendall(raw)
    d = read_all(s)
    s.close()
    return d


if __name__ == "__main__":
    main()
