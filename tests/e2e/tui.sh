#!/bin/bash
# servin-desktop in tmux: the real binary on a real terminal emulator, at
# 80x24 and 120x40, TERM=tmux-256color (UTF-8) and TERM=vt100 LANG=C
# (ASCII only). Start, see the default image, run commands from the ':'
# line and see their effect, filter, open a detail screen and its tabs,
# watch a change made by another process appear, help, resize down to 1x1
# and back, quit. Golden screens have ids, times and sizes blanked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_cmd tmux
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config/servin" "$SV_TMP/state"
sv images -q >/dev/null # seed the default image before the screens start

# ---- 80x24, UTF-8 -----------------------------------------------------
tui_start 80 24 tmux-256color C.UTF-8 --theme dark
ok "the dashboard comes up" wait_for 'Containers.*Images.*Events'
keys 2
ok "the default image is listed" wait_for '^  busybox +latest'
golden tui-images-80x24

keys : 'tag busybox e2e/one:1' Enter
ok ":tag from the command line shows up in the list" wait_for 'e2e/one +1 '
keys : 'images --format "{{.Repository}}"' Enter
ok "multi-line command output opens in a pane" wait_for 'e2e/one'
ok "the pane shows the exit status" wait_for 'exit 0'
keys q
ok "the pane closes" wait_gone 'exit 0'

keys / 'e2e'
ok "filter narrows the list live" wait_for '1 of 2 images'
keys Enter
ok "the filter stays after Enter" wait_for 'filter: e2e'
keys Escape
ok "Esc clears the filter" wait_for '^ 2 images'

"$BIN/servin" tag busybox from-cli:2 >/dev/null
ok "a tag made by another process appears (journal + file watch)" wait_for 'from-cli +2 ' 5

keys g Enter
ok "Enter opens the image" wait_for 'History +Inspect'
keys Tab
ok "the Inspect tab shows the document" wait_for 'RepoTags: \['
keys Escape
ok "Esc goes back to the list" wait_for 'REPOSITORY'

keys '?'
ok "? shows the keys of this screen" wait_for 'Help: Images'
ok "help lists remappable actions" wait_for 'prune: unused images'
ok "box drawing is UTF-8 here" grep -q $'\xe2\x94\x80' "$TUI_OUT"
keys q

keys : 'rmi from-cli:2 e2e/one:1' Enter
ok "rmi's report opens in a pane" wait_for 'Untagged: from-cli:2'
keys q
ok "removing from the ':' line updates the list" wait_gone 'from-cli'

tm resize-window -t t -x 30 -y 5
ok "a small window says so" wait_for 'terminal too small'
tm resize-window -t t -x 1 -y 1
ok "1x1 does not crash" wait_for '^t$'
tm resize-window -t t -x 80 -y 24
ok "back to 80x24 the list returns" wait_for '^  busybox +latest'

keys 5
ok "the events journal lists the tags" wait_for 'image +tag +e2e/one:1'
ok "... and the removals" wait_for 'image +untag +from-cli:2'
golden tui-events-80x24
keys q
ok "q quits" wait_exit
tm kill-server

# ---- 120x40, UTF-8: idle means nothing written ----------------------------
tui_start 120 40 tmux-256color C.UTF-8
ok "120x40 comes up" wait_for 'NAME +IMAGE +STATE +STATUS +CPU %'
keys 2
ok "images at 120x40" wait_for '^  busybox +latest'
golden tui-images-120x40
sleep 0.5 # let the last frame land
before=$(stat -c %s "$TUI_OUT")
sleep 3
after=$(stat -c %s "$TUI_OUT")
is "$((after - before))" 0 "idle for 3 s: zero bytes written to the terminal"
keys q
ok "quits" wait_exit
tm kill-server

# ---- 80x24, TERM=vt100 LANG=C: ASCII only ---------------------------------
tui_start 80 24 vt100 C
ok "vt100 comes up" wait_for 'Containers.*Images'
keys 2
ok "vt100: the list" wait_for '^  busybox +latest'
keys : 'tag busybox ascii:1' Enter
ok "vt100: the command line works" wait_for 'ascii +1 '
keys '?'
ok "vt100: help draws" wait_for '\+-+ Help'
keys q 2 q
ok "vt100 quits" wait_exit
ok "vt100 LANG=C: no byte above 0x7F was written" bash -c "! LC_ALL=C grep -q '[^[:print:][:cntrl:]]' '$TUI_OUT' && ! LC_ALL=C grep -qP '[\x80-\xff]' '$TUI_OUT'"
tm kill-server

# ---- settings: a malformed desktop.json is an error on screen + defaults ---
printf '{ "theme": "light", ' >"$SV_TMP/config/servin/desktop.json"
tui_start 80 24 tmux-256color C.UTF-8
ok "malformed settings: a clear error in the status bar" wait_for 'desktop.json: malformed JSON'
ok "... and the defaults are in use" wait_for 'Containers'
keys q
ok "quits" wait_exit
tm kill-server
rm "$SV_TMP/config/servin/desktop.json"

# ---- servin-desktop(1) documents every option and every remappable action -
man_src=$E2E_DIR/../../docs/man/servin-desktop.1
man_text=$(sed 's/\\-/-/g' "$man_src")
missing=
for o in $("$BIN/servin-desktop" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" <<<"$man_text" || missing="$missing $o"
done
is "$missing" "" "every --option of servin-desktop --help is in servin-desktop(1)"
missing=
for a in $(sed -nE 's/.*X\(ACT_[A-Z_]+, "([a-z.-]+)".*/\1/p' "$E2E_DIR/../../app/tui/keymap.h"); do
	grep -qF "($a)" <<<"$(sed 's/\\f[IRB]//g' <<<"$man_text")" || missing="$missing $a"
done
is "$missing" "" "every remappable action is in servin-desktop(1)'s KEYS"
if command -v groff >/dev/null; then
	is "$(groff -man -ww -z "$man_src" 2>&1)" "" "servin-desktop(1) formats without groff warnings"
fi
done_testing
