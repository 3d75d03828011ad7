/*
 * Networks and endpoints in the store, and IPAM.
 *
 * A network row keeps its settings as JSON (Subnet, Gateway, IPRange,
 * Internal, Bridge, MTU, Options, Builtin). The built-in networks
 * ("bridge" on servin0, "host", "none") are made on first use; the default
 * bridge takes $SERVIN_BRIDGE_SUBNET when set, else 10.88.0.0/16 unless a
 * host route or another network covers it, then the next free private
 * /16. User networks get the first free /24 from 10.89.0.0 on.
 *
 * Addresses are allocated inside the caller's transaction: the next free
 * one after the network's cursor (so a freed address is reused only after
 * the range went round), never the network, broadcast or gateway address;
 * UNIQUE (network_id, ip) makes a double allocation impossible even
 * between processes.
 */
#include "network-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_OPT "com.docker.network.bridge.name"
#define MTU_OPT "com.docker.network.driver.mtu"

/* ---------------------------------------------------------------- rows */

void sv_network_release(struct sv_network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->driver);
	free(n->bridge);
	cJSON_Delete(n->labels);
	cJSON_Delete(n->options);
	memset(n, 0, sizeof *n);
}

void sv_networks_free(struct sv_network *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sv_network_release(&v[i]);
	free(v);
}

char *net_bridge_name(const char *id, bool is_default)
{
	return is_default ? sv_xstrdup(SV_NET_DEFAULT_BRIDGE) : sv_xasprintf(NET_BRIDGE_PREFIX "%.12s", id);
}

static void from_row(sqlite3_stmt *st, struct sv_network *n)
{
	memset(n, 0, sizeof *n);
	snprintf(n->id, sizeof n->id, "%s", (const char *)sqlite3_column_text(st, 0));
	n->name = sv_xstrdup((const char *)sqlite3_column_text(st, 1));
	n->driver = sv_xstrdup((const char *)sqlite3_column_text(st, 2));
	n->created_ns = sqlite3_column_int64(st, 3);
	const char *cfg = (const char *)sqlite3_column_text(st, 4);
	const char *lab = (const char *)sqlite3_column_text(st, 5);
	cJSON *c = cJSON_Parse(cfg ? cfg : "{}");
	n->labels = cJSON_Parse(lab ? lab : "{}");
	if (!cJSON_IsObject(n->labels)) {
		cJSON_Delete(n->labels);
		n->labels = cJSON_CreateObject();
	}
	const char *s;
	if ((s = sv_json_str(c, "Subnet")))
		(void)sv_ipv4_net_parse(s, false, &n->subnet, NULL);
	if ((s = sv_json_str(c, "Gateway")))
		(void)sv_ipv4_parse(s, &n->gateway);
	if ((s = sv_json_str(c, "IPRange")))
		(void)sv_ipv4_net_parse(s, false, &n->ip_range, NULL);
	if ((s = sv_json_str(c, "Bridge")) && *s)
		n->bridge = sv_xstrdup(s);
	n->internal = sv_json_bool(c, "Internal", false);
	n->builtin = sv_json_bool(c, "Builtin", false);
	n->mtu = (int)sv_json_i64(c, "MTU", NET_DEFAULT_MTU);
	cJSON *o = sv_json_obj(c, "Options");
	n->options = o ? cJSON_Duplicate(o, true) : cJSON_CreateObject();
	cJSON_Delete(c);
}

#define NET_COLS "id, name, driver, created, config, labels"

int net_load(sv_store *s, const char *id, struct sv_network *out, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT " NET_COLS " FROM networks WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		from_row(st, out);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(s, "read network", err);
	return sv_err_setx(err, ENOENT, "network %.12s not found", id);
}

static cJSON *config_json(const struct sv_network *n)
{
	char buf[20];
	cJSON *c = cJSON_CreateObject();
	if (n->subnet.prefix) {
		cJSON_AddStringToObject(c, "Subnet", sv_ipv4_net_fmt(&n->subnet, buf));
		cJSON_AddStringToObject(c, "Gateway", sv_ipv4_fmt(n->gateway, buf));
	}
	if (n->ip_range.prefix)
		cJSON_AddStringToObject(c, "IPRange", sv_ipv4_net_fmt(&n->ip_range, buf));
	if (n->bridge)
		cJSON_AddStringToObject(c, "Bridge", n->bridge);
	cJSON_AddBoolToObject(c, "Internal", n->internal);
	cJSON_AddBoolToObject(c, "Builtin", n->builtin);
	cJSON_AddNumberToObject(c, "MTU", n->mtu);
	cJSON_AddItemToObject(c, "Options", cJSON_Duplicate(n->options, true));
	return c;
}

/* Inserts n inside the caller's transaction. EEXIST for a taken name. */
static int insert_tx(sv_store *s, const struct sv_network *n, sv_err **err)
{
	SV_AUTOJSON cJSON *c = config_json(n);
	SV_AUTOFREE char *ctext = sv_json_print(c);
	SV_AUTOFREE char *ltext = sv_json_print(n->labels);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO networks (id, name, driver, created, config, labels) VALUES (?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->driver, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, n->created_ns);
	sqlite3_bind_text(st, 5, ctext, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ltext, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		return sv_err_setx(err, EEXIST, "network with name %s already exists", n->name);
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(s, "insert network", err);
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", n->name);
	cJSON_AddStringToObject(attrs, "type", n->driver);
	rc = sv_store_event_add(s, "network", "create", n->id, attrs, err);
	cJSON_Delete(attrs);
	return rc;
}

/* ---------------------------------------------------------------- subnets */

struct taken {
	struct sv_ipv4_net *v;
	size_t n;
};

static void taken_add(const struct sv_ipv4_net *net, void *arg)
{
	struct taken *t = arg;
	t->v = sv_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
	t->v[t->n++] = *net;
}

/* Subnets of every network in the store and every route of the netns. */
static int taken_subnets(sv_store *s, struct taken *t, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT json_extract(config, '$.Subnet') FROM networks", err);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sub = (const char *)sqlite3_column_text(st, 0);
		struct sv_ipv4_net n;
		if (sub && sv_ipv4_net_parse(sub, false, &n, NULL) == 0)
			taken_add(&n, t);
	}
	struct nl *nl = NULL;
	if (nl_open(-1, &nl, err) < 0)
		return -1;
	int rc = nl_route_dump(nl, taken_add, t, err);
	nl_close(nl);
	return rc;
}

static bool is_taken(const struct taken *t, const struct sv_ipv4_net *n)
{
	for (size_t i = 0; i < t->n; i++)
		if (sv_ipv4_net_overlaps(&t->v[i], n))
			return true;
	return false;
}

/* The first free subnet of size prefix from start, stepping by its size
 * through the private 10/8 space. */
static int pick_subnet(sv_store *s, uint32_t start, int prefix, struct sv_ipv4_net *out, sv_err **err)
{
	struct taken t = { 0 };
	int rc = taken_subnets(s, &t, err);
	uint32_t step = ~sv_ipv4_mask(prefix) + 1;
	for (uint32_t a = start; rc == 0 && (a >> 24) == 10; a += step) {
		struct sv_ipv4_net n = { a, prefix };
		if (!is_taken(&t, &n)) {
			*out = n;
			free(t.v);
			return 0;
		}
	}
	free(t.v);
	return rc < 0 ? -1 : sv_err_setx(err, ENOSPC, "no free subnet left in 10.0.0.0/8 for a new network");
}

/* EINVAL when n overlaps the subnet of a network other than skip_name. */
static int check_overlap(sv_store *s, const struct sv_ipv4_net *n, const char *skip_name, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(s, "SELECT name, json_extract(config, '$.Subnet') FROM networks WHERE name IS NOT ?", err);
	if (!st)
		return -1;
	if (skip_name)
		sqlite3_bind_text(st, 1, skip_name, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sub = (const char *)sqlite3_column_text(st, 1);
		struct sv_ipv4_net o;
		char buf[20];
		if (sub && sv_ipv4_net_parse(sub, false, &o, NULL) == 0 && sv_ipv4_net_overlaps(&o, n))
			return sv_err_setx(err, EINVAL, "invalid pool request: Pool overlaps with other one on this address space (%s, network %s)",
					   sv_ipv4_net_fmt(&o, buf), (const char *)sqlite3_column_text(st, 0));
	}
	return 0;
}

/* ---------------------------------------------------------------- built-ins */

/* The default bridge's addressing from $SERVIN_BRIDGE_SUBNET: a subnet
 * ("10.99.0.0/16", the gateway is its first address) or, like Docker's
 * "bip", the bridge's own address with the prefix ("10.99.0.1/16").
 * 1 when set, 0 when not, EINVAL when malformed. */
static int bridge_configured(struct sv_ipv4_net *net, uint32_t *gw, sv_err **err)
{
	const char *v = getenv(SV_NET_BRIDGE_SUBNET_ENV);
	if (!v || !*v)
		return 0;
	struct sv_ipv4_net n;
	if (sv_ipv4_net_parse(v, true, &n, err) < 0)
		return sv_err_prefix(err, SV_NET_BRIDGE_SUBNET_ENV);
	uint32_t mask = sv_ipv4_mask(n.prefix), base = n.addr & mask, bc = base | ~mask;
	if (n.prefix < 8 || n.prefix > 30 || n.addr == bc)
		return sv_err_setx(err, EINVAL, "%s=%s: a subnet between /8 and /30 (or the bridge's address in one) wanted",
				   SV_NET_BRIDGE_SUBNET_ENV, v);
	net->addr = base;
	net->prefix = n.prefix;
	*gw = n.addr == base ? base + 1 : n.addr;
	return 1;
}

static int bridge_overlap(sv_store *s, const struct sv_ipv4_net *want, sv_err **err)
{
	if (check_overlap(s, want, "bridge", err) == 0)
		return 0;
	return sv_err_prefix(err, "%s=%s", SV_NET_BRIDGE_SUBNET_ENV, getenv(SV_NET_BRIDGE_SUBNET_ENV));
}

static int builtin_new(sv_store *s, const char *name, const char *driver, struct sv_network *n, sv_err **err)
{
	memset(n, 0, sizeof *n);
	sv_random_hex(n->id, SV_NET_ID_LEN);
	n->name = sv_xstrdup(name);
	n->driver = sv_xstrdup(driver);
	n->builtin = true;
	n->mtu = NET_DEFAULT_MTU;
	n->created_ns = sv_time_now_ns();
	n->labels = cJSON_CreateObject();
	n->options = cJSON_CreateObject();
	if (strcmp(driver, "bridge") != 0)
		return 0;
	n->bridge = sv_xstrdup(SV_NET_DEFAULT_BRIDGE);
	cJSON_AddStringToObject(n->options, BRIDGE_OPT, SV_NET_DEFAULT_BRIDGE);
	int set = bridge_configured(&n->subnet, &n->gateway, err);
	if (set < 0 || (set > 0 && bridge_overlap(s, &n->subnet, err) < 0))
		return -1;
	if (set > 0)
		return 0;
	if (pick_subnet(s, 0x0a580000u /* 10.88.0.0 */, 16, &n->subnet, err) < 0)
		return -1;
	n->gateway = n->subnet.addr + 1;
	return 0;
}

static int bridge_attached(sv_store *s, const char *network_id, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT count(*) FROM endpoints WHERE network_id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : sv_store_sql_err(s, "count endpoints", err);
}

static void bridge_kept(const struct sv_network *b, const struct sv_ipv4_net *want, int attached)
{
	char a[20], w[20];
	sv_warn("default bridge keeps %s: %d container(s) attached to it; %s=%s applies once they are removed",
		sv_ipv4_net_fmt(&b->subnet, a), attached, SV_NET_BRIDGE_SUBNET_ENV, sv_ipv4_net_fmt(want, w));
}

/* Writes the new addressing into the row, under the write lock and only
 * while nothing is attached. 0 done, 1 kept, -1 error. */
static int bridge_readdress(sv_store *s, struct sv_network *b, const struct sv_ipv4_net *want, uint32_t gw,
			    sv_err **err)
{
	if (sv_store_begin(s, err) < 0)
		return -1;
	int n = bridge_attached(s, b->id, err);
	if (n == 0 && bridge_overlap(s, want, err) < 0)
		n = -1;
	if (n != 0) {
		sv_store_rollback(s);
		return n < 0 ? -1 : 1;
	}
	b->subnet = *want;
	b->gateway = gw;
	SV_AUTOJSON cJSON *c = config_json(b);
	SV_AUTOFREE char *ctext = sv_json_print(c);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "UPDATE networks SET config = ?, next_ip = 0 WHERE id = ?", err);
	int rc = st ? 0 : -1;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, ctext, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? sv_store_commit(s, err) : sv_store_sql_err(s, "update network", err);
	}
	if (rc < 0)
		sv_store_rollback(s);
	return rc < 0 ? -1 : 0;
}

/* A changed $SERVIN_BRIDGE_SUBNET re-addresses the default bridge while
 * no container is attached to it (Docker applies a new "bip" when it
 * restarts): the row first, then the old bridge and chains go, and the
 * next start makes them anew. */
static int bridge_reconfigure(sv_store *s, sv_err **err)
{
	struct sv_ipv4_net want;
	uint32_t gw;
	int set = bridge_configured(&want, &gw, err);
	if (set <= 0)
		return set;
	struct sv_network b;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT " NET_COLS " FROM networks WHERE name = 'bridge'", err);
	if (!st)
		return -1;
	/* Inside a caller's transaction (an attach) nothing changes: the
	 * calls before it did. */
	if (!sqlite3_get_autocommit(sqlite3_db_handle(st)) || sqlite3_step(st) != SQLITE_ROW)
		return 0;
	from_row(st, &b);
	sqlite3_reset(st);
	int rc = 1; /* 0: re-addressed, 1: kept, -1: error */
	if (b.subnet.addr != want.addr || b.subnet.prefix != want.prefix || b.gateway != gw) {
		/* Counted first without the write lock: a kept bridge costs
		 * every later call one read, not a BEGIN IMMEDIATE. */
		int n = bridge_attached(s, b.id, err);
		rc = n == 0 ? bridge_readdress(s, &b, &want, gw, err) : n < 0 ? -1 : 1;
		if (n > 0)
			bridge_kept(&b, &want, n);
	}
	SV_AUTOERR sv_err *e2 = NULL;
	if (rc == 0 && net_bridge_del(s, &b, &e2) < 0)
		sv_warn("default bridge re-addressed, but: %s", e2->msg);
	sv_network_release(&b);
	return rc < 0 ? -1 : 0;
}

static int ensure_builtins(sv_store *s, sv_err **err)
{
	static const char *const names[][2] = { { "bridge", "bridge" }, { "host", "host" }, { "none", "null" } };
	SV_AUTOSTMT sqlite3_stmt *q = sv_store_prepare(s, "SELECT count(*) FROM networks WHERE name IN ('bridge', 'host', 'none')", err);
	if (!q)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 3) {
		sqlite3_reset(q);
		return bridge_reconfigure(s, err);
	}
	/* A statement left mid-row holds a read snapshot: BEGIN IMMEDIATE
	 * would then fail at once with "database is locked". */
	sqlite3_reset(q);
	if (sv_store_begin(s, err) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT 1 FROM networks WHERE name = ?", err);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, names[i][0], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			continue;
		struct sv_network n;
		int rc = builtin_new(s, names[i][0], names[i][1], &n, err);
		if (rc == 0)
			rc = insert_tx(s, &n, err);
		sv_network_release(&n);
		if (rc < 0)
			goto fail;
	}
	return sv_store_commit(s, err);
fail:
	sv_store_rollback(s);
	return -1;
}

/* ---------------------------------------------------------------- create */

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int kv_into(cJSON *obj, char *const *kv, const char *what, sv_err **err)
{
	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		if (eq == kv[i])
			return sv_err_setx(err, EINVAL, "invalid %s: %s", what, kv[i]);
		SV_AUTOFREE char *k = eq ? sv_xstrndup(kv[i], (size_t)(eq - kv[i])) : sv_xstrdup(kv[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(obj, k);
		cJSON_AddStringToObject(obj, k, eq ? eq + 1 : "");
	}
	return 0;
}

static bool name_valid(const char *n)
{
	if (!n || !*n || strlen(n) > 128)
		return false;
	for (const char *p = n; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (p != n && (c == '_' || c == '.' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

/* Subnet, gateway and range from the options (or picked). */
static int addressing(sv_store *s, const struct sv_network_create_opts *o, struct sv_network *n, sv_err **err)
{
	if (o->subnet) {
		if (sv_ipv4_net_parse(o->subnet, false, &n->subnet, err) < 0)
			return -1;
		if (n->subnet.prefix > 30 || n->subnet.prefix < 8)
			return sv_err_setx(err, EINVAL, "subnet %s: the prefix must be between /8 and /30", o->subnet);
		if (check_overlap(s, &n->subnet, NULL, err) < 0)
			return -1;
	} else {
		if (o->gateway || o->ip_range)
			return sv_err_setx(err, EINVAL, "--gateway and --ip-range need a --subnet");
		if (pick_subnet(s, 0x0a590000u /* 10.89.0.0 */, 24, &n->subnet, err) < 0)
			return -1;
	}
	uint32_t net = n->subnet.addr, bc = net | ~sv_ipv4_mask(n->subnet.prefix);
	n->gateway = net + 1;
	if (o->gateway && (!sv_ipv4_parse(o->gateway, &n->gateway) || n->gateway <= net || n->gateway >= bc))
		return sv_err_setx(err, EINVAL, "invalid gateway %s for subnet %s", o->gateway, o->subnet);
	if (o->ip_range) {
		if (sv_ipv4_net_parse(o->ip_range, false, &n->ip_range, err) < 0)
			return -1;
		if (n->ip_range.prefix < n->subnet.prefix || !sv_ipv4_net_contains(&n->subnet, n->ip_range.addr))
			return sv_err_setx(err, EINVAL, "ip range %s is not inside subnet %s", o->ip_range, o->subnet);
	}
	return 0;
}

static int create_fill(sv_store *s, const struct sv_network_create_opts *o, struct sv_network *n, sv_err **err)
{
	const char *drv = o->driver && *o->driver ? o->driver : "bridge";
	if (strcmp(drv, "bridge") != 0)
		return sv_err_setx(err, EINVAL, "plugin \"%s\" not found: servin has the bridge driver only", drv);
	if (!name_valid(o->name))
		return sv_err_setx(err, EINVAL, "invalid network name \"%s\": [a-zA-Z0-9][a-zA-Z0-9_.-]* wanted",
				   o->name ? o->name : "");
	n->name = sv_xstrdup(o->name);
	n->driver = sv_xstrdup(drv);
	n->internal = o->internal;
	n->created_ns = sv_time_now_ns();
	n->labels = cJSON_CreateObject();
	n->options = cJSON_CreateObject();
	sv_random_hex(n->id, SV_NET_ID_LEN);
	if (kv_into(n->labels, o->labels, "label", err) < 0 || kv_into(n->options, o->options, "option", err) < 0)
		return -1;
	int64_t mtu = o->mtu ? o->mtu : NET_DEFAULT_MTU;
	const char *m = sv_json_str(n->options, MTU_OPT);
	if (m && !sv_str_to_i64(m, 68, 65535, &mtu))
		return sv_err_setx(err, EINVAL, "invalid MTU %s", m);
	if (mtu < 68 || mtu > 65535)
		return sv_err_setx(err, EINVAL, "invalid MTU %lld (68..65535)", (long long)mtu);
	n->mtu = (int)mtu;
	const char *br = sv_json_str(n->options, BRIDGE_OPT);
	if (br && !ifname_valid(br))
		return sv_err_setx(err, EINVAL, "invalid bridge name \"%s\"", br);
	n->bridge = br ? sv_xstrdup(br) : net_bridge_name(n->id, false);
	return addressing(s, o, n, err);
}

static int bridge_taken(sv_store *s, const char *bridge, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT name FROM networks WHERE json_extract(config, '$.Bridge') = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, bridge, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		return sv_err_setx(err, EEXIST, "bridge name %s is already used by network %s", bridge,
				   (const char *)sqlite3_column_text(st, 0));
	return 0;
}

static int name_taken(sv_store *s, const char *name, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT 1 FROM networks WHERE name = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		return sv_err_setx(err, EEXIST, "network with name %s already exists", name);
	return 0;
}

int sv_network_create(sv_store *s, const struct sv_network_create_opts *o, struct sv_network *out, sv_err **err)
{
	struct sv_network n;
	memset(&n, 0, sizeof n);
	if (ensure_builtins(s, err) < 0)
		return -1;
	/* Subnet choice and insert in one transaction: two creates at once
	 * never take the same subnet. */
	if (sv_store_begin(s, err) < 0)
		return -1;
	if (name_taken(s, o->name, err) < 0 || create_fill(s, o, &n, err) < 0 || bridge_taken(s, n.bridge, err) < 0 || insert_tx(s, &n, err) < 0 ||
	    sv_store_commit(s, err) < 0) {
		sv_store_rollback(s);
		sv_network_release(&n);
		return -1;
	}
	if (out)
		*out = n;
	else
		sv_network_release(&n);
	return 0;
}

/* ---------------------------------------------------------------- lookup */

int sv_network_get(sv_store *s, const char *name, struct sv_network *out, sv_err **err)
{
	if (ensure_builtins(s, err) < 0)
		return -1;
	if (!name || !*name)
		return sv_err_setx(err, ENOENT, "network name is empty");
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT " NET_COLS ", (id = ?1) + 2 * (name = ?1) FROM networks WHERE id = ?1 OR name = ?1"
		" OR (length(?1) >= 1 AND substr(id, 1, length(?1)) = ?1) ORDER BY 7 DESC",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return sv_err_setx(err, ENOENT, "network %s not found", name);
	int exact = sqlite3_column_int(st, 6);
	from_row(st, out);
	if (!exact && sqlite3_step(st) == SQLITE_ROW) {
		sv_network_release(out);
		return sv_err_setx(err, ENOENT, "network %s is ambiguous (several networks match)", name);
	}
	return 0;
}

int sv_network_list(sv_store *s, struct sv_network **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	if (ensure_builtins(s, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT " NET_COLS " FROM networks ORDER BY name", err);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		from_row(st, &(*out)[(*n)++]);
	}
	if (rc != SQLITE_DONE) {
		sv_networks_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sv_store_sql_err(s, "list networks", err);
	}
	return 0;
}

/* ---------------------------------------------------------------- endpoints */

void sv_endpoint_release(struct sv_endpoint *ep)
{
	if (!ep)
		return;
	sv_strv_free(ep->aliases);
	memset(ep, 0, sizeof *ep);
}

void sv_endpoints_free(struct sv_endpoint *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sv_endpoint_release(&v[i]);
	free(v);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int used_ips(sv_store *s, const char *network_id, uint32_t **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT ip FROM endpoints WHERE network_id = ? ORDER BY ip", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	return 0;
}

static int64_t cursor_of(sv_store *s, const char *network_id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT next_ip FROM networks WHERE id = ?", NULL);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

/* The next free address of the range from the network's cursor on. */
static int allocate(sv_store *s, const struct sv_network *net, uint32_t *ip, sv_err **err)
{
	const struct sv_ipv4_net *r = net->ip_range.prefix ? &net->ip_range : &net->subnet;
	uint32_t lo = r->addr & sv_ipv4_mask(r->prefix), hi = lo | ~sv_ipv4_mask(r->prefix);
	uint32_t snet = net->subnet.addr, sbc = snet | ~sv_ipv4_mask(net->subnet.prefix);
	SV_AUTOFREE uint32_t *used = NULL;
	size_t nused;
	if (used_ips(s, net->id, &used, &nused, err) < 0)
		return -1;
	uint64_t size = (uint64_t)hi - lo + 1;
	uint32_t start = (uint32_t)cursor_of(s, net->id);
	if (start < lo || start > hi)
		start = lo;
	for (uint64_t i = 0; i < size; i++) {
		uint32_t a = (uint32_t)(lo + (start - lo + i) % size);
		if (a == snet || a == sbc || a == net->gateway)
			continue;
		if (nused && bsearch(&a, used, nused, sizeof *used, cmp_u32))
			continue;
		*ip = a;
		return 0;
	}
	char buf[20];
	return sv_err_setx(err, ENOSPC, "no available IPv4 addresses on network %s (%s)", net->name,
			   sv_ipv4_net_fmt(r, buf));
}

static int check_static(const struct sv_network *net, uint32_t ip, sv_err **err)
{
	char a[16];
	uint32_t sbc = net->subnet.addr | ~sv_ipv4_mask(net->subnet.prefix);
	if (!net->subnet.prefix)
		return sv_err_setx(err, EINVAL, "network %s has no subnet for --ip", net->name);
	if (!sv_ipv4_net_contains(&net->subnet, ip) || ip == net->subnet.addr || ip == sbc)
		return sv_err_setx(err, EINVAL, "invalid address %s: it does not belong to any of this network's subnets",
				   sv_ipv4_fmt(ip, a));
	if (ip == net->gateway)
		return sv_err_setx(err, EEXIST, "address %s is the gateway of network %s", sv_ipv4_fmt(ip, a), net->name);
	return 0;
}

int sv_endpoint_add_tx(sv_store *s, const struct sv_network *net, const char *container_id, uint32_t ip,
		       char *const *aliases, struct sv_endpoint *out, sv_err **err)
{
	if (!net->bridge)
		return sv_err_setx(err, EINVAL, "network %s has no addresses to give (driver %s)", net->name, net->driver);
	bool is_static = ip != 0;
	SV_AUTOSTMT sqlite3_stmt *q = sv_store_prepare(s, "SELECT 1 FROM endpoints WHERE network_id = ? AND container_id = ?", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, net->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, container_id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		return sv_err_setx(err, EEXIST, "endpoint with name %.12s already exists in network %s", container_id,
				   net->name);
	if (is_static ? check_static(net, ip, err) < 0 : allocate(s, net, &ip, err) < 0)
		return -1;
	SV_AUTOJSON cJSON *al = cJSON_CreateArray();
	for (size_t i = 0; aliases && aliases[i]; i++)
		cJSON_AddItemToArray(al, cJSON_CreateString(aliases[i]));
	SV_AUTOFREE char *atext = sv_json_print(al);
	int64_t now = sv_time_now_ns();
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO endpoints (network_id, container_id, ip, static, aliases, created) VALUES (?, ?, ?, ?, ?, ?)",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, net->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ip);
	sqlite3_bind_int(st, 4, is_static);
	sqlite3_bind_text(st, 5, atext, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	int rc = sqlite3_step(st);
	char a[16];
	if (rc == SQLITE_CONSTRAINT)
		return sv_err_setx(err, EEXIST, "Address already in use: %s on network %s", sv_ipv4_fmt(ip, a), net->name);
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(s, "insert endpoint", err);
	SV_AUTOSTMT sqlite3_stmt *cur = sv_store_prepare(s, "UPDATE networks SET next_ip = ? WHERE id = ?", err);
	if (!cur)
		return -1;
	sqlite3_bind_int64(cur, 1, is_static ? cursor_of(s, net->id) : (int64_t)ip + 1);
	sqlite3_bind_text(cur, 2, net->id, -1, SQLITE_STATIC);
	if (sqlite3_step(cur) != SQLITE_DONE)
		return sv_store_sql_err(s, "update network cursor", err);
	if (out) {
		memset(out, 0, sizeof *out);
		snprintf(out->network_id, sizeof out->network_id, "%s", net->id);
		snprintf(out->container_id, sizeof out->container_id, "%s", container_id);
		out->ip = ip;
		net_mac_for(ip, out->mac);
		out->static_ip = is_static;
		out->aliases = sv_strv_dup(aliases);
		if (!out->aliases)
			out->aliases = sv_xcalloc(1, sizeof(char *));
		out->created_ns = now;
	}
	return 0;
}

int sv_endpoint_remove_tx(sv_store *s, const char *network_id, const char *container_id, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(s, "DELETE FROM endpoints WHERE network_id = ? AND container_id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, container_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(s, "delete endpoint", err);
	if (sqlite3_changes(sqlite3_db_handle(st)) == 0)
		return sv_err_setx(err, ENOENT, "container %.12s is not connected to the network", container_id);
	return 0;
}

int sv_endpoint_list(sv_store *s, const char *network_id, const char *container_id, struct sv_endpoint **out,
		     size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT network_id, container_id, ip, static, aliases, created FROM endpoints"
		" WHERE (?1 IS NULL OR network_id = ?1) AND (?2 IS NULL OR container_id = ?2)"
		" ORDER BY created, rowid",
		err);
	if (!st)
		return -1;
	if (network_id)
		sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	if (container_id)
		sqlite3_bind_text(st, 2, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		struct sv_endpoint *ep = &(*out)[(*n)++];
		memset(ep, 0, sizeof *ep);
		snprintf(ep->network_id, sizeof ep->network_id, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(ep->container_id, sizeof ep->container_id, "%s", (const char *)sqlite3_column_text(st, 1));
		ep->ip = (uint32_t)sqlite3_column_int64(st, 2);
		net_mac_for(ep->ip, ep->mac);
		ep->static_ip = sqlite3_column_int(st, 3) != 0;
		const char *al = (const char *)sqlite3_column_text(st, 4);
		SV_AUTOJSON cJSON *a = cJSON_Parse(al ? al : "[]");
		if (sv_json_strv(a, &ep->aliases, NULL) < 0 || !ep->aliases)
			ep->aliases = sv_xcalloc(1, sizeof(char *));
		ep->created_ns = sqlite3_column_int64(st, 5);
	}
	return 0;
}
