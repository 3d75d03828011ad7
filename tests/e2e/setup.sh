#!/bin/bash
# The set-up the README promises: `make deps` is idempotent and quiet when
# every package is there (make test has just run it), and the defaults of
# the state and run roots are Docker's places for servin.
. "$(dirname "$0")/lib.sh"
need_root
out=$(sh "$TOP/mk/deps.sh" 2>&1)
rc=$?
is "$rc" 0 "make deps succeeds when everything is installed"
is "$out" "" "and says nothing"
# The real defaults, seen in a private mount namespace with tmpfs over
# /var/lib and /run, so the host's /var/lib/servin and /run/servin stay untouched.
out=$(env -u SERVIN_ROOT -u SERVIN_RUNROOT unshare -m sh -c '
	mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /run || exit 1
	"$1" images -q >/dev/null 2>&1
	ls /var/lib/servin; echo --; "$1" serve >/dev/null 2>&1 & p=$!
	for i in $(seq 50); do [ -S /run/servin/servin.sock ] && break; sleep 0.1; done
	ls /run/servin; kill $p' sh "$BIN/servin" 2>&1)
like "$out" "servin.db" "with no --root the store is /var/lib/servin"
like "$out" "--.*servin.sock" "with no --runroot the API socket is /run/servin/servin.sock"
done_testing
