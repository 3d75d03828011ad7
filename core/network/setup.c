/*
 * A container's network at start and stop, bridges on first use, network
 * removal, and the sweep of what a crash left behind.
 *
 * Start (the container is created, its process waits for the start):
 *   inside its netns     lo up, the resolver's sockets on 127.0.0.11:53
 *   per endpoint         the bridge (made with its address, sysctls and
 *                        rules when missing), a veth pair made with its
 *                        peer directly in the container's netns as ethN,
 *                        address, and the default route through the first
 *                        non-internal network
 *   ports                host ports chosen and recorded, then their DNAT
 *                        elements
 *   names                the names files of its networks rewritten
 * Stop: the port elements and rows, the host-side veths (they would go
 * with the netns anyway; deleting them makes the stop synchronous) and
 * the names. Every step tolerates what is already gone, so teardown after
 * a crash, twice, or of a half-made setup is the same call.
 *
 * Ownership: every link made here carries the alias "servin:veth:<ctr
 * id>:<net id>@<root tag>" or "servin:net:<net id>@<root tag>"; a link
 * without it is never changed or deleted, even when its name looks like
 * ours, and the sweep skips the links of another root.
 */
#include "network-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ALIAS_VETH NET_ALIAS_PREFIX "veth:"
#define ALIAS_NET NET_ALIAS_PREFIX "net:"

void sv_net_result_release(struct sv_net_result *r)
{
	if (r->dns_udp_fd >= 0)
		close(r->dns_udp_fd);
	if (r->dns_tcp_fd >= 0)
		close(r->dns_tcp_fd);
	r->dns_udp_fd = r->dns_tcp_fd = -1;
}

static void veth_name(const char *container_id, const char *network_id, char out[16])
{
	char d[SV_DIGEST_STR_LEN];
	SV_AUTOFREE char *key = sv_xasprintf("%s/%s", container_id, network_id);
	sv_sha256_data(key, strlen(key), d);
	snprintf(out, 16, NET_VETH_PREFIX "%.12s", sv_digest_hex(d));
}

/* Which store made a link: its aliases end in "@" and this tag (from the
 * store's path), so a sweep leaves alone the links of another root on the
 * same host (tests, several users' roots). */
static void root_tag(sv_store *s, char out[9])
{
	char d[SV_DIGEST_STR_LEN];
	const char *root = sv_store_root(s);
	sv_sha256_data(root, strlen(root), d);
	snprintf(out, 9, "%.8s", sv_digest_hex(d));
}

/* ---------------------------------------------------------------- bridges */

static int bridge_create(sv_store *s, struct nl *nl, const struct sv_network *n, sv_err **err)
{
	char tag[9];
	root_tag(s, tag);
	SV_AUTOFREE char *alias = sv_xasprintf(ALIAS_NET "%s@%s", n->id, tag);
	SV_AUTOFREE char *lname = sv_xasprintf("net-%.12s", n->id);
	SV_AUTOCLOSE int lock = sv_store_lock(s, lname, true, err);
	if (lock < 0)
		return -1;
	struct nl_link l;
	int idx = nl_link_index(nl, n->bridge, &l, err);
	if (idx < 0)
		return -1;
	if (idx > 0) {
		/* Made by a start that held the lock before us, and complete
		 * now that we hold it: its alias says whose it is. */
		if (!sv_str_has_prefix(l.alias, ALIAS_NET))
			return sv_err_setx(err, EEXIST,
					   "interface %s exists and was not made by servin: choose another bridge name for network %s",
					   n->bridge, n->name);
		return idx;
	}
	idx = nl_bridge_add(nl, n->bridge, n->mtu, alias, err);
	if (idx < 0)
		return -1;
	SV_AUTOFREE char *rl = sv_xasprintf("ipv4/conf/%s/route_localnet", n->bridge);
	if (nl_addr_add(nl, idx, n->gateway, n->subnet.prefix, err) < 0 || net_sysctl(rl, "1", err) < 0 ||
	    (!n->internal && net_sysctl("ipv4/ip_forward", "1", err) < 0) || fw_network_add(n, err) < 0 ||
	    nl_link_set(nl, idx, true, NULL, err) < 0) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)nl_link_del(nl, idx, &e2);
		return sv_err_prefix(err, "bridge %s of network %s", n->bridge, n->name);
	}
	return idx;
}

/* The ifindex of a network's bridge, made when missing. */
static int bridge_ensure(sv_store *s, struct nl *nl, const struct sv_network *n, sv_err **err)
{
	struct nl_link l;
	int idx = nl_link_index(nl, n->bridge, &l, err);
	if (idx < 0)
		return -1;
	/* Missing, or being made by a concurrent start (its alias may not be
	 * set yet): decide under the network's lock. */
	if (idx == 0 || !sv_str_has_prefix(l.alias, ALIAS_NET))
		return bridge_create(s, nl, n, err);
	if (!l.up && nl_link_set(nl, idx, true, NULL, err) < 0)
		return -1;
	return idx;
}

/* ---------------------------------------------------------------- inside the netns */

struct inside {
	struct nl *nl;
	bool want_dns;
	int udp, tcp;
};

static int dns_socket(int type, sv_err **err)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sv_err_set(err, errno, "dns socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	uint32_t a;
	sv_ipv4_parse(SV_NET_DNS_ADDR, &a);
	sa.sin_addr.s_addr = htonl(a);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		close(fd);
		return sv_err_set(err, errno, "bind %s:53 in the container", SV_NET_DNS_ADDR);
	}
	return fd;
}

static int inside_setup(void *arg, sv_err **err)
{
	struct inside *in = arg;
	if (nl_open(-1, &in->nl, err) < 0)
		return -1;
	/* lo is ifindex 1 in every netns. */
	if (nl_link_set(in->nl, 1, true, NULL, err) < 0)
		return -1;
	if (!in->want_dns)
		return 0;
	in->udp = dns_socket(SOCK_DGRAM, err);
	if (in->udp < 0)
		return -1;
	in->tcp = dns_socket(SOCK_STREAM, err);
	return in->tcp < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- endpoints */

struct setup_ctx {
	sv_store *s;
	const struct sv_net_setup *o;
	struct nl *host, *ctr;
	int nsfd;
	bool routed;
};

static int endpoint_up(struct setup_ctx *c, const struct sv_endpoint *ep, int n, sv_err **err)
{
	struct sv_network net;
	if (net_load(c->s, ep->network_id, &net, err) < 0)
		return -1;
	int rc = -1;
	char vname[16], peer[16];
	veth_name(c->o->container_id, ep->network_id, vname);
	snprintf(peer, sizeof peer, "eth%d", n);
	char tag[9];
	root_tag(c->s, tag);
	SV_AUTOFREE char *alias = sv_xasprintf(ALIAS_VETH "%s:%.12s@%s", c->o->container_id, ep->network_id, tag);
	int br = bridge_ensure(c->s, c->host, &net, err);
	if (br < 0)
		goto out;
	/* A veth of an earlier run of this container that has not gone yet
	 * (netns teardown is asynchronous) would take the name. */
	struct nl_link old;
	int oidx = nl_link_index(c->host, vname, &old, err);
	if (oidx < 0 || (oidx > 0 && sv_str_has_prefix(old.alias, ALIAS_VETH) && nl_link_del(c->host, oidx, err) < 0))
		goto out;
	struct nl_veth v = { .name = vname, .peer = peer, .peer_nsfd = c->nsfd, .mtu = net.mtu, .peer_mac = ep->mac,
			     .master = br, .alias = alias };
	if (nl_veth_add(c->host, &v, err) < 0)
		goto out;
	int idx = nl_link_index(c->ctr, peer, NULL, err);
	if (idx <= 0) {
		if (idx == 0)
			sv_err_setx(err, ENODEV, "%s did not appear in the container", peer);
		goto out;
	}
	if (nl_link_set(c->ctr, idx, true, NULL, err) < 0 || nl_addr_add(c->ctr, idx, ep->ip, net.subnet.prefix, err) < 0)
		goto out;
	if (!net.internal && !c->routed) {
		if (nl_route_default(c->ctr, net.gateway, idx, err) < 0)
			goto out;
		c->routed = true;
	}
	rc = 0;
out:
	if (rc < 0)
		sv_err_prefix(err, "network %s", net.name);
	sv_network_release(&net);
	return rc;
}

static int publish(struct setup_ctx *c, const struct sv_endpoint *eps, size_t neps, sv_err **err)
{
	if (!c->o->nports || !neps)
		return 0;
	SV_AUTOFREE struct sv_port_binding *b = NULL;
	size_t nb;
	if (net_ports_claim(c->s, c->o->container_id, eps[0].ip, c->o->ports, c->o->nports, &b, &nb, err) < 0)
		return -1;
	return fw_ports(b, nb, true, err);
}

int sv_net_setup(sv_store *s, const struct sv_net_setup *o, struct sv_net_result *res, sv_err **err)
{
	res->dns_udp_fd = res->dns_tcp_fd = -1;
	struct sv_endpoint *eps = NULL;
	size_t neps = 0;
	if (sv_endpoint_list(s, NULL, o->container_id, &eps, &neps, err) < 0)
		return -1;
	SV_AUTOFREE char *nspath = sv_xasprintf("/proc/%d/ns/net", o->pid);
	struct setup_ctx c = { .s = s, .o = o, .nsfd = open(nspath, O_RDONLY | O_CLOEXEC) };
	struct inside in = { .want_dns = o->want_dns && neps > 0, .udp = -1, .tcp = -1 };
	int rc = -1;
	if (c.nsfd < 0) {
		sv_err_set(err, errno, "open %s", nspath);
		goto out;
	}
	if (netns_run(c.nsfd, inside_setup, &in, err) < 0)
		goto out;
	c.ctr = in.nl;
	in.nl = NULL;
	if (neps && nl_open(-1, &c.host, err) < 0)
		goto out;
	for (size_t i = 0; i < neps; i++)
		if (endpoint_up(&c, &eps[i], (int)i, err) < 0)
			goto out;
	if (publish(&c, eps, neps, err) < 0)
		goto out;
	for (size_t i = 0; i < neps; i++)
		if (net_names_write(s, o->runroot, eps[i].network_id, o->container_id, NULL, err) < 0)
			goto out;
	res->dns_udp_fd = sv_steal_fd(&in.udp);
	res->dns_tcp_fd = sv_steal_fd(&in.tcp);
	rc = 0;
out:
	if (rc < 0 && neps) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)sv_net_teardown(s, o->runroot, o->container_id, 0, &e2);
	}
	if (in.udp >= 0)
		close(in.udp);
	if (in.tcp >= 0)
		close(in.tcp);
	nl_close(in.nl);
	nl_close(c.ctr);
	nl_close(c.host);
	if (c.nsfd >= 0)
		close(c.nsfd);
	sv_endpoints_free(eps, neps);
	return rc;
}

/* ---------------------------------------------------------------- teardown */

/* Deletes name when it is one of our links; absent is fine. */
static int link_del_ours(struct nl *nl, const char *name, const char *alias_prefix, sv_err **err)
{
	struct nl_link l;
	int idx = nl_link_index(nl, name, &l, err);
	if (idx <= 0 || !sv_str_has_prefix(l.alias, alias_prefix))
		return idx < 0 ? -1 : 0;
	return nl_link_del(nl, idx, err);
}

int sv_net_teardown(sv_store *s, const char *runroot, const char *container_id, unsigned flags, sv_err **err)
{
	int rc = 0;
	SV_AUTOERR sv_err *first = NULL;
	if (net_ports_release(s, container_id, &first) < 0)
		rc = -1;
	struct sv_endpoint *eps = NULL;
	size_t neps = 0;
	struct nl *nl = NULL;
	if (sv_endpoint_list(s, NULL, container_id, &eps, &neps, first ? NULL : &first) < 0)
		rc = -1;
	if (neps && !(flags & SV_NET_KEEP_LINKS) && nl_open(-1, &nl, first ? NULL : &first) < 0)
		rc = -1;
	for (size_t i = 0; i < neps; i++) {
		char vname[16];
		veth_name(container_id, eps[i].network_id, vname);
		if (nl && link_del_ours(nl, vname, ALIAS_VETH, first ? NULL : &first) < 0)
			rc = -1;
		if (net_names_write(s, runroot, eps[i].network_id, NULL, container_id, first ? NULL : &first) < 0)
			rc = -1;
	}
	nl_close(nl);
	sv_endpoints_free(eps, neps);
	SV_AUTOFREE char *conf = sv_dns_conf_path(runroot, container_id);
	unlink(conf);
	if (rc < 0 && err && !*err)
		*err = sv_steal_ptr(&first);
	return rc;
}

int sv_net_forget(sv_store *s, const char *runroot, const char *container_id, sv_err **err)
{
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_net_teardown(s, runroot, container_id, SV_NET_KEEP_LINKS, &e2) < 0)
		sv_warn("network teardown of %.12s: %s", container_id, e2->msg);
	if (sv_store_begin(s, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM endpoints WHERE container_id = ?", err);
	if (!st || (sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC), sqlite3_step(st)) != SQLITE_DONE) {
		if (st)
			sv_store_sql_err(s, "delete endpoints", err);
		sv_store_rollback(s);
		return -1;
	}
	return sv_store_commit(s, err);
}

/* ---------------------------------------------------------------- networks */

int net_bridge_del(sv_store *s, const struct sv_network *n, sv_err **err)
{
	if (!n->bridge)
		return 0;
	struct nl *nl = NULL;
	if (nl_open(-1, &nl, err) < 0)
		return -1;
	/* Only this network's bridge of this root (or from before aliases
	 * carried the root's tag): the same name may be another root's. */
	char tag[9];
	root_tag(s, tag);
	SV_AUTOFREE char *mine = sv_xasprintf(ALIAS_NET "%s@%s", n->id, tag);
	SV_AUTOFREE char *legacy = sv_xasprintf(ALIAS_NET "%s", n->id);
	struct nl_link l;
	int rc = nl_link_index(nl, n->bridge, &l, err);
	if (rc > 0)
		rc = strcmp(l.alias, mine) == 0 || strcmp(l.alias, legacy) == 0 ? nl_link_del(nl, rc, err) : 0;
	nl_close(nl);
	if (rc == 0 && fw_network_del(n->id, n->bridge, err) < 0)
		rc = -1;
	return rc;
}

static int count_running(sv_store *s, const char *network_id, char name[256], sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT c.name FROM endpoints e JOIN containers c ON c.id = e.container_id"
		" WHERE e.network_id = ? AND c.state IN ('running', 'paused', 'restarting')",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (n++ == 0)
			snprintf(name, 256, "%s", (const char *)sqlite3_column_text(st, 0));
	return n;
}

static int remove_row(sv_store *s, const struct sv_network *n, sv_err **err)
{
	static const char *const sql[] = { "DELETE FROM endpoints WHERE network_id = ?",
					   "DELETE FROM networks WHERE id = ?" };
	for (size_t i = 0; i < 2; i++) {
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, sql[i], err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sv_store_sql_err(s, "remove network", err);
	}
	return sv_store_event_add(s, "network", "destroy", n->id, NULL, err);
}

int sv_network_remove(sv_store *s, const char *name, sv_err **err)
{
	struct sv_network n;
	if (sv_network_get(s, name, &n, err) < 0)
		return -1;
	int rc = -1;
	char who[256] = "";
	SV_AUTOERR sv_err *e2 = NULL;
	if (n.builtin) {
		sv_err_setx(err, EPERM, "%s is a pre-defined network and cannot be removed", n.name);
		goto out;
	}
	if (sv_store_begin(s, err) < 0)
		goto out;
	int busy = count_running(s, n.id, who, err);
	if (busy != 0) {
		sv_store_rollback(s);
		if (busy > 0)
			sv_err_setx(err, EBUSY, "error while removing network: network %s id %s has active endpoints (%s)",
				    n.name, n.id, who);
		goto out;
	}
	if (remove_row(s, &n, err) < 0 || sv_store_commit(s, err) < 0) {
		sv_store_rollback(s);
		goto out;
	}
	rc = 0;
	if (net_bridge_del(s, &n, &e2) < 0)
		sv_warn("network %s removed, but: %s", n.name, e2->msg);
out:
	sv_network_release(&n);
	return rc;
}

/* ---------------------------------------------------------------- sweep */

struct sweep {
	sv_store *s;
	struct nl *nl;
	char *const *running;
	bool repair;
	sv_net_sweep_fn *fn;
	void *arg;
	int rc;
	sv_err **err;
};

static bool network_exists(sv_store *s, const char *id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT 1 FROM networks WHERE id = ?", NULL);
	if (!st)
		return true; /* when in doubt, keep */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

/* Links are host-wide, and several stores (--root) may share a host.
 * Another root's links carry its tag; links without a tag (made before
 * tags) are this store's only when their container or network is one of
 * ours, or was (the events name it). Another store's are never touched. */
static bool store_knows(sv_store *s, const char *type, const char *id)
{
	static const char *const sql[] = {
		"SELECT 1 FROM containers WHERE ?1 = 'container' AND id = ?2"
		" UNION ALL SELECT 1 FROM networks WHERE ?1 = 'network' AND id = ?2",
		"SELECT 1 FROM events WHERE type = ?1 AND actor = ?2 LIMIT 1",
	};
	for (size_t i = 0; i < 2; i++) {
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, sql[i], NULL);
		if (!st)
			return false; /* in doubt, not ours: keep */
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			return true;
	}
	return false;
}

/* Links are collected during the dump and deleted after it: the socket
 * cannot carry a request while a dump is answering. */
struct stale_link {
	int index;
	char name[16];
	char id[SV_NET_ID_LEN + 1];
	bool bridge;
};

struct stale_links {
	struct sweep *w;
	char tag[9];
	struct stale_link *v;
	size_t n;
};

static int sweep_link(const struct nl_link *l, void *arg)
{
	struct stale_links *sl = arg;
	struct stale_link c = { .index = l->index };
	snprintf(c.name, sizeof c.name, "%s", l->name);
	const char *at = strrchr(l->alias, '@');
	if (at && strcmp(at + 1, sl->tag) != 0)
		return 0; /* another root's */
	if (sv_str_has_prefix(l->alias, ALIAS_VETH)) {
		snprintf(c.id, sizeof c.id, "%.*s", (int)strcspn(l->alias + strlen(ALIAS_VETH), ":"),
			 l->alias + strlen(ALIAS_VETH));
		if (sv_strv_contains(sl->w->running, c.id) || !store_knows(sl->w->s, "container", c.id))
			return 0;
	} else if (sv_str_has_prefix(l->alias, ALIAS_NET)) {
		snprintf(c.id, sizeof c.id, "%.*s", (int)strcspn(l->alias + strlen(ALIAS_NET), "@"),
			 l->alias + strlen(ALIAS_NET));
		c.bridge = true;
		if (network_exists(sl->w->s, c.id) || !store_knows(sl->w->s, "network", c.id))
			return 0;
	} else {
		return 0;
	}
	sl->v = sv_xrealloc(sl->v, (sl->n + 1) * sizeof *sl->v);
	sl->v[sl->n++] = c;
	return 0;
}

static int sweep_links(struct sweep *w)
{
	struct stale_links sl = { .w = w };
	root_tag(w->s, sl.tag);
	if (nl_link_dump(w->nl, sweep_link, &sl, w->err) < 0) {
		free(sl.v);
		return -1;
	}
	for (size_t i = 0; i < sl.n; i++) {
		const struct stale_link *c = &sl.v[i];
		w->fn(c->bridge ? "bridge" : "veth", c->name, c->bridge ? "network removed" : "container not running",
		      w->arg);
		SV_AUTOERR sv_err *e = NULL;
		if (w->repair && (nl_link_del(w->nl, c->index, &e) < 0 ||
				  (c->bridge && fw_network_del(c->id, c->name, &e) < 0)))
			sv_warn("sweep %s: %s", c->name, e->msg);
	}
	free(sl.v);
	return 0;
}

/* Port rows of containers that do not run: their rules (if any are left)
 * and rows go. Only our rows' rules: the maps are shared by every store on
 * the host, so they are never rewritten whole. (Release deletes the rules
 * before the rows, so a crash never leaves a rule without its row.) */
static int sweep_ports(struct sweep *w)
{
	SV_AUTOFREE struct sv_port_binding *v = NULL;
	size_t n;
	if (sv_port_list(w->s, NULL, &v, &n, w->err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (sv_strv_contains(w->running, v[i].container_id))
			continue;
		char what[64];
		snprintf(what, sizeof what, "%s:%d/%s", v[i].host_ip, v[i].host_port, v[i].proto);
		w->fn("port", what, "container not running", w->arg);
		if (!w->repair)
			continue;
		SV_AUTOERR sv_err *e = NULL;
		if (fw_present() && fw_ports(&v[i], 1, false, &e) < 0)
			sv_warn("sweep port %s: %s", what, e->msg);
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(w->s, "DELETE FROM ports WHERE container_id = ?", w->err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, v[i].container_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sv_store_sql_err(w->s, "delete ports", w->err);
	}
	return 0;
}

static int sweep_names(struct sweep *w, const char *runroot)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(w->s, "SELECT id FROM networks WHERE driver = 'bridge'", w->err);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		SV_AUTOFREE char *p = net_names_path(runroot, id);
		if (w->repair && access(p, F_OK) == 0 && net_names_write(w->s, runroot, id, NULL, NULL, w->err) < 0)
			return -1;
	}
	return 0;
}

int sv_net_sweep(sv_store *s, const char *runroot, char *const *running, bool repair, sv_net_sweep_fn *fn,
		 void *arg, sv_err **err)
{
	struct sweep w = { .s = s, .running = running, .repair = repair, .fn = fn, .arg = arg, .err = err };
	if (nl_open(-1, &w.nl, err) < 0)
		return -1;
	int rc = sweep_links(&w);
	nl_close(w.nl);
	if (rc < 0 || sweep_ports(&w) < 0 || sweep_names(&w, runroot) < 0)
		return -1;
	return 0;
}
