#!/bin/bash
# The Tkinter wizard (installers/linux/wizard.py from the release archive),
# a real window under Xvfb driven with real X input (xdotool clicks and
# typing at the positions the wizard's --trace reports):
#   A. welcome, license, consent, prefix typed in, install into a staging
#      root, finish screen starting the GUI (gui/ zipped as make dist does;
#      its window must open);
#   B. a failure injected in the man pages step: the failure screen, zero
#      files left, Retry installs;
#   C. a step that hangs: its timeout stops it, zero files left, Close;
#   E. Cancel while a step hangs: killed, rolled back, zero files, status 1;
#   F. Back through the first pages, Cancel on the license: nothing written;
#   D. a user installs into /usr/local: sudo, wrong then right password.
# Screenshots of every page go to build/artifacts/installers/.
. "$(dirname "$0")/lib.sh"
need_cmd xvfb-run xauth xdotool import
/usr/bin/python3 -c 'import tkinter' 2>/dev/null || skip_all "needs python3-tk"
if [ -z "${SV_UNDER_XVFB:-}" ]; then
	exec xvfb-run -a -s "-screen 0 1024x768x24" env SV_UNDER_XVFB=1 bash "$0" "$@"
fi
. "$FIXTURES/installers.sh"
sv_setup
W=$SV_TMP/w
mkdir -p "$W" "$ARTIFACTS"
rm -f "$ARTIFACTS"/wizard-*.png
NAME=servin-$VERSION-linux-$ARCH

# The GUI: the zipapp `make` builds from gui/
cp "$TOP/build/servin-gui.pyz" "$W/gui.pyz"
REAL_GUI=1
GUI_PYZ=$W/gui.pyz dist "$W/dist" tarball
tar -C "$W" -xzf "$W/dist/$NAME.tar.gz"
X=$W/$NAME

TRACE= WPID=
start_wizard() { # RUN ARGS...: starts the wizard with a fresh trace
	TRACE=$W/trace-$1
	shift
	: >"$TRACE"
	/usr/bin/python3 "$X/wizard.py" --trace "$TRACE" "$@" >"$TRACE.out" 2>&1 &
	WPID=$!
	cleanup "kill $WPID"
}
wait_for() { # REGEX: until a trace line matches (20 s)
	for _ in $(seq 200); do grep -qE "$1" "$TRACE" && return 0; sleep 0.1; done
	echo "# timed out waiting for '$1'; trace:"; sed 's/^/#   /' "$TRACE" "$TRACE.out"
	return 1
}
# page NAME: waits until NAME is the page shown last
page() { wait_for "^page $1$" && [ "$(grep '^page ' "$TRACE" | tail -1)" = "page $1" ]; }
where() { grep "^widget $1 " "$TRACE" | tail -1 | cut -d' ' -f3,4; }
state() { grep "^widget $1 " "$TRACE" | tail -1 | cut -d' ' -f5; }
click() { # KEY: a real click at the control's centre, then the trace settles
	# shellcheck disable=SC2046
	xdotool mousemove $(where "$1") click 1
	sleep 0.3
}
wait_wizard() { # the wizard's exit status, or 124 after 20 s
	for _ in $(seq 200); do
		kill -0 "$WPID" 2>/dev/null || { wait "$WPID"; return; }
		sleep 0.1
	done
	kill "$WPID"
	return 124
}
enabled() { # KEY: until the trace reports the control enabled (20 s)
	for _ in $(seq 200); do [ "$(state "$1")" = normal ] && return 0; sleep 0.1; done
	return 1
}
shot() { import -window root "$ARTIFACTS/wizard-$1.png"; }
next_page() { # FROM TO: clicks Next on FROM and waits for TO
	click next
	page "$2"
}
to_consent() { # from the welcome page, the license accepted, to the consent page
	page welcome && click next && page license && click accept && enabled next && click next && page consent
}
# shellcheck disable=SC2317 # (run through ok)
to_ready() { # from the welcome page, with the defaults, to the ready page
	to_consent && click agree && enabled next && click next && page options && click next && page ready
}

# --- A: a successful install, then the GUI starts ------------------------------------
S=$W/stage-a
mkdir -p "$S"
export SERVIN_GUI_STANDIN_MARK=$W/gui-mark
start_wizard a --dry-root "$S"
ok "A: the welcome page opens" page welcome
shot a1-welcome
next_page welcome license
ok "A: license page" true
shot a2-license
is "$(state next)" "disabled" "A: Next stays disabled until the license is accepted"
click accept
ok "A: accepting the license enables Next" enabled next
click next
ok "A: which leads to the consent page" page consent
shot a3-consent
is "$(state next)" "disabled" "A: Next stays disabled until the changes are agreed to"
click agree
ok "A: agreeing enables Next" enabled next
next_page consent options
ok "A: prefix and components page" true
# type a prefix: triple click selects the field, typing replaces it
# shellcheck disable=SC2046
xdotool mousemove $(where prefix) click --repeat 3 --delay 80 1
sleep 0.2
xdotool type --delay 20 "/opt/servin-wiz"
sleep 0.3
shot a4-options
next_page options ready
shot a5-ready
click next
ok "A: the install runs to the finish page" page finish
shot a6-finish
for s in verify binaries image man completion systemd gui commit; do
	grep -qx "step $s done" "$TRACE" || echo "$s"
done >"$W/notdone"
is "$(cat "$W/notdone")" "" "A: every step ran, each in its own install.sh process"
P=$S/opt/servin-wiz
ok "A: the typed prefix was used" test -x "$P/bin/servin"
like "$("$P/bin/servin" version)" "Version: +$VERSION" "A: the servin installed by the wizard runs"
ok "A: the manifest is there for --uninstall" test -f "$P/share/servin/install-manifest"
ok "A: the GUI was installed" test -f "$P/share/servin/servin-gui.pyz"
is "$(state start-gui)" "normal" "A: the finish page offers to start the GUI"
click next
wait_wizard
is "$?" 0 "A: Finish closes the wizard"
like "$(grep ^gui-started "$TRACE")" "^gui-started [0-9]+$" "A: Finish started the GUI"
gpid=$(sed -n 's/^gui-started //p' "$TRACE")
if [ "$REAL_GUI" = 1 ]; then
	cleanup "kill $gpid"
	win=
	for _ in $(seq 120); do
		win=$(xdotool search --name '^servin$' 2>/dev/null | head -1)
		[ -n "$win" ] && break
		sleep 0.25
	done
	ok "A: the GUI's window opens (the installed servin-gui, real)" test -n "$win"
	# until its page is painted (a blank window is a few hundred bytes): 30 s
	for _ in $(seq 60); do
		shot a7-gui
		[ "$(stat -c %s "$ARTIFACTS/wizard-a7-gui.png")" -gt 5120 ] && break
		sleep 0.5
	done
	kill "$gpid" 2>/dev/null
else
	for _ in $(seq 50); do [ -s "$SERVIN_GUI_STANDIN_MARK" ] && break; sleep 0.1; done
	like "$(cat "$SERVIN_GUI_STANDIN_MARK" 2>/dev/null)" "^started" "A: the installed servin-gui ran the zipapp"
fi
DESTDIR=$S bash "$P/share/servin/install.sh" --uninstall >/dev/null
is "$(tree "$S")" "" "A: what the wizard installed uninstalls to nothing"

# --- B: an injected failure, rollback, retry ---------------------------------------------
S=$W/stage-b
mkdir -p "$S"
start_wizard b --dry-root "$S" --inject-fail man --no-gui
ok "B: the ready page" to_ready
click next
ok "B: the injected failure shows the failure page" page failure
shot b1-failure
like "$(grep ^failed "$TRACE")" "^failed man injected failure after man" "B: it names the failed step and why"
is "$(grep ^rolled-back "$TRACE")" "rolled-back ok" "B: the rollback completed"
is "$(tree "$S")" "" "B: the staging root holds zero files after the rollback"
is "$(state next)" "normal" "B: Retry is offered"
click next
ok "B: Retry installs" page finish
shot b2-finish-after-retry
ok "B: the files are there now" test -x "$S/usr/local/bin/servin"
is "$(where start-gui)" "" "B: without the GUI the finish page does not offer to start it"
click next
wait_wizard
is "$?" 0 "B: Finish closes"
DESTDIR=$S bash "$S/usr/local/share/servin/install.sh" --uninstall >/dev/null
is "$(tree "$S")" "" "B: uninstalled"

# --- C: a hung step runs out of time -------------------------------------------------------
S=$W/stage-c
mkdir -p "$S"
start_wizard c --dry-root "$S" --inject-hang completion --step-timeout 3
ok "C: the ready page" to_ready
click next
ok "C: the progress page shows the running step" wait_for "^step completion running$"
sleep 0.3
shot c0-progress
ok "C: the hung step ends in the failure page" page failure
shot c1-timeout
like "$(grep ^failed "$TRACE")" "^failed completion it did not finish within 3.0 s" "C: it says the step timed out"
is "$(tree "$S")" "" "C: the staging root holds zero files after the rollback"
is "$(pgrep -f "$X/install.sh" || true)" "" "C: the hung step's processes are gone"
click cancel
wait_wizard
is "$?" 1 "C: Close leaves the wizard with status 1"

# --- E: Cancel while a step hangs: the step is killed, everything rolled back ------------
S=$W/stage-e
mkdir -p "$S" "$W/tmp-e"
TMPDIR=$W/tmp-e start_wizard e --dry-root "$S" --inject-hang completion --no-gui
ok "E: the ready page" to_ready
click next
ok "E: the progress page shows the hung step running" wait_for "^step completion running$"
ok "E: the steps before it wrote files" test -x "$S/usr/local/bin/servin"
like "$(ls "$W/tmp-e")" "^servin-wizard\." "E: the journal is kept in the wizard's TMPDIR"
is "$(state cancel)" "normal" "E: Cancel is offered while a step runs"
shot e1-progress-cancel
click cancel
wait_wizard
is "$?" 1 "E: Cancel leaves the wizard with status 1"
is "$(grep -E '^(cancel|rolled-back|exit)' "$TRACE" | paste -sd,)" "cancel,rolled-back ok,exit 1" \
	"E: the trace shows the cancel, a complete rollback, then the exit"
nok "E: the hung step did not finish" grep -qx "step completion done" "$TRACE"
is "$(tree "$S")" "" "E: the staging root holds zero files after the cancel"
is "$(ls "$W/tmp-e")" "" "E: and the journal is gone"
is "$(pgrep -f "$X/install.sh" || true)" "" "E: the hung step's processes are gone"

# --- F: Back, then Cancel on the license page: nothing written --------------------------
S=$W/stage-f
mkdir -p "$S" "$W/tmp-f"
TMPDIR=$W/tmp-f start_wizard f --dry-root "$S" --no-gui
ok "F: the consent page" to_consent
click back
ok "F: Back returns to the license page" page license
is "$(state next)" "normal" "F: the license stays accepted"
click back
ok "F: Back again returns to the welcome page" page welcome
is "$(state back)" "disabled" "F: the welcome page has no Back"
click next
ok "F: Next leads to the license again" page license
click cancel
wait_wizard
is "$?" 1 "F: Cancel on the license page leaves with status 1"
is "$(grep -E '^(cancel|attempt|step|rolled-back|exit)' "$TRACE" | paste -sd,)" "exit 1" \
	"F: no install step ran, nothing to roll back"
is "$(tree "$S")" "" "F: the staging root is untouched"
is "$(ls "$W/tmp-f")" "" "F: no journal was made"

# --- D: a user installs into /usr/local: sudo, after asking for the password -----------
# In a mount namespace, /etc and /usr/local are copies: the user svwiz and
# its sudo rule, the group servin and the files stay in this test.
shots=$((11 + REAL_GUI))
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null && command -v sudo >/dev/null; then
	E=$W/d-etc U=$W/d-usrlocal
	mkdir -p "$E" "$U" "$W/d"
	cp -a /etc/. "$E/"
	sed -i '/^servin:/d' "$E/group" "$E/gshadow"
	ns() { unshare -m bash -c 'mount --bind "$1" /etc && mount --bind "$2" /usr/local && shift 2 && exec "$@"' \
		_ "$E" "$U" "$@"; }
	ns bash -c 'useradd -M -s /bin/sh svwiz && echo "svwiz:right-pw-4821" | chpasswd'
	echo 'svwiz ALL=(root) ALL' >"$E/sudoers.d/svwiz"
	chmod 440 "$E/sudoers.d/svwiz"
	cp "$XAUTHORITY" "$W/d/xauth"
	chmod 755 "$SV_TMP" "$W"
	chmod 777 "$W/d"
	chmod 644 "$W/d/xauth"
	TRACE=$W/d/trace
	: >"$TRACE"
	chmod 666 "$TRACE"
	ns setpriv --reuid=svwiz --regid=svwiz --init-groups env HOME="$W/d" XAUTHORITY="$W/d/xauth" \
		DISPLAY="$DISPLAY" /usr/bin/python3 "$X/wizard.py" --trace "$TRACE" --no-gui >"$TRACE.out" 2>&1 &
	WPID=$!
	cleanup "kill $WPID"
	to_consent && click agree && enabled next && click next && page options && click next
	ok "D: as a user, the ready page" page ready
	like "$(where password)" "^[0-9]+ [0-9]+$" "D: it asks for the sudo password, /usr/local not being writable"
	# shellcheck disable=SC2046
	xdotool mousemove $(where password) click 1
	xdotool type --delay 20 "wrong-pw"
	click next
	ok "D: a wrong password is refused by sudo" wait_for "^sudo refused$"
	shot d1-sudo-refused
	is "$(tree "$U")" "" "D: and nothing was written"
	# shellcheck disable=SC2046
	xdotool mousemove $(where password) click 1
	xdotool type --delay 20 "right-pw-4821"
	click next
	ok "D: with the right one it installs" page finish
	shot d2-finish
	is "$(stat -c %U "$U/bin/servin" 2>&1)" "root" "D: the steps ran as root through sudo"
	like "$(grep '^servin:' "$E/group")" "^servin:x:" "D: the real install created the group servin"
	click next
	wait_wizard
	is "$?" 0 "D: Finish closes"
	ns bash /usr/local/share/servin/install.sh --uninstall >/dev/null
	is "$(tree "$U")" "" "D: uninstalled, as root"
	nok "D: the group with it" grep -q '^servin:' "$E/group"
	shots=$((shots + 2))
else
	echo "# not root, or no mount namespaces or sudo: the sudo path of the wizard is not tested"
fi

n=$(find "$ARTIFACTS" -name 'wizard-*.png' -size +5k | wc -l)
is "$n" "$shots" "$shots screenshots kept in build/artifacts/installers"
done_testing
