# tests/e2e/registry/lib.sh — real docker-registry instances and the helper
# servers of registry/helper.py for the registry tests. Sourced after
# lib.sh and sv_setup. Everything listens on 127.0.0.1 on free ports, keeps
# its data under $SV_TMP, and is stopped by the PID we started it with.
#
#   reg_start NAME [tls] [htpasswd] [token REALM]   → $REG_<NAME> = 127.0.0.1:PORT
#   reg_stop NAME / reg_restart NAME
#   helper_start NAME ARGS...                       → python helper, PID kept
#   sv_registries JSON                              → registries.json for servin
#   skopeo_push ARCHIVE REF [skopeo args...]
need_cmd docker-registry skopeo openssl curl jq sqlite3
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3"

HELPER="$E2E_DIR/registry/helper.py"
REG_USER=tester REG_PASS=s3cret-pass

free_port() { /usr/bin/python3 "$HELPER" port; }

wait_port() { # PORT — up to 10 s
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# port $1 never opened" >&2
	return 1
}

# servin's configuration and credentials stay in the test's directory.
export SERVIN_CONFIG_DIR=$SV_TMP/etc XDG_CONFIG_HOME=$SV_TMP/xdg DOCKER_CONFIG=$SV_TMP/docker
mkdir -p "$SERVIN_CONFIG_DIR" "$XDG_CONFIG_HOME" "$DOCKER_CONFIG"
echo "{}" > "$DOCKER_CONFIG/config.json"
sv_registries() { printf '%s\n' "$1" > "$SERVIN_CONFIG_DIR/registries.json"; }

# A CA and a server certificate for 127.0.0.1 (in $SV_TMP/pki).
make_pki() {
	local d=$SV_TMP/pki
	[ -f "$d/server.crt" ] && return 0
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=servin-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$d/ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/ext" -out "$d/server.crt" 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=servin-test-token \
		-keyout "$d/token.key" -out "$d/token.crt" 2>/dev/null
}

reg_config() { # NAME PORT OPTIONS...
	local name=$1 port=$2 dir=$SV_TMP/reg-$1; shift 2
	mkdir -p "$dir/data"
	{
		printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
		printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n' "$dir"
		printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
		while [ $# -gt 0 ]; do
			case $1 in
			tls) printf '  tls:\n    certificate: %s\n    key: %s\n' "$SV_TMP/pki/server.crt" "$SV_TMP/pki/server.key" ;;
			htpasswd)
				htpasswd -Bbn "$REG_USER" "$REG_PASS" > "$dir/htpasswd"
				printf 'auth:\n  htpasswd:\n    realm: servin-test\n    path: %s/htpasswd\n' "$dir" ;;
			token)
				printf 'auth:\n  token:\n    realm: %s\n    service: servin-test-registry\n' "$2"
				printf '    issuer: servin-test\n    rootcertbundle: %s\n' "$SV_TMP/pki/token.crt"
				shift ;;
			esac
			shift
		done
	} > "$dir/config.yml"
}

reg_start() { # NAME OPTIONS...
	local name=$1 port
	port=$(free_port)
	case " $* " in *" tls "* | *" token "*) make_pki ;; esac
	reg_config "$name" "$port" "${@:2}"
	echo "$port" > "$SV_TMP/reg-$name/port"
	_reg_launch "$name"
	printf -v "REG_$name" '127.0.0.1:%s' "$port"
}

_reg_launch() {
	local dir=$SV_TMP/reg-$1
	docker-registry serve "$dir/config.yml" >> "$dir/log" 2>&1 &
	echo $! > "$dir/pid"
	cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	wait_port "$(cat "$dir/port")"
}

reg_stop() { local pid; pid=$(cat "$SV_TMP/reg-$1/pid"); kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; true; }
reg_kill() { local pid; pid=$(cat "$SV_TMP/reg-$1/pid"); kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; true; }
reg_restart() { reg_stop "$1"; _reg_launch "$1"; }
reg_data() { echo "$SV_TMP/reg-$1/data"; }

helper_start() { # NAME PORT ARGS... (mode and its arguments, PORT first)
	local name=$1 port=$3
	/usr/bin/python3 "$HELPER" "$2" "$port" "${@:4}" > "$SV_TMP/helper-$name.log" 2>&1 &
	echo $! > "$SV_TMP/helper-$name.pid"
	cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	wait_port "$port"
}
# A plain-HTTP registry behind a logging proxy, listed as insecure:
# $REG_plain is the registry, $R the proxy everything goes through.
plain_registry() {
	reg_start plain
	local port
	port=$(free_port)
	helper_start proxy proxy "$port" "$(cut -d: -f2 <<<"$REG_plain")" "$SV_TMP/proxy.log" "$@"
	R=127.0.0.1:$port
	sv_registries '{"insecure-registries": ["'"$R"'"]}'
}

helper_stop() { local pid; pid=$(cat "$SV_TMP/helper-$1.pid"); kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; true; }

skopeo_push() { # ARCHIVE REF [skopeo options]
	local archive=$1 ref=$2; shift 2
	skopeo copy -q --dest-tls-verify=false "$@" "oci-archive:$archive" "docker://$ref" >/dev/null
}

# The store's state, to prove a failure left it unchanged: images, the
# layers recorded, the blobs present. (A layer directory without its row,
# which a kill inside a commit can leave, is not part of any image.)
store_state() {
	{
		sv images --no-trunc --digests --format '{{.Repository}} {{.Tag}} {{.ID}}' | sort
		sqlite3 "$SERVIN_ROOT/servin.db" 'SELECT chain_id FROM layers ORDER BY 1' 2>/dev/null
		ls "$SERVIN_ROOT/blobs/sha256" 2>/dev/null | sort
	}
}
