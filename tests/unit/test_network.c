/*
 * core/network: address and -p parsing, /etc files, IPAM in a real store
 * (unique addresses, round robin, static addresses, exhaustion), and, as
 * root, the kernel side in network namespaces this test makes: a bridge
 * and a veth pair wired into a "container" netns, traffic over it, the
 * embedded resolver answering from inside that netns, published-port
 * elements, teardown and the sweep leaving nothing behind; foreign links
 * and nftables tables left alone; the default bridge's subnet from
 * SERVIN_BRIDGE_SUBNET or past a routed 10.88/16; IPAM from several
 * processes at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network/network-internal.h"
#include "network/network.h"
#include "store/store.h"
#include "helpers/storefx.h"

/* ---------------------------------------------------------------- pure */

static void test_ipv4(void **state)
{
	(void)state;
	uint32_t a;
	char buf[20];
	assert_true(sv_ipv4_parse("10.88.0.1", &a));
	assert_int_equal(a, 0x0a580001);
	assert_string_equal(sv_ipv4_fmt(a, buf), "10.88.0.1");
	const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3", NULL };
	for (int i = 0; bad[i]; i++)
		assert_false(sv_ipv4_parse(bad[i], &a));
	struct sv_ipv4_net n, m;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_ipv4_net_parse("10.88.0.0/16", false, &n, &err), 0);
	assert_string_equal(sv_ipv4_net_fmt(&n, buf), "10.88.0.0/16");
	assert_int_equal(sv_ipv4_net_parse("10.88.0.1/16", false, &m, &err), -1);
	assert_int_equal(err->code, EINVAL);
	assert_int_equal(sv_ipv4_net_parse("10.88.1.0/24", false, &m, NULL), 0);
	assert_true(sv_ipv4_net_overlaps(&n, &m));
	assert_true(sv_ipv4_net_contains(&n, 0x0a58ffff));
	assert_false(sv_ipv4_net_contains(&n, 0x0a590000));
	assert_int_equal(sv_ipv4_net_parse("10.89.0.0/16", false, &m, NULL), 0);
	assert_false(sv_ipv4_net_overlaps(&n, &m));
	assert_int_equal(sv_ipv4_net_parse("10.0.0.0/33", false, &m, NULL), -1);
}

static void test_port_spec(void **state)
{
	(void)state;
	struct sv_port_spec *p = NULL;
	size_t n;
	assert_int_equal(sv_port_spec_parse("127.0.0.1:8080:80", &p, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].host_ip, "127.0.0.1");
	assert_int_equal(p[0].host_port, 8080);
	assert_int_equal(p[0].ctr_port, 80);
	assert_string_equal(p[0].proto, "tcp");
	free(p);
	assert_int_equal(sv_port_spec_parse("80", &p, &n, NULL), 0);
	assert_int_equal(p[0].host_port, 0);
	free(p);
	assert_int_equal(sv_port_spec_parse("5353:53/udp", &p, &n, NULL), 0);
	assert_string_equal(p[0].proto, "udp");
	assert_int_equal(p[0].host_port, 5353);
	free(p);
	assert_int_equal(sv_port_spec_parse("127.0.0.1::80", &p, &n, NULL), 0);
	assert_int_equal(p[0].host_port, 0);
	free(p);
	assert_int_equal(sv_port_spec_parse("8000-8002:80-82", &p, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(p[2].host_port, 8002);
	assert_int_equal(p[2].ctr_port, 82);
	free(p);
	assert_int_equal(sv_port_spec_parse("9000-9010:80", &p, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].host_port_end, 9010);
	free(p);
	const char *bad[] = { "", "0", "65536", "80/sctp", "1.2.3:80:80", "a:b:c:d", "8000-8001:80-85", "[::1]:80:80",
			      "x:80", "80-70", NULL };
	for (int i = 0; bad[i]; i++) {
		SV_AUTOERR sv_err *err = NULL;
		assert_int_equal(sv_port_spec_parse(bad[i], &p, &n, &err), -1);
		assert_int_equal(err->code, EINVAL);
	}
}

static void test_etc(void **state)
{
	(void)state;
	char e1[] = "db:10.0.0.5", e2[] = "gw:host-gateway", a1[] = "web", b1[] = "nocolon";
	char *const extra[] = { e1, e2, NULL };
	char *const aliases[] = { a1, NULL };
	struct sv_etc_opts o = { .hostname = "abc123", .ip = 0x0a580002, .gateway = 0x0a580001, .aliases = aliases,
				 .extra_hosts = extra };
	SV_AUTOFREE char *h = sv_etc_hosts(&o, NULL);
	assert_non_null(strstr(h, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(h, "10.0.0.5\tdb\n"));
	assert_non_null(strstr(h, "10.88.0.1\tgw\n"));
	assert_non_null(strstr(h, "10.88.0.2\tabc123 web\n"));
	char *const bad[] = { b1, NULL };
	o.extra_hosts = bad;
	SV_AUTOERR sv_err *err = NULL;
	assert_null(sv_etc_hosts(&o, &err));
	assert_int_equal(err->code, EINVAL);

	const char *host = "# comment\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch example.org\noptions edns0\n";
	struct sv_etc_opts r = { .host_resolv = host, .embedded_dns = true };
	SV_AUTOFREE char *a = sv_etc_resolv(&r);
	assert_string_equal(a, "nameserver 127.0.0.11\nsearch example.org\noptions ndots:0\n");
	char d1[] = "9.9.9.9", s1[] = "a.test", s2[] = "b.test";
	char *const dns[] = { d1, NULL };
	char *const search[] = { s1, s2, NULL };
	struct sv_etc_opts r2 = { .host_resolv = host, .dns = dns, .dns_search = search };
	SV_AUTOFREE char *b = sv_etc_resolv(&r2);
	assert_string_equal(b, "nameserver 9.9.9.9\nsearch a.test b.test\noptions edns0\n");
	SV_AUTOSTRV char **ns = sv_etc_nameservers(host);
	assert_int_equal(sv_strv_len(ns), 2);
	assert_string_equal(ns[0], "127.0.0.53");
}

/* ---------------------------------------------------------------- store */

static int setup(void **state)
{
	*state = store_fx_open("sv-net",
					"INSERT INTO images (id, manifest_digest, manifest_type, manifest_size, config_size,"
					" created, added, size) VALUES ('img', 'd', 't', 0, 0, 0, 0, 0)");
	return 0;
}

static void add_container(struct store_fx *f, const char *id, const char *name, const char *state)
{
	SV_AUTOFREE char *sql = sv_xasprintf("INSERT INTO containers (id, name, image_id, image_ref, created, config, state)"
					     " VALUES ('%s', '%s', 'img', 'busybox', 0, '{}', '%s')",
					     id, name, state);
	assert_int_equal(sv_store_exec(f->s, sql, NULL), 0);
}

static void attach(struct store_fx *f, const struct sv_network *n, const char *cid, uint32_t ip, int want, uint32_t *got)
{
	SV_AUTOERR sv_err *err = NULL;
	struct sv_endpoint ep;
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	int rc = sv_endpoint_add_tx(f->s, n, cid, ip, NULL, &ep, &err);
	if (rc == 0)
		assert_int_equal(sv_store_commit(f->s, NULL), 0);
	else
		sv_store_rollback(f->s);
	assert_int_equal(rc == 0 ? 0 : err->code, want);
	if (rc == 0 && got)
		*got = ep.ip;
	if (rc == 0)
		sv_endpoint_release(&ep);
}

static void test_ipam(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_network n;
	struct sv_network_create_opts o = { .name = "small", .subnet = "10.99.0.0/29" };
	assert_int_equal(sv_network_create(f->s, &o, &n, &err), 0);
	assert_int_equal(n.gateway, 0x0a630001);
	assert_true(sv_str_has_prefix(n.bridge, "sv-"));
	/* /29: .0 network, .1 gateway, .7 broadcast → .2-.6 */
	char id[16];
	uint32_t ips[5];
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "c%d", i);
		add_container(f, id, id, "created");
		attach(f, &n, id, 0, 0, &ips[i]);
		assert_int_equal(ips[i], 0x0a630002 + (uint32_t)i);
	}
	add_container(f, "c5", "c5", "created");
	attach(f, &n, "c5", 0, ENOSPC, NULL);
	attach(f, &n, "c0", 0, EEXIST, NULL); /* attached already */
	/* c2 leaves: its address comes back only once the range went round */
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	assert_int_equal(sv_endpoint_remove_tx(f->s, n.id, "c2", &err), 0);
	assert_int_equal(sv_store_commit(f->s, NULL), 0);
	uint32_t got;
	attach(f, &n, "c5", 0, 0, &got);
	assert_int_equal(got, 0x0a630004);
	/* static addresses: taken, gateway, outside */
	add_container(f, "c6", "c6", "created");
	attach(f, &n, "c6", 0x0a630003, EEXIST, NULL);
	attach(f, &n, "c6", 0x0a630001, EEXIST, NULL);
	attach(f, &n, "c6", 0x0a640003, EINVAL, NULL);
	/* removal of a container frees its addresses (cascade) */
	assert_int_equal(sv_store_exec(f->s, "DELETE FROM containers WHERE id = 'c3'", NULL), 0);
	attach(f, &n, "c6", 0x0a630005, 0, &got);
	sv_network_release(&n);

	/* overlapping subnets and taken names are refused; defaults exist */
	struct sv_network_create_opts o2 = { .name = "other", .subnet = "10.99.0.0/24" };
	sv_err_clear(&err);
	assert_int_equal(sv_network_create(f->s, &o2, NULL, &err), -1);
	assert_int_equal(err->code, EINVAL);
	sv_err_clear(&err);
	assert_int_equal(sv_network_create(f->s, &o, NULL, &err), -1);
	assert_int_equal(err->code, EEXIST);
	struct sv_network b;
	assert_int_equal(sv_network_get(f->s, "bridge", &b, NULL), 0);
	assert_string_equal(b.bridge, SV_NET_DEFAULT_BRIDGE);
	assert_true(b.builtin);
	sv_network_release(&b);
	sv_err_clear(&err);
	assert_int_equal(sv_network_remove(f->s, "host", &err), -1);
	assert_int_equal(err->code, EPERM);
	struct sv_network auto_net;
	struct sv_network_create_opts o3 = { .name = "auto" };
	assert_int_equal(sv_network_create(f->s, &o3, &auto_net, NULL), 0);
	char sub[20];
	/* a free /24 of 10/8 from 10.89 on: not the default bridge's, not
	 * "small"'s, not a host route's (e.g. a podman bridge on 10.88/16) */
	assert_true(sv_str_has_prefix(sv_ipv4_net_fmt(&auto_net.subnet, sub), "10."));
	assert_int_equal(auto_net.subnet.prefix, 24);
	assert_true(auto_net.subnet.addr >= 0x0a590000);
	assert_int_equal(sv_network_get(f->s, "bridge", &b, NULL), 0);
	assert_false(sv_ipv4_net_overlaps(&auto_net.subnet, &b.subnet));
	sv_network_release(&b);
	sv_network_release(&auto_net);
	assert_int_equal(sv_network_remove(f->s, "auto", NULL), 0);
	sv_err_clear(&err);
	assert_int_equal(sv_network_get(f->s, "auto", &b, &err), -1);
	assert_int_equal(err->code, ENOENT);
}


/* One process of test_ipam_concurrent: its own connection, n containers
 * attached one transaction each. Exits 0 when every attach succeeded. */
static void ipam_worker(const char *root, const char *net_name, int w, int n)
{
	sv_store *s = NULL;
	struct sv_network net;
	if (sv_store_open(root, &s, NULL) < 0 || sv_network_get(s, net_name, &net, NULL) < 0)
		_exit(2);
	for (int i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof id, "w%dc%d", w, i);
		SV_AUTOFREE char *sql = sv_xasprintf("INSERT INTO containers (id, name, image_id, image_ref, created, config)"
						     " VALUES ('%s', '%s', 'img', 'busybox', 0, '{}')",
						     id, id);
		SV_AUTOERR sv_err *err = NULL;
		if (sv_store_exec(s, sql, &err) < 0 || sv_store_begin(s, &err) < 0)
			_exit(3);
		if (sv_endpoint_add_tx(s, &net, id, 0, NULL, NULL, &err) < 0 || sv_store_commit(s, &err) < 0) {
			fprintf(stderr, "worker %d: %s\n", w, err ? err->msg : "?");
			_exit(4);
		}
	}
	sv_network_release(&net);
	sv_store_free(s);
	_exit(0);
}

/* Several processes allocating on one network at once: every attach
 * succeeds (no "address already in use" from a lost race) and no address
 * is handed out twice. */
static void test_ipam_concurrent(void **state)
{
	struct store_fx *f = *state;
	enum { WORKERS = 4, EACH = 15 };
	struct sv_network_create_opts o = { .name = "busy", .subnet = "10.98.0.0/24" };
	assert_int_equal(sv_network_create(f->s, &o, NULL, NULL), 0);
	pid_t pids[WORKERS];
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0)
			ipam_worker(f->root, "busy", w, EACH);
	}
	for (int w = 0; w < WORKERS; w++) {
		int st;
		assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	struct sv_network n;
	assert_int_equal(sv_network_get(f->s, "busy", &n, NULL), 0);
	struct sv_endpoint *eps = NULL;
	size_t neps;
	assert_int_equal(sv_endpoint_list(f->s, n.id, NULL, &eps, &neps, NULL), 0);
	assert_int_equal(neps, WORKERS * EACH);
	for (size_t i = 0; i < neps; i++) {
		assert_true(sv_ipv4_net_contains(&n.subnet, eps[i].ip));
		assert_true(eps[i].ip != n.gateway && eps[i].ip != n.subnet.addr);
		for (size_t j = 0; j < i; j++)
			assert_true(eps[i].ip != eps[j].ip);
	}
	sv_endpoints_free(eps, neps);
	sv_network_release(&n);
}

static void bridge_is(struct store_fx *f, const char *subnet, const char *gateway)
{
	struct sv_network b;
	char sub[20], gw[16];
	assert_int_equal(sv_network_get(f->s, "bridge", &b, NULL), 0);
	assert_string_equal(sv_ipv4_net_fmt(&b.subnet, sub), subnet);
	assert_string_equal(sv_ipv4_fmt(b.gateway, gw), gateway);
	sv_network_release(&b);
}

/* SERVIN_BRIDGE_SUBNET: taken by a new store (as a subnet or Docker's
 * bip form), a change re-addresses an unused default bridge, an attached
 * one keeps its subnet, a bad or overlapping value is an error. */
static void test_default_subnet(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	setenv(SV_NET_BRIDGE_SUBNET_ENV, "10.77.0.9/16", 1);
	bridge_is(f, "10.77.0.0/16", "10.77.0.9");
	setenv(SV_NET_BRIDGE_SUBNET_ENV, "10.66.0.0/24", 1);
	bridge_is(f, "10.66.0.0/24", "10.66.0.1");
	struct sv_network b;
	assert_int_equal(sv_network_get(f->s, "bridge", &b, NULL), 0);
	add_container(f, "c0", "c0", "created");
	uint32_t ip;
	attach(f, &b, "c0", 0, 0, &ip);
	assert_int_equal(ip, 0x0a420002);
	setenv(SV_NET_BRIDGE_SUBNET_ENV, "10.55.0.0/16", 1);
	bridge_is(f, "10.66.0.0/24", "10.66.0.1"); /* c0 holds 10.66.0.2 */
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	assert_int_equal(sv_endpoint_remove_tx(f->s, b.id, "c0", NULL), 0);
	assert_int_equal(sv_store_commit(f->s, NULL), 0);
	bridge_is(f, "10.55.0.0/16", "10.55.0.1");
	sv_network_release(&b);
	struct sv_network_create_opts o = { .name = "user", .subnet = "10.44.0.0/24" };
	assert_int_equal(sv_network_create(f->s, &o, NULL, &err), 0);
	const char *bad[] = { "10.44.0.0/16", "bogus", "10.1.0.0", "10.1.0.255/24", "10.0.0.0/31", NULL };
	for (int i = 0; bad[i]; i++) {
		setenv(SV_NET_BRIDGE_SUBNET_ENV, bad[i], 1);
		sv_err_clear(&err);
		assert_int_equal(sv_network_get(f->s, "bridge", &b, &err), -1);
		assert_int_equal(err->code, EINVAL);
		assert_non_null(strstr(err->msg, SV_NET_BRIDGE_SUBNET_ENV));
	}
	unsetenv(SV_NET_BRIDGE_SUBNET_ENV);
	bridge_is(f, "10.55.0.0/16", "10.55.0.1"); /* unset: kept as made */
}

/* ---------------------------------------------------------------- kernel */

static bool have_root(void)
{
	return geteuid() == 0;
}

/* A child in a netns of its own, waiting until its pipe closes. */
static pid_t sandbox(int *wfd)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		char c;
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*wfd = p[1];
	/* wait until it left our netns */
	char a[64], b[64];
	snprintf(a, sizeof a, "/proc/%d/ns/net", pid);
	for (int i = 0; i < 1000; i++) {
		ssize_t la = readlink(a, b, sizeof b);
		char self[64];
		ssize_t ls = readlink("/proc/self/ns/net", self, sizeof self);
		if (la > 0 && ls > 0 && (la != ls || memcmp(b, self, (size_t)la) != 0))
			break;
		usleep(1000);
	}
	return pid;
}

struct udp_inside {
	int fd;
};

static int udp_inside(void *arg, sv_err **err)
{
	struct udp_inside *u = arg;
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return u->fd < 0 ? sv_err_set(err, errno, "socket") : 0;
}

static size_t dns_query(unsigned char *q, const char *name, int type)
{
	size_t o = 12;
	memset(q, 0, 12);
	q[0] = 0x12, q[1] = 0x34, q[2] = 0x01, q[5] = 1;
	const char *s = name;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		q[o++] = (unsigned char)l;
		memcpy(q + o, s, l);
		o += l;
		s += l + (dot ? 1 : 0);
	}
	q[o++] = 0;
	q[o++] = 0, q[o++] = (unsigned char)type, q[o++] = 0, q[o++] = 1;
	return o;
}

/* Asks the resolver from inside the netns; returns the rcode and the
 * first A answer in *ip. */
static int ask(sv_dns *d, int nsfd, const char *name, int type, uint32_t *ip)
{
	struct udp_inside u = { -1 };
	assert_int_equal(netns_run(nsfd, udp_inside, &u, NULL), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(0x7f00000b) };
	unsigned char q[512], r[512];
	size_t ql = dns_query(q, name, type);
	assert_int_equal(sendto(u.fd, q, ql, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)ql);
	ssize_t n = -1;
	for (int i = 0; i < 100 && n < 0; i++) {
		struct pollfd p = { sv_dns_fd(d), POLLIN, 0 };
		poll(&p, 1, 20);
		sv_dns_run(d);
		n = recv(u.fd, r, sizeof r, MSG_DONTWAIT);
	}
	close(u.fd);
	assert_true(n >= 12);
	assert_int_equal(r[0], 0x12);
	assert_true(r[2] & 0x80);
	*ip = 0;
	if ((r[7] | r[6] << 8) > 0 && (size_t)n >= ql + 16) {
		uint32_t be;
		memcpy(&be, r + ql + 12, 4);
		*ip = ntohl(be);
	}
	return r[3] & 0xf;
}

static int count_links(const struct nl_link *l, void *arg)
{
	/* (not the foreign link of "another root": see foreign_add) */
	if (sv_str_has_prefix(l->alias, "servin:") && !sv_str_has_suffix(l->alias, "@ffffffff"))
		(*(int *)arg)++;
	return 0;
}

static int servin_links(void)
{
	struct nl *nl = NULL;
	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	int n = 0;
	assert_int_equal(nl_link_dump(nl, count_links, &n, NULL), 0);
	nl_close(nl);
	return n;
}

static void sweep_count(const char *kind, const char *object, const char *detail, void *arg)
{
	(void)kind, (void)object, (void)detail;
	(*(int *)arg)++;
}

/* What servin did not make and must never change, in the test's netns:
 * a link named like a servin veth without servin's alias (its address
 * puts a route over 10.88.0.0/16), one carrying the alias of another
 * root, a link named like a user network's bridge, another program's
 * nftables table. */
static void foreign_add(void)
{
	assert_int_equal(system("ip link add sve000000000000 type bridge &&"
				" ip addr add 10.88.0.1/16 dev sve000000000000 && ip link set sve000000000000 up &&"
				" ip link add sve111111111111 type bridge &&"
				" ip link set sve111111111111 alias servin:veth:cccc0000cccc0000:x@ffffffff &&"
				" ip link add svforeign type bridge &&"
				" nft add table ip other && nft add chain ip other c && nft add rule ip other c accept"),
			 0);
}

static void foreign_check(void)
{
	assert_int_equal(system("ip link show sve000000000000 | grep -q UP && ip link show sve111111111111 >/dev/null &&"
				" ip link show svforeign >/dev/null && nft list chain ip other c | grep -q accept"),
			 0);
}

/* Runs in a netns of its own (the test's "host"): the program's last test. */
static void kernel_body(struct store_fx *f)
{
	SV_AUTOERR sv_err *err = NULL;
	struct sv_network n;
	foreign_add();
	struct sv_network_create_opts o = { .name = "front", .subnet = "10.123.0.0/24" };
	assert_int_equal(sv_network_create(f->s, &o, &n, &err), 0);
	/* 10.88.0.0/16 is routed: the default bridge took the next free /16 */
	char sub[20];
	struct sv_network b;
	assert_int_equal(sv_network_get(f->s, "bridge", &b, NULL), 0);
	assert_string_equal(sv_ipv4_net_fmt(&b.subnet, sub), "10.89.0.0/16");
	sv_network_release(&b);
	/* a network whose bridge name a foreign link holds cannot use it, and
	 * its removal leaves that link */
	char fopt[] = "com.docker.network.bridge.name=svforeign";
	char *const fopts[] = { fopt, NULL };
	struct sv_network_create_opts fo = { .name = "fnet", .subnet = "10.124.0.0/24", .options = fopts };
	assert_int_equal(sv_network_create(f->s, &fo, NULL, &err), 0);
	assert_int_equal(sv_network_remove(f->s, "fnet", &err), 0);
	add_container(f, "aaaa0000aaaa0000", "web", "created");
	add_container(f, "bbbb0000bbbb0000", "cli", "created");
	char www[] = "www";
	char *const al[] = { www, NULL };
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	assert_int_equal(sv_endpoint_add_tx(f->s, &n, "aaaa0000aaaa0000", 0, al, NULL, &err), 0);
	assert_int_equal(sv_endpoint_add_tx(f->s, &n, "bbbb0000bbbb0000", 0, NULL, NULL, &err), 0);
	assert_int_equal(sv_store_commit(f->s, NULL), 0);

	int w1, w2;
	pid_t c1 = sandbox(&w1), c2 = sandbox(&w2);
	struct sv_port_spec *ps = NULL;
	size_t nps;
	assert_int_equal(sv_port_spec_parse("127.0.0.1::80", &ps, &nps, NULL), 0);
	struct sv_net_setup s1 = { .container_id = "aaaa0000aaaa0000", .pid = c1, .runroot = f->run, .want_dns = true,
				   .ports = ps, .nports = nps };
	struct sv_net_result r1, r2;
	if (sv_net_setup(f->s, &s1, &r1, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err->msg);
		fail();
	}
	/* what the engine records once the start succeeded */
	assert_int_equal(sv_store_exec(f->s, "UPDATE containers SET state = 'running' WHERE name = 'web'", NULL), 0);
	struct sv_net_setup s2 = { .container_id = "bbbb0000bbbb0000", .pid = c2, .runroot = f->run, .want_dns = true };
	if (sv_net_setup(f->s, &s2, &r2, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err->msg);
		fail();
	}
	free(ps);
	assert_int_equal(servin_links(), 3); /* the bridge, two veths */
	assert_true(fw_present());

	/* a datagram from c2 to c1 over the bridge */
	char nsp[64];
	snprintf(nsp, sizeof nsp, "/proc/%d/ns/net", c1);
	SV_AUTOCLOSE int ns1 = open(nsp, O_RDONLY | O_CLOEXEC);
	snprintf(nsp, sizeof nsp, "/proc/%d/ns/net", c2);
	SV_AUTOCLOSE int ns2 = open(nsp, O_RDONLY | O_CLOEXEC);
	struct udp_inside in1 = { -1 }, in2 = { -1 };
	assert_int_equal(netns_run(ns1, udp_inside, &in1, NULL), 0);
	assert_int_equal(netns_run(ns2, udp_inside, &in2, NULL), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(7777), .sin_addr.s_addr = htonl(0x0a7b0002) };
	assert_int_equal(bind(in1.fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(sendto(in2.fd, "hi", 2, 0, (struct sockaddr *)&sa, sizeof sa), 2);
	char buf[8];
	struct pollfd p = { in1.fd, POLLIN, 0 };
	assert_int_equal(poll(&p, 1, 3000), 1);
	assert_int_equal(recv(in1.fd, buf, sizeof buf, 0), 2);
	close(in1.fd);
	close(in2.fd);

	/* the resolver of c2 knows c1 by name, alias and short id */
	SV_AUTOFREE char *conf = sv_dns_conf_path(f->run, "bbbb0000bbbb0000");
	char *const nets[] = { n.id, NULL };
	assert_int_equal(sv_dns_conf_write(f->run, "bbbb0000bbbb0000", NULL, false, nets, &err), 0);
	sv_dns *d = NULL;
	struct sv_dns_opts dopts = { .udp_fd = sv_steal_fd(&r2.dns_udp_fd), .tcp_fd = sv_steal_fd(&r2.dns_tcp_fd),
				     .conf = conf };
	assert_int_equal(sv_dns_new(&dopts, &d, &err), 0);
	uint32_t ip;
	assert_int_equal(ask(d, ns2, "web", 1, &ip), 0);
	assert_int_equal(ip, 0x0a7b0002);
	assert_int_equal(ask(d, ns2, "WWW", 1, &ip), 0);
	assert_int_equal(ip, 0x0a7b0002);
	assert_int_equal(ask(d, ns2, "aaaa0000aaaa", 1, &ip), 0);
	assert_int_equal(ask(d, ns2, "nosuch", 1, &ip), 3);
	assert_int_equal(ask(d, ns2, "web", 28, &ip), 0); /* AAAA: no data, no error */
	assert_int_equal(ip, 0);
	sv_dns_free(d);
	sv_net_result_release(&r1);

	/* published port recorded; teardown removes it and the veth */
	struct sv_port_binding *pb = NULL;
	size_t npb;
	assert_int_equal(sv_port_list(f->s, "aaaa0000aaaa0000", &pb, &npb, NULL), 0);
	assert_int_equal(npb, 1);
	assert_true(pb[0].host_port > 0);
	free(pb);
	assert_int_equal(sv_net_teardown(f->s, f->run, "aaaa0000aaaa0000", 0, &err), 0);
	assert_int_equal(sv_port_list(f->s, "aaaa0000aaaa0000", &pb, &npb, NULL), 0);
	assert_int_equal(npb, 0);
	free(pb);
	assert_int_equal(servin_links(), 2);

	/* c2 "crashed": the sweep finds its veth and, with repair, removes it */
	char *const running[] = { NULL };
	int found = 0;
	assert_int_equal(sv_net_sweep(f->s, f->run, running, false, sweep_count, &found, &err), 0);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(sv_net_sweep(f->s, f->run, running, true, sweep_count, &found, &err), 0);
	assert_int_equal(servin_links(), 1);
	/* a removed network takes its bridge and chains along */
	assert_int_equal(sv_store_exec(f->s, "UPDATE containers SET state = 'running'", NULL), 0);
	assert_int_equal(sv_network_remove(f->s, "front", &err), -1);
	assert_int_equal(err->code, EBUSY);
	sv_err_clear(&err);
	assert_int_equal(sv_store_exec(f->s, "UPDATE containers SET state = 'exited'", NULL), 0);
	assert_int_equal(sv_network_remove(f->s, "front", &err), 0);
	assert_int_equal(servin_links(), 0);
	assert_int_equal(sv_net_sweep(f->s, f->run, running, true, sweep_count, &found, &err), 0);
	foreign_check();
	close(w1);
	close(w2);
	waitpid(c1, NULL, 0);
	waitpid(c2, NULL, 0);
	sv_network_release(&n);
}

static void test_kernel(void **state)
{
	if (!have_root())
		skip();
	struct store_fx *f = *state;
	/* This process stays in the new netns: nothing runs after this test. */
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	struct nl *nl = NULL;
	assert_int_equal(nl_open(-1, &nl, NULL), 0);
	assert_int_equal(nl_link_set(nl, 1, true, NULL, NULL), 0);
	nl_close(nl);
	kernel_body(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_port_spec),
		cmocka_unit_test(test_etc),
		cmocka_unit_test_setup_teardown(test_ipam, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_default_subnet, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_ipam_concurrent, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_kernel, setup, store_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
