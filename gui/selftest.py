"""The native window's self-test (servin-gui --self-test SCREENSHOT).

Runs on pywebview's worker thread once the window exists and clicks
through one flow with evaluate_js, as a person would: the dashboard shows
the engine up, the Images page lists busybox, tagging it adds a row,
removing the tag removes it. A screenshot of the screen (the window under
Xvfb) is saved half-way. Steps print as TAP; result["rc"] is 0 when every
step passed.

Every script is wrapped in try/catch: a script that throws would leave
pywebview's evaluate_js waiting forever.
"""
import json
import os
import threading
import time

TAG = "selftest/servin-gui:v1"
DEADLINE_SECONDS = 90  # evaluate_js can block forever (a refused script never answers)


class Steps:
    def __init__(self, window):
        self.window = window
        self.n = 0
        self.failed = 0

    def js(self, expr):
        script = "(function(){try{return JSON.stringify(%s);}catch(e){return JSON.stringify('error: '+e);}})()" % expr
        raw = self.window.evaluate_js(script)
        # pywebview 3.3 hands back WebKit's to_string() of the value, which
        # for our JSON text may still be JSON: decode until it is a value.
        while isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                break
        return raw

    def wait(self, expr, seconds=15):
        """Polls a JS expression until it is truthy; returns its value."""
        end = time.time() + seconds
        value = None
        while time.time() < end:
            value = self.js(expr)
            if value and not (isinstance(value, str) and value.startswith("error: ")):
                return value
            time.sleep(0.2)
        return None

    def check(self, desc, value, diag=""):
        self.n += 1
        if value:
            print("ok %d - %s" % (self.n, desc), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc), flush=True)
            if diag:
                print("#   %s" % diag, flush=True)
        return bool(value)


def on_gtk_thread(fn, seconds=10):
    """Runs fn() on GTK's main thread and waits for its result."""
    from gi.repository import GLib
    done = threading.Event()
    out = {}

    def call():
        try:
            out["value"] = fn()
        except Exception as e:  # reported by the caller's check
            out["error"] = e
        finally:
            done.set()
        return False

    GLib.idle_add(call)
    done.wait(seconds)
    return out.get("value")


def screenshot(window, path):
    """The native window as X shows it (the whole Xvfb screen: the window
    fills it), once GTK has drawn the current page."""
    from gi.repository import Gdk
    from webview.platforms.gtk import BrowserView

    def redraw():
        BrowserView.instances[window.uid].window.queue_draw()
        return True

    def grab():
        root = Gdk.get_default_root_window()
        pb = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
        return bool(pb) and pb.savev(path, "png", [], [])

    on_gtk_thread(redraw)
    time.sleep(0.5)  # a frame or two
    return on_gtk_thread(grab)


def click_nav(s, name, path):
    s.js("document.getElementById('nav-%s').click()" % name)
    return s.wait("location.pathname === '%s' && document.readyState === 'complete' && "
                  "!!document.querySelector('tbody tr')" % path)


def flow(s, shot):
    s.check("the window shows the dashboard", s.wait("document.title.indexOf('Dashboard') === 0"),
            s.js("document.title"))
    s.check("the engine shows as up", s.wait("document.getElementById('engine').textContent === 'engine: up'"),
            s.js("document.getElementById('engine').textContent"))
    s.check("the dashboard counts images", s.wait("/^[0-9]+$/.test(document.getElementById('d-images').textContent)"))
    s.check("the Images page opens from the navigation", click_nav(s, "images", "/images"))
    s.check("busybox is listed", s.wait("document.querySelector('#images').textContent.indexOf('busybox:latest') >= 0"))
    s.js("(function(){var r=[...document.querySelectorAll('#images tbody tr')].find(t=>t.textContent.indexOf('busybox:latest')>=0);"
         "[...r.querySelectorAll('button')].find(b=>b.textContent==='Tag').click();"
         "var i=r.querySelector('input');i.value=%s;r.querySelector('form').requestSubmit();return true})()" % json.dumps(TAG))
    s.check("tagging adds the new tag to the list",
            s.wait("document.querySelector('#images').textContent.indexOf(%s) >= 0" % json.dumps(TAG)))
    s.check("a screenshot is saved", screenshot(s.window, shot), shot)
    rm = ("(function(){var b=document.querySelector('[data-tag=\"%s\"] button.untag');"
          "if(!b)return false;b.click();return true})()" % TAG)
    s.js(rm)  # arms the confirm button
    s.js(rm)  # confirms
    s.check("removing the tag takes it off the list",
            s.wait("document.querySelector('#images').textContent.indexOf(%s) < 0" % json.dumps(TAG)))
    s.check("no error banner", s.js("document.getElementById('banner').classList.contains('hidden')"),
            s.js("document.getElementById('banner-text').textContent"))


def watchdog(s):
    s.check("self-test finished within %d s" % DEADLINE_SECONDS, False)
    print("1..%d" % s.n, flush=True)
    os._exit(1)


def run_self_test(window, shot, result):
    s = Steps(window)
    timer = threading.Timer(DEADLINE_SECONDS, watchdog, (s,))
    timer.daemon = True
    timer.start()
    try:
        window.loaded.wait(30)
        flow(s, shot)
    except Exception as e:  # report, never hang the window
        s.check("self-test ran to the end", False, "%s: %s" % (type(e).__name__, e))
    timer.cancel()
    print("1..%d" % s.n, flush=True)
    result["rc"] = 1 if s.failed else 0
    window.destroy()
