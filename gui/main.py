"""servin-gui: the desktop GUI's entry point.

Starts the Flask backend (app.py) on 127.0.0.1 on a random port with a
fresh token, prints the URL (token included) as the first line of stdout,
then opens it in a pywebview window — or, when no webview backend (GTK
WebKit2) can be loaded, in the system's browser; with --no-window it only
serves, for tests, SSH tunnels and any browser.

--self-test FILE drives the native window through one flow with
evaluate_js (tag an image, see it listed, remove it), saves a screenshot
to FILE and exits 0 when every step passed; the steps are printed as TAP.
"""
import argparse
import logging
import os
import signal
import sys
import threading
import webbrowser

from werkzeug.serving import make_server

from app import create_app
from servin_client import Client

TITLE = "servin"


def default_api():
    runroot = os.environ.get("SERVIN_RUNROOT") or "/run/servin"
    return os.environ.get("SERVIN_API") or "unix://%s/servin.sock" % runroot


def parse_args(argv):
    p = argparse.ArgumentParser(prog="servin-gui", description="servin's desktop GUI (over its REST API)")
    p.add_argument("--api", default=default_api(), help="engine address: unix:///path or https://host:port "
                   "(default %(default)s)")
    p.add_argument("--api-token-file", help="file holding the bearer token of a TCP engine")
    p.add_argument("--tls-ca", help="CA certificate to trust for an https engine")
    p.add_argument("--tls-cert", help="client certificate for an https engine")
    p.add_argument("--tls-key", help="client key for an https engine")
    p.add_argument("--no-window", action="store_true", help="serve only; print the URL and keep running")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a random free one)")
    p.add_argument("--self-test", metavar="SCREENSHOT", help="drive the window through one flow, save a "
                   "screenshot, exit")
    return p.parse_args(argv)


def read_token(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def start_server(app, port):
    """Binds 127.0.0.1 only; the accepted Host values follow the port."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    port = server.server_port
    app.config["GUI_HOSTS"] = {"127.0.0.1:%d" % port, "localhost:%d" % port}
    return server, "http://127.0.0.1:%d/" % port


def quiet_logs():
    # Request lines would print the token (?token=...) and flood the terminal.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def serve_forever(server):
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def load_webview(self_test):
    """The pywebview module when a window can be shown, else None."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None
    if self_test:
        # X screenshots see WebKit's accelerated layers as blank: paint plainly.
        os.environ.setdefault("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
    try:
        import webview
        from webview.guilib import initialize
        initialize("gtk")
        return webview
    except Exception as e:  # ImportError, WebViewException, GI errors: all mean "no window here"
        print("servin-gui: no webview backend (%s); using the browser" % e, file=sys.stderr)
        return None


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    quiet_logs()
    try:
        client = Client(args.api, token=read_token(args.api_token_file), tls_ca=args.tls_ca,
                        tls_cert=args.tls_cert, tls_key=args.tls_key)
    except (ValueError, OSError) as e:
        print("servin-gui: %s" % e, file=sys.stderr)
        return 2
    app = create_app(client, allow_eval=bool(args.self_test))
    try:
        server, base = start_server(app, args.port)
    except OSError as e:
        print("servin-gui: cannot listen on 127.0.0.1:%d: %s" % (args.port, e.strerror), file=sys.stderr)
        return 1
    url = base + "?token=" + app.config["GUI_TOKEN"]
    print(url, flush=True)
    webview = None if args.no_window else load_webview(args.self_test)
    if webview is not None:
        threading.Thread(target=server.serve_forever, name="gui-http", daemon=True).start()
        return run_window(webview, url, args.self_test)
    if args.self_test:
        print("1..0 # SKIP no display or no webview backend")
        return 77
    if not args.no_window:
        webbrowser.open(url)
        print("servin-gui: serving %s until interrupted" % base, file=sys.stderr)
    serve_forever(server)
    return 0


def run_window(webview, url, self_test):
    window = webview.create_window(TITLE, url, width=1280, height=800, min_size=(800, 600))
    result = {"rc": 0}
    if self_test:
        from selftest import run_self_test
        webview.start(run_self_test, (window, self_test, result), gui="gtk")
    else:
        webview.start(gui="gtk")
    return result["rc"]


if __name__ == "__main__":
    sys.exit(main())
