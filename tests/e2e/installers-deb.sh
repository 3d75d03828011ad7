#!/bin/bash
# `make dist` as a whole writes every release file (checked briefly here);
# its .debs: built with dpkg-deb, servin's Depends computed by
# dpkg-shlibdeps, and servin-gui (build/servin-gui.pyz); lintian finds no error (its warnings are
# printed as TAP comments); dpkg installs them into a private root (its own
# admin directory, maintainer scripts run chrootless with DPKG_ROOT), the
# servin there runs a container, the group servin exists and nothing is
# enabled, servin-gui starts; a purge leaves the root as it was.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd dpkg-deb dpkg-shlibdeps lintian groupadd desktop-file-validate makeself makensis xorriso 7z
. "$FIXTURES/installers.sh"
sv_setup
W=$SV_TMP/w
mkdir -p "$W"

# --- make dist, the whole target (DIST_OUT puts its files here) -------------------------
# `all` is up to date after `make`: this runs the three mkdist.sh as users do.
ok "make dist" env -u GUI_PYZ DIST_OUT="$W/dist" make -s -C "$TOP" dist
D=$W/dist
DEB=$D/servin_${VERSION}_$ARCH.deb
GUIDEB=$D/servin-gui_${VERSION}_all.deb
is "$(cd "$D" && ls | LC_ALL=C sort | paste -sd' ')" \
	"servin-$VERSION-linux-$ARCH.run servin-$VERSION-linux-$ARCH.tar.gz servin-$VERSION-macos.dmg servin-$VERSION-windows-setup.exe servin-gui_${VERSION}_all.deb servin_${VERSION}_$ARCH.deb" \
	"it writes the tarball, the .run, both .debs, the Windows setup and the macOS image (and no leftovers)"
like "$(tar -tzf "$D/servin-$VERSION-linux-$ARCH.tar.gz" | paste -sd' ')" "/install\.sh .*/payload/binaries/bin/servin " \
	"the tarball holds install.sh and the binaries"
like "$(sh "$D/servin-$VERSION-linux-$ARCH.run" --check 2>&1)" "MD5 checksums are OK" "the .run is a makeself archive whose checksum holds"
is "$(head -c2 "$D/servin-$VERSION-windows-setup.exe")" "MZ" "the setup is a Windows executable"
like "$(7z l -thfs "$D/servin-$VERSION-macos.dmg" 2>&1)" "servin\.app/Contents/Resources/servin-gui\.pyz" \
	"the macOS image holds servin.app with the GUI"
like "$(7z l "$D/servin-$VERSION-windows-setup.exe" 2>&1)" "servin-gui\.pyz" "so does the Windows setup"
is "$(dpkg-deb -f "$DEB" Package Version Architecture | paste -sd' ')" \
	"Package: servin Version: $VERSION Architecture: $ARCH" "package name, version and architecture"

# --- Depends: Debian's runtime libraries, each a real package here --------------------
depends=$(dpkg-deb -f "$DEB" Depends)
pkgs=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//; s/:.*//' | grep .)
like "$depends" "libarchive13 \\(>= [0-9.]+\\)" "Depends names libarchive13, which servin loads on first use"
like "$depends" "libcurl4 \\(>= [0-9.]+\\)" "and libcurl4, loaded the same way"
like "$depends" "libssl3 \\(>= [0-9.]+\\)" "and libssl3 (libcrypto, libssl), loaded the same way"
like "$depends" "libnftables1 \\(>= [0-9.]+\\)" "and libnftables1, loaded the same way"
like "$depends" "libuv1" "and the libraries servin links (libuv1...)"
is "$(grep -- '-dev$' <<<"$pkgs")" "" "no -dev package among them"
needed=$(for b in "$TOP"/build/bin/servin "$TOP"/build/bin/servin-desktop; do
	readelf -d "$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'
done | sort -u)
missing=
for lib in $needed; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x32|AArch64/ { print $NF; exit }')
	owner=
	# usrmerge: dpkg knows each file by one of these names
	for c in "$path" "/usr$path" "$(readlink -f "$path")" "$(dirname "$(readlink -f "$path")")/$lib"; do
		owner=$(dpkg -S "$c" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$owner" ] && break
	done
	[ -n "$owner" ] && grep -qx "$owner" <<<"$pkgs" || missing="$missing $lib($owner)"
done
is "$missing" "" "every library the binaries need comes from a package in Depends"
notinst=
for p in $pkgs; do
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || notinst="$notinst $p"
done
is "$notinst" "" "every package in Depends is a real Debian package (installed here)"

# --- lintian ------------------------------------------------------------------------------
# Its JSON report names every file it examined (a silent lintian that
# checked nothing would not), with each hint's severity.
# shellcheck disable=SC2086
lintian -I --exp-output format=json "$DEB" $GUIDEB >"$W/lintian.json" 2>"$W/lintian.err"
lrc=$?
ok "lintian ran to its end (status $lrc: 0 clean, 1 errors found)" test "$lrc" -le 1
lint=$(/usr/bin/python3 -c '
import json, sys
for g in json.load(open(sys.argv[1]))["groups"]:
    for f in g["input_files"]:
        print("file", f["path"])
        for h in f["hints"]:
            print("%s: %s: %s %s" % (h["visibility"][0].upper(), g["group_id"], h["tag"], h["pointer"]["item"].get("name", "")))
' "$W/lintian.json" 2>&1)
is "$(sed -n 's/^file //p' <<<"$lint" | sort)" "$(printf '%s\n' "$DEB" $GUIDEB | sort)" "lintian examined every package"
is "$(grep '^E:' <<<"$lint")" "" "lintian: no errors"
grep '^[WIP]:' <<<"$lint" | sed 's/^/# lintian /'

# --- maintainer scripts ---------------------------------------------------------------------
dpkg-deb -e "$DEB" "$W/control"
ok "postinst, prerm and postrm are there" test -x "$W/control/postinst" -a -x "$W/control/prerm" -a -x "$W/control/postrm"
is "$(grep -hE '^[^#]*\b(systemctl|deb-systemd-helper|deb-systemd-invoke)\b.*\b(enable|start|restart)\b' \
	"$W/control/postinst" | grep -v '^[[:space:]]*echo')" "" "postinst enables and starts nothing"
ok "maintainer scripts pass shellcheck" shellcheck "$W/control/postinst" "$W/control/prerm" "$W/control/postrm"

# --- a private root ---------------------------------------------------------------------------
# Its dpkg database holds the host's entries for the packages in Depends
# (their files are the host's: the scripts run chrootless), so dpkg checks
# the dependencies for real instead of being told to ignore them.
R=$W/root
mkdir -p "$R/etc" "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/log"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'root:*::\n' >"$R/etc/gshadow"
: >"$R/var/lib/dpkg/available"
guipkgs=
guipkgs=$(dpkg-deb -f "$GUIDEB" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep .)
for p in $(printf '%s\n' $pkgs $guipkgs | sort -u); do
	dpkg-query -s "$p" 2>/dev/null | grep -v '^Conffiles:' | sed '/^ \//d'
	echo
	touch "$R/var/lib/dpkg/info/$p.list" "$R/var/lib/dpkg/info/$p:$ARCH.list"
done >"$R/var/lib/dpkg/status"
before=$(tree "$R" | grep -v '^\./var/lib/dpkg')
group_before=$(cat "$R/etc/group")
dpkg_root() { dpkg --root="$R" --force-script-chrootless --log="$W/dpkg.log" "$@"; }

out=$(dpkg_root -i "$DEB" 2>&1)
is "$?" 0 "dpkg installs the .deb into the private root, dependencies satisfied"
like "$out" "not enabled; to start it: systemctl enable --now servin.socket" "postinst says how to start the API"
is "$(dpkg-query --root="$R" -W -f='${db:Status-Abbrev}' servin)" "ii " "dpkg records servin as installed"
like "$(grep '^servin:' "$R/etc/group")" "^servin:x:[0-9]+:$" "postinst created the group servin in the root"
for f in usr/bin/servin usr/bin/servin-desktop usr/share/servin/busybox.oci.tar usr/share/man/man1/servin.1.gz \
	usr/share/bash-completion/completions/servin lib/systemd/system/servin.service lib/systemd/system/servin.socket \
	usr/share/doc/servin/copyright usr/share/doc/servin/changelog.gz usr/lib/sysusers.d/servin.conf; do
	[ -e "$R/$f" ] || echo "missing $f"
done >"$W/missing"
is "$(cat "$W/missing")" "" "programs, image, man page, completion, units and docs in place"
like "$(grep ^ExecStart= "$R/lib/systemd/system/servin.service")" "^ExecStart=/usr/bin/servin serve( |$)" "the unit runs /usr/bin/servin"
is "$(find "$R" -name '*.wants' -o -name 'servin.socket' -path '*/etc/*')" "" "no unit is enabled"
like "$("$R/usr/bin/servin" version)" "Version: +$VERSION" "the packaged servin runs version"
is "$("$R/usr/bin/servin" --root "$W/state" --runroot "$W/run" images --format '{{.Repository}}:{{.Tag}}')" \
	"busybox:latest" "and lists the default image from /usr/share/servin (temp --root)"
is "$("$R/usr/bin/servin" --root "$W/state" --runroot "$W/run" run --rm busybox echo from-deb 2>&1)" \
	"from-deb" "the packaged servin runs a container"
ok "dpkg --verify finds the files as packaged" dpkg --root="$R" --verify servin

is "$(dpkg-deb -f "$GUIDEB" Architecture Depends | paste -sd' ')" "Architecture: all Depends: python3, python3-flask" \
	"servin-gui: architecture all, depends on python3 and Flask"
# What `apt install ./servin-gui….deb` (recommends on) would install on this
# host without the window packages: apt simulates (-s) against a copy of
# dpkg's status without them and what needs them. python3-webview depends on
# "python3-pyqt5.qtwebengine | ... | gir1.2-gtk-3.0" and so on: apt takes the
# first alternative unless another is already chosen, so the GTK packages
# come first in Recommends.
/usr/bin/python3 - "$W/status" python3-webview gir1.2-webkit2-4.0 gir1.2-gtk-3.0 python3-gi python3-gi-cairo <<'PY'
import re, sys
drop = set(sys.argv[2:])
stanzas = [s for s in open("/var/lib/dpkg/status").read().split("\n\n") if s.strip()]
def field(s, f):
    m = re.search(r"^%s: (.*(?:\n .*)*)" % f, s, re.M)
    return m.group(1) if m else ""
def needs_dropped(s):  # a dependency all of whose alternatives are dropped
    deps = field(s, "Depends") + "," + field(s, "Pre-Depends")
    return any(g.strip() and all(re.sub(r"[ :(].*", "", a.strip()) in drop for a in g.split("|")) for g in deps.split(","))
while True:
    more = {field(s, "Package") for s in stanzas if field(s, "Package") not in drop and needs_dropped(s)}
    if not more:
        break
    drop |= more
open(sys.argv[1], "w").write("\n\n".join(s for s in stanzas if field(s, "Package") not in drop) + "\n")
PY
sim=$(apt-get -s -o Dir::State::status="$W/status" install "$GUIDEB" 2>&1)
like "$sim" "Inst python3-webview " "apt would install servin-gui with its recommends (pywebview)"
is "$(grep -cE '^Inst (gir1\.2-webkit2-4\.0|gir1\.2-gtk-3\.0|python3-gi|python3-gi-cairo) ' <<<"$sim")" 4 \
	"and its GTK backend"
is "$(grep -E '^Inst (python3-pyqt5|libqt5)' <<<"$sim")" "" "but no Qt backend"
ok "dpkg installs servin-gui, dependencies satisfied" dpkg_root -i "$GUIDEB"
ok "desktop-file-validate passes on its menu entry" desktop-file-validate "$R/usr/share/applications/servin.desktop"
like "$(grep ^Exec= "$R/usr/share/applications/servin.desktop")" "^Exec=/usr/bin/servin-gui$" "which runs /usr/bin/servin-gui"
like "$("$R/usr/bin/servin-gui" --help 2>&1)" "usage: servin-gui .*--api" "the packaged GUI starts (its --help)"
"$R/usr/bin/servin-gui" --no-window --api "unix://$W/none.sock" >"$W/gui.out" 2>/dev/null &
gpid=$!
for _ in $(seq 100); do [ -s "$W/gui.out" ] && break; sleep 0.1; done
kill "$gpid"
wait "$gpid" 2>/dev/null
like "$(head -1 "$W/gui.out")" "^http://127\.0\.0\.1:[0-9]+/\?token=" "and serves, printing its URL"
ok "dpkg purges servin-gui" dpkg_root -P servin-gui

out=$(dpkg_root -P servin 2>&1)
is "$?" 0 "dpkg purges it"
is "$(dpkg-query --root="$R" -W -f='${db:Status-Abbrev}' servin 2>/dev/null)" "" "dpkg forgets it"
# groupadd's own backups (group-, gshadow-) are the shadow tools', not the package's
is "$(tree "$R" | grep -v '^\./var/lib/dpkg' | grep -v -e '^\./etc/group-$' -e '^\./etc/gshadow-$')" "$before" \
	"after the purge the root holds the same files as before"
is "$(cat "$R/etc/group")" "$group_before" "and the group servin is gone"
done_testing
