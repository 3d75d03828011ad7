#!/bin/bash
# Builds the Linux release files in BUILD/dist from what `make` built:
#
#   servin-VERSION-linux-ARCH.tar.gz   install.sh, wizard.py and payload/
#   servin-VERSION-linux-ARCH.run      the same, self-extracting (makeself)
#   servin_VERSION_ARCH.deb            dpkg-deb; Depends from dpkg-shlibdeps
#   servin-gui_VERSION_all.deb         the GUI, when there is one
#
#   installers/linux/mkdist.sh BUILD VERSION [tarball|run|deb]...   (default: all three)
#
# DIST_OUT (default BUILD/dist) is where they go; tests use it with GUI_PYZ
# to build a variant elsewhere.
#
# payload/<component>/ mirrors the tree under the install prefix (see
# install.sh). The GUI component exists only when BUILD/servin-gui.pyz (or
# $GUI_PYZ) does; the shim's binaries and man page only when it was built.
# Everything is stamped with the commit time, so two runs give the same tar.
set -euo pipefail

PLATFORM=linux
# shellcheck source=installers/common/dist-env.sh
. "$(dirname "$0")/../common/dist-env.sh"
ARCH=$(dpkg --print-architecture)
NAME=servin-$VERSION-linux-$ARCH

# Binaries the packages ship, when they were built: servin and
# servin-desktop always, the shim pair once it exists.
BINARIES=(servin servin-desktop)
for b in servin-shim servin-shim-ctl; do
	[ -x "$BUILD/bin/$b" ] && BINARIES+=("$b")
done

# man PAGE SECTION DEST: a page of docs/man, versioned, gzipped.
man_page() {
	local src=$TOP/docs/man/$1.$2 dst=$3/share/man/man$2/$1.$2.gz
	mkdir -p "$(dirname "$dst")"
	if grep -q '^\.\\" @COMMANDS@' "$src"; then
		# the command list comes from the table of the binary we ship
		"$BUILD/bin/servin" completion man >"$STAGE/commands.roff"
		sed -e "s/@VERSION@/$VERSION/g" -e "/^\.\\\\\" @COMMANDS@/{r $STAGE/commands.roff" -e 'd}' "$src"
	else
		sed -e "s/@VERSION@/$VERSION/g" "$src"
	fi | gzip -9n >"$dst"
}

stage_payload() {
	local p=$1 b
	mkdir -p "$p/binaries/bin" "$p/image/share/servin" "$p/completion/share/bash-completion/completions" "$p/systemd"
	for b in "${BINARIES[@]}"; do
		install -m 755 "$BUILD/bin/$b" "$p/binaries/bin/$b"
		strip --strip-unneeded --remove-section=.comment --remove-section=.note "$p/binaries/bin/$b"
	done
	install -m 644 "$BUILD/share/servin/busybox.oci.tar" "$p/image/share/servin/"
	man_page servin 1 "$p/man"
	man_page servin-desktop 1 "$p/man"
	if [ -x "$BUILD/bin/servin-shim" ]; then
		man_page servin-shim 8 "$p/man"
		[ -x "$BUILD/bin/servin-shim-ctl" ] && man_page servin-shim-ctl 8 "$p/man"
	fi
	"$BUILD/bin/servin" completion bash >"$p/completion/share/bash-completion/completions/servin"
	install -m 644 "$SRC/servin.service" "$SRC/servin.socket" "$p/systemd/"
	if [ -f "$GUI_PYZ" ]; then
		say "GUI: $GUI_PYZ"
		mkdir -p "$p/gui/bin" "$p/gui/share/servin" "$p/gui/share/applications" \
			"$p/gui/share/icons/hicolor/scalable/apps"
		install -m 755 "$SRC/servin-gui" "$p/gui/bin/"
		install -m 644 "$GUI_PYZ" "$p/gui/share/servin/servin-gui.pyz"
		install -m 644 "$SRC/servin.desktop.in" "$p/gui/share/applications/"
		install -m 644 "$SRC/servin.svg" "$p/gui/share/icons/hicolor/scalable/apps/"
		man_page servin-gui 1 "$p/gui"
	else
		say "GUI: none ($GUI_PYZ does not exist): the packages hold no GUI component"
	fi
	echo "$VERSION" >"$p/VERSION"
	(cd "$p" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) >"$p/SHA256SUMS"
}

# A tar that does not depend on who built it, or when.
repro_tar() { # DIR NAME OUT
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		--format=gnu -C "$1" -cf - "$2" | gzip -9n >"$3"
}

build_tarball() {
	local d=$STAGE/$NAME
	rm -rf "$STAGE"
	mkdir -p "$d" "$OUT"
	stage_payload "$d/payload"
	install -m 755 "$SRC/install.sh" "$d/install.sh"
	install -m 755 "$SRC/wizard.py" "$d/wizard.py"
	install -m 644 "$TOP/LICENSE" "$d/LICENSE"
	install -m 644 "$SRC/README.install" "$d/README"
	rm -f "$STAGE/commands.roff"
	repro_tar "$STAGE" "$NAME" "$OUT/$NAME.tar.gz"
	say "$OUT/$NAME.tar.gz"
}

build_run() {
	rm -f "$OUT/$NAME.run"
	makeself --quiet --sha256 --nox11 --tar-quietly --packaging-date "$(date -u -d "@$SOURCE_DATE_EPOCH")" \
		"$STAGE/$NAME" "$OUT/$NAME.run" "servin $VERSION for Linux ($ARCH)" ./install.sh >/dev/null
	say "$OUT/$NAME.run"
}

# Debian's runtime libraries the binaries link, as dpkg-shlibdeps finds them.
shlib_depends() {
	local root=$1 tmp b args=()
	tmp=$(mktemp -d)
	mkdir -p "$tmp/debian"
	printf 'Source: servin\n\nPackage: servin\nArchitecture: any\n' >"$tmp/debian/control"
	for b in "$root"/usr/bin/*; do
		[ "$(head -c4 "$b" | tail -c3)" = ELF ] && args+=("-e$b")
	done
	(cd "$tmp" && dpkg-shlibdeps -O "${args[@]}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
	rm -rf "$tmp"
}

# The libraries servin dlopen()s on first use (core/util/lazy-stubs.c) are
# not in any DT_NEEDED, so dpkg-shlibdeps cannot see them: name their
# packages here, with the version built against.
lazy_depends() {
	local so path pkg ver out=
	for so in libcurl.so.4 libarchive.so.13 libssl.so.3 libnftables.so.1; do
		path=$(readlink -f "/usr/lib/$(gcc -print-multiarch)/$so")
		pkg=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
		[ -n "$pkg" ] || { echo "mkdist: no package provides $so" >&2; exit 1; }
		ver=$(dpkg-query -W -f='${Version}' "$pkg" | sed 's/-[^-]*$//')
		out="$out, $pkg (>= $ver)"
	done
	echo "${out#, }"
}

# deb_package NAME ARCH COMPONENTS: one binary package of the payload's
# components, from deb/NAME.control (and deb/NAME.postinst, .prerm, .postrm
# when there are such scripts). @DEPENDS@: dpkg-shlibdeps on its ELF files.
deb_package() {
	local pkg=$1 arch=$2 comps=$3 root=$STAGE/deb-$1 depends s
	rm -rf "$root"
	mkdir -p "$root/DEBIAN"
	DESTDIR=$root bash "$STAGE/$NAME/install.sh" --prefix /usr --unitdir /lib/systemd/system \
		--packaging --yes --components "$comps" >/dev/null
	if [ "$pkg" = servin ]; then
		# the group, declared for systemd-sysusers too (postinst makes it with groupadd)
		install -D -m 644 "$SRC/servin.sysusers" "$root/usr/lib/sysusers.d/servin.conf"
	fi
	install -d -m 755 "$root/usr/share/doc/$pkg"
	install -m 644 "$SRC/deb/copyright" "$root/usr/share/doc/$pkg/copyright"
	printf '%s (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' "$pkg" "$VERSION" "$VERSION" \
		"$(sed -n 's/^Maintainer: //p' "$SRC/deb/$pkg.control")" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" |
		gzip -9n >"$root/usr/share/doc/$pkg/changelog.gz"
	depends=$(shlib_depends "$root")
	if [ "$pkg" = servin ]; then
		[ -n "$depends" ] || { echo "mkdist: dpkg-shlibdeps found no libraries" >&2; exit 1; }
		depends="$depends, $(lazy_depends)"
	fi
	sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
		-e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$root" | cut -f1)/" "$SRC/deb/$pkg.control" >"$root/DEBIAN/control"
	for s in postinst prerm postrm; do
		[ -f "$SRC/deb/$pkg.$s" ] && install -m 755 "$SRC/deb/$pkg.$s" "$root/DEBIAN/$s"
	done
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0 md5sum) >"$root/DEBIAN/md5sums"
	chmod 644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$root" "$OUT/${pkg}_${VERSION}_$arch.deb" >/dev/null
	say "$OUT/${pkg}_${VERSION}_$arch.deb"
}

# servin, and servin-gui (architecture all) when the payload has the GUI
build_deb() {
	deb_package servin "$ARCH" binaries,image,man,completion,systemd
	if [ -d "$STAGE/$NAME/payload/gui" ]; then
		deb_package servin-gui all gui
	fi
}

shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tarball run deb)
build_tarball
for t in "${targets[@]}"; do
	case $t in
	tarball) ;;
	run) build_run ;;
	deb) build_deb ;;
	*) echo "mkdist: unknown target $t" >&2; exit 2 ;;
	esac
done
rm -rf "$STAGE"
