#!/bin/bash
# Networking end to end, inside network namespaces this test makes (never
# the host's): user networks with DNS by name and alias, isolation between
# networks, --internal without a way out, published ports (TCP and UDP,
# from the host's 127.0.0.1 and from "another host"), none/host/container:
# modes, the embedded resolver forwarding to a loopback upstream (given
# with --dns or in the host's resolv.conf), the route_localnet guard
# against a container addressing the host's 127.0.0.1, create options,
# teardown on stop, and a kill -9 of servin during runs leaving no veth,
# rule, chain or lease behind, and nothing foreign touched.
#
# The test "host" is a fresh netns; its "uplink" is a veth into a second
# netns (198.18.0.2, the benchmarking range) that plays the outside world.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip nft busybox jq

if [ -z "${SV_E2E_NETNS:-}" ]; then
	ns=svnet-$$ up=svup-$$
	ip netns add "$ns" || skip_all "cannot create a network namespace"
	ip netns add "$up" || { ip netns del "$ns"; skip_all "cannot create a network namespace"; }
	ip -n "$ns" link set lo up
	ip -n "$up" link set lo up
	ip -n "$ns" link add svup0 type veth peer name eth0 netns "$up"
	ip -n "$ns" addr add 198.18.0.1/24 dev svup0
	ip -n "$ns" link set svup0 up
	ip -n "$up" addr add 198.18.0.2/24 dev eth0
	ip -n "$up" link set eth0 up
	ip -n "$ns" route add default via 198.18.0.2
	mkdir -p "/tmp/svup-$$" && echo outside > "/tmp/svup-$$/index.html"
	ip netns exec "$up" busybox httpd -p 198.18.0.2:80 -h "/tmp/svup-$$" &&
		up_pid=$(ip netns pids "$up" | head -1)
	SV_E2E_NETNS=$ns SV_E2E_UPLINK=$up nsenter --net="/run/netns/$ns" bash "$0"
	rc=$?
	for p in $(ip netns pids "$up") $(ip netns pids "$ns"); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$up"
	ip netns del "$ns"
	rm -rf "/tmp/svup-$$"
	exit $rc
fi

sv_setup
# The default bridge's subnet, chosen as a user would (Docker's bip form)
export SERVIN_BRIDGE_SUBNET=10.87.0.1/16
cleanup 'for c in $(sv ps -aq); do sv rm -f $c; done; sv network prune -f; sv system prune -f'

veths() { ip -o link show | grep -c ' sve[0-9a-f]*@' ; }
chains() { nft list table ip servin 2>/dev/null | grep -cE '^\s*chain (in|out|post|hin)-' ; }
# What servin did not make and must never touch (checked at the end, after
# network rm, system prune and check --repair): a link named like a servin
# veth without servin's alias, another program's nftables table.
ip link add sve000000000000 type bridge && nft add table ip other && nft add chain ip other c &&
	nft add rule ip other c accept || _report 1 "could not make the foreign link and table"
port_elements() { nft -j list table ip servin 2>/dev/null | /usr/bin/python3 -c '
import json, sys
try: d = json.load(sys.stdin)
except Exception: print(0); sys.exit()
n = 0
for o in d.get("nftables", []):
    m = o.get("map")
    if m and m["name"].startswith("pub_"): n += len(m.get("elem", []))
print(n)'; }
# fetch [RUN-ARGS...] URL: wget from a container, with a deadline. busybox
# timeout runs under sh: as PID 1 it could not signal its own wget.
fetch() { local url=${!#}; sv run --rm "${@:1:$#-1}" busybox sh -c "timeout 3 wget -q -O- '$url'; exit \$?"; }
wait_http() { for _ in $(seq 50); do busybox timeout 1 wget -q -O- "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# --- user networks: names, aliases, isolation
ok "network create front" sv network create front
ok "network create back --mtu" sv network create --subnet 10.251.0.0/24 --mtu 1400 back
ok "network create --internal" sv network create --internal --subnet 10.250.0.0/24 inner
like "$(sv network ls --format '{{.Name}}' | tr '\n' ' ')" 'back bridge front host inner none' "network ls lists built-ins and ours"
is "$(sv network inspect -f '{{.Internal}}' inner)" "true" "inspect shows --internal"
exit_is 1 "a taken network name is refused" sv network create front
exit_is 1 "an overlapping subnet is refused" sv network create --subnet 10.250.0.0/16 clash

sv run -d --name web --network front --network-alias www busybox httpd -f -p 80 -h /etc >/dev/null
sleep 0.2 # httpd binds after it started
web_ip=$(sv inspect -f '{{.NetworkSettings.Networks.front.IPAddress}}' web)
like "$web_ip" '^10\.' "the server got an address on front"
is "$(fetch --network front http://web/hostname)" \
	"$(sv inspect -f '{{.Config.Hostname}}' web)" "a container on front fetches from web by name"
is "$(fetch --network front http://www/hostname)" \
	"$(sv inspect -f '{{.Config.Hostname}}' web)" "and by its network alias"
short=$(sv inspect -f '{{.Id}}' web | cut -c1-12)
ok "and by its short id" fetch --network front "http://$short/hostname"
like "$(sv run --rm --network front busybox cat /etc/resolv.conf)" 'nameserver 127.0.0.11' \
	"containers on user networks use the embedded resolver"
nok "a container on another network cannot reach web" \
	fetch --network back "http://$web_ip/hostname"
nok "nor resolve its name" fetch --network back http://web/hostname
like "$(sv run --rm --network back --ip 10.251.0.50 busybox ip -o -4 addr show eth0)" 'inet 10\.251\.0\.50/24' \
	"--ip gives the container that address"
like "$(sv run --rm --network back busybox ip -o link show eth0)" 'mtu 1400' "--mtu reaches the container's interface"
exit_is 125 "--ip outside the subnet is refused" sv run --rm --network back --ip 10.9.9.9 busybox true
exit_is 125 "--ip on the default bridge is refused" sv run --rm --ip 10.88.0.9 busybox true

# --- create options: gateway, address range, the bridge's name; connect --ip
ok "network create --gateway --ip-range -o com.docker.network.bridge.name" sv network create --subnet 10.252.0.0/24 \
	--gateway 10.252.0.254 --ip-range 10.252.0.128/25 -o com.docker.network.bridge.name=svtestbr0 opts
is "$(sv network inspect opts | jq -r '.[0] | "\(.IPAM.Config[0].Gateway) \(.IPAM.Config[0].IPRange) \(.Options["com.docker.network.bridge.name"])"')" \
	"10.252.0.254 10.252.0.128/25 svtestbr0" "inspect shows the gateway, the range and the bridge's name"
sv run -d --name optc --network opts busybox sleep 60 >/dev/null
like "$(sv inspect -f '{{.NetworkSettings.Networks.opts.IPAddress}} {{.NetworkSettings.Networks.opts.Gateway}}' optc)" \
	'^10\.252\.0\.(1[2-9][0-9]|2[0-4][0-9]|25[0-3]) 10\.252\.0\.254$' "a container's address comes from the range, its gateway is the given one"
like "$(sv exec optc ip route)" 'default via 10\.252\.0\.254' "and it routes through that gateway"
like "$(ip -o -4 addr show svtestbr0 2>&1)" 'inet 10\.252\.0\.254/24' "the bridge has the given name and carries the gateway"
sv run -d --name cip busybox sleep 60 >/dev/null
ok "network connect --ip (outside the range, inside the subnet)" sv network connect --ip 10.252.0.9 opts cip
is "$(sv inspect -f '{{.NetworkSettings.Networks.opts.IPAddress}}' cip)" "10.252.0.9" "inspect shows that address"
like "$(sv exec cip ip -o -4 addr)" 'inet 10\.252\.0\.9/24' "and the container has it"
ok "it reaches the other container on opts" sv exec cip ping -c1 -W2 "$(sv inspect -f '{{.NetworkSettings.Networks.opts.IPAddress}}' optc)"
sv network create --label tmp=1 unused1 >/dev/null
sv network create --label tmp=1 used1 >/dev/null
sv network connect used1 optc
ok "network prune --filter label=" sv network prune -f --filter label=tmp=1
is "$(sv network ls --format '{{.Name}}' | grep -cE '^(unused1|used1|back|inner)$')" "3" \
	"prune removed the unused network, kept the used one and those the filter left out"
sv rm -f optc cip >/dev/null
ok "network rm of the network named its bridge" sv network rm opts used1
nok "which took the bridge along" ip link show svtestbr0

# --- the outside: NAT out, nothing out of --internal
is "$(fetch --network front http://198.18.0.2/)" "outside" \
	"a bridge network reaches the uplink (masquerade)"
is "$(fetch http://198.18.0.2/)" "outside" "so does the default bridge"
# CVE-2020-8558: route_localnet (on for servin's bridges, for DNAT to the
# host's 127.0.0.1) would let a container address the host's loopback.
is "$(cat /proc/sys/net/ipv4/conf/servin0/route_localnet)" "1" "route_localnet is on for servin0"
like "$(nft list chain ip servin guard)" 'iifname @bridges ip daddr 127\.0\.0\.0/8 drop' \
	"and guarded: nothing arriving on a servin bridge may address 127.0.0.0/8"
is "$(sv network inspect bridge | jq -r '.[0].IPAM.Config[0] | "\(.Subnet) \(.Gateway)"')" "10.87.0.0/16 10.87.0.1" \
	"the default bridge has the subnet of SERVIN_BRIDGE_SUBNET"
like "$(ip -o -4 addr show servin0)" 'inet 10\.87\.0\.1/16' "and servin0 carries its gateway address"
like "$(sv run --rm busybox ip -o -4 addr show eth0)" 'inet 10\.87\.0\.[0-9]+/16' "a container on it gets an address there"
nok "an --internal network cannot reach the uplink" \
	fetch --network inner http://198.18.0.2/
mkdir -p "$SV_TMP/www" && echo host > "$SV_TMP/www/index.html"
busybox httpd -p 198.18.0.1:18081 -h "$SV_TMP/www"
cleanup 'kill $(pgrep -f "httpd -p 198.18.0.1:18081") 2>/dev/null'
is "$(fetch --network front http://198.18.0.1:18081/)" "host" \
	"a bridge network reaches the host"
nok "an --internal one does not" fetch --network inner http://198.18.0.1:18081/
sv run -d --name inner1 --network inner busybox httpd -f -p 80 -h /etc >/dev/null
ok "but containers on it reach each other by name" \
	fetch --network inner http://inner1/hostname
sv rm -f inner1 >/dev/null

# --- published ports
sv run -d --name pub -p 127.0.0.1:18080:80 -p 80 busybox httpd -f -p 80 -h /etc >/dev/null
ok "-p 127.0.0.1:18080:80 serves the host" wait_http http://127.0.0.1:18080/hostname
like "$(sv port pub)" '80/tcp -> 127.0.0.1:18080' "port lists the fixed binding"
rnd=$(sv port pub 80/tcp | grep 0.0.0.0 | sed 's/.*://')
like "$rnd" '^[0-9]+$' "-p 80 picked a host port that port reports ($rnd)"
ok "that port serves 127.0.0.1" wait_http "http://127.0.0.1:$rnd/hostname"
ok "and the host's other addresses" wait_http "http://198.18.0.1:$rnd/hostname"
ok "and another host (DNAT from the uplink)" \
	ip netns exec "$SV_E2E_UPLINK" timeout 3 busybox wget -q -O- "http://198.18.0.1:$rnd/hostname"
nok "the loopback binding is not reachable from another host" \
	ip netns exec "$SV_E2E_UPLINK" timeout 2 busybox wget -q -O- "http://198.18.0.1:18080/hostname"
like "$(sv ps --format '{{.Ports}}' -f name=pub)" '127.0.0.1:18080->80/tcp' "ps shows the ports"
exit_is 125 "a host port that is taken is refused" sv run -d -p 127.0.0.1:18080:80 busybox true
ok "containers reach a published port through the host (hairpin)" \
	fetch "http://198.18.0.1:$rnd/hostname"
sv rm -f pub >/dev/null
is "$(port_elements)" "0" "removing the container removes its port rules"
# (the host-wide count also sees veths of earlier containers, which the
# kernel removes asynchronously with their netns: count once it is still)
for _ in $(seq 10); do v1=$(veths); sleep 0.3; [ "$(veths)" = "$v1" ] && break; done
base_veth=$(veths) base_ports=$(port_elements)
sv run -d --name st -p 127.0.0.1::80 busybox httpd -f -p 80 -h /etc >/dev/null
sp=$(sv port st 80/tcp | sed 's/.*://')
ok "a published port serves" wait_http "http://127.0.0.1:$sp/hostname"
is "$(veths)/$(port_elements)" "$((base_veth + 1))/$((base_ports + 1))" "a running container has its veth and port rule"
ok "stop" sv stop -t 1 st
for _ in $(seq 50); do [ "$(veths)" = "$base_veth" ] && break; sleep 0.1; done
is "$(veths)/$(port_elements)" "$base_veth/$base_ports" "stop (not only rm) takes them away"
nok "the port answers no more" busybox timeout 2 wget -q -O- "http://127.0.0.1:$sp/hostname"
sv rm st >/dev/null
sv run -d --name pall --expose 80 --expose 81/udp -P busybox httpd -f -p 80 -h /etc >/dev/null
is "$(sv port pall | wc -l)" "2" "-P publishes every exposed port"
pp=$(sv port pall 80/tcp | sed 's/.*://')
ok "and they serve" wait_http "http://127.0.0.1:$pp/hostname"
sv rm -f pall >/dev/null

# UDP: busybox has no UDP server, so a static echo server is added to an
# image (tests/fixtures/udpecho.c).
udpdir=$(mktemp -d) && mkdir -p "$udpdir/bin"
cleanup "rm -rf '$udpdir'"
if gcc -static -O2 -o "$udpdir/bin/udpecho" "$FIXTURES/udpecho.c" 2>/dev/null &&
	mkimage busybox --layer "$udpdir" --out "$udpdir.tar" --tag udpecho:1 >/dev/null && sv load -i "$udpdir.tar" >/dev/null; then
	sv run -d --name udp -p 127.0.0.1:15353:9999/udp udpecho:1 /bin/udpecho 9999 >/dev/null
	got=$(/usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.3)
for _ in range(20):
    s.sendto(b"hello-udp", ("127.0.0.1", 15353))
    try: print(s.recv(100).decode()); break
    except socket.timeout: pass')
	is "$got" "echo: hello-udp" "UDP publish: datagrams reach the container and replies come back"
	sv rm -f udp >/dev/null
else
	_report 1 "UDP publish: could not build the udpecho image"
fi
rm -f "$udpdir.tar"

# --- modes
is "$(sv run --rm --network none busybox sh -c 'ls /sys/class/net | tr "\n" " "')" "lo " "--network none has only lo"
sv run -d --name xx busybox httpd -f -p 80 -h /etc >/dev/null
x_ip=$(sv inspect -f '{{.NetworkSettings.IPAddress}}' xx)
like "$(sv run --rm --network container:xx busybox ip -o -4 addr show eth0)" "inet $x_ip/" \
	"--network container:xx shares xx's interfaces"
is "$(fetch --network container:xx http://127.0.0.1/hostname)" \
	"$(sv inspect -f '{{.Config.Hostname}}' xx)" "and its loopback"
sv rm -f xx >/dev/null
like "$(sv run --rm --network host busybox ls /sys/class/net)" 'svup0' "--network host sees the host's interfaces"
like "$(sv run --rm --add-host db:10.1.2.3 busybox cat /etc/hosts)" '10.1.2.3	db' "--add-host lands in /etc/hosts"
like "$(sv run --rm --network back --dns-search example.test busybox cat /etc/resolv.conf)" 'search example.test' \
	"--dns-search lands in resolv.conf"

# --- forwarding from the shim's netns: a resolver on the host's loopback
/usr/bin/python3 - "$SV_TMP/dns.log" <<'PY' &
import socket, struct, sys
log = open(sys.argv[1], "a", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53)); s.settimeout(20)
while True:
    try: q, a = s.recvfrom(512)
    except socket.timeout: break
    end = 12
    while q[end]: end += q[end] + 1
    end += 5
    name = q[12:end - 4]
    log.write("%r from %s\n" % (name, a[0]))
    r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:end]
    if struct.unpack(">H", q[end-4:end-2])[0] == 1 and b"ext" in name:
        r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([203, 0, 113, 7])
    s.sendto(r, a)
PY
dns_pid=$!
cleanup "kill $dns_pid"
sleep 0.3
like "$(sv run --rm --network front --dns 127.0.0.1 busybox nslookup ext.test 2>&1)" '203\.0\.113\.7' \
	"other names go to the upstream resolver, even on the host's loopback"
# Without --dns: the host's resolv.conf (one bound over it in a mount
# namespace of the test's own) names the upstream.
printf 'nameserver 127.0.0.1\n' >"$SV_TMP/resolv.conf"
like "$(unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && "$2" run --rm --network front busybox nslookup ext.test' \
	sh "$SV_TMP/resolv.conf" "$BIN/servin" 2>&1)" '203\.0\.113\.7' \
	"without --dns, other names go to the host's resolvers"
# CVE-2020-8558 for real: a container with NET_ADMIN routes 127.0.0.1
# through its gateway and sends a query to it; the resolver listening on
# the host's 127.0.0.1:53 must never see it. (UDP: a TCP handshake would
# fail anyway, the container's own stack drops the loopback-sourced reply.)
localnet_probe() {
	sv run --rm --cap-add NET_ADMIN busybox sh -c '
		gw=$(ip route | awk "/^default/ {print \$3}")
		ip route del local 127.0.0.0/8 dev lo table local && ip route del local 127.0.0.1 dev lo table local &&
		ip route add 127.0.0.1/32 via "$gw" && ip route get 127.0.0.1 | grep -q " via $gw" || exit 9
		timeout 2 nslookup "$1" 127.0.0.1 >/dev/null 2>&1; exit 0' sh "$1"
}
ok "a container can route 127.0.0.1 through its gateway" localnet_probe guarded.test
sleep 0.3
is "$(grep -c guarded "$SV_TMP/dns.log")" "0" "the host's loopback never sees its packet (route_localnet guard)"
# The control: without the guard the same packet arrives, so the check
# above proves the guard works (restored at once; the test's own netns).
nft flush chain ip servin guard
localnet_probe unguarded.test >/dev/null 2>&1
nft add rule ip servin guard iifname @bridges ip daddr 127.0.0.0/8 drop
sleep 0.3
like "$(grep unguarded "$SV_TMP/dns.log")" 'from 10\.87\.' "(control: with the guard flushed it does arrive)"
kill $dns_pid 2>/dev/null

# --- connect / disconnect
sv run -d --name roam --network back busybox sleep 60 >/dev/null
ok "network connect a running container" sv network connect --alias roamer front roam
ok "it reaches front's server now" sv exec roam timeout 3 wget -q -O- http://web/hostname
ok "and front resolves its alias" sv run --rm --network front busybox nslookup roamer
ok "network disconnect" sv network disconnect front roam
nok "front is out of reach again" sv exec roam timeout 2 wget -q -O- "http://$web_ip/hostname"
exit_is 1 "a network with running containers cannot be removed" sv network rm front
sv rm -f roam web >/dev/null
# Another root on this host: its check leaves this root's links alone
# (their aliases carry the root's tag).
other=("$BIN/servin" --root "$SV_TMP/other-root" --runroot "$SV_TMP/other-run")
sv run -d --name roam2 --network back busybox sleep 60 >/dev/null
like "$(ip -o link show | grep -c 'servin:veth:')" "^[1-9]" "a running container has a tagged veth"
out=$("${other[@]}" system check 2>&1)
is "$(grep -c network <<<"$out")" 0 "another root's system check finds none of this root's links" ||
	echo "$out" | sed 's/^/# /'
"${other[@]}" system check --repair >/dev/null 2>&1
ok "and its repair leaves them: roam2 still reaches the network" sv exec roam2 ip -o addr show eth0
sv rm -f roam2 >/dev/null
ok "network rm" sv network rm back inner
exit_is 1 "the built-in bridge cannot be removed" sv network rm bridge

# --- kill -9 during run: nothing stale after system prune
base_veth=$(veths) base_ports=$(port_elements) base_chains=$(chains)
front12=$(sv network inspect -f '{{.Id}}' front | cut -c1-12)
like "$(nft list table ip servin | grep -E 'chain (in|out|post|hin)-' | grep -c "$front12")" '^4$' "front has its four chains"
for i in 1 2 3 4 5 6; do {
	"$BIN/servin" run -d --network front -p 80 busybox sleep 60 >/dev/null 2>&1 &
	sleep "0.0$((RANDOM % 10))"
	kill -9 $! 2>/dev/null
	# ...and the shim's side too, at a random point of its start
	for p in $(pgrep -f "servin-shim.*--root=$SERVIN_ROOT"); do
		[ $((RANDOM % 2)) = 0 ] && kill -9 "$p" 2>/dev/null
	done
	wait
} 2>/dev/null; done
# starts still in flight (servin-shim-ctl outlives a killed CLI) finish first
for _ in $(seq 50); do pgrep -f "servin-shim-ctl start .*--root=$SERVIN_ROOT" >/dev/null || break; sleep 0.1; done
# kill returns once the signal is sent (as docker's does): wait for the exits
for c in $(sv ps -q); do sv kill "$c" >/dev/null 2>&1; sv wait "$c" >/dev/null 2>&1; done
ok "system prune after the kills" sv system prune -f
is "$(veths)" "$base_veth" "no stale veth is left"
is "$(port_elements)" "$base_ports" "no stale port rule is left"
is "$(sqlite3 "$SERVIN_ROOT/servin.db" 'SELECT count(*) FROM endpoints')" "0" "no address lease is left"
ok "system check finds nothing left" sh -c "! sv system check | grep -q network"

is "$(sv network ls -q -f name=front | wc -l)" "0" "system prune removed the unused network" ||
	{ sv ps -a; sv network inspect front; } | sed 's/^/# /' 
is "$(ip -o link show | grep -c ' sv-')" "0" "and its bridge: no user network bridge is left"
is "$(chains)" "$((base_chains - 4))" "and its four nftables chains, no other chain is left or lost"
# A new SERVIN_BRIDGE_SUBNET once nothing is attached to the default bridge
export SERVIN_BRIDGE_SUBNET=10.86.0.0/24
like "$(sv run --rm busybox ip -o -4 addr show eth0)" 'inet 10\.86\.0\.[0-9]+/24' \
	"a new SERVIN_BRIDGE_SUBNET re-addresses the unused default bridge"
like "$(ip -o -4 addr show servin0)" 'inet 10\.86\.0\.1/24' "servin0 was made anew with the new gateway"
ok "and the new subnet gets out (its masquerade rule followed)" fetch http://198.18.0.2/
sv run -d --name keep busybox sleep 60 >/dev/null
like "$(SERVIN_BRIDGE_SUBNET=10.85.0.0/24 sv network ls 2>&1 >/dev/null)" 'keeps 10\.86\.0\.0/24' \
	"with a container attached the bridge keeps its subnet, and says so"
sv rm -f keep >/dev/null
sv network create lonely >/dev/null
like "$(sv network prune -f)" 'lonely' "network prune (no filter) names what it removed"
is "$(sv network ls --format '{{.Name}}' | tr '\n' ' ')" "bridge host none " "and only the built-in networks are left"
ok "system check --repair" sv system check --repair
ok "a foreign link named like a servin veth survived network rm, system prune and repair" \
	ip link show sve000000000000
like "$(nft list chain ip other c 2>&1)" 'accept' "so did another program's nftables table"
done_testing
