#!/bin/bash
# `servin events`: the journal of what happened (also while nobody was
# watching), filters, formats, and the live stream woken by other processes.
. "$(dirname "$0")/lib.sh"
need_root
sv_setup
sv images >/dev/null
t0=$(date +%s)
sleep 1
sv tag busybox ev/one:1
sv network create evnet >/dev/null
sv create --name evc busybox true >/dev/null
sv network connect evnet evc
sv network disconnect evnet evc
sleep 1
t1=$(date +%s)
sv tag busybox ev/two:1

out=$(sv events --since "$t0" --until "$t1" --format '{{.Type}} {{.Action}}')
like "$out" "image tag" "past events are listed"
like "$out" "container create" "container events too"
like "$out" "network connect" "network connect is recorded"
like "$out" "network disconnect" "and disconnect"
is "$(grep -c 'image tag' <<<"$out")" 1 "--until ends the window (the second tag is later)"
is "$(sv events --since "$t0" --until "$t1" --filter type=network --filter event=connect \
	--format '{{.Actor.Attributes.name}}')" evnet "filters by type and event"
like "$(sv events --since "$t0" --until "$t1" --filter image=ev/one:1 --format json | head -1)" \
	'"Type":"image".*"Action":"tag"' "json format"
like "$(sv events --since "$t0" --until "$t1" --filter type=image --filter event=tag | head -1)" \
	'^[0-9T:.-]+Z image tag sha256:[0-9a-f]+ \(name=ev/one:1\)$' "docker's plain line"
exit_is 1 "a bad filter is refused" sv events --filter bogus=1 --until 0s

# live: events made by another process arrive without polling
"$BIN/servin" events --filter container=evc --format '{{.Action}}' > "$SV_TMP/live" &
pid=$!
cleanup "kill $pid"
sleep 0.5
sv start evc >/dev/null
for _ in $(seq 50); do grep -q die "$SV_TMP/live" && break; sleep 0.1; done
kill $pid
like "$(tr '\n' ' ' < "$SV_TMP/live")" "start .*die" "the live stream shows another process's start and die"
done_testing
