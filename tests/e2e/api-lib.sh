# tests/e2e/api-lib.sh — helpers for the REST API tests, sourced after lib.sh.
#
#   api_start [SERVE-ARGS...]   starts `servin serve` on $SV_TMP/run/servin.sock
#                                (or where -H says), waits until it answers
#   api_stop                     stops it (also done at exit)
#   DOCKER_HOST is exported for the docker CLI; API_LOG is the server's log.

need_docker() {
	DOCKER=$(command -v docker || true)
	if [ -z "$DOCKER" ] && [ -x "$TOP/build/tools/docker" ]; then DOCKER=$TOP/build/tools/docker; fi
	[ -n "$DOCKER" ] || skip_all "needs the docker CLI (mk/docker-cli.sh fetches it)"
	# The real client, never a daemon: keep its config private.
	export DOCKER_CONFIG=$SV_TMP/docker-config
	mkdir -p "$DOCKER_CONFIG"
}
dk() { "$DOCKER" "$@"; }

api_start() {
	API_LOG=$SV_TMP/serve.log
	API_SOCK=$SERVIN_RUNROOT/servin.sock
	local a
	for a in "$@"; do case $a in unix://*) API_SOCK=${a#unix://} ;; esac; done
	# --pdeathsig: a test killed by a timeout does not leave its server behind.
	setpriv --pdeathsig TERM "$BIN/servin" serve "$@" >"$API_LOG" 2>&1 &
	API_PID=$!
	cleanup "api_stop"
	local i
	for i in $(seq 100); do
		[ -S "$API_SOCK" ] && curl -sf --unix-socket "$API_SOCK" http://x/_ping >/dev/null 2>&1 && break
		kill -0 "$API_PID" 2>/dev/null || break
		sleep 0.05
	done
	export DOCKER_HOST=unix://$API_SOCK
}

api_stop() {
	[ -n "${API_PID:-}" ] || return 0
	kill "$API_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$API_PID" 2>/dev/null || break; sleep 0.05; done
	kill -9 "$API_PID" 2>/dev/null
	wait "$API_PID" 2>/dev/null
	API_PID=
}

# api_curl PATH [CURL-ARGS...] — a request over the socket; prints the body.
api_curl() { local p=$1; shift; curl -s --unix-socket "$API_SOCK" "$@" "http://x$p"; }
# api_status METHOD PATH [CURL-ARGS...] — prints the status code only.
api_status() { local m=$1 p=$2; shift 2; curl -s -o /dev/null -w '%{http_code}' -X "$m" --unix-socket "$API_SOCK" "$@" "http://x$p"; }

# py_checks PYTHON-FILE-ON-STDIN — runs /usr/bin/python3 - whose lines are
# "DESCRIPTION<TAB>GOT<TAB>WANT" (anything else, a traceback, fails) and
# must end with the description "script completed".
py_checks() {
	local line desc got want last=
	while IFS= read -r line; do
		if [[ $line != *$'\t'*$'\t'* ]]; then
			_report 1 "docker-py: unexpected output" "$line"
			continue
		fi
		IFS=$'\t' read -r desc got want <<<"$line"
		is "$got" "$want" "docker-py: $desc"
		last=$desc
	done < <(API_SOCK=$API_SOCK /usr/bin/python3 - 2>&1)
	is "$last" "script completed" "the docker-py script ran to its end"
}
