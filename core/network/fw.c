/*
 * The firewall: one nftables table, `ip servin`, through libnftables.
 *
 * Why nftables and libnftables: the kernel's current packet filter, one
 * atomic transaction per change, our own table so nothing of the host's
 * rules (nor of Docker's or Podman's iptables chains) is ever touched,
 * and maps so a container start or stop only adds or deletes elements —
 * no rule is ever appended or searched for by handle. libnftables takes
 * the same text as `nft` (readable, testable with `nft list`), without
 * running a program.
 *
 *   set bridges              every servin bridge
 *   map fwd_in/fwd_out/post/hostin  bridge name → jump to its network's chains
 *   maps pub_{tcp,udp}[_ip]  published ports: [host ip .] port → ctr ip . port
 *   chain publish            DNAT by those maps; reached from prerouting
 *                            (other hosts, containers) and output (the
 *                            host itself) for local destinations only
 *   chain guard              route_localnet's fence: nothing arriving on a
 *                            servin bridge may address 127.0.0.0/8
 *
 * Per network N (chains named by the first 12 hex of its id):
 *   in-N    from N's bridge: to N accept; internal → drop; to another
 *           servin bridge → drop (isolation)
 *   out-N   to N's bridge: from N accept; internal → drop; replies and
 *           published (DNAT'ed) connections accept; anything else drop
 *   post-N  leaving from N: hairpin (DNAT'ed back into N) masquerade;
 *           non-internal: out of N masquerade
 *   hin-N   (internal only) N → the host itself: drop
 */
#include "network-internal.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t fw_mu = PTHREAD_MUTEX_INITIALIZER;

static const char base_rules[] =
	"add table ip servin\n"
	"add set ip servin bridges { type ifname; }\n"
	"add map ip servin fwd_in { type ifname : verdict; }\n"
	"add map ip servin fwd_out { type ifname : verdict; }\n"
	"add map ip servin post { type ifname : verdict; }\n"
	"add map ip servin hostin { type ifname : verdict; }\n"
	"add map ip servin pub_tcp { type inet_service : ipv4_addr . inet_service; }\n"
	"add map ip servin pub_udp { type inet_service : ipv4_addr . inet_service; }\n"
	"add map ip servin pub_tcp_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
	"add map ip servin pub_udp_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n"
	"add chain ip servin publish\n"
	"add chain ip servin prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
	"add chain ip servin output { type nat hook output priority -100; policy accept; }\n"
	"add chain ip servin postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
	"add chain ip servin forward { type filter hook forward priority filter; policy accept; }\n"
	"add chain ip servin input { type filter hook input priority filter; policy accept; }\n"
	"add chain ip servin guard { type filter hook prerouting priority raw; policy accept; }\n"
	"flush chain ip servin publish\n"
	"flush chain ip servin prerouting\n"
	"flush chain ip servin output\n"
	"flush chain ip servin postrouting\n"
	"flush chain ip servin forward\n"
	"flush chain ip servin input\n"
	"flush chain ip servin guard\n"
	"add rule ip servin publish meta l4proto tcp dnat ip to ip daddr . tcp dport map @pub_tcp_ip\n"
	"add rule ip servin publish meta l4proto udp dnat ip to ip daddr . udp dport map @pub_udp_ip\n"
	"add rule ip servin publish meta l4proto tcp dnat ip to tcp dport map @pub_tcp\n"
	"add rule ip servin publish meta l4proto udp dnat ip to udp dport map @pub_udp\n"
	"add rule ip servin prerouting fib daddr type local jump publish\n"
	"add rule ip servin output fib daddr type local jump publish\n"
	"add rule ip servin postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
	"add rule ip servin postrouting iifname vmap @post\n"
	"add rule ip servin forward iifname vmap @fwd_in\n"
	"add rule ip servin forward oifname vmap @fwd_out\n"
	"add rule ip servin input iifname vmap @hostin\n"
	"add rule ip servin guard iifname @bridges ip daddr 127.0.0.0/8 drop\n";

/* Runs cmds in one transaction; the error names nft's complaint. */
static int run_locked(struct nft_ctx *ctx, const char *cmds, sv_err **err)
{
	if (nft_run_cmd_from_buffer(ctx, cmds) == 0)
		return 0;
	const char *e = nft_ctx_get_error_buffer(ctx);
	/* nft's message: "Error: Could not process rule: No such file or
	 * directory\n<the command>\n<carets>". Keep the first line. */
	const char *nl = e ? strchr(e, '\n') : NULL;
	int len = e ? (nl ? (int)(nl - e) : (int)strlen(e)) : 0;
	int code = e && strstr(e, "No such file or directory") ? ENOENT
		   : e && strstr(e, "File exists")		 ? EEXIST
		   : e && strstr(e, "Operation not permitted")	 ? EPERM
								 : EIO;
	return sv_err_setx(err, code, "nftables: %.*s", len, e ? e : "failed");
}

static struct nft_ctx *ctx_new(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return NULL;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	return ctx;
}

int fw_run(const char *cmds, sv_err **err)
{
	pthread_mutex_lock(&fw_mu);
	struct nft_ctx *ctx = ctx_new();
	int rc = ctx ? run_locked(ctx, cmds, err) : sv_err_setx(err, ENOMEM, "nftables: no context");
	if (ctx)
		nft_ctx_free(ctx);
	pthread_mutex_unlock(&fw_mu);
	return rc;
}

/* Runs each line on its own, a missing object being fine (deletions). */
static int run_each_tolerant(const char *cmds, sv_err **err)
{
	SV_AUTOSTRV char **lines = sv_strv_split(cmds, '\n', true);
	pthread_mutex_lock(&fw_mu);
	struct nft_ctx *ctx = ctx_new();
	int rc = ctx ? 0 : sv_err_setx(err, ENOMEM, "nftables: no context");
	for (size_t i = 0; ctx && lines[i] && rc == 0; i++) {
		SV_AUTOERR sv_err *e = NULL;
		if (run_locked(ctx, lines[i], &e) < 0 && e->code != ENOENT) {
			*err = sv_steal_ptr(&e);
			rc = -1;
		}
	}
	if (ctx)
		nft_ctx_free(ctx);
	pthread_mutex_unlock(&fw_mu);
	return rc;
}

bool fw_present(void)
{
	pthread_mutex_lock(&fw_mu);
	struct nft_ctx *ctx = ctx_new();
	bool ok = ctx && nft_run_cmd_from_buffer(ctx, "list set ip servin bridges") == 0;
	if (ctx)
		nft_ctx_free(ctx);
	pthread_mutex_unlock(&fw_mu);
	return ok;
}

int fw_ensure(sv_err **err)
{
	return fw_run(base_rules, err);
}

static void chain_rules(struct sv_buf *b, const struct sv_network *n, const char *id12)
{
	char sub[20];
	const char *br = n->bridge;
	static const char *const chains[] = { "in", "out", "post", "hin" };
	for (size_t i = 0; i < 4; i++)
		sv_buf_addf(b, "add chain ip servin %s-%s\nflush chain ip servin %s-%s\n", chains[i], id12, chains[i],
			    id12);
	sv_buf_addf(b, "add rule ip servin in-%s oifname \"%s\" accept\n", id12, br);
	sv_buf_addf(b, "add rule ip servin in-%s %s drop\n", id12, n->internal ? "" : "oifname @bridges");
	sv_buf_addf(b, "add rule ip servin out-%s iifname \"%s\" accept\n", id12, br);
	if (!n->internal)
		sv_buf_addf(b,
			    "add rule ip servin out-%s ct state established,related accept\n"
			    "add rule ip servin out-%s ct status dnat accept\n",
			    id12, id12);
	sv_buf_addf(b, "add rule ip servin out-%s drop\n", id12);
	sv_buf_addf(b, "add rule ip servin post-%s oifname \"%s\" ct status dnat masquerade\n", id12, br);
	if (!n->internal)
		sv_buf_addf(b, "add rule ip servin post-%s ip saddr %s oifname != \"%s\" masquerade\n", id12,
			    sv_ipv4_net_fmt(&n->subnet, sub), br);
	sv_buf_addf(b, "add rule ip servin hin-%s drop\n", id12);
}

int fw_network_add(const struct sv_network *n, sv_err **err)
{
	char id12[13];
	snprintf(id12, sizeof id12, "%.12s", n->id);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, base_rules);
	chain_rules(&b, n, id12);
	sv_buf_addf(&b, "add element ip servin bridges { \"%s\" }\n", n->bridge);
	sv_buf_addf(&b, "add element ip servin fwd_in { \"%s\" : jump in-%s }\n", n->bridge, id12);
	sv_buf_addf(&b, "add element ip servin fwd_out { \"%s\" : jump out-%s }\n", n->bridge, id12);
	sv_buf_addf(&b, "add element ip servin post { \"%s\" : jump post-%s }\n", n->bridge, id12);
	if (n->internal)
		sv_buf_addf(&b, "add element ip servin hostin { \"%s\" : jump hin-%s }\n", n->bridge, id12);
	if (fw_run(b.data, err) < 0)
		return sv_err_prefix(err, "firewall rules of network %s", n->name);
	return 0;
}

int fw_network_del(const char *network_id, const char *bridge, sv_err **err)
{
	char id12[13];
	snprintf(id12, sizeof id12, "%.12s", network_id);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	static const char *const maps[] = { "fwd_in", "fwd_out", "post", "hostin" };
	for (size_t i = 0; i < 4; i++)
		sv_buf_addf(&b, "delete element ip servin %s { \"%s\" }\n", maps[i], bridge);
	sv_buf_addf(&b, "delete element ip servin bridges { \"%s\" }\n", bridge);
	static const char *const chains[] = { "in", "out", "post", "hin" };
	for (size_t i = 0; i < 4; i++)
		sv_buf_addf(&b, "delete chain ip servin %s-%s\n", chains[i], id12);
	return run_each_tolerant(b.data, err);
}

/* "[ip . ]port" key and "ip . port" value of a binding. */
static void port_element(struct sv_buf *b, const char *verb, const struct sv_port_binding *p, bool with_value)
{
	bool any = !p->host_ip[0] || strcmp(p->host_ip, "0.0.0.0") == 0;
	sv_buf_addf(b, "%s element ip servin pub_%s%s { ", verb, p->proto, any ? "" : "_ip");
	if (!any)
		sv_buf_addf(b, "%s . ", p->host_ip);
	sv_buf_addf(b, "%d", p->host_port);
	if (with_value) {
		char a[16];
		sv_buf_addf(b, " : %s . %d", sv_ipv4_fmt(p->ctr_ip, a), p->ctr_port);
	}
	sv_buf_adds(b, " }\n");
}

int fw_ports(const struct sv_port_binding *v, size_t n, bool add, sv_err **err)
{
	if (!n)
		return 0;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	for (size_t i = 0; i < n; i++)
		port_element(&b, add ? "add" : "delete", &v[i], add);
	if (add) {
		/* A stale element (a crash) for the same key is replaced: the
		 * store, checked by the caller, says the key is ours now. */
		SV_AUTOBUF struct sv_buf del;
		sv_buf_init(&del);
		for (size_t i = 0; i < n; i++)
			port_element(&del, "delete", &v[i], false);
		SV_AUTOERR sv_err *e = NULL;
		if (fw_run(b.data, &e) == 0)
			return 0;
		if (e->code != EEXIST)
			return *err = sv_steal_ptr(&e), -1;
		if (run_each_tolerant(del.data, err) < 0)
			return -1;
		return fw_run(b.data, err);
	}
	return run_each_tolerant(b.data, err);
}

