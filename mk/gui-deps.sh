#!/bin/sh
# Playwright for the GUI's browser tests (gui/tests), from its lockfile with
# `npm ci`. It never downloads a browser: the tests drive Debian's chromium
# (mk/deps.sh). Idempotent and quiet while the installed tree matches the
# lockfile.
set -eu
dir=$(cd "$(dirname "$0")/../gui/tests" && pwd)
stamp=$dir/node_modules/.servin-lock
if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "deps: npm not found: the GUI's browser tests cannot run" >&2
	exit 0
fi
echo "deps: npm ci in gui/tests"
(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
cp "$dir/package-lock.json" "$stamp"
