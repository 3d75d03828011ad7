#!/bin/bash
# The Windows setup program and the macOS disk image, built here:
# makensis -WX compiles servin.nsi (and really fails on a warning), 7z lists
# the payload, with and without the GUI; the configuration it carries
# parses. The HFS+ side of the xorriso image, read back with 7z, holds
# servin.app (Info.plist, an executable launcher, resources) and the
# /Applications link; the launcher itself runs (it is POSIX sh).
. "$(dirname "$0")/lib.sh"
need_cmd makensis 7z xorriso
. "$FIXTURES/installers.sh"
sv_setup
W=$SV_TMP/w
mkdir -p "$W"
gui_standin "$W/gui.pyz"
nsis() { DIST_OUT=$1 GUI_PYZ=$2 "$TOP/installers/windows/mkdist.sh" "$TOP/build" "$VERSION" >/dev/null; }
macos() { DIST_OUT=$1 GUI_PYZ=$2 "$TOP/installers/macos/mkdist.sh" "$TOP/build" "$VERSION" >/dev/null; }

# --- Windows -----------------------------------------------------------------------------
ok "makensis -WX compiles the Windows setup" nsis "$W/win" "$W/none.pyz"
EXE=$W/win/servin-$VERSION-windows-setup.exe
is "$(head -c2 "$EXE")" "MZ" "it is a Windows executable"
listing=$(7z l -ba "$EXE" | awk '{ print $NF }' | grep -v '^\$PLUGINSDIR' | LC_ALL=C sort | paste -sd' ')
is "$listing" "LICENSE.txt README.txt servin-gui.cmd servin-remote.ini uninstall.exe" \
	"7z lists the payload: configuration, launcher, README, license, uninstaller"
like "$(7z l "$EXE")" "NSIS-3 Unicode" "an NSIS 3 Unicode installer"
7z x -y -o"$W/winx" "$EXE" servin-remote.ini servin-gui.cmd >/dev/null
is "$(/usr/bin/python3 -c 'import configparser,sys; c=configparser.ConfigParser(); c.read(sys.argv[1]); print(sorted(c["remote"]))' \
	"$W/winx/servin-remote.ini")" "['api', 'api_token_file', 'tls_ca', 'tls_cert', 'tls_key']" \
	"the remote API configuration template parses, with the GUI's options"
for o in api tls-ca tls-cert tls-key api-token-file; do
	grep -q "\-\-$o \"%%b\"" "$W/winx/servin-gui.cmd" || echo "$o"
done >"$W/missing"
is "$(cat "$W/missing")" "" "the Windows launcher passes each setting as the GUI option of that name"
ok "files for Windows have CRLF line ends" grep -q $'\r$' "$W/winx/servin-gui.cmd"
ok "with build/servin-gui.pyz the GUI is part of the setup" nsis "$W/wing" "$W/gui.pyz"
like "$(7z l -ba "$W/wing/servin-$VERSION-windows-setup.exe")" "servin-gui.pyz" "7z lists servin-gui.pyz then"
sed 's/^Var Host$/Var Host\nVar NeverUsed/' "$TOP/installers/windows/servin.nsi" >"$W/warn.nsi"
mkdir -p "$W/p"
for f in LICENSE.txt README.txt servin-gui.cmd servin-remote.ini; do echo x >"$W/p/$f"; done
ok "the same payload builds with the file as it is" \
	makensis -WX -V2 -DVERSION="$VERSION" -DPAYLOAD="$W/p" -DOUTFILE="$W/ok.exe" "$TOP/installers/windows/servin.nsi"
out=$(makensis -WX -V2 -DVERSION="$VERSION" -DPAYLOAD="$W/p" -DOUTFILE="$W/warn.exe" "$W/warn.nsi" 2>&1)
is "$?" 1 "-WX turns a warning (an unused variable) into a failed build"
like "$out" "NeverUsed" "naming it"

# --- macOS ---------------------------------------------------------------------------------
ok "xorriso builds the macOS image" macos "$W/mac" "$W/none.pyz"
DMG=$W/mac/servin-$VERSION-macos.dmg
hfs=$(7z l -slt -thfs "$DMG")
like "$hfs" "Method = HFS\+" "7z reads the image's HFS+ side"
vol="servin $VERSION"
paths=$(sed -n "s|^Path = $vol/||p" <<<"$hfs" | LC_ALL=C sort | paste -sd' ')
is "$paths" "Applications README.txt servin.app servin.app/Contents servin.app/Contents/Info.plist servin.app/Contents/MacOS servin.app/Contents/MacOS/servin servin.app/Contents/PkgInfo servin.app/Contents/Resources servin.app/Contents/Resources/LICENSE.txt servin.app/Contents/Resources/servin-remote.ini" \
	"the HFS+ side holds servin.app, the Applications link and the README"
mode_of() { awk -v p="Path = $vol/$1" '$0 == p { f = 1 } f && /^Mode = / { print $3; exit }' <<<"$hfs"; }
is "$(mode_of servin.app/Contents/MacOS/servin)" "-rwxr-xr-x" "the launcher is executable in HFS+"
is "$(mode_of Applications)" "lrwxrwxrwx" "Applications is a symbolic link"
is "$(7z x -so -thfs "$DMG" "$vol/Applications" 2>/dev/null)" "/Applications" "to /Applications"
7z x -y -thfs -o"$W/macx" "$DMG" >/dev/null 2>&1
plist=$(/usr/bin/python3 -c 'import plistlib,sys; d=plistlib.load(open(sys.argv[1],"rb")); print(d["CFBundleExecutable"], d["CFBundleIdentifier"], d["CFBundleShortVersionString"], d["CFBundlePackageType"])' \
	"$W/macx/$vol/servin.app/Contents/Info.plist")
is "$plist" "servin org.servin.gui $VERSION APPL" "Info.plist parses and names the launcher, id and version"
like "$(7z l "$DMG" 2>&1)" "Type = Iso" "the ISO 9660 side is there too"

# the launcher, on this machine: first start makes the user's configuration
H=$W/home
mkdir -p "$H"
out=$(HOME=$H sh "$W/macx/$vol/servin.app/Contents/MacOS/servin" 2>&1)
is "$?" 1 "without the GUI the launcher stops"
like "$out" "holds no GUI yet" "saying why"
ok "after making the user's configuration from the template" \
	cmp "$H/Library/Application Support/servin/servin-remote.ini" "$TOP/installers/common/servin-remote.ini"

ok "with build/servin-gui.pyz it goes into servin.app" macos "$W/macg" "$W/gui.pyz"
like "$(7z l -thfs "$W/macg/servin-$VERSION-macos.dmg")" "servin.app/Contents/Resources/servin-gui.pyz" \
	"7z finds servin-gui.pyz in the HFS+ side then"
7z x -y -thfs -o"$W/macgx" "$W/macg/servin-$VERSION-macos.dmg" >/dev/null 2>&1
conf="$H/Library/Application Support/servin/servin-remote.ini"
sed -i 's|^api=$|api=https://build-host:2376|; s|^tls_ca=$|tls_ca=/certs/ca.pem|' "$conf"
PATH=/usr/bin:/bin HOME=$H SERVIN_GUI_STANDIN_MARK=$W/mark sh "$W/macgx/$vol/servin.app/Contents/MacOS/servin" --x
is "$(cat "$W/mark")" "started --api https://build-host:2376 --tls-ca /certs/ca.pem --x" \
	"the launcher runs the GUI with python3 and the user's settings as its options"
done_testing
