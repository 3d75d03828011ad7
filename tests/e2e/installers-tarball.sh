#!/bin/bash
# The Linux release archive and its install.sh, for real: built by
# installers/linux/mkdist.sh from this build, unpacked, installed into a
# DESTDIR; the installed servin runs; man pages, completion, systemd units
# (systemd-analyze verify) and the desktop entry (desktop-file-validate) are
# checked where they landed; --uninstall, any failure, a signal and an
# injected fault all leave the tree as it was (file lists compared); the
# sudo question; the self-extracting .run, intact and tampered.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd makeself systemd-analyze desktop-file-validate man setpriv script
. "$FIXTURES/installers.sh"
sv_setup
W=$SV_TMP/w
mkdir -p "$W"
NAME=servin-$VERSION-linux-$ARCH

# --- the archive -------------------------------------------------------------
dist "$W/dist" tarball run
TGZ=$W/dist/$NAME.tar.gz
ok "make dist writes the tarball" test -s "$TGZ"
listing=$(tar tzf "$TGZ")
for f in install.sh wizard.py LICENSE README payload/SHA256SUMS payload/binaries/bin/servin \
	payload/binaries/bin/servin-desktop payload/image/share/servin/busybox.oci.tar \
	payload/man/share/man/man1/servin.1.gz payload/man/share/man/man1/servin-desktop.1.gz \
	payload/completion/share/bash-completion/completions/servin payload/systemd/servin.service \
	payload/systemd/servin.socket; do
	grep -qx "$NAME/$f" <<<"$listing" || echo "missing $f"
done >"$W/missing"
is "$(cat "$W/missing")" "" "the tarball holds binaries, image, man pages, completion, units, install.sh, wizard"
if [ -x "$TOP/build/bin/servin-shim" ]; then
	like "$listing" "payload/binaries/bin/servin-shim" "the shim is in the tarball once it is built"
fi
nok "no GUI component without build/servin-gui.pyz" grep -q "payload/gui" <<<"$listing"
sum1=$(sha256sum <"$TGZ")
dist "$W/dist2" tarball
is "$(sha256sum <"$W/dist2/$NAME.tar.gz")" "$sum1" "two builds of the tarball are byte for byte the same"

tar -C "$W" -xzf "$TGZ"
X=$W/$NAME
is "$(bash "$X/install.sh" --list-components | cut -f1,2 | tr '\t\n' ':,')" \
	"binaries:1,image:1,man:1,completion:1,systemd:1,gui:0," "--list-components tells what the archive holds"

# --- install into a DESTDIR ----------------------------------------------------
D=$W/dest
mkdir -p "$D"
out=$(DESTDIR=$D bash "$X/install.sh" --prefix /usr/local 2>&1)
is "$?" 0 "install.sh installs into a DESTDIR"
P=$D/usr/local
for f in bin/servin bin/servin-desktop share/servin/busybox.oci.tar share/man/man1/servin.1.gz \
	share/bash-completion/completions/servin lib/systemd/system/servin.service \
	lib/systemd/system/servin.socket share/servin/install-manifest share/servin/install.sh; do
	[ -e "$P/$f" ] || echo "missing $f"
done >"$W/missing"
is "$(cat "$W/missing")" "" "binaries, image, man page, completion, units, manifest and uninstaller in place"
like "$(stat -c %a "$P/bin/servin")" "^755$" "binaries are executable"
ok "nothing outside the prefix" test "$(ls "$D")" = usr
manifest_files=$(awk -F'\t' '$1 == "f" { print $2 }' "$P/share/servin/install-manifest" | LC_ALL=C sort)
is "$manifest_files" "$(cd "$D" && find . -type f | sed 's/^\.//' | LC_ALL=C sort)" "the manifest lists every file written"

# --- the installed servin --------------------------------------------------------
like "$("$P/bin/servin" version)" "Version: +$VERSION" "installed servin runs version"
out=$("$P/bin/servin" --root "$W/state" --runroot "$W/run" images --format '{{.Repository}}:{{.Tag}}')
is "$out" "busybox:latest" "installed servin lists the default image shipped beside it (temp --root)"
out=$("$P/bin/servin" --root "$W/state" --runroot "$W/run" run --rm busybox echo from-installed 2>&1)
is "$out" "from-installed" "installed servin runs a container"

# --- man pages and completion, as installed ---------------------------------------------
man_out=$(MANWIDTH=100 man -l "$P/share/man/man1/servin.1.gz" 2>&1)
like "$man_out" "servin images \[OPTIONS\]" "servin(1) holds the command list made from the table"
like "$man_out" "--root dir" "and the global options"
warn=
for page in "$P"/share/man/man*/*.gz; do
	if zcat "$page" | grep -q '^\.so '; then # servin-shim-ctl(8): a link to a page that is there
		target=$(zcat "$page" | sed -n 's/^\.so //p')
		[ -e "$P/share/man/$target.gz" ] || warn="$warn $page: .so $target missing"
		continue
	fi
	warn="$warn$(zcat "$page" | groff -man -ww -z 2>&1)"
done
is "$warn" "" "every installed man page formats without groff warnings"
# (help pads names to 18 columns: a longer name runs into its summary, so a
# help line is matched by the man entry it starts with)
missing=
mapfile -t man_names < <(zcat "$P/share/man/man1/servin.1.gz" | sed 's/\\-/-/g' |
	sed -n 's/^\\fBservin \(.*\)\\fR .*/\1/p')
while IFS= read -r line; do
	found=
	for n in "${man_names[@]}"; do [[ "$line " == "$n "* ]] && found=1 && break; done
	[ -n "$found" ] || missing="$missing [$line]"
done < <("$P/bin/servin" help | sed 's/^  //')
is "$missing" "" "every command of 'servin help' is in servin(1)"

complete_line() { # LINE: what the installed completion offers at its end
	bash -c '. "$1"; COMP_LINE=$2; COMP_POINT=${#2}; _servin; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$P/share/bash-completion/completions/servin" "$1" | LC_ALL=C sort | paste -sd' '
}
is "$(complete_line "servin ima")" "image images" "completion: command names"
is "$(complete_line "servin image ins")" "inspect" "completion: two-word commands"
like "$(complete_line "servin images --")" "--digests.*--filter.*--no-trunc" "completion: a command's options"
is "$(PATH=$P/bin:$PATH complete_line "servin --root $W/state rmi busy")" "busybox:latest" \
	"completion: image names from the --root on the line"
is "$(complete_line "servin --log-level ")" "debug error info warn" "completion: global option values"
is "$(PATH=$P/bin:$PATH complete_line "servin --root $W/state run -e A=1 --name x busy")" "busybox:latest" \
	"completion: the image of run, after options and their values"
is "$(PATH=$P/bin:$PATH complete_line "servin --root $W/state run busybox busy")" "" \
	"completion: nothing for the container's command"
is "$(PATH=$P/bin:$PATH complete_line "servin --root $W/state rmi busybox:latest busy")" "busybox:latest" \
	"completion: repeated operands (IMAGE [IMAGE...])"
if "$P/bin/servin" help | grep -q '^  create '; then
	"$P/bin/servin" --root "$W/state" --runroot "$W/run" create --name compl-test busybox true >/dev/null
	is "$(PATH=$P/bin:$PATH complete_line "servin --root $W/state --runroot $W/run rm compl-")" "compl-test" \
		"completion: container names from servin ps"
	"$P/bin/servin" --root "$W/state" --runroot "$W/run" rm compl-test >/dev/null
fi
globals=$(bash -c '. "$1"; _servin_global_options' _ "$P/share/bash-completion/completions/servin")
missing=
for o in $("$P/bin/servin" --help | sed -n '/^Global options:/,/^Commands:/p' | grep -oE -- '--[a-z-]+' | sort -u); do
	[[ " $globals " == *" $o "* ]] || missing="$missing $o"
done
is "$missing" "" "completion knows every global option of servin --help"

# --- systemd units -------------------------------------------------------------
unit=$P/lib/systemd/system/servin.service
like "$(grep ^ExecStart= "$unit")" "^ExecStart=/usr/local/bin/servin serve( |$)" "the service runs the installed servin"
like "$(cat "$P/lib/systemd/system/servin.socket")" "ListenStream=/run/servin/servin.sock" "socket-activated on /run/servin/servin.sock"
like "$(cat "$P/lib/systemd/system/servin.socket")" "SocketMode=0660.*SocketGroup=servin" "mode 0660, group servin"
# verify resolves ExecStart and the targets inside --root: the DESTDIR plus
# the host's unit library
V=$W/verify-root
cp -a "$D" "$V"
mkdir -p "$V/lib/systemd"
cp -a /lib/systemd/system "$V/lib/systemd/"
# (MANPATH: Documentation=man:servin(1) must name the installed page)
ok "systemd-analyze verify passes on the installed units" \
	env MANPATH="$V/usr/local/share/man" systemd-analyze verify --root="$V" servin.socket servin.service
like "$(grep -h ^Documentation= "$V"/usr/local/lib/systemd/system/servin.{service,socket} | sort -u)" \
	"^Documentation=man:servin\(1\)$" "the units document themselves with the installed man page"
mkdir -p "$W/no-man"
nok "verify fails when that man page is not found (it really checks)" \
	env MANPATH="$W/no-man" systemd-analyze verify --root="$V" servin.socket servin.service
rm "$V/usr/local/bin/servin"
nok "and fails when ExecStart names a missing binary (it really checks)" \
	env MANPATH="$V/usr/local/share/man" systemd-analyze verify --root="$V" servin.service
rm -rf "$V"

# --- uninstall leaves nothing ------------------------------------------------------
ok "--uninstall" env DESTDIR="$D" bash "$X/install.sh" --uninstall --prefix /usr/local
is "$(tree "$D")" "" "after --uninstall the DESTDIR is empty again"
DESTDIR=$D bash "$X/install.sh" --prefix /opt/servin --no-systemd >/dev/null
ok "--no-systemd leaves the units out" test ! -e "$D/etc/systemd"
ok "the installed copy uninstalls, finding its prefix in the manifest" \
	env DESTDIR="$D" bash "$D/opt/servin/share/servin/install.sh" --uninstall
is "$(tree "$D")" "" "nothing left"
DESTDIR=$D bash "$X/install.sh" --prefix /opt/servin --components binaries,systemd >/dev/null
like "$(grep ^ExecStart= "$D/etc/systemd/system/servin.service")" "^ExecStart=/opt/servin/bin/servin serve( |$)" \
	"other prefixes put units in /etc/systemd/system, pointing at the prefix"
ok "--components installs just those" test ! -e "$D/opt/servin/share/man"
DESTDIR=$D bash "$X/install.sh" --uninstall --prefix /opt/servin >/dev/null
is "$(tree "$D")" "" "nothing left"

# --- failures roll back -------------------------------------------------------------
mkdir -p "$D/usr/local/share"
: >"$D/usr/local/share/man" # a file where a directory must go: a real failure
before=$(tree "$D")
out=$(DESTDIR=$D bash "$X/install.sh" --prefix /usr/local 2>&1)
is "$?" 1 "an install that cannot create a directory fails"
like "$out" "error: .*/usr/local/share/man is in the way: a directory goes there" "with the reason"
like "$out" "rolled back" "and rolls back"
is "$(tree "$D")" "$before" "leaving the tree as it was"
rm -rf "${D:?}"/*

out=$(DESTDIR=$D SERVIN_INSTALL_FAIL_AFTER=completion bash "$X/install.sh" 2>&1)
is "$?" 1 "an injected failure after four components fails the install"
is "$(tree "$D")" "" "and every file and directory is gone again"

DESTDIR=$D SERVIN_INSTALL_SLEEP_IN=image:60 bash "$X/install.sh" >"$W/sig.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "installing image" "$W/sig.out" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
is "$?" 130 "SIGTERM stops the install"
is "$(tree "$D")" "" "and it rolls back what was written"

# an upgrade replaces files, keeping the old ones until it commits
DESTDIR=$D bash "$X/install.sh" >/dev/null
old_sum=$(cd "$D" && find . -type f ! -name install-manifest -exec sha256sum {} + | LC_ALL=C sort)
echo "# local change" >>"$D/usr/local/share/bash-completion/completions/servin"
changed_sum=$(cd "$D" && find . -type f ! -name install-manifest -exec sha256sum {} + | LC_ALL=C sort)
out=$(DESTDIR=$D SERVIN_INSTALL_FAIL_AFTER=man bash "$X/install.sh" 2>&1)
is "$(cd "$D" && find . -type f ! -name install-manifest -exec sha256sum {} + | LC_ALL=C sort)" "$changed_sum" \
	"a failed reinstall puts back every file it had replaced"
ok "a second install over the first succeeds" env DESTDIR="$D" bash "$X/install.sh"
is "$(cd "$D" && find . -type f ! -name install-manifest -exec sha256sum {} + | LC_ALL=C sort)" "$old_sum" \
	"and writes the release's files again"
DESTDIR=$D bash "$X/install.sh" --uninstall >/dev/null
is "$(tree "$D")" "" "uninstall after an upgrade leaves nothing"

# --- a real install (no DESTDIR), in a mount namespace of its own -----------------------
# /etc and /usr/local are copies bind-mounted over the host's, so the group
# servin that a real install creates, and the files, stay in this test.
if unshare -m true 2>/dev/null; then
	E=$W/real-etc U=$W/real-usrlocal
	mkdir -p "$E" "$U"
	cp -a /etc/. "$E/"
	sed -i '/^servin:/d' "$E/group" "$E/gshadow"
	real() { # SCRIPT: runs bash SCRIPT with /etc and /usr/local replaced
		unshare -m bash -c 'mount --bind "$1" /etc && mount --bind "$2" /usr/local && shift 2 && bash -c "$@"' \
			_ "$E" "$U" "$1"
	}
	out=$(real "bash '$X/install.sh' --yes && getent group servin && /usr/local/bin/servin version" 2>&1)
	like "$out" "created the group servin.*servin:x:[0-9]+:.*Version: +$VERSION" \
		"a real install creates the group servin and its servin runs"
	like "$(cat "$U/share/servin/install-manifest")" $'\ng\tservin' "the manifest records the group"
	is "$(real "bash /usr/local/share/servin/install.sh --uninstall >/dev/null; getent group servin; find /usr/local -mindepth 1")" \
		"" "--uninstall removes the files and the group it created"
	out=$(real "SERVIN_INSTALL_FAIL_AFTER=systemd bash '$X/install.sh' --yes; getent group servin; find /usr/local -mindepth 1" 2>&1)
	like "$out" "rolled back" "a failure after the group was made rolls back"
	nok "and the group is gone again" grep -q '^servin:' "$E/group"
	is "$(tree "$U")" "" "and so are the files"
	rm -rf "$E" "$U"
else
	echo "# no mount namespaces here: the real (non-DESTDIR) install is not tested"
fi

# --- root: asked for, never taken ------------------------------------------------------
chmod 755 "$SV_TMP" "$W"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
out=$(as_nobody env DESTDIR="$D" bash "$X/install.sh" </dev/null 2>&1)
is "$?" 1 "as a user, an unwritable target without a terminal is refused"
like "$out" "needs root: run this with sudo, or pass --yes" "with what to do"
out=$(printf 'n\n' | as_nobody script -qec "env DESTDIR='$D' bash '$X/install.sh'" /dev/null 2>&1)
like "$out" "needs root. Run this installer again with sudo\? \[y/N\]" "on a terminal it asks before using sudo"
like "$out" "root rights were declined" "and 'n' stops it"
is "$(tree "$D")" "" "nothing was written either way"

# --- the .run ----------------------------------------------------------------------------
RUN=$W/dist/$NAME.run
ok "the .run verifies its checksum" sh "$RUN" --check
out=$(DESTDIR=$D sh "$RUN" --quiet -- --prefix /usr 2>&1)
is "$?" 0 "the .run installs (arguments after -- go to install.sh)"
like "$("$D/usr/bin/servin" version)" "Version: +$VERSION" "and its servin runs"
DESTDIR=$D bash "$D/usr/share/servin/install.sh" --uninstall >/dev/null
is "$(tree "$D")" "" "uninstalled"
cp "$RUN" "$W/bad.run"
size=$(stat -c %s "$W/bad.run")
# one byte of the payload changed (to another value, whatever it was)
byte=$(dd if="$W/bad.run" bs=1 skip=$((size - 5000)) count=1 status=none | od -An -tu1)
# shellcheck disable=SC2059
printf "\\$(printf %o $(((byte + 1) % 256)))" | dd of="$W/bad.run" bs=1 seek=$((size - 5000)) conv=notrunc status=none
nok "the damaged copy differs from the .run" cmp -s "$RUN" "$W/bad.run"
out=$(DESTDIR=$D sh "$W/bad.run" --quiet -- --prefix /usr 2>&1)
isnt=$?
ok "a damaged .run refuses to run" test "$isnt" -ne 0
is "$(tree "$D")" "" "and writes nothing"
rm -rf "${D:?}"/*

# --- the GUI component, once build/servin-gui.pyz exists ----------------------------------
gui_standin "$W/gui.pyz"
GUI_PYZ=$W/gui.pyz dist "$W/gdist" tarball
mkdir -p "$W/g"
tar -C "$W/g" -xzf "$W/gdist/$NAME.tar.gz"
G=$W/g/$NAME
is "$(bash "$G/install.sh" --list-components | grep ^gui | cut -f2)" 1 "with a GUI zipapp the archive has a gui component"
DESTDIR=$D bash "$G/install.sh" --prefix /opt/servin --no-systemd >/dev/null
desk=$D/opt/servin/share/applications/servin.desktop
ok "the desktop entry is installed" test -f "$desk"
ok "desktop-file-validate passes on it" desktop-file-validate "$desk"
like "$(grep ^Exec= "$desk")" "^Exec=/opt/servin/bin/servin-gui$" "it runs the installed launcher"
like "$(grep ^Icon= "$desk")" "^Icon=/opt/servin/share/icons/hicolor/scalable/apps/servin.svg$" "with the icon by path outside /usr"
SERVIN_GUI_STANDIN_MARK=$W/mark "$D/opt/servin/bin/servin-gui" --hello
like "$(cat "$W/mark")" "^started --hello" "servin-gui runs the zipapp with /usr/bin/python3"
DESTDIR=$D bash "$D/opt/servin/share/servin/install.sh" --uninstall >/dev/null
is "$(tree "$D")" "" "uninstalled"
DESTDIR=$D bash "$G/install.sh" --no-gui >/dev/null
ok "--no-gui leaves it out" test ! -e "$D/usr/local/bin/servin-gui"
sed 's|@BINDIR@|/usr/bin|g; s|@ICON@|servin|' "$TOP/installers/linux/servin.desktop.in" >"$W/servin.desktop"
ok "desktop-file-validate passes on the entry as the .deb would install it" desktop-file-validate "$W/servin.desktop"

ok "the installer scripts pass shellcheck" bash -c 'cd "$1" && shellcheck -x installers/linux/install.sh \
	installers/linux/mkdist.sh installers/windows/mkdist.sh installers/macos/mkdist.sh installers/macos/servin' _ "$TOP"
done_testing
