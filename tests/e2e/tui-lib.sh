# tests/e2e/tui-lib.sh — driving servin-desktop inside tmux, for the TUI's
# end-to-end tests. Sourced after lib.sh. A private server (-L), no user
# configuration (-f /dev/null), fixed sizes; every wait polls the screen
# for what it expects (never a blind sleep), with a deadline.
TMUX_SOCK=servin-e2e-$$-0
_tui_n=0
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# tui_start W H TERM LANG ARGS... — starts servin-desktop in a new session.
# Its raw output is appended to $TUI_OUT (pipe-pane), for byte checks; its
# stderr goes to $TUI_ERR, which must stay empty (tui_stderr_empty).
# $TUI_ENV (NAME=VALUE...) is set last, over the private HOME/XDG ones.
tui_start() {
	local w=$1 h=$2 term=$3 lang=$4
	shift 4
	# A fresh server each time: a killed one may still be on its way out.
	_tui_n=$((_tui_n + 1))
	TMUX_SOCK=servin-e2e-$$-$_tui_n
	TUI_OUT=$SV_TMP/pane-$w-$h.out
	TUI_ERR=$SV_TMP/stderr-$_tui_n
	: >"$TUI_OUT"
	cleanup "tmux -L '$TMUX_SOCK' kill-server"
	# In the test's own directory: a file the app writes (a saved log)
	# never lands in the working tree.
	tm new-session -d -x "$w" -y "$h" -s t -c "$SV_TMP" "sleep 0.2; exec env TERM=$term LANG=$lang LC_ALL=$lang \
		HOME='$SV_TMP/home' XDG_CONFIG_HOME='$SV_TMP/config' XDG_STATE_HOME='$SV_TMP/state' ${TUI_ENV:-} \
		'$BIN/servin-desktop' --root '$SERVIN_ROOT' --runroot '$SERVIN_RUNROOT' $* 2>'$TUI_ERR'"
	tm set-option -t t remain-on-exit on >/dev/null
	tm pipe-pane -t t -o "cat >>'$TUI_OUT'"
}

screen() { tm capture-pane -p -t t; }

# Nothing was written to stderr while curses owned the terminal.
tui_stderr_empty() {
	if [ -s "$TUI_ERR" ]; then
		sed 's/^/# stderr: /' "$TUI_ERR" | head -20 >&2
		return 1
	fi
}

# wait_for REGEX [SECONDS] — until the screen matches (grep -E).
wait_for() {
	local re=$1 deadline=$((SECONDS + ${2:-15}))
	while ((SECONDS < deadline)); do
		screen | grep -qE -- "$re" && return 0
		sleep 0.05
	done
	echo "# timed out waiting for /$re/; the screen was:" >&2
	screen | sed 's/^/#   /' >&2
	[ -s "${TUI_ERR:-}" ] && sed 's/^/# stderr: /' "$TUI_ERR" | head -20 >&2
	return 1
}

# wait_gone REGEX [SECONDS] — until the screen no longer matches.
wait_gone() {
	local re=$1 deadline=$((SECONDS + ${2:-15}))
	while ((SECONDS < deadline)); do
		screen | grep -qE -- "$re" || return 0
		sleep 0.05
	done
	return 1
}

keys() { tm send-keys -t t "$@"; }

# The pane's program has exited (remain-on-exit keeps the pane).
wait_exit() {
	local deadline=$((SECONDS + ${1:-15}))
	while ((SECONDS < deadline)); do
		[ "$(tm display-message -p -t t '#{pane_dead}')" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# The screen with what changes from run to run blanked: ids, times, the
# state directory, sizes of things built on this host.
blanked() {
	screen | sed -E -e "s# +$SV_TMP/root\$# <root>#" -e "s#$SV_TMP#<tmp>#g" \
		-e 's/[0-9a-f]{12,64}/<id>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2})?/<time>/g' \
		-e 's/[0-9.]+(B|kB|MB|GB)/<size>/g' \
		-e 's/ +$//'
}

# golden NAME — compares the blanked screen with tests/e2e/golden/NAME.txt
# (SV_UPDATE_GOLDEN=1 rewrites it).
golden() {
	local want=$E2E_DIR/golden/$1.txt got
	got=$(blanked)
	if [ "${SV_UPDATE_GOLDEN:-}" = 1 ]; then
		printf '%s\n' "$got" >"$want"
	fi
	if [ "$got" = "$(cat "$want" 2>/dev/null)" ]; then
		_report 0 "screen matches golden/$1.txt"
	else
		_report 1 "screen matches golden/$1.txt" "$(diff <(printf '%s\n' "$got") "$want" | head -40)"
	fi
}
