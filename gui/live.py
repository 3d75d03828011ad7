"""Live state for the pages: the engine's event and stats streams, fanned
out to every open page as server-sent events.

One LiveHub per GUI process. A thread follows the engine's /events stream;
while it is connected the engine is "up". When the stream breaks the engine
is "down" and the thread pings the address once a second until it answers
again (a reconnect, not a page reload). For every running container a
thread follows /containers/{id}/stats?stream=1 and keeps the last samples,
so a container's page can draw its graphs with history at once, whichever
page was open when the samples arrived.

Subscribers are bounded queues: a page that stops reading loses samples,
never memory.
"""
import collections
import queue
import threading
import time

from servin_client import EngineDown, EngineError

HISTORY = 300          # samples kept per container (5 minutes at one a second)
QUEUE_MAX = 2000       # items waiting for one page before it loses some
RETRY_SECONDS = 1.0    # between pings while the engine is down

START_ACTIONS = {"start", "unpause", "restart"}
END_ACTIONS = {"die", "stop", "kill", "destroy", "pause", "oom"}


def stats_sample(s):
    """Docker's stats object reduced to what the pages draw: CPU percent
    (the docker CLI's formula), memory without the page cache, network and
    block I/O totals, process count."""
    cpu, pre = s.get("cpu_stats") or {}, s.get("precpu_stats") or {}
    total = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
    pre_total = (pre.get("cpu_usage") or {}).get("total_usage", 0)
    system, pre_system = cpu.get("system_cpu_usage", 0), pre.get("system_cpu_usage", 0)
    ncpu = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    cpu_pct = 0.0
    if system > pre_system and total >= pre_total and pre_system:
        cpu_pct = (total - pre_total) / (system - pre_system) * ncpu * 100.0
    mem = s.get("memory_stats") or {}
    cache = (mem.get("stats") or {}).get("inactive_file", 0)
    usage = max(0, mem.get("usage", 0) - cache)
    nets = (s.get("networks") or {}).values()
    blk = (s.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []
    return {
        "t": time.time(),
        "cpu": round(cpu_pct, 2),
        "mem": usage,
        "limit": mem.get("limit", 0),
        "rx": sum(n.get("rx_bytes", 0) for n in nets),
        "tx": sum(n.get("tx_bytes", 0) for n in nets),
        "read": sum(b.get("value", 0) for b in blk if str(b.get("op", "")).lower() == "read"),
        "write": sum(b.get("value", 0) for b in blk if str(b.get("op", "")).lower() == "write"),
        "pids": (s.get("pids_stats") or {}).get("current", 0),
    }


class LiveHub:
    def __init__(self, client):
        self.client = client
        self.lock = threading.Lock()
        self.subscribers = set()
        self.engine = {"state": "unknown", "message": ""}
        self.history = {}     # container id -> deque of samples
        self.watchers = {}    # container id -> open stats Stream (or None while opening)
        self.events_stream = None
        self.thread = None
        self.stopping = False

    # ------------------------------------------------------------ pages

    def start(self):
        with self.lock:
            if self.thread:
                return
            self.thread = threading.Thread(target=self._run, name="gui-events", daemon=True)
            self.thread.start()

    def stop(self):
        self.stopping = True
        with self.lock:
            streams = [s for s in self.watchers.values() if s] + [self.events_stream]
        for s in streams:
            if s:
                s.close()

    def subscribe(self):
        q = queue.Queue(QUEUE_MAX)
        with self.lock:
            self.subscribers.add(q)
        self.start()
        return q

    def unsubscribe(self, q):
        with self.lock:
            self.subscribers.discard(q)

    def snapshot(self, container_id=None):
        """The engine state, and one container's history (or the latest
        sample of every container)."""
        with self.lock:
            if container_id:
                hist = list(self.history.get(self._match(container_id), ()))
                return {"engine": dict(self.engine), "history": hist}
            latest = {cid: h[-1] for cid, h in self.history.items() if h}
            return {"engine": dict(self.engine), "latest": latest}

    def _match(self, ref):
        for cid in self.history:
            if cid == ref or cid.startswith(ref):
                return cid
        return ref

    def publish(self, kind, data):
        with self.lock:
            subs = list(self.subscribers)
        for q in subs:
            try:
                q.put_nowait((kind, data))
            except queue.Full:
                pass  # a page that does not read loses items, not memory

    # ------------------------------------------------------------ engine events

    def _set_engine(self, state, message=""):
        with self.lock:
            changed = self.engine["state"] != state
            self.engine = {"state": state, "message": message}
        if changed:
            self.publish("engine", {"state": state, "message": message})

    def _run(self):
        while not self.stopping:
            try:
                self.events_stream = self.client.events()
                self._set_engine("up")
                self._sync_watchers()
                for ev in self.events_stream:
                    self._on_event(ev)
                if self.stopping:
                    return
                self._set_engine("down", "the engine closed its event stream")
            except EngineDown as e:
                # the reason alone: the page says "The engine is down: <reason>"
                self._set_engine("down", str(e).removeprefix("engine is down: "))
            except EngineError as e:
                self._set_engine("down", "events: %s" % e.message)
            self._wait_for_engine()

    def _wait_for_engine(self):
        while not self.stopping and not self.client.ping():
            time.sleep(RETRY_SECONDS)

    def _on_event(self, ev):
        self.publish("event", ev)
        if ev.get("Type") != "container":
            return
        cid = (ev.get("Actor") or {}).get("ID") or ev.get("id")
        action = (ev.get("Action") or ev.get("status") or "").split(":")[0]
        if not cid:
            return
        if action in START_ACTIONS:
            self._watch(cid)
        elif action in END_ACTIONS:
            self._unwatch(cid, forget=action == "destroy")

    # ------------------------------------------------------------ stats

    def _sync_watchers(self):
        try:
            running = self.client.containers(all=False) or []
        except (EngineDown, EngineError):
            return  # an engine without the containers API: no stats to follow
        for c in running:
            self._watch(c["Id"])

    def _watch(self, cid):
        with self.lock:
            if cid in self.watchers:
                return
            self.watchers[cid] = None
        threading.Thread(target=self._follow_stats, args=(cid,), name="gui-stats", daemon=True).start()

    def _unwatch(self, cid, forget=False):
        with self.lock:
            s = self.watchers.pop(cid, None)
            if forget:
                self.history.pop(cid, None)
        if s:
            s.close()

    def _follow_stats(self, cid):
        try:
            stream = self.client.stats(cid)
            with self.lock:
                if cid not in self.watchers:
                    stream.close()  # unwatched while it was opening
                    return
                self.watchers[cid] = stream
            for raw in stream:
                self._add_sample(cid, stats_sample(raw))
        except (EngineDown, EngineError):
            pass
        finally:
            with self.lock:
                w = self.watchers.get(cid)
                if w is None or w.closed:
                    self.watchers.pop(cid, None)  # a later start watches again

    def _add_sample(self, cid, sample):
        with self.lock:
            h = self.history.setdefault(cid, collections.deque(maxlen=HISTORY))
            h.append(sample)
        self.publish("stats", {"id": cid, "sample": sample})
