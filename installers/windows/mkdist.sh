#!/bin/bash
# Builds the Windows setup program, BUILD/dist/servin-VERSION-windows-setup.exe,
# with Debian's makensis (warnings are errors). Its payload: the remote API
# client configuration, the GUI launcher, README and LICENSE, and the GUI
# itself (BUILD/servin-gui.pyz, or $GUI_PYZ) when that file exists.
#
#   installers/windows/mkdist.sh BUILD VERSION      (DIST_OUT overrides BUILD/dist)
set -euo pipefail

PLATFORM=windows
# shellcheck source=installers/common/dist-env.sh
. "$(dirname "$0")/../common/dist-env.sh"
EXE=$OUT/servin-$VERSION-windows-setup.exe

rm -rf "$STAGE"
mkdir -p "$STAGE"
crlf() { sed 's/\r*$/\r/' "$1" >"$2"; }
crlf "$TOP/LICENSE" "$STAGE/LICENSE.txt"
crlf "$SRC/README.txt" "$STAGE/README.txt"
crlf "$SRC/servin-gui.cmd" "$STAGE/servin-gui.cmd"
crlf "$TOP/installers/common/servin-remote.ini" "$STAGE/servin-remote.ini"
defs=(-DVERSION="$VERSION" -DPAYLOAD="$STAGE" -DOUTFILE="$EXE")
if [ -f "$GUI_PYZ" ]; then
	cp "$GUI_PYZ" "$STAGE/servin-gui.pyz"
	defs+=(-DHAVE_GUI)
	say "GUI: $GUI_PYZ"
else
	say "GUI: none ($GUI_PYZ does not exist): the setup holds the configuration and the launcher"
fi
makensis -WX -V2 -NOCD "${defs[@]}" "$SRC/servin.nsi"
rm -rf "$STAGE"
say "$EXE"
