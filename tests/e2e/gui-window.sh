#!/bin/bash
# The native window: build/servin-gui.pyz (make gui) under Xvfb opens its
# pywebview (GTK WebKit2) window on the GUI, and its --self-test clicks
# through one flow with evaluate_js against a real `servin serve`: the
# dashboard shows the engine up, tagging an image on the Images page adds
# it, removing the tag takes it away. The screenshot is kept in
# build/artifacts/gui-window.png.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/api-lib.sh"
need_cmd xvfb-run
/usr/bin/python3 -c 'import flask, webview, gi; gi.require_version("WebKit2", "4.0"); from gi.repository import WebKit2' \
	2>/dev/null || skip_all "needs python3-flask, python3-webview and gir1.2-webkit2-4.0"
PYZ=$TOP/build/servin-gui.pyz
[ -f "$PYZ" ] || skip_all "build/servin-gui.pyz is not built (make gui)"
sv_setup
api_start --access-log off
SHOT=$TOP/build/artifacts/gui-window.png
mkdir -p "$(dirname "$SHOT")"
rm -f "$SHOT"

# xvfb-run -a picks a free display; the self-test has its own 90 s deadline.
out=$(cd "$SV_TMP" && timeout 150 xvfb-run -a -s "-screen 0 1280x800x24" \
	/usr/bin/python3 "$PYZ" --api "unix://$API_SOCK" --self-test "$SHOT" 2>"$SV_TMP/window.err")
rc=$?
like "$(head -1 <<<"$out")" '^http://127\.0\.0\.1:[0-9]+/\?token=[A-Za-z0-9_-]{40,}$' "the first line is the URL with its token"
while read -r line; do
	case $line in
	"ok "*) _report 0 "window: ${line#ok * - }" ;;
	"not ok "*) _report 1 "window: ${line#not ok * - }" "$(tail -5 "$SV_TMP/window.err")" ;;
	"#"*) echo "$line" ;;
	esac
done < <(tail -n +2 <<<"$out")
is "$rc" 0 "the self-test exits 0"
like "$(tail -1 <<<"$out")" '^1\.\.[1-9][0-9]*$' "the self-test printed its plan"
png_size() { /usr/bin/python3 -c 'import struct,sys; h=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", h[16:24]) if h[:8]==b"\x89PNG\r\n\x1a\n" else "not a png")' "$1"; }
is "$(png_size "$SHOT")" "1280x800" "the screenshot is a 1280x800 PNG"
ok "the screenshot is not blank" bash -c "[ \$(stat -c %s '$SHOT') -gt 20000 ]"
ok "the tag is gone from the engine" bash -c "! curl -s --unix-socket '$API_SOCK' http://x/images/json | grep -q selftest/"
done_testing
