#!/bin/bash
# servin installer — installs servin from this unpacked release archive.
#
#   ./install.sh [--prefix DIR] [--no-systemd] [--no-gui] [--components LIST] [--yes]
#   ./install.sh --uninstall [--prefix DIR] [--yes]
#   DESTDIR=/stage ./install.sh ...      (installs below /stage, for packaging)
#
# What it writes is data: payload/<component>/ mirrors the tree under the
# prefix (files ending in .in get @BINDIR@, @PREFIX@ and @ICON@ filled in),
# payload/systemd/ goes to the systemd unit directory (ExecStart's
# /usr/bin/servin becomes <prefix>/bin/servin). Every file and
# directory it creates, every file it replaces (kept aside) and the group it
# creates is written to a journal before it is done, so any failure, signal
# or injected fault rolls everything back. A successful install leaves a
# manifest, <prefix>/share/servin/install-manifest, and a copy of this
# script beside it for --uninstall.
#
# The wizard (wizard.py) runs the same components one at a time with a
# timeout each: --journal FILE with --step NAME, then --commit or --rollback.
#
# Test hooks (documented, never set by a package): SERVIN_INSTALL_FAIL_AFTER=
# COMPONENT fails once that component is written; SERVIN_INSTALL_SLEEP_IN=
# COMPONENT:SECONDS stalls inside it.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAYLOAD=$HERE/payload
DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
COMPONENTS="binaries image man completion systemd gui"

prefix='' unitdir='' only='' no_systemd=0 no_gui=0 mode=install yes=0
journal='' step='' packaging=0 committed=0 own_journal=0 sleeper=''

say() { printf 'servin-install: %s\n' "$*"; }
fail() { printf 'servin-install: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<EOF
Usage: install.sh [OPTIONS]

Installs servin $(version) below a prefix; rolls everything back on any failure.

Options:
  --prefix DIR         install below DIR (default /usr/local)
  --components LIST    comma-separated, from: ${COMPONENTS// /, }
                       (default: every one this archive holds)
  --no-systemd         leave the systemd units out
  --no-gui             leave the desktop GUI out
  --unitdir DIR        systemd unit directory (default: <prefix>/lib/systemd/system
                       for /usr and /usr/local, /etc/systemd/system otherwise)
  --uninstall          remove what the install below the prefix wrote
  -y, --yes            do not ask before re-running with sudo
  --list-components    print the components: name, present (1/0), description
  --wizard             start the graphical installer (wizard.py, needs python3-tk)
  -h, --help           this text

Environment:
  DESTDIR              install below this directory (staging, packaging); groups
                       and systemd are not touched then

After an install, <prefix>/share/servin/install.sh --uninstall removes it.
EOF
}

version() { cat "$PAYLOAD/VERSION" 2>/dev/null || echo unknown; }

describe() {
	case $1 in
	binaries)
		local names
		names=$(find "$PAYLOAD/binaries/bin" -mindepth 1 -printf '%f\n' 2>/dev/null | sort | paste -sd, - | sed 's/,/, /g')
		echo "the programs: ${names:-servin}" ;;
	image) echo "the default busybox image, for a first container without network" ;;
	man) echo "manual pages" ;;
	completion) echo "bash completion" ;;
	systemd) echo "systemd units for the API server (socket-activated, not enabled)" ;;
	gui) echo "the desktop GUI, its launcher and menu entry" ;;
	esac
}

present() { [ -d "$PAYLOAD/$1" ]; }

# ---------------------------------------------------------------- options

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--prefix) prefix=${2:?--prefix needs a directory}; shift ;;
		--prefix=*) prefix=${1#*=} ;;
		--unitdir) unitdir=${2:?--unitdir needs a directory}; shift ;;
		--unitdir=*) unitdir=${1#*=} ;;
		--components) only=${2:?--components needs a list}; shift ;;
		--components=*) only=${1#*=} ;;
		--no-systemd) no_systemd=1 ;;
		--no-gui) no_gui=1 ;;
		--uninstall) mode=uninstall ;;
		-y | --yes) yes=1 ;;
		--list-components) mode=list ;;
		--wizard) mode=wizard ;;
		--journal) journal=${2:?--journal needs a file}; shift ;;
		--step) mode=step step=${2:?--step needs a component}; shift ;;
		--commit) mode=commit ;;
		--rollback) mode=rollback ;;
		--verify) mode=verify ;;
		--packaging) packaging=1 ;;
		-h | --help) usage; exit 0 ;;
		*) fail "unknown option $1 (see --help)" ;;
		esac
		shift
	done
	if [ -z "$prefix" ] && [ "$mode" = uninstall ] && [ -f "$HERE/install-manifest" ]; then
		# the installed copy knows where it was installed
		prefix=$(sed -n 's/^# prefix\t//p' "$HERE/install-manifest")
	fi
	prefix=${prefix:-/usr/local}
	case $prefix in /*) ;; *) fail "--prefix must be an absolute path: $prefix" ;; esac
	prefix=${prefix%/}
	[ -n "$prefix" ] || prefix=/
	case $prefix$DESTDIR$unitdir in *$'\n'* | *$'\t'*) fail "paths may not hold tabs or newlines" ;; esac
	if [ -z "$unitdir" ]; then
		case $prefix in /usr | /usr/local) unitdir=$prefix/lib/systemd/system ;; *) unitdir=/etc/systemd/system ;; esac
	fi
}

# The components to install: those asked for (or all), present in the payload.
selected() {
	local c want=${only//,/ }
	for c in ${want:-$COMPONENTS}; do
		case " $COMPONENTS " in *" $c "*) ;; *) fail "unknown component $c (one of: $COMPONENTS)" ;; esac
		[ "$c" = systemd ] && [ $no_systemd = 1 ] && continue
		[ "$c" = gui ] && [ $no_gui = 1 ] && continue
		if ! present "$c"; then
			[ -n "$want" ] && [ "$c" = gui ] && fail "this archive holds no GUI (build/servin-gui.pyz did not exist when it was made)"
			[ -n "$want" ] && fail "this archive holds no $c component"
			continue
		fi
		echo "$c"
	done
}

# ---------------------------------------------------------------- root

# The nearest existing ancestor of a path.
existing() {
	local p=$1
	while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done
	echo "$p"
}

# Every place this run writes to, as the kernel will see it.
targets() {
	echo "$DESTDIR$prefix"
	local comps
	comps=$(selected)
	if [ "$mode" = install ] && grep -qx systemd <<<"$comps"; then echo "$DESTDIR$unitdir"; fi
}

# Re-runs this script with sudo when a target is not writable; asks first.
need_root() {
	local t unwritable=
	[ "$(id -u)" = 0 ] && return 0
	while read -r t; do
		[ -w "$(existing "$t")" ] || unwritable="$unwritable $t"
	done < <(targets)
	[ -z "$unwritable" ] && return 0
	command -v sudo >/dev/null || fail "writing to$unwritable needs root, and sudo is not installed: run this as root"
	if [ $yes = 0 ]; then
		[ -t 0 ] || fail "writing to$unwritable needs root: run this with sudo, or pass --yes to let it use sudo"
		printf 'Writing to%s needs root. Run this installer again with sudo? [y/N] ' "$unwritable"
		local answer=
		read -r answer || true
		case $answer in y | Y | yes | YES) ;; *) fail "not installed: root rights were declined" ;; esac
	fi
	exec sudo env DESTDIR="$DESTDIR" bash "${BASH_SOURCE[0]}" "${ARGS[@]}"
}

# ---------------------------------------------------------------- journal

record() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$journal"; }

# mkdir -p that records each directory it creates.
make_dirs() {
	local p=$1 todo=() d
	while [ "$p" != / ] && [ ! -d "$DESTDIR$p" ]; do
		if [ -e "$DESTDIR$p" ] || [ -L "$DESTDIR$p" ]; then
			fail "$DESTDIR$p is in the way: a directory goes there"
		fi
		todo=("$p" ${todo[@]+"${todo[@]}"})
		p=$(dirname "$p")
	done
	for d in ${todo[@]+"${todo[@]}"}; do
		record d "$d"
		mkdir -m 755 "$DESTDIR$d" || fail "cannot create directory $DESTDIR$d"
	done
}

# put SRC DEST [template]: installs one file with SRC's mode.
put() {
	local src=$1 dst=$2 mode tmp
	mode=$(stat -c %a "$src")
	make_dirs "$(dirname "$dst")"
	if [ -e "$DESTDIR$dst" ] || [ -L "$DESTDIR$dst" ]; then
		[ -d "$DESTDIR$dst" ] && fail "$DESTDIR$dst is a directory; a file goes there"
		# kept aside in a directory of its own: undo restores it only if it got there
		local keep
		keep=$(mktemp -d "$journal.keep.XXXXXX")/file
		record b "$dst" "$keep"
		mv -f "$DESTDIR$dst" "$keep" || fail "cannot move $DESTDIR$dst aside"
	else
		record f "$dst"
	fi
	if [ "${3:-}" = template ]; then
		tmp=$(mktemp "$journal.tpl.XXXXXX")
		# (systemd units name /usr/bin/servin, as the .deb installs it)
		sed -e "s|@BINDIR@|$prefix/bin|g" -e "s|@PREFIX@|$prefix|g" -e "s|@ICON@|$(icon_name)|g" \
			-e "s|@VERSION@|$(version)|g" -e "s|^ExecStart=/usr/bin/servin |ExecStart=$prefix/bin/servin |" \
			"$src" >"$tmp"
		install -m "$mode" "$tmp" "$DESTDIR$dst" || { rm -f "$tmp"; fail "cannot write $DESTDIR$dst"; }
		rm -f "$tmp"
	else
		install -m "$mode" "$src" "$DESTDIR$dst" || fail "cannot write $DESTDIR$dst"
	fi
}

# Menus find an icon by name only in the standard prefixes.
icon_name() {
	case $prefix in
	/usr | /usr/local) echo servin ;;
	*) echo "$prefix/share/icons/hicolor/scalable/apps/servin.svg" ;;
	esac
}

# Undoes journal entries in reverse order: from a journal (rollback) or a
# manifest (uninstall).
undo() {
	local file=$1 lines=() i kind path extra
	[ -f "$file" ] || return 0
	mapfile -t lines <"$file"
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		case ${lines[i]} in '#'*) continue ;; esac
		IFS=$'\t' read -r kind path extra <<<"${lines[i]}"
		case $kind in
		f) rm -f "$DESTDIR$path" ;;
		d) rmdir "$DESTDIR$path" 2>/dev/null || say "kept $DESTDIR$path: not empty" ;;
		b)
			if [ -e "$extra" ] || [ -L "$extra" ]; then
				rm -f "$DESTDIR$path"
				mv -f "$extra" "$DESTDIR$path" || say "could not restore $DESTDIR$path from $extra"
			fi
			rmdir "$(dirname "$extra")" 2>/dev/null || true ;;
		g) groupdel "$path" 2>/dev/null || say "could not remove group $path" ;;
		esac
	done
}

rollback() {
	say "rolling back"
	undo "$journal"
	rm -rf "$journal" "$journal".keep.* "$journal".tpl.*
	say "rolled back: nothing of this install is left"
}

# ---------------------------------------------------------------- components

install_tree() { # component: payload/<c>/X -> <prefix>/X
	local c=$1 src rel
	while IFS= read -r -d '' src; do
		rel=${src#"$PAYLOAD/$c/"}
		case $rel in
		*.in) put "$src" "$prefix/${rel%.in}" template ;;
		*) put "$src" "$prefix/$rel" ;;
		esac
	done < <(find "$PAYLOAD/$c" \( -type f -o -type l \) -print0 | sort -z)
}

systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

install_systemd() {
	local src
	for src in "$PAYLOAD"/systemd/*.service "$PAYLOAD"/systemd/*.socket; do
		put "$src" "$unitdir/$(basename "$src")" template
	done
	[ -z "$DESTDIR" ] && [ $packaging = 0 ] || return 0
	if ! getent group servin >/dev/null; then
		record g servin
		groupadd --system servin || fail "cannot create the servin group"
		say "created the group servin: its members may use /run/servin/servin.sock"
	fi
	systemd_running && systemctl daemon-reload
	say "systemd units installed in $unitdir, not enabled; to start the API: systemctl enable --now servin.socket"
}

inject() {
	local c=$1 hook=${SERVIN_INSTALL_SLEEP_IN:-}
	if [ -n "$hook" ] && [ "${hook%%:*}" = "$c" ]; then
		# in the background: bash runs traps only between commands, wait is one
		sleep "${hook#*:}" &
		sleeper=$!
		wait "$sleeper"
		sleeper=''
	fi
	[ "${SERVIN_INSTALL_FAIL_AFTER:-}" = "$c" ] && fail "injected failure after $c (SERVIN_INSTALL_FAIL_AFTER)"
	return 0
}

run_component() {
	local c=$1
	say "installing $c: $(describe "$c")"
	case $c in
	systemd) install_systemd ;;
	*) install_tree "$c" ;;
	esac
	inject "$c"
}

verify_payload() {
	[ -f "$PAYLOAD/SHA256SUMS" ] || fail "payload/SHA256SUMS is missing: is this an unpacked servin release?"
	(cd "$PAYLOAD" && sha256sum --quiet --strict -c SHA256SUMS) >&2 || fail "the archive is damaged: payload checksums do not match"
}

# The manifest: what the previous install listed, then what this one wrote.
commit() {
	local sharedir=$prefix/share/servin manifest old='' tmp
	manifest=$sharedir/install-manifest
	make_dirs "$sharedir"
	if [ $packaging = 0 ]; then
		[ "$HERE/install.sh" -ef "$DESTDIR$sharedir/install.sh" ] || put "$HERE/install.sh" "$sharedir/install.sh"
		[ -f "$DESTDIR$manifest" ] && old=$DESTDIR$manifest
		awk -F'\t' -v m="$manifest" '$2 == m { found = 1 } END { exit !found }' "$journal" || record f "$manifest"
		tmp=$(mktemp "$journal.tpl.XXXXXX")
		{
			printf '# servin install manifest: what install.sh wrote; --uninstall removes it\n'
			printf '# prefix\t%s\n# version\t%s\n' "$prefix" "$(version)"
			{
				[ -n "$old" ] && grep -v '^#' "$old"
				awk -F'\t' -v OFS='\t' '$1 == "b" { $1 = "f" } $1 ~ /^[fdg]$/ { print $1, $2 }' "$journal"
			} | awk '!seen[$0]++'
		} >"$tmp"
		install -m 644 "$tmp" "$DESTDIR$manifest" || fail "cannot write the manifest $DESTDIR$manifest"
		rm -f "$tmp"
	fi
	committed=1
	# the point of no return: what was kept aside is no longer needed
	rm -rf "$journal" "$journal".keep.* "$journal".tpl.*
	if [ $packaging = 1 ]; then
		rmdir "$DESTDIR$sharedir" 2>/dev/null || true
	fi
	say "installed servin $(version) in $DESTDIR$prefix"
}

uninstall() {
	local manifest=$DESTDIR$prefix/share/servin/install-manifest
	[ -f "$manifest" ] || fail "no servin install found in $DESTDIR$prefix (no $manifest)"
	if [ -z "$DESTDIR" ] && systemd_running && grep -q '/servin\.socket$' "$manifest"; then
		systemctl disable --now servin.socket servin.service 2>/dev/null || true
	fi
	undo "$manifest"
	[ -z "$DESTDIR" ] && systemd_running && grep -q 'servin\.socket' "$manifest" && systemctl daemon-reload
	say "uninstalled servin from $DESTDIR$prefix"
}

on_exit() {
	local rc=$?
	[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
	if [ "$own_journal" = 1 ] && [ "$committed" = 0 ]; then
		say "install failed (exit $rc)"
		rollback
	fi
	exit "$rc"
}

main() {
	ARGS=("$@")
	parse_args "$@"
	case $mode in
	list)
		local c
		for c in $COMPONENTS; do
			printf '%s\t%s\t%s\n' "$c" "$(present "$c" && echo 1 || echo 0)" "$(describe "$c")"
		done
		return 0 ;;
	wizard)
		local a rest=()
		for a in "${ARGS[@]}"; do [ "$a" = --wizard ] || rest+=("$a"); done
		exec /usr/bin/python3 "$HERE/wizard.py" ${rest[@]+"${rest[@]}"} ;;
	verify) verify_payload; return 0 ;;
	uninstall) need_root; uninstall; return 0 ;;
	esac
	if [ -n "$DESTDIR" ] && [ ! -d "$DESTDIR" ]; then mkdir -p "$DESTDIR"; fi
	case $mode in
	step)
		[ -n "$journal" ] || fail "--step needs --journal"
		# (no pipe into grep -q: pipefail would see the writer's SIGPIPE)
		local comps
		comps=$(selected)
		grep -qx "$step" <<<"$comps" || fail "component $step is not in this archive or was left out"
		run_component "$step"
		return 0 ;;
	commit) [ -n "$journal" ] || fail "--commit needs --journal"; commit; return 0 ;;
	rollback) [ -n "$journal" ] || fail "--rollback needs --journal"; rollback; return 0 ;;
	esac
	need_root
	verify_payload
	local comps
	comps=$(selected)
	[ -n "$comps" ] || fail "nothing to install"
	journal=$(mktemp "${TMPDIR:-/tmp}/servin-install.XXXXXX")
	own_journal=1
	trap on_exit EXIT
	trap 'exit 130' INT TERM HUP
	local c
	for c in $comps; do run_component "$c"; done
	commit
}

main "$@"
