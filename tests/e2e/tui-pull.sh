#!/bin/bash
# Pulling from servin-desktop, in tmux, from a real docker-registry on
# loopback (behind a rate-limited proxy so progress can be watched): the
# pull screen shows each layer with a progress bar, c cancels a pull (and
# nothing is left of it), a pull completes and the image appears in the
# list, and leaving the screen lets a pull finish in the background.
. "$(dirname "$0")/lib.sh"
sv_setup
. "$E2E_DIR/registry/lib.sh"
. "$(dirname "$0")/tui-lib.sh"
need_cmd tmux
mkdir -p "$SV_TMP/home" "$SV_TMP/state"
plain_registry 800000 # bytes per second

mkdir -p "$SV_TMP/small/etc" "$SV_TMP/big/srv"
echo tui > "$SV_TMP/small/etc/tui.txt"
head -c 3000000 /dev/urandom >"$SV_TMP/big/srv/random.bin"
mkimage busybox --layer "$SV_TMP/small" --out "$SV_TMP/small.tar" >/dev/null
mkimage busybox --layer "$SV_TMP/big" --out "$SV_TMP/big.tar" >/dev/null
ok "skopeo pushes the fixtures" skopeo_push "$SV_TMP/small.tar" "$R/tui/small:1"
skopeo_push "$SV_TMP/big.tar" "$R/tui/big:1"
sv images -q >/dev/null

# tui-lib's start passes the environment we set: registries.json and all.
tui_start 120 30 tmux-256color C.UTF-8
ok "comes up" wait_for 'Containers'
keys 2
ok "images" wait_for '^  busybox'

keys p
ok "p asks for a reference" wait_for 'Pull an image'
keys "$R/tui/big:1" Enter
ok "the pull screen lists the layers" wait_for 'Pulling .*tui/big:1'
ok "a layer downloads with a progress bar" wait_for 'Downloading .*[0-9.]+[kM]B / [0-9.]+MB' 20
keys c
ok "c cancels the pull" wait_for 'Cancelled: nothing of it was kept' 20
keys Escape
ok "nothing of the cancelled pull is listed" bash -c "! $BIN/servin images | grep -q tui/big"
is "$(ls "$SERVIN_ROOT/tmp" | wc -l)" 0 "no temporaries left by the cancelled pull"

keys p "$R/tui/small:1" Enter
ok "a small image pulls to the end" wait_for 'tui/small:1: downloaded' 30
keys Escape
ok "and appears in the list" wait_for "tui/small +1 "

keys p "$R/tui/big:1" Enter
ok "another pull starts" wait_for 'Downloading' 20
keys Escape
ok "Esc leaves it running in the background" wait_for '^  busybox'
ok "the status bar reports its end" wait_for 'tui/big:1: pulled' 60
ok "and the image is listed" wait_for 'tui/big +1 '
keys q
ok "quits" wait_exit
done_testing
