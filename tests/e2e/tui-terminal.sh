#!/bin/bash
# servin-desktop and the terminal, in tmux: mouse clicks (title-bar tabs,
# a column header sorts, rows select) and the wheel (buttons 64/65 move
# the cursor); a key remapped in desktop.json acts; M turns the mouse off
# so text can be selected (the terminal stops reporting); y copies the
# selected id with OSC 52 (tmux stores it); colours by terminal — 256
# colours on tmux-256color, 16 on xterm-16color, the 8 base colours on
# xterm, none with NO_COLOR or the monochrome theme — and ':theme' switches
# themes live. Nothing reaches stderr while curses owns the terminal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_cmd tmux
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config/servin" "$SV_TMP/state"
sv images -q >/dev/null
sv tag busybox zz/last:1 >/dev/null
sv tag busybox aa/first:1 >/dev/null

# click COL ROW [BUTTON] — an X10 mouse press and release (terminfo kmous=\E[M).
click() {
	local b=${3:-0}
	keys -l $'\e[M'"$(printf "\\x$(printf %x $((32 + b)))\\x$(printf %x $((33 + $1)))\\x$(printf %x $((33 + $2)))")"
	[ "$b" -ge 64 ] && return
	keys -l $'\e[M'"$(printf "\\x23\\x$(printf %x $((33 + $1)))\\x$(printf %x $((33 + $2)))")"
}
sgr() { tm capture-pane -p -e -t t; }
# sgr_has REGEX... — the coloured screen matches each (grep -E, SGR kept).
sgr_has() { local s; s=$(sgr); for re; do grep -qE -- "$re" <<<"$s" || return 1; done; }
# row_is N REGEX — until screen row N (from 1) matches.
row_is() {
	local deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)); do
		screen | sed -n "$1p" | grep -qE -- "$2" && return 0
		sleep 0.05
	done
	return 1
}

tui_start 100 20 tmux-256color C.UTF-8
tm set-option -g set-clipboard on >/dev/null
ok "comes up" wait_for 'Containers'
col=$(screen | head -1 | grep -bo ' 2 Images' | cut -d: -f1)
click $((col + 3)) 0
ok "clicking the Images tab switches to it" wait_for 'REPOSITORY'
click 4 1
ok "clicking a header sorts by it" row_is 3 '^  aa/first'
click 4 1
ok "clicking it again reverses the order" row_is 3 '^  zz/last'
# The wheel moves the cursor 3 rows (clamped): rows are zz/last, busybox,
# aa/first (one image: the selection colour tells the row).
selected_is() { # REGEX — until the row in the selection colour matches
	local deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)); do
		sgr | grep -E -- "$1" | grep -q '48;5;25m' && return 0
		sleep 0.05
	done
	return 1
}
keys g
ok "g: the first row is selected" selected_is '^.{0,40}  zz/last '
click 4 5 65
ok "wheel down (button 65) moves the cursor down" selected_is '^.{0,40}  aa/first '
click 4 5 64
ok "wheel up (button 64) moves it up" selected_is '^.{0,40}  zz/last '
click 4 4
keys y
ok "y copies the selected image's id (OSC 52 into tmux's buffer)" \
	bash -c "tmux -L '$TMUX_SOCK' show-buffer | grep -qE '^sha256:[0-9a-f]{64}$'"
ok "the status bar says what was copied" wait_for 'copied sha256:'
like "$(tm display-message -p -t t '#{mouse_any_flag}#{mouse_standard_flag}')" '1' "the terminal reports clicks"
keys M
ok "M turns the mouse off" wait_for 'mouse off'
sleep 0.2
is "$(tm display-message -p -t t '#{mouse_any_flag}#{mouse_standard_flag}')" "00" "... and the terminal stops reporting: text can be selected"
keys M

ok "256 colours on tmux-256color" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -e -t t | grep -q '38;5;'"
keys : 'theme light' Enter
ok ":theme light switches live" wait_for 'theme light'
ok "... with the light theme's title colour" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -e -t t | head -1 | grep -q '48;5;31'"
# The status bar's rule: info and warnings go after 4 s (TUI_STATUS_MS),
# an error stays until the next key.
shown=$SECONDS
ok "an info message goes by itself" wait_gone 'theme light' 10
ok "... after its time, not at once ($((SECONDS - shown)) s)" test $((SECONDS - shown)) -ge 3
keys : 'theme no-such-theme' Enter
ok "an unknown theme is a clear error" wait_for 'unknown theme "no-such-theme"'
sleep 5 # longer than an info message lives
ok "an error is still there after 5 s" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -t t | grep -q 'unknown theme \"no-such-theme\"'"
keys k
ok "... and the next key dismisses it" wait_gone 'unknown theme' 5
keys : 'rmi no-such-image' Enter
ok "a failing command's error is on the screen" wait_for 'No such image'
keys q q
ok "quits" wait_exit
ok "nothing was written to stderr under curses (errors included)" tui_stderr_empty

# A key remapped in desktop.json acts; its old key no longer does.
printf '{ "keys": { "global.images": "I", "global.quit": ["Q"] } }' >"$SV_TMP/config/servin/desktop.json"
tui_start 100 20 tmux-256color C.UTF-8
ok "remapped: comes up" wait_for 'Containers'
ok "the title bar shows the new key" wait_for ' I Images '
keys I
ok "the remapped key (I) opens the images" wait_for 'REPOSITORY'
keys 1 2 q '?'
ok "the old keys (2, q) do nothing now" wait_for 'Help: Containers'
keys Escape Q
ok "Q quits" wait_exit
ok "remapped: stderr stayed empty" tui_stderr_empty
rm "$SV_TMP/config/servin/desktop.json"

# The theme named in desktop.json is the one drawn: high-contrast's pairs
# (black on bright white title, black on bright yellow selection; 16
# colours, none of dark's 256-colour codes), from $XDG_CONFIG_HOME...
printf '{ "theme": "high-contrast" }' >"$SV_TMP/config/servin/desktop.json"
tui_start 100 20 tmux-256color C.UTF-8
ok "config theme: comes up" wait_for 'Containers'
keys 2
ok "config theme: the images" wait_for '^  busybox'
ok "high-contrast from desktop.json: black on bright white title bar" sgr_has $'^\e\\[1m\e\\[30m\e\\[107m servin '
ok "... black on bright yellow selection" sgr_has $'^\e\\[[0;]*1m\e\\[30m\e\\[103m  (zz/last|busybox|aa/first) '
ok "... and none of dark's 256-colour pairs" bash -c "! tmux -L '$TMUX_SOCK' capture-pane -p -e -t t | grep -qE '(38|48);5;'"
keys q
ok "quits" wait_exit
rm "$SV_TMP/config/servin/desktop.json"
# ... or from $HOME/.config when XDG_CONFIG_HOME is empty; --theme wins.
mkdir -p "$SV_TMP/home/.config/servin"
printf '{ "theme": "light" }' >"$SV_TMP/home/.config/servin/desktop.json"
TUI_ENV=XDG_CONFIG_HOME= tui_start 100 20 tmux-256color C.UTF-8
ok "config theme from HOME: comes up" wait_for 'Containers'
ok "light from ~/.config/servin/desktop.json: its title colour" sgr_has '^.{0,20}48;5;31m servin '
keys q
ok "quits" wait_exit
TUI_ENV=XDG_CONFIG_HOME= tui_start 100 20 tmux-256color C.UTF-8 --theme dark
ok "--theme dark over the file's light: comes up" wait_for 'Containers'
ok "--theme dark: dark's title colour, not light's" sgr_has '^.{0,20}48;5;24m servin '
keys q
ok "quits" wait_exit
rm -r "$SV_TMP/home/.config"

tui_start 100 20 xterm-16color C.UTF-8
ok "xterm-16color: comes up" wait_for 'Containers'
ok "xterm-16color: 16-colour codes (bright ones too), no 256-colour codes" \
	bash -c "s=\$(tmux -L '$TMUX_SOCK' capture-pane -p -e -t t); grep -qE '\[(9[0-7]|10[0-7])m' <<<\"\$s\" && ! grep -q '38;5;' <<<\"\$s\" && ! grep -q '48;5;' <<<\"\$s\""
keys q
ok "quits" wait_exit

tui_start 100 20 xterm C.UTF-8
ok "xterm: comes up" wait_for 'Containers'
ok "xterm: the 8 base colours, no 256-colour codes" bash -c "s=\$(tmux -L '$TMUX_SOCK' capture-pane -p -e -t t); grep -q '\[4[0-7]m' <<<\"\$s\" && ! grep -q '38;5;' <<<\"\$s\""
keys q
ok "quits" wait_exit

nocolor() { ! sgr | grep -qE '\[(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)m'; }
tui_start 100 20 "tmux-256color NO_COLOR=1" C.UTF-8
ok "NO_COLOR: comes up" wait_for 'Containers'
ok "NO_COLOR: no colour at all" nocolor
ok "NO_COLOR: roles still show (reverse, bold)" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -e -t t | grep -q '\[1;7m'"
keys q
ok "quits" wait_exit

tui_start 100 20 tmux-256color C.UTF-8 --theme monochrome
ok "monochrome theme: comes up" wait_for 'Containers'
ok "monochrome theme: no colour on a colour terminal" nocolor
keys q
ok "quits" wait_exit
done_testing
