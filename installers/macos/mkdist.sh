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

PLATFORM=macos
# shellcheck source=installers/common/dist-env.sh
. "$(dirname "$0")/../common/dist-env.sh"
DMG=$OUT/servin-$VERSION-macos.dmg

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
	say "GUI: $GUI_PYZ"
else
	say "GUI: none ($GUI_PYZ does not exist): servin.app holds the launcher and the configuration"
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
say "$DMG"
