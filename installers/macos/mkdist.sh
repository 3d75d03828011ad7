#!/bin/bash
# Builds the macOS disk image, BUILD/dist/servin-VERSION-macos.dmg: servin.app
# (the GUI's launcher, the remote API configuration template, and the GUI,
# BUILD/servin-gui.pyz or $GUI_PYZ, when that file exists), a link to
# /Applications and a README, as an ISO 9660 + HFS+ hybrid made by xorriso
# (macOS mounts the HFS+ side). Unsigned: signing and notarization need
# Apple's tools.
#
#   installers/macos/mkdist.sh BUILD VERSION      (DIST_OUT overrides BUILD/dist)
set -euo pipefail

BUILD=${1:?usage: mkdist.sh BUILD VERSION}
VERSION=${2:?usage: mkdist.sh BUILD VERSION}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$TOP/installers/macos
BUILD=$(cd "$BUILD" && pwd)
GUI_PYZ=${GUI_PYZ:-$BUILD/servin-gui.pyz}
OUT=${DIST_OUT:-$BUILD/dist}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
STAGE=$OUT/.stage-macos
DMG=$OUT/servin-$VERSION-macos.dmg
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

rm -rf "$STAGE"
app=$STAGE/servin.app/Contents
mkdir -p "$app/MacOS" "$app/Resources"
sed "s/@VERSION@/$VERSION/g" "$SRC/Info.plist.in" >"$app/Info.plist"
printf 'APPL????' >"$app/PkgInfo"
install -m 755 "$SRC/servin" "$app/MacOS/servin"
install -m 644 "$TOP/installers/common/servin-remote.ini" "$app/Resources/servin-remote.ini"
install -m 644 "$TOP/LICENSE" "$app/Resources/LICENSE.txt"
if [ -f "$GUI_PYZ" ]; then
	install -m 644 "$GUI_PYZ" "$app/Resources/servin-gui.pyz"
	printf '  %-6s %s\n' DIST "GUI: $GUI_PYZ"
else
	printf '  %-6s %s\n' DIST "GUI: none ($GUI_PYZ does not exist): servin.app holds the launcher and the configuration"
fi
install -m 644 "$SRC/README.txt" "$STAGE/README.txt"
ln -s /Applications "$STAGE/Applications"
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$DMG"
if ! xorriso -as mkisofs -V "servin $VERSION" -R -hfsplus -apm-block-size 2048 \
	-hfsplus-file-creator-type APPL '????' /servin.app/Contents/MacOS/servin \
	-o "$DMG" "$STAGE" >"$STAGE.log" 2>&1; then
	cat "$STAGE.log" >&2
	exit 1
fi
rm -f "$STAGE.log"
rm -rf "$STAGE"
printf '  %-6s %s\n' DIST "$DMG"
