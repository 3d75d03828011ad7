#!/bin/bash
# Builds the GUI's zip application from gui/: its modules, templates and
# static files (not its tests), started by main.main() with the system's
# python3. Flask and pywebview are not inside: they come from the system
# (Debian: python3-flask, python3-webview).
#
#   installers/common/mkpyz.sh GUI_DIR OUT.pyz
set -euo pipefail
src=${1:?usage: mkpyz.sh GUI_DIR OUT.pyz}
out=${2:?usage: mkpyz.sh GUI_DIR OUT.pyz}
[ -f "$src/main.py" ] || { echo "mkpyz: $src/main.py is missing" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/app"
cp "$src"/*.py "$tmp/app/"
for d in static templates; do
	[ -d "$src/$d" ] && cp -r "$src/$d" "$tmp/app/"
done
find "$tmp/app" -name __pycache__ -prune -exec rm -rf {} +
# zipapp's own -m would drop main()'s exit status
printf 'import sys\n\nfrom main import main\n\nsys.exit(main())\n' >"$tmp/app/__main__.py"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}
find "$tmp/app" -exec touch -h -d "@$epoch" {} +
/usr/bin/python3 -m zipapp "$tmp/app" -o "$tmp/out.pyz" -c
mkdir -p "$(dirname "$out")"
mv "$tmp/out.pyz" "$out"
