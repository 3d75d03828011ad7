#!/bin/bash
# The images browser of servin-desktop, in tmux: an image's history has
# its CREATED BY cells, t tags the selected image, D removes a tag after a
# preview, P prunes the dangling images after a preview of the space it
# frees, r runs a container from the image through a form.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_root
need_cmd tmux
sv_setup
mkdir -p "$SV_TMP/home" "$SV_TMP/config" "$SV_TMP/state" "$SV_TMP/layer/srv"
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done'
sv images -q >/dev/null

# A dangling image: loaded as dang:1, then the tag moves to busybox.
head -c 200000 /dev/urandom >"$SV_TMP/layer/srv/blob"
mkimage busybox --layer "$SV_TMP/layer" --tag dang:1 --out "$SV_TMP/dang.tar" >/dev/null
sv load -i "$SV_TMP/dang.tar" >/dev/null
dang=$(sv images -q dang:1)
sv tag busybox dang:1

tui_start 120 30 tmux-256color C.UTF-8
ok "comes up" wait_for 'Containers'
keys 2
ok "2 lists the images, the dangling one too" wait_for "^  <none> +<none> +${dang:0:12}"

keys / busybox Enter Enter
ok "Enter opens the image on its History tab" wait_for 'CREATED +CREATED BY +SIZE'
ok "... a history row has its CREATED BY cell" wait_for '^  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ +tests/fixtures/mkimage\.sh +[0-9.]+[kM]B'
keys Escape Escape

keys / busybox Enter t
ok "t asks for the new name" wait_for 'Tag busybox:latest'
keys tagged:7 Enter
ok "... back on the filtered list" wait_for 'filter: busybox'
keys Escape
ok "... and the new tag is listed" wait_for '^  tagged +7 '

keys / tagged Enter D
ok "D previews the removal (an untag: the image has other tags)" wait_for 'tagged:7  \(untag only'
keys Tab Enter
ok "... and removes the tag" wait_for 'Untagged: tagged:7'
ok "... gone from the list" wait_for '^ 0 of 3 images'
keys Escape

keys P
ok "P previews the prune: the dangling image" wait_for "│ ${dang:0:12}  [0-9.]+[kM]B"
ok "... and the space it frees" wait_for '│ about [0-9.]+[kM]B freed'
keys Tab Enter
ok "... then prunes it" wait_for "Deleted: sha256:${dang}"
keys q
ok "the dangling image is gone" wait_gone '^  <none>'
is "$(sv images -q --filter dangling=true | wc -l)" 0 "... for the CLI too"

keys / busybox Enter r
ok "r opens the run form" wait_for 'Run a container from busybox:latest'
keys fromimg Tab 'sleep 300' Tab Tab 'E2E=yes' Tab Tab Tab Enter
ok "the container runs (its id in the status bar)" wait_for '^ [0-9a-f]{64}$' 20
keys Escape 1
ok "... and is on the dashboard" wait_for '^  fromimg +busybox(:latest)? +running'
ok "one container: the footer says 'container', not 'containers'" wait_for '^ 1 container$'
like "$(sv inspect fromimg)" '"E2E=yes"' "... with the form's environment"
like "$(sv inspect fromimg)" '"sleep",[[:space:]]*"300"' "... and its command"
keys q
ok "quits" wait_exit
done_testing
