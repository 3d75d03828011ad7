#!/bin/bash
# Scripts over the command table: `servin batch FILE|-`, `servin-desktop
# --batch`, and `servin shell` (piped, and on a terminal in tmux with
# completion and persistent history). Comments, quoting, continuations,
# stop at the first failure with its status, --keep-going, --json.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_cmd jq
sv_setup
export HOME=$SV_TMP/home XDG_STATE_HOME=$SV_TMP/state XDG_CONFIG_HOME=$SV_TMP/config
mkdir -p "$HOME"
sv images -q >/dev/null

cat >"$SV_TMP/ok.sv" <<'SCRIPT'
# tag the default image twice, then list
tag busybox 'batch/one:1'
tag busybox \
    batch/two:2     # a continued line
images --format '{{.Repository}}:{{.Tag}}'
SCRIPT
out=$(sv batch "$SV_TMP/ok.sv")
exit_is 0 "a good script exits 0" sv batch "$SV_TMP/ok.sv"
like "$out" 'batch/one:1' "quoted words arrive whole"
like "$out" 'batch/two:2' "continued lines are one command"

printf 'images -q\nrmi no-such-image\ntag busybox never:1\n' >"$SV_TMP/fail.sv"
exit_is 1 "stops with the status of the first failure" sv batch "$SV_TMP/fail.sv"
like "$(sv batch "$SV_TMP/fail.sv" 2>&1)" 'fail.sv:2: exit status 1; stopping' "and says where it stopped"
nok "nothing after the failure ran" bash -c "$BIN/servin images | grep -q never"
exit_is 1 "--keep-going runs the rest and still exits with the first failure" sv batch --keep-going "$SV_TMP/fail.sv"
ok "... the command after the failure ran" bash -c "$BIN/servin images | grep -q never"
printf 'rmi nope\nbatch x\nimages -q\n' >"$SV_TMP/two.sv"
printf 'batch x\nrmi nope\nimages -q\n' >"$SV_TMP/two-rev.sv"
exit_is 1 "--keep-going, two failures (1 then 125): the first one's status" sv batch --keep-going "$SV_TMP/two.sv"
exit_is 125 "--keep-going, two failures (125 then 1): the first one's status" sv batch --keep-going "$SV_TMP/two-rev.sv"

json=$(sv batch --json --keep-going "$SV_TMP/fail.sv")
is "$(jq -s length <<<"$json")" 3 "--json: one object per command"
is "$(jq -s -r '.[1].status' <<<"$json")" 1 "--json: the failing command's status"
like "$(jq -s -r '.[1].stderr' <<<"$json")" 'No such image' "--json: its stderr"
is "$(jq -s -r '.[1].line' <<<"$json")" 2 "--json: its line"
is "$(jq -s -c '.[2].command' <<<"$json")" '["tag","busybox","never:1"]' "--json: its words"

printf "images\ntag busybox 'unterminated\n" >"$SV_TMP/bad.sv"
exit_is 2 "a script that does not parse runs nothing (exit 2)" sv batch "$SV_TMP/bad.sv"
like "$(sv batch "$SV_TMP/bad.sv" 2>&1)" 'bad.sv:2: unterminated quote' "and names the line"
printf 'images\0\n' >"$SV_TMP/nul.sv"
like "$(sv batch "$SV_TMP/nul.sv" 2>&1)" 'NUL byte' "a NUL byte is refused"
exit_is 125 "a script cannot start another batch" bash -c "echo 'batch x' | $BIN/servin batch -"

is "$(printf 'tag busybox stdin:1\nimages -q --filter reference=stdin\n' | sv batch - | wc -l)" 1 "batch reads stdin with -"
is "$(printf 'images --format {{.Tag}} --filter reference=stdin\n' | "$BIN/servin-desktop" --batch -)" 1 \
	"servin-desktop --batch runs the same table"
exit_is 1 "servin-desktop --batch: the first failure's status" bash -c "printf 'rmi nope\n' | $BIN/servin-desktop --batch -"
printf 'image prune\n' >"$SV_TMP/prune.sv"
like "$(sv batch "$SV_TMP/prune.sv" 2>&1)" 'need --force' "prompts are refused in scripts (use --force), stdin is never read"

# The shell, piped: lines like a script that keeps going.
out=$(printf 'tag busybox shell:1\nrmi nope\nimages --format "{{.Repository}}" --filter reference=shell\nexit\nimages\n' | sv shell 2>&1)
like "$out" 'No such image' "shell: a failure is reported"
like "$out" 'shell' "shell: and the next command runs"

# The shell on a terminal: prompt, completion, history kept across runs.
need_cmd tmux
sv create --name compl-one busybox true >/dev/null
sv volume create e2evol-1 >/dev/null
sv network create e2enet-1 >/dev/null
cleanup "$BIN/servin rm -f compl-one; $BIN/servin volume rm e2evol-1; $BIN/servin network rm e2enet-1"
shell_start() {
	_tui_n=$((_tui_n + 1))
	TMUX_SOCK=servin-e2e-$$-$_tui_n
	cleanup "tmux -L '$TMUX_SOCK' kill-server"
	tm new-session -d -x 100 -y 20 -s t "sleep 0.2; exec env TERM=tmux-256color HOME='$HOME' \
		XDG_STATE_HOME='$XDG_STATE_HOME' SERVIN_ROOT='$SERVIN_ROOT' SERVIN_RUNROOT='$SERVIN_RUNROOT' \
		'$BIN/servin' shell"
	tm set-option -t t remain-on-exit on >/dev/null
}
shell_start
ok "shell: the prompt" wait_for '^servin>'
keys 'ima' Tab
ok "shell: Tab completes a command" wait_for '^servin> image'
keys C-u 'images --fo' Tab
ok "shell: Tab completes an option" wait_for '^servin> images --format'
keys C-u 'rmi batch/o' Tab
ok "shell: Tab completes an image name" wait_for '^servin> rmi batch/one:1'
keys Enter
ok "shell: the command runs" wait_for 'Untagged: batch/one:1'
keys 'rm compl-' Tab
ok "shell: Tab completes a container name" wait_for '^servin> rm compl-one'
keys C-u 'volume rm e2e' Tab
ok "shell: Tab completes a volume name" wait_for '^servin> volume rm e2evol-1'
keys C-u 'network rm e2en' Tab
ok "shell: Tab completes a network name" wait_for '^servin> network rm e2enet-1'
keys C-u
keys 'exit' Enter
ok "shell: exit leaves" wait_exit
shell_start
ok "shell: again" wait_for '^servin>'
keys Up
ok "shell: history persists across runs" wait_for '^servin> rmi batch/one:1'
keys C-u C-d
ok "shell: C-d leaves" wait_exit
done_testing
