#!/bin/bash
# Volumes and networks in servin-desktop, in tmux: create each through
# its form and see it listed, inspect it, connect and disconnect a running
# container to a network, remove with a preview. The commands behind the
# keys are the CLI's; the screens follow the journal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_root
need_cmd tmux ip
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config" "$SV_TMP/state"
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done; sv network rm e2etuinet; sv volume rm e2e-vol'
sv images -q >/dev/null

tui_start 120 30 tmux-256color C.UTF-8
ok "comes up" wait_for 'Containers'
keys 3
ok "3 shows volumes" wait_for 'VOLUME NAME +DRIVER'
keys c
ok "c opens the create form" wait_for 'Create a volume'
keys e2e-vol Tab Tab Tab 'tier=e2e' Enter Enter
ok "the new volume is listed with its label" wait_for '^  e2e-vol +local .*tier=e2e'
keys / e2e-vol Enter Enter
ok "Enter shows the volume's object" wait_for '"Mountpoint":'
keys q
keys D
ok "D asks first" wait_for 'Remove 1 volume and their data'
keys Tab Enter
ok "the volume is gone" wait_gone '^  e2e-vol ' 15
keys Escape

sv run -d --name ctn busybox sleep 300 >/dev/null
keys 4
ok "4 shows networks, the built-in ones first" wait_for '^  bridge +[0-9a-f]{12} +bridge'
keys c e2etuinet Tab 10.98.7.0/24 Tab Tab Tab Space Tab Enter
ok "a network made in the form is listed with its subnet, internal" wait_for '^  e2etuinet +[0-9a-f]{12} +bridge +10\.98\.7\.0/24 +10\.98\.7\.1 +yes +0$' 20
keys / e2etuinet Enter
keys C ctn Enter
ok "C connects a running container" wait_for '^  e2etuinet .* 1$' 20
keys X ctn Enter
ok "X disconnects it" wait_for '^  e2etuinet .* 0$' 20
keys D
ok "D asks first" wait_for 'Remove 1 network'
keys Tab Enter
ok "the network is gone" wait_gone '^  e2etuinet ' 20
keys q
ok "quits" wait_exit
done_testing
