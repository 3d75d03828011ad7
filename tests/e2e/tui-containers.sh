#!/bin/bash
# servin-desktop with real containers, in tmux: run one from the ':' line
# and see it appear, start one from the CLI in another process and see it
# appear, filter, open the detail: Stats with the shim's history at once,
# Logs following new lines (wrap and timestamp toggles, search with the
# highlight colour on the matching rows only, save to a file, since/tail),
# Processes, Config; a container that exited 3 says why it stopped; L, i
# and R (a name with a quote and a blank reaches the engine whole); stop
# with a key, open a shell in one (exec hands the terminal over and the
# screen comes back), remove the marked set with a preview. Nothing
# reaches stderr. Golden dashboard with ids and times blanked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_root
need_cmd tmux
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config/servin" "$SV_TMP/state"
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'
sv images -q >/dev/null
# An image with a /bin/bash (busybox sh behind a script that says so), for
# exec's shell detection: bash where there is one, sh otherwise.
mkdir -p "$SV_TMP/bashlayer/bin"
printf '#!/bin/sh\nexport SHELL_WAS=bash\nexec /bin/sh "$@"\n' >"$SV_TMP/bashlayer/bin/bash"
chmod 755 "$SV_TMP/bashlayer/bin/bash"
mkimage busybox --layer "$SV_TMP/bashlayer" --out "$SV_TMP/bash.tar" --tag withbash:1 >/dev/null
sv load -i "$SV_TMP/bash.tar" >/dev/null

tui_start 120 40 tmux-256color C.UTF-8
ok "the dashboard comes up empty" wait_for 'nothing here yet'

keys : 'run -d --name ticker busybox sh -c "trap \"exit 0\" TERM; i=0; while true; do i=\$((i+1)); echo tick \$i; sleep 0.2; done"' Enter
ok "a container run from the ':' line appears" wait_for '^  ticker +busybox +running'
ok "its CPU is sampled while it runs" wait_for '^  ticker +busybox +running +Up .* [0-9]+\.[0-9] '

"$BIN/servin" run -d --name fromcli busybox sleep 300 >/dev/null
ok "a container started by another process appears" wait_for '^  fromcli +busybox +running' 5

# The shim samples once a second from the start: a ticker 4 s old has
# history before any screen of it opens (waited for on screen, not slept).
ok "the ticker has run 4 s" wait_for '^  ticker +busybox +running +Up ([4-9]|[1-9][0-9]) seconds' 20
keys / 'ticker'
ok "filtering by name" wait_for '1 of 2 containers'
keys Enter
keys Enter
ok "Enter opens the container" wait_for 'Overview +Logs +Stats'
keys Tab Tab
ok "the Stats tab draws its graphs" wait_for '[0-9]+ samples \(the shim keeps'
nsamples=$(screen | grep -oE '[0-9]+ samples' | cut -d' ' -f1)
ok "... with history from before the screen opened (${nsamples:-0} samples at once)" test "${nsamples:-0}" -ge 2
keys '['
ok "its logs follow as it writes" wait_for 'tick [0-9]+'
n1=$(screen | grep -o 'tick [0-9]*' | tail -1 | cut -d' ' -f2)
ok "new lines keep arriving while following" wait_for "^tick $((n1 + 3))\$" 15
keys w
ok "w turns wrapping on (info line)" wait_for ' lines .*, wrap'
keys w t
ok "w again turns it off, t shows timestamps" wait_for ' lines .*following, timestamps'
ok "... on every line" wait_for '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z? tick [0-9]+'
keys t
ok "t again hides them" wait_gone ', timestamps'
keys / 'tick 1' Enter
ok "search highlights and reports" wait_for 'search: tick 1'
sgr=$(tm capture-pane -p -e -t t)
ok "the matching rows carry the highlight colour" bash -c 'grep "tick 1" | grep -qE "48;5;(220|208)"' <<<"$sgr"
hl=$(grep -E '48;5;(220|208)' <<<"$sgr" | sed 's/\x1b\[[0-9;]*m//g')
is "$(grep -vc 'tick 1' <<<"$hl")" 0 "... and only those"
keys S
ok "S asks where to save the log" wait_for 'file:'
keys C-u "$SV_TMP/saved.log" Enter
ok "the status bar reports the save" wait_for 'saved [0-9]+ lines to'
ok "the saved file holds the log" grep -q '^tick [0-9]' "$SV_TMP/saved.log"
keys T 3 Enter
ok "T loads the last lines asked for and follows on" wait_for '^ [0-9] lines \(last 3\)'
keys T 1m Enter
ok "... or since a time" wait_for 'lines \(since 1m\)'
keys Tab Tab Tab
ok "the Processes tab lists its processes" wait_for 'sh -c trap|sleep 0\.2'
ok "... with the sleep it runs" wait_for 'sleep 0\.2' 15
keys Tab
ok "the Config tab shows its environment" wait_for 'PATH='
keys Escape
ok "back on the dashboard" wait_for 'NAME +IMAGE +STATE'
keys Escape
ok "Esc clears the filter" wait_for '^ 2 containers'

# The actions menu: 'a' opens it on the cursor's row, a right click on a
# row selects the row and opens it there; the entry chosen runs.
# click_right COL ROW — an X10 button-3 press and release (0-based cells).
click_right() {
	keys -l $'\e[M'"$(printf "\\x22\\x$(printf %x $((33 + $1)))\\x$(printf %x $((33 + $2)))")"
	keys -l $'\e[M'"$(printf "\\x23\\x$(printf %x $((33 + $1)))\\x$(printf %x $((33 + $2)))")"
}
row=$(screen | grep -n '^  fromcli ' | cut -d: -f1)
keys g
for ((i = 3; i < row; i++)); do keys j; done
keys a
ok "a opens the actions menu, titled with the row's name" wait_for '┌─* fromcli ─*┐'
ok "... listing the actions with their keys" wait_for '│ pause / unpause +p │'
keys Down Down Down Down Down Down
ok "... Down moves to an entry" bash -c "tmux -L '$TMUX_SOCK' capture-pane -p -e -t t | grep 'pause / unpause' | grep -q '48;5;25m'"
keys Enter
ok "Enter on the entry runs it (pause)" wait_for '^  fromcli +busybox +paused' 15
ok "... the menu has closed" wait_gone 'pause / unpause'
is "$(sv inspect -f '{{.State.Status}}' fromcli)" paused "... and the engine says paused"
other=$(screen | grep -n '^  ticker ' | cut -d: -f1)
click_right 10 $((other - 1))
ok "a right click on a row opens the menu for that row" wait_for '┌─* ticker ─*┐'
keys Escape
ok "Esc closes it, doing nothing" wait_gone '┌─* ticker ─*┐'
ok "... ticker is still running" wait_for '^  ticker +busybox +running'
click_right 10 $((row - 1))
ok "a right click on another row opens its menu" wait_for '┌─* fromcli ─*┐'
keys p
ok "the entry's key picks it (unpause)" wait_for '^  fromcli +busybox +running' 15
click_right 10 $((row - 1))
ok "the menu again" wait_for '│ pause / unpause +p │'
# A left click on an entry picks it (0-based cell of its label).
at=$(screen | grep -n '│ pause / unpause' | head -1)
line=${at%%:*}
col=$(($(screen | sed -n "${line}p" | sed 's/│ pause \/ unpause.*//' | wc -m) + 2))
keys -l $'\e[M'"$(printf "\\x20\\x$(printf %x $((33 + col)))\\x$(printf %x $((32 + line)))")"
keys -l $'\e[M'"$(printf "\\x23\\x$(printf %x $((33 + col)))\\x$(printf %x $((32 + line)))")"
ok "a click on an entry picks it (pause)" wait_for '^  fromcli +busybox +paused' 15
keys p
ok "p on the row unpauses it" wait_for '^  fromcli +busybox +running' 15

# Why did it stop: exit code, OOM, restarts, the last lines.
"$BIN/servin" run -d --name three busybox sh -c 'echo last words; exit 3' >/dev/null
"$BIN/servin" wait three >/dev/null
keys / three Enter Enter
ok "a stopped container's overview says why it stopped" wait_for 'Why it stopped +exit code 3'
ok "... whether it was OOM killed" wait_for 'OOM killed +no'
ok "... how often it restarted" wait_for 'Restarts +0'
ok "... and its last lines" wait_for 'last words'
keys Escape
ok "back on the dashboard, filtered" wait_for '^ 1 of 3 containers'
keys L
ok "L opens the container on its Logs tab" wait_for '^ [0-9]+ lines \('
ok "... with its log" wait_for '^last words'
keys Escape i
ok "i opens it on the Inspect tab" wait_for 'ExitCode"?: 3'
keys Escape R
ok "R asks for the new name" wait_for 'new name:'
keys C-u "it's mine" Enter
ok "a name with a quote and a blank reaches the engine whole (and is refused)" \
	wait_for "Invalid container name \\(it's mine\\)"
keys q R C-u three2 Enter
ok "R renames it" wait_for '^  three2 +busybox +exited'
keys Escape
ok "back on the dashboard, unfiltered" wait_for '^ 3 containers'
"$BIN/servin" rm three2 >/dev/null
ok "a container removed elsewhere goes" wait_for '^ 2 containers'

# Stop the ticker with the key (the cursor row is found, not assumed).
keys g
for _ in 1 2; do screen | grep -qE '^ *ticker' && screen | sed -n 3p | grep -q ticker && break; keys j; done
[ "$(screen | sed -n 3p | awk '{print $1}')" = ticker ] || keys j
keys x
ok "x stops it" wait_for '^  ticker +busybox +exited' 20
ok "the status bar says so" wait_for 'ticker stopped'
keys q
ok "q quits" wait_exit
tm kill-server

# The columns come from the settings; the rest of the flow uses them.
printf '{ "columns": { "containers": ["name", "image", "state"] } }' >"$SV_TMP/config/servin/desktop.json"
tui_start 80 24 tmux-256color C.UTF-8
ok "only the configured columns are shown" wait_for '^  NAME +IMAGE +STATE *$'
golden tui-containers-columns-80x24

# exec: the terminal is handed over, then the screen comes back exactly;
# sh in an image without bash.
row=$(screen | grep -n '^  fromcli' | cut -d: -f1)
keys g
for ((i = 3; i < row; i++)); do keys j; done
before=$(tm capture-pane -p -e -t t)
keys e
ok "e opens a shell in the container" wait_for '^/ #' 15
keys 'echo in-$((6*7)) $(stty size) shell=${SHELL_WAS:-sh}' Enter
ok "the shell runs inside, at the window size, sh where there is no bash" wait_for '^in-42 24 80 shell=sh$'
keys 'exit' Enter
ok "the dashboard comes back after the shell, /bin/sh it was" wait_for 'exec -it fromcli /bin/sh ended \(exit 0\)'
ok "... with the table drawn again" wait_for '^  fromcli +busybox +running'
is "$(tm capture-pane -p -e -t t | head -n -1)" "$(head -n -1 <<<"$before")" "... every row above the status bar as it was, colours included"
ok "... and once the message has gone" wait_gone 'exec -it' 10
is "$(tm capture-pane -p -e -t t)" "$before" "... the whole screen as it was before the shell"

# bash where the image has one; a resize while the shell runs reaches it.
sv run -d --name withbash withbash:1 sleep 300 >/dev/null
ok "a container with bash appears" wait_for '^  withbash +withbash:1 +running'
row=$(screen | grep -n '^  withbash' | cut -d: -f1)
keys g
for ((i = 3; i < row; i++)); do keys j; done
keys e
ok "e opens a shell in the container with bash" wait_for '^/ #' 15
keys 'echo shell=${SHELL_WAS:-sh}' Enter
ok "... bash is the one chosen" wait_for '^shell=bash$'
tm resize-window -t t -x 100 -y 30
keys 'echo size $(stty size)' Enter
ok "a resize while the shell runs reaches it (stty size)" wait_for '^size 30 100$'
keys 'exit' Enter
ok "back from bash, /bin/bash it was" wait_for 'exec -it withbash /bin/bash ended \(exit 0\)'
ok "... the dashboard at the new size" bash -c "[ \"\$(tmux -L '$TMUX_SOCK' capture-pane -p -t t | sed -n 30p)\" != '' ] && tmux -L '$TMUX_SOCK' capture-pane -p -t t | sed -n 30p | grep -q 'withbash /bin/bash ended'"
sv rm -f withbash >/dev/null
ok "... where the removed container goes" wait_gone '^  withbash' 15

# Mark both and remove them: a preview first, then per-container results.
keys g Space Space D
ok "removing marked containers asks first with the list" wait_for 'Remove 2 marked containers'
keys Tab Enter
ok "both removal results are reported" wait_for '│fromcli: .*running'
ok "... one line per container" wait_for '│ticker: removed'
keys q
ok "a running one is refused, the stopped one goes" wait_gone '^  ticker' 15
keys q
ok "q quits" wait_exit
ok "nothing reached stderr under curses (exec and its shell included)" tui_stderr_empty
done_testing
