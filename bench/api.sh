#!/bin/bash
# The REST API under wrk on loopback, side by side with `podman system
# service` holding the same image (and the same number of containers):
# GET /_ping, GET /images/json, GET /containers/json?all=1 with 100
# containers, plus servin's idle RSS.
#
# wrk speaks TCP only, so both servers listen on 127.0.0.1: servin behind a
# bearer token (--token-file; wrk sends the header), podman on its plain
# tcp:// listener. servin runs with --rate-limit 0 and --access-log off
# (podman has neither). Both use private state under $SCRATCH.
# Figures are µs per request (lower is better) so that the ratio reads
# like every other benchmark; the note carries requests per second.
. "$(dirname "$0")/lib.sh"
DUR=$([ "$QUICK" = 1 ] && echo 3 || echo 10)
CONNS=16 THREADS=2
NCONT=$([ "$QUICK" = 1 ] && echo 20 || echo 100)
W=$SCRATCH/api
rm -rf "$W" && mkdir -p "$W"
IMAGE=$TOP/build/share/servin/busybox.oci.tar

have wrk || { skipped api "REST API" "wrk missing"; exit 0; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL [curl args] — up to 30 s
	local i
	for ((i = 0; i < 300; i++)); do curl -sf -o /dev/null "$@" && return 0; sleep 0.1; done
	return 1
}
rps() { # URL [wrk args] → "requests/s errors" (errors: answers not 2xx/3xx)
	wrk -t$THREADS -c$CONNS -d${DUR}s "$@" |
		awk '/^Requests\/sec:/ { r = $2 } /Non-2xx or 3xx responses:/ { e = $NF } END { print (r == "" ? 0 : r), e + 0 }'
}
us() { awk -v r="$1" 'BEGIN { if (r > 0) printf "%.1f", 1e6 / r; else print -1 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
anon_kb() { awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup"; }

# ---------------------------------------------------------------- servin
export SERVIN_ROOT=$W/servin-root SERVIN_RUNROOT=$W/servin-run
# The store is made (and the default image seeded) first, as it is when a
# server starts on a machine in use: seeding loads libarchive (dlopen'ed,
# then mapped for good), which a server started on an existing store never
# needs until an image is loaded or pulled.
"$BIN/servin" images >/dev/null
head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$W/token"
TOKEN=$(cat "$W/token")
SP=$(free_port)
"$BIN/servin" serve --no-unix --tcp 127.0.0.1:$SP --token-file "$W/token" --rate-limit 0 --access-log off \
	>"$W/servin.log" 2>&1 &
SPID=$!
AUTH=(-H "Authorization: Bearer $TOKEN")
wait_http "http://127.0.0.1:$SP/_ping" "${AUTH[@]}" || { skipped api "REST API" "servin serve did not start"; exit 0; }

# ---------------------------------------------------------------- podman
PPID_=
if have podman; then
	PM=(podman --root "$W/podman-root" --runroot "$W/podman-run" --storage-driver vfs)
	"${PM[@]}" load -i "$IMAGE" >/dev/null 2>&1
	PP=$(free_port)
	"${PM[@]}" system service --time=0 "tcp:127.0.0.1:$PP" >"$W/podman.log" 2>&1 &
	PPID_=$!
	wait_http "http://127.0.0.1:$PP/_ping" || PPID_=
fi
cleanup() {
	kill "$SPID" 2>/dev/null
	[ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# Idle RSS: after start-up and one request of each kind, then a pause.
curl -s -o /dev/null "${AUTH[@]}" "http://127.0.0.1:$SP/v1.43/images/json"
curl -s -o /dev/null "${AUTH[@]}" "http://127.0.0.1:$SP/v1.43/info"
sleep 2
srss=$(rss_kb $SPID) spss=$(pss_kb $SPID) sanon=$(anon_kb $SPID)
prss=-1
[ -n "$PPID_" ] && prss=$(rss_kb $PPID_)
load=$(cut -d' ' -f1-3 /proc/loadavg)
under="wrk -t$THREADS -c$CONNS -d${DUR}s, $(nproc) cores, load before: $load"

# result() of lib.sh with µs per request as the unit.
result_us() { result "$@" | sed 's/"unit":"ms"/"unit":"µs\/request"/'; }

bench_route() { # ID WHAT PATH PODMAN_PATH TARGET_RATIO
	local s p se pe errs=
	read -r s se < <(rps "${AUTH[@]}" "http://127.0.0.1:$SP$3")
	[ "$se" = 0 ] || errs="; servin answered $se errors"
	if [ -z "$PPID_" ]; then
		skipped "$1" "$2" "podman is missing or did not start (servin: $s req/s)"
		return
	fi
	read -r p pe < <(rps "http://127.0.0.1:$PP$4")
	# An error is answered fast: a rate made of errors says nothing.
	[ "$pe" = 0 ] || errs="$errs; podman answered $pe errors"
	result_us "$1" "$2" "$(us "$s")" "podman system service" "$(us "$p")" "$5" \
		"servin $s req/s, podman $p req/s; $under$errs"
}

bench_route api.ping "GET /_ping" /_ping /_ping 1.0
bench_route api.images "GET /images/json" /v1.43/images/json /v1.41/images/json 0.1

# 100 containers in both, when servin has containers.
if "$BIN/servin" create --help >/dev/null 2>&1; then
	for ((i = 0; i < NCONT; i++)); do
		"$BIN/servin" create --name "bench$i" busybox true >/dev/null 2>&1
		[ -n "$PPID_" ] && "${PM[@]}" create --name "bench$i" busybox true >/dev/null 2>&1
	done
	bench_route api.containers "GET /containers/json?all=1 ($NCONT containers)" \
		"/v1.43/containers/json?all=1" "/v1.41/containers/json?all=1" 0.01
else
	skipped api.containers "GET /containers/json?all=1 ($NCONT containers)" "servin has no containers yet"
fi

# After an image load the archive libraries are mapped for good: say so.
curl -s -o /dev/null "${AUTH[@]}" -X POST --data-binary @"$IMAGE" "http://127.0.0.1:$SP/v1.43/images/load"
sleep 1
lrss=$(rss_kb $SPID)
result_abs api.rss_idle "servin serve idle RSS" "$srss" kB 10240 \
	"PSS ${spss} kB, anonymous ${sanon} kB; ${lrss} kB once an image was loaded (libarchive dlopen'ed); podman system service ${prss} kB"
