#!/bin/bash
# The GUI in a browser: Playwright (gui/tests, installed by `make deps` from
# its lockfile) drives Debian's Chromium against the real stack that
# tests/e2e/gui/stack.py starts (servin serve, docker-registry, the GUI).
# The TAP comes from gui/tests/tap-reporter.js; screenshots of every page at
# both sizes land in build/artifacts/gui/.
. "$(dirname "$0")/lib.sh"
need_cmd node chromium docker-registry skopeo
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import flask' 2>/dev/null || skip_all "needs python3-flask"
PW=$TOP/gui/tests/node_modules/.bin/playwright
[ -x "$PW" ] || skip_all "Playwright is not installed (make deps)"
[ -x "$BIN/servin" ] || skip_all "build/bin/servin is not built"
cd "$TOP/gui/tests" || exit 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_BROWSERS_PATH=0
exec timeout 600 "$PW" test
