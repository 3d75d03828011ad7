#!/bin/bash
# Where `servin serve` listens and who may talk to it: the unix socket
# (0660, group servin, never abstract, moved by --runroot or -H), TCP only
# behind client-certificate TLS or a bearer token (checked with the real
# docker CLI), systemd socket activation, and /openapi.json describing
# exactly the routes that answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
need_cmd curl openssl jq
sv_setup
need_docker

port() { echo $((20000 + RANDOM % 20000)); }

# ---------------------------------------------------------------- unix
exit_is 1 "abstract unix sockets are refused" "$BIN/servin" serve -H unix://@servin-test
like "$("$BIN/servin" serve -H unix://@servin-test 2>&1)" "abstract unix sockets are refused" "with a message"
api_start -H "unix://$SV_TMP/alt/api.sock"
is "$(stat -c %a "$SV_TMP/alt/api.sock")" 660 "-H unix:///path: the socket is 0660"
is "$(dk version --format '{{.Server.APIVersion}}')" 1.43 "docker reaches it"
exit_is 1 "a second server on a live socket is refused" "$BIN/servin" serve -H "unix://$SV_TMP/alt/api.sock"
api_stop
[ ! -e "$SV_TMP/alt/api.sock" ]
ok "the socket is removed at exit" test $? = 0
touch "$SV_TMP/notasock"
like "$("$BIN/servin" serve -H "unix://$SV_TMP/notasock" 2>&1)" "not a socket" "a regular file is never replaced"

SERVIN_RUNROOT=$SV_TMP/moved api_start
is "$API_SOCK" "$SV_TMP/moved/servin.sock" "--runroot moves the default socket"
ok "and it answers there" test -S "$SV_TMP/moved/servin.sock"
api_stop

if [ "$(id -u)" = 0 ] && command -v groupadd >/dev/null; then
	if ! getent group servin >/dev/null; then
		groupadd --system servin && cleanup "groupdel servin"
	fi
	mkdir -m 700 "$SV_TMP/grp"
	api_start -H "unix://$SV_TMP/grp/api.sock"
	is "$(stat -c '%a %G' "$SV_TMP/grp/api.sock")" "660 servin" "with a servin group the socket belongs to it"
	is "$(stat -c '%G %A' "$SV_TMP/grp")" "servin drwx--x---" "and the group may traverse its closed directory"
	api_stop
fi

# ---------------------------------------------------------------- TCP
P=$(port)
out=$("$BIN/servin" serve --no-unix --tcp 127.0.0.1:$P 2>&1)
like "$out" "refusing to listen on TCP without" "TCP without TLS or a token is refused"

head -c 24 /dev/urandom | base64 | tr -d '\n/+=' >"$SV_TMP/token"
api_start --no-unix --tcp 127.0.0.1:$P --token-file "$SV_TMP/token"
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$P/_ping" && break; sleep 0.05; done
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/_ping")" 401 "no token: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-wrong-token' "http://127.0.0.1:$P/_ping")" \
	401 "a wrong token: 401"
is "$(curl -s -H "Authorization: Bearer $(cat "$SV_TMP/token")" "http://127.0.0.1:$P/_ping")" OK "the token: 200"
printf '{"HttpHeaders":{"Authorization":"Bearer %s"}}' "$(cat "$SV_TMP/token")" >"$DOCKER_CONFIG/config.json"
is "$(DOCKER_HOST=tcp://127.0.0.1:$P dk images --format '{{.Repository}}')" busybox "docker CLI with the token over TCP"
rm "$DOCKER_CONFIG/config.json"
api_stop

# Client-certificate TLS: a CA, a server certificate for 127.0.0.1, a client one.
C=$SV_TMP/certs
mkdir -p "$C"
(
	cd "$C" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
		-keyout ca-key.pem -out ca.pem
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=servin \
		-keyout server-key.pem -out server.csr
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=client \
		-keyout key.pem -out client.csr
	printf 'extendedKeyUsage=clientAuth\n' >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
		-extfile client.ext -out cert.pem
	# A client certificate from a CA the server does not trust.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=rogue \
		-keyout rogue-key.pem -out rogue.pem
) >/dev/null 2>&1
P=$(port)
api_start --no-unix --tcp 127.0.0.1:$P --tls-cert "$C/server.pem" --tls-key "$C/server-key.pem" --tls-ca "$C/ca.pem"
for i in $(seq 50); do curl -s -o /dev/null --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" \
	"https://127.0.0.1:$P/_ping" && break; sleep 0.05; done
is "$(DOCKER_HOST=tcp://127.0.0.1:$P DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$C dk version --format '{{.Server.APIVersion}}')" \
	1.43 "docker --tlsverify with a client certificate"
is "$(DOCKER_HOST=tcp://127.0.0.1:$P DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$C dk images --format '{{.Repository}}')" \
	busybox "images over TLS"
if [ "$(id -u)" = 0 ]; then
	is "$(echo through-tls | DOCKER_HOST=tcp://127.0.0.1:$P DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$C \
		timeout 30 "$DOCKER" run -i --rm busybox cat)" through-tls \
		"run -i over TLS: hijacked both ways, stdin's half-close passes through"
fi
nok "no client certificate: the handshake fails" curl -sf --cacert "$C/ca.pem" "https://127.0.0.1:$P/_ping"
nok "an untrusted client certificate fails" curl -sf --cacert "$C/ca.pem" --cert "$C/rogue.pem" \
	--key "$C/rogue-key.pem" "https://127.0.0.1:$P/_ping"
nok "plain HTTP on the TLS port fails" curl -sf "http://127.0.0.1:$P/_ping"
is "$(curl -s --cacert "$C/ca.pem" --cert "$C/cert.pem" --key "$C/key.pem" "https://127.0.0.1:$P/_ping")" OK \
	"the server still serves after refusing those"
api_stop

# ---------------------------------------------------------------- systemd
if command -v systemd-socket-activate >/dev/null; then
	S=$SV_TMP/activated.sock
	systemd-socket-activate -l "$S" -E SERVIN_ROOT -E SERVIN_RUNROOT "$BIN/servin" serve \
		>"$SV_TMP/activate.log" 2>&1 &
	sapid=$!
	cleanup "kill $sapid"
	for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.05; done
	is "$(curl -s --max-time 10 --unix-socket "$S" http://x/_ping)" OK "socket activation: the first request starts the server"
	like "$(cat "$SV_TMP/activate.log")" "listening on systemd fd 3" "which serves the inherited socket"
	kill $sapid 2>/dev/null
fi

# The shipped units (installers/linux) verify, with ExecStart pointing at
# this build as install.sh would point it at its prefix.
if command -v systemd-analyze >/dev/null; then
	U=$SV_TMP/units
	mkdir -p "$U"
	cp "$TOP/installers/linux/servin.socket" "$U/"
	sed "s|/usr/bin/servin|$BIN/servin|" "$TOP/installers/linux/servin.service" >"$U/servin.service"
	# Documentation=man:servin(1): verify runs man, which finds docs/man's page
	mkdir -p "$U/man/man1"
	cp "$TOP/docs/man/servin.1" "$U/man/man1/"
	ok "systemd-analyze verify passes on servin.socket and servin.service" \
		env MANPATH="$U/man" systemd-analyze verify "$U/servin.socket" "$U/servin.service"
	like "$(grep -h '^ListenStream\|^SocketMode\|^SocketGroup' "$U/servin.socket" | tr '\n' ' ')" \
		"ListenStream=/run/servin/servin.sock SocketMode=0660 SocketGroup=servin" "the socket unit: path, mode, group"
fi

# ---------------------------------------------------------------- OpenAPI
api_start
doc=$(api_curl /openapi.json)
is "$(jq -r .openapi <<<"$doc")" 3.0.3 "/openapi.json is OpenAPI 3"
is "$(api_curl /v1.43/openapi.json | jq -r .openapi)" 3.0.3 "also under a version prefix"
# Every described operation answers: its route exists (never "page not
# found" or 405). Parameters name things that do not exist, so nothing is
# changed; events gets a closed window so it ends.
bad=0 n=0
while read -r method path; do
	url=${path//\{name\}/no-such-image}
	url=${url//\{id\}/no-such-id}
	case $url in /events) url="/events?since=1&until=2" ;; esac
	m=${method^^}
	verb=(-X "$m")
	[ "$m" = HEAD ] && verb=(-I) # curl -X HEAD would wait for a body
	body=$(curl -s --max-time 10 -o - -w '\n%{http_code}' "${verb[@]}" --unix-socket "$API_SOCK" "http://x$url" </dev/null)
	code=${body##*$'\n'}
	n=$((n + 1))
	if [ "$code" = 405 ] || [ "$code" = 000 ] || { [ "$code" = 404 ] && grep -q 'page not found' <<<"$body"; }; then
		bad=$((bad + 1))
		echo "# $m $url -> $code"
	fi
done < <(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(.) \($p)"' <<<"$doc")
ok "the document lists routes ($n)" test "$n" -ge 15
is "$bad" 0 "every described route answers"
is "$(api_status GET /openapi.json/extra)" 404 "and what it does not describe does not exist"
done_testing
