#!/bin/bash
# Volumes and networks in servin-desktop, in tmux: create each through
# its form and see it listed, inspect it, connect and disconnect a running
# container to a network, remove with a preview, prune with a preview.
# The ':' line completes volume, network and container names, and its
# history survives a restart. The commands behind the keys are the CLI's;
# the screens follow the journal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_root
need_cmd tmux ip
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config" "$SV_TMP/state"
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done; sv network rm e2etuinet e2e-prunenet e2e-compnet; sv volume rm e2e-vol e2e-keep'
sv images -q >/dev/null

tui_start 120 30 tmux-256color C.UTF-8
ok "comes up" wait_for 'Containers'
keys 3
ok "3 shows volumes" wait_for 'VOLUME NAME +DRIVER'
keys c
ok "c opens the create form" wait_for 'Create a volume'
keys e2e-vol Tab C-u nosuch Tab Tab Enter Enter
ok "the form's driver reaches the engine (an unknown one is refused)" wait_for 'plugin "nosuch" not found'
keys q
keys c
ok "c opens the form again" wait_for 'Create a volume'
keys e2e-vol Tab C-u local Tab 'type=tmpfs device=tmpfs o=size=1m' Tab 'tier=e2e' Enter Enter
ok "the new volume is listed with its label" wait_for '^  e2e-vol +local .*tier=e2e'
vi=$(sv volume inspect e2e-vol)
like "$vi" '"Driver": "local"' "the form's driver is the volume's (servin volume inspect)"
like "$(tr -d ' \n' <<<"$vi")" '"Options":\{"type":"tmpfs","device":"tmpfs","o":"size=1m"\}' "... and so are its options"
keys : 'volume inspect e2e-v' Tab
ok "':' line: Tab completes a volume name" wait_for '^:volume inspect e2e-vol'
keys Enter
ok "... and the command runs" wait_for '"Mountpoint":'
keys q
keys / e2e-vol Enter Enter
ok "Enter shows the volume's object" wait_for '"Mountpoint":'
keys q
keys D
ok "D asks first" wait_for 'Remove 1 volume and their data'
keys Tab Enter
ok "the volume is gone" wait_gone '^  e2e-vol ' 15
keys Escape

# Prune: a preview, then only the anonymous unused volume goes.
anon=$(sv volume create)
sv volume create e2e-keep >/dev/null
ok "volumes made elsewhere are listed" wait_for "^  ${anon:0:20}"
keys P
ok "P previews the prune" wait_for 'Prune unused anonymous volumes'
ok "... listing the unused anonymous volume" wait_for "│ ${anon:0:20}"
ok "... and not the named one, which stays" wait_for '│ \(1 unused named volume stays\)'
keys Tab Enter
ok "prune reports what it removed" wait_for 'Deleted Volumes:'
ok "... the anonymous volume" wait_for "│${anon}"
keys q
ok "the anonymous volume is gone from the list" wait_gone "^  ${anon:0:20}" 15
ok "... the named one stays" wait_for '^  e2e-keep +local'
is "$(sv volume ls -q | grep -c "$anon")" 0 "... and gone for the CLI too"
keys Escape

sv run -d --name ctn busybox sleep 300 >/dev/null
keys 4
ok "4 shows networks, the built-in ones first" wait_for '^  bridge +[0-9a-f]{12} +bridge'
keys c e2etuinet Tab 10.98.7.0/24 Tab 10.98.7.254 Tab Tab Space Tab Enter
ok "a network made in the form is listed with its subnet, gateway, internal" wait_for '^  e2etuinet +[0-9a-f]{12} +bridge +10\.98\.7\.0/24 +10\.98\.7\.254 +yes +0$' 20
ni=$(sv network inspect e2etuinet | tr -d ' \n')
like "$ni" '"Subnet":"10\.98\.7\.0/24","Gateway":"10\.98\.7\.254"' "the typed subnet and gateway are the network's (servin network inspect)"
like "$ni" '"Internal":true' "... and it is internal"
keys : 'network inspect e2etui' Tab
ok "':' line: Tab completes a network name" wait_for '^:network inspect e2etuinet'
keys C-u 'stop ct' Tab
ok "':' line: Tab completes a container name" wait_for '^:stop ctn'
keys Escape
keys / e2etuinet Enter
keys Enter
ok "Enter inspects the network" wait_for '"Subnet": "10\.98\.7\.0/24"'
keys q
ok "... and q closes it" wait_gone '"Subnet":'
keys C ctn Enter
ok "C connects a running container" wait_for '^  e2etuinet .* 1$' 20
keys X ctn Enter
ok "X disconnects it" wait_for '^  e2etuinet .* 0$' 20
keys D
ok "D asks first" wait_for 'Remove 1 network'
keys Tab Enter
ok "the network is gone" wait_gone '^  e2etuinet ' 20
keys Escape

sv network create e2e-prunenet >/dev/null
ok "a network made elsewhere is listed" wait_for '^  e2e-prunenet '
keys P
ok "P previews the network prune" wait_for 'Prune unused networks'
ok "... listing the unused one" wait_for 'e2e-prunenet'
keys Tab Enter
ok "prune reports what it removed" wait_for 'Deleted Networks:' 20
ok "... the unused network" wait_for '│e2e-prunenet'
keys q
ok "the unused network is gone from the list" wait_gone '^  e2e-prunenet ' 20
ok "... the built-in ones stay" wait_for '^  bridge '
nok "... and gone for the CLI too" bash -c "$BIN/servin network ls | grep -q e2e-prunenet"
keys q
ok "quits" wait_exit
tm kill-server

# Network names complete without the Networks screen ever opening: the
# line lists them when it is used (a Tab before they come completes once
# they do).
sv network create e2e-compnet >/dev/null
tui_start 120 30 tmux-256color C.UTF-8
ok "comes up again" wait_for 'Containers'
keys : Up
ok "':' line history survives a restart (Up)" wait_for '^:volume inspect e2e-vol'
keys C-u 'network inspect e2e-comp' Tab
ok "':' line: Tab completes a network name, the Networks screen never opened" wait_for '^:network inspect e2e-compnet'
keys Escape q
ok "quits" wait_exit
done_testing
