/*
 * The networks and volumes facade: Docker's JSON shapes over core/network
 * and core/volume, connect/disconnect of created and running containers,
 * -p and --mount parsing for the surfaces, and the network sweep.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers-internal.h"
#include "network/network.h"
#include "volume/volume.h"

static void add_time(cJSON *o, const char *key, int64_t ns)
{
	char buf[64];
	cJSON_AddStringToObject(o, key, sv_time_rfc3339(ns, buf, sizeof buf));
}

/* ---------------------------------------------------------------- networks */

static cJSON *containers_of(sv_engine *e, const struct sv_network *n)
{
	cJSON *c = cJSON_CreateObject();
	struct sv_endpoint *eps;
	size_t k;
	if (sv_endpoint_list(e->store, n->id, NULL, &eps, &k, NULL) < 0)
		return c;
	for (size_t i = 0; i < k; i++) {
		struct ctr_row r;
		if (ctr_load(e, eps[i].container_id, &r, NULL) < 0)
			continue;
		if (r.state == SV_CTR_RUNNING || r.state == SV_CTR_PAUSED) {
			char a[20], b[16], mac[18];
			cJSON *o = cJSON_AddObjectToObject(c, r.id);
			cJSON_AddStringToObject(o, "Name", r.name);
			cJSON_AddStringToObject(o, "EndpointID", r.id);
			snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", eps[i].mac[0], eps[i].mac[1],
				 eps[i].mac[2], eps[i].mac[3], eps[i].mac[4], eps[i].mac[5]);
			cJSON_AddStringToObject(o, "MacAddress", mac);
			snprintf(a, sizeof a, "%s/%d", sv_ipv4_fmt(eps[i].ip, b), n->subnet.prefix);
			cJSON_AddStringToObject(o, "IPv4Address", a);
			cJSON_AddStringToObject(o, "IPv6Address", "");
		}
		ctr_row_release(&r);
	}
	sv_endpoints_free(eps, k);
	return c;
}

static cJSON *network_json(sv_engine *e, const struct sv_network *n, bool with_containers)
{
	cJSON *o = cJSON_CreateObject();
	char buf[20];
	cJSON_AddStringToObject(o, "Name", n->name);
	cJSON_AddStringToObject(o, "Id", n->id);
	add_time(o, "Created", n->created_ns);
	cJSON_AddStringToObject(o, "Scope", "local");
	cJSON_AddStringToObject(o, "Driver", n->driver);
	cJSON_AddBoolToObject(o, "EnableIPv6", false);
	cJSON *ipam = cJSON_AddObjectToObject(o, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON_AddNullToObject(ipam, "Options");
	cJSON *cfgs = cJSON_AddArrayToObject(ipam, "Config");
	if (n->subnet.prefix) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "Subnet", sv_ipv4_net_fmt(&n->subnet, buf));
		if (n->ip_range.prefix)
			cJSON_AddStringToObject(c, "IPRange", sv_ipv4_net_fmt(&n->ip_range, buf));
		cJSON_AddStringToObject(c, "Gateway", sv_ipv4_fmt(n->gateway, buf));
		cJSON_AddItemToArray(cfgs, c);
	}
	cJSON_AddBoolToObject(o, "Internal", n->internal);
	cJSON_AddBoolToObject(o, "Attachable", false);
	cJSON_AddBoolToObject(o, "Ingress", false);
	cJSON *cf = cJSON_AddObjectToObject(o, "ConfigFrom");
	cJSON_AddStringToObject(cf, "Network", "");
	cJSON_AddBoolToObject(o, "ConfigOnly", false);
	cJSON_AddItemToObject(o, "Containers", with_containers ? containers_of(e, n) : cJSON_CreateObject());
	cJSON *opts = cJSON_Duplicate(n->options, true);
	if (n->bridge && !sv_json_str(opts, "com.docker.network.bridge.name"))
		cJSON_AddStringToObject(opts, "com.docker.network.bridge.name", n->bridge);
	if (n->bridge && !sv_json_str(opts, "com.docker.network.driver.mtu")) {
		snprintf(buf, sizeof buf, "%d", n->mtu);
		cJSON_AddStringToObject(opts, "com.docker.network.driver.mtu", buf);
	}
	cJSON_AddItemToObject(o, "Options", opts);
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(n->labels, true));
	return o;
}

int sv_engine_network_create(sv_engine *e, const struct sv_network_create_opts *o, char id[65], sv_err **err)
{
	struct sv_network n;
	if (sv_network_create(e->store, o, &n, err) < 0)
		return -1;
	if (id)
		snprintf(id, 65, "%s", n.id);
	sv_network_release(&n);
	return 0;
}

cJSON *sv_engine_network_inspect(sv_engine *e, const char *name, sv_err **err)
{
	struct sv_network n;
	if (sv_network_get(e->store, name, &n, err) < 0)
		return NULL;
	cJSON *o = network_json(e, &n, true);
	sv_network_release(&n);
	return o;
}

/* EINVAL for an unknown key. */
static int net_match(const struct sv_network *n, char *const *filters, bool *m, sv_err **err)
{
	*m = true;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		if (!eq)
			return sv_err_setx(err, EINVAL, "bad format of filter (expected name=value): %s", f);
		const char *v = eq + 1;
		size_t kl = (size_t)(eq - f);
		bool ok;
		if (kl == 4 && !strncmp(f, "name", 4))
			ok = strstr(n->name, v) != NULL;
		else if (kl == 2 && !strncmp(f, "id", 2))
			ok = sv_str_has_prefix(n->id, v);
		else if (kl == 6 && !strncmp(f, "driver", 6))
			ok = strcmp(n->driver, v) == 0;
		else if (kl == 4 && !strncmp(f, "type", 4))
			ok = strcmp(v, n->builtin ? "builtin" : "custom") == 0;
		else if (kl == 5 && !strncmp(f, "label", 5)) {
			const char *veq = strchr(v, '=');
			SV_AUTOFREE char *k = veq ? sv_xstrndup(v, (size_t)(veq - v)) : sv_xstrdup(v);
			const char *lv = sv_json_str(n->labels, k);
			ok = lv && (!veq || strcmp(lv, veq + 1) == 0);
		} else
			return sv_err_setx(err, EINVAL, "invalid filter '%.*s'", (int)kl, f);
		*m &= ok;
	}
	return 0;
}

cJSON *sv_engine_network_list(sv_engine *e, char *const *filters, sv_err **err)
{
	struct sv_network *v;
	size_t n;
	if (sv_network_list(e->store, &v, &n, err) < 0)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		bool m;
		if (net_match(&v[i], filters, &m, err) < 0) {
			cJSON_Delete(a);
			a = NULL;
			break;
		}
		if (m)
			cJSON_AddItemToArray(a, network_json(e, &v[i], false));
	}
	sv_networks_free(v, n);
	return a;
}

int sv_engine_network_remove(sv_engine *e, const char *name, sv_err **err)
{
	return sv_network_remove(e->store, name, err);
}

int sv_engine_network_prune(sv_engine *e, char *const *filters, char ***removed, sv_err **err)
{
	*removed = sv_xcalloc(1, sizeof(char *));
	struct sv_network *v;
	size_t n;
	if (sv_network_list(e->store, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bool m;
		struct sv_endpoint *eps;
		size_t k;
		if (v[i].builtin || net_match(&v[i], filters, &m, NULL) < 0 || !m ||
		    sv_endpoint_list(e->store, v[i].id, NULL, &eps, &k, NULL) < 0)
			continue;
		sv_endpoints_free(eps, k);
		SV_AUTOERR sv_err *e2 = NULL;
		if (k == 0 && sv_network_remove(e->store, v[i].id, &e2) == 0)
			sv_strv_push(removed, v[i].name);
	}
	sv_networks_free(v, n);
	return 0;
}

/* ---------------------------------------------------------------- connect */

/* Docker's "network connect"/"disconnect" event, in the caller's transaction. */
static int network_event_tx(sv_engine *e, const char *network, const char *action, const char *ctr_id,
			    sv_err **err)
{
	struct sv_network n;
	if (sv_network_get(e->store, network, &n, err) < 0)
		return -1;
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "container", ctr_id);
	cJSON_AddStringToObject(attrs, "name", n.name);
	cJSON_AddStringToObject(attrs, "type", "bridge");
	int rc = sv_store_event_add(e->store, "network", action, n.id, attrs, err);
	cJSON_Delete(attrs);
	sv_network_release(&n);
	return rc;
}

int sv_engine_network_connect(sv_engine *e, const char *network, const char *container, char *const *aliases,
			      const char *ip, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, container, &r, err) < 0)
		return -1;
	int rc = -1;
	const char *mode = ctr_net_mode(&r);
	if (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0 || sv_str_has_prefix(mode, "container:")) {
		sv_err_setx(err, EINVAL, "container cannot be disconnected from host network or connected to host network");
		goto out;
	}
	cJSON *epc = cJSON_CreateObject();
	cJSON *al = cJSON_AddArrayToObject(epc, "Aliases");
	for (size_t i = 0; aliases && aliases[i]; i++)
		cJSON_AddItemToArray(al, cJSON_CreateString(aliases[i]));
	if (ip && *ip)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(epc, "IPAMConfig"), "IPv4Address", ip);
	if (sv_store_begin(e->store, err) < 0) {
		cJSON_Delete(epc);
		goto out;
	}
	rc = ctr_net_attach_tx(e, r.id, network, epc, err);
	cJSON_Delete(epc);
	if (rc == 0)
		rc = network_event_tx(e, network, "connect", r.id, err);
	if (rc < 0 || sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		rc = -1;
		goto out;
	}
	rc = ctr_net_rewire(e, &r, err);
out:
	ctr_row_release(&r);
	return rc;
}

int sv_engine_network_disconnect(sv_engine *e, const char *network, const char *container, bool force, sv_err **err)
{
	(void)force;
	struct sv_network n;
	if (sv_network_get(e->store, network, &n, err) < 0)
		return -1;
	struct ctr_row r;
	if (ctr_find(e, container, &r, err) < 0) {
		sv_network_release(&n);
		return -1;
	}
	int rc = -1;
	SV_AUTOERR sv_err *e2 = NULL;
	if (r.state == SV_CTR_RUNNING)
		(void)sv_net_teardown(e->store, e->runroot, r.id, 0, &e2);
	if (sv_store_begin(e->store, err) < 0)
		goto out;
	if (sv_endpoint_remove_tx(e->store, n.id, r.id, err) < 0 ||
	    network_event_tx(e, n.id, "disconnect", r.id, err) < 0 || sv_store_commit(e->store, err) < 0) {
		sv_store_rollback(e->store);
		goto out;
	}
	rc = ctr_net_rewire(e, &r, err);
out:
	ctr_row_release(&r);
	sv_network_release(&n);
	return rc;
}

/* ---------------------------------------------------------------- parsing */

int sv_engine_publish_parse(const char *spec, cJSON *port_bindings, cJSON *exposed, sv_err **err)
{
	struct sv_port_spec *v;
	size_t n;
	if (sv_port_spec_parse(spec, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char key[32], hp[32] = "";
		snprintf(key, sizeof key, "%d/%s", v[i].ctr_port, v[i].proto);
		if (v[i].host_port && v[i].host_port_end > v[i].host_port)
			snprintf(hp, sizeof hp, "%d-%d", v[i].host_port, v[i].host_port_end);
		else if (v[i].host_port)
			snprintf(hp, sizeof hp, "%d", v[i].host_port);
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(port_bindings, key);
		if (!arr)
			arr = cJSON_AddArrayToObject(port_bindings, key);
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "HostIp", v[i].host_ip);
		cJSON_AddStringToObject(b, "HostPort", hp);
		cJSON_AddItemToArray(arr, b);
		if (exposed && !cJSON_GetObjectItemCaseSensitive(exposed, key))
			cJSON_AddObjectToObject(exposed, key);
	}
	free(v);
	return 0;
}

cJSON *sv_engine_mount_parse(const char *spec, sv_err **err)
{
	SV_AUTOSTRV char **kv = sv_strv_split(spec, ',', true);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "Type", "volume");
	for (size_t i = 0; kv[i]; i++) {
		char *eq = strchr(kv[i], '=');
		const char *k = kv[i], *v = eq ? eq + 1 : "true";
		if (eq)
			*eq = 0;
		bool yes = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
		if (!strcmp(k, "type"))
			cJSON_ReplaceItemInObject(m, "Type", cJSON_CreateString(v));
		else if (!strcmp(k, "source") || !strcmp(k, "src"))
			cJSON_AddStringToObject(m, "Source", v);
		else if (!strcmp(k, "target") || !strcmp(k, "destination") || !strcmp(k, "dst"))
			cJSON_AddStringToObject(m, "Target", v);
		else if (!strcmp(k, "readonly") || !strcmp(k, "ro"))
			cJSON_AddBoolToObject(m, "ReadOnly", yes);
		else if (!strcmp(k, "bind-propagation"))
			cJSON_AddStringToObject(cJSON_AddObjectToObject(m, "BindOptions"), "Propagation", v);
		else if (!strcmp(k, "volume-nocopy"))
			cJSON_AddBoolToObject(cJSON_AddObjectToObject(m, "VolumeOptions"), "NoCopy", yes);
		else if (!strcmp(k, "tmpfs-size") || !strcmp(k, "tmpfs-mode")) {
			int64_t n;
			bool ok = !strcmp(k, "tmpfs-size") ? sv_str_to_size(v, &n) : (n = strtoll(v, NULL, 8), *v != 0);
			if (!ok) {
				cJSON_Delete(m);
				return sv_err_setx(err, EINVAL, "invalid value for %s: %s", k, v), NULL;
			}
			cJSON *to = sv_json_obj(m, "TmpfsOptions");
			if (!to)
				to = cJSON_AddObjectToObject(m, "TmpfsOptions");
			cJSON_AddNumberToObject(to, !strcmp(k, "tmpfs-size") ? "SizeBytes" : "Mode", (double)n);
		} else {
			cJSON_Delete(m);
			return sv_err_setx(err, EINVAL, "invalid field '%s' must be a key=value pair", k), NULL;
		}
	}
	return m;
}

/* ---------------------------------------------------------------- volumes */

static cJSON *volume_json(const struct sv_volume *v)
{
	cJSON *o = cJSON_CreateObject();
	add_time(o, "CreatedAt", v->created_ns);
	cJSON_AddStringToObject(o, "Driver", v->driver);
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(v->labels, true));
	cJSON_AddStringToObject(o, "Mountpoint", v->mountpoint);
	cJSON_AddStringToObject(o, "Name", v->name);
	cJSON_AddItemToObject(o, "Options", cJSON_Duplicate(v->options, true));
	cJSON_AddStringToObject(o, "Scope", "local");
	return o;
}

cJSON *sv_engine_volume_create(sv_engine *e, const struct sv_volume_create_opts *o, sv_err **err)
{
	struct sv_volume v;
	if (sv_volume_create(e->store, o, &v, err) < 0)
		return NULL;
	cJSON *j = volume_json(&v);
	sv_volume_release(&v);
	return j;
}

cJSON *sv_engine_volume_inspect(sv_engine *e, const char *name, sv_err **err)
{
	struct sv_volume v;
	if (sv_volume_get(e->store, name, &v, err) < 0)
		return NULL;
	cJSON *j = volume_json(&v);
	sv_volume_release(&v);
	return j;
}

cJSON *sv_engine_volume_list(sv_engine *e, char *const *filters, sv_err **err)
{
	struct sv_volume *v;
	size_t n;
	if (sv_volume_list(e->store, filters, &v, &n, err) < 0)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, volume_json(&v[i]));
	sv_volumes_free(v, n);
	return a;
}

int sv_engine_volume_remove(sv_engine *e, const char *name, bool force, sv_err **err)
{
	return sv_volume_remove(e->store, name, force, err);
}

int sv_engine_volume_prune(sv_engine *e, bool all, char *const *filters, char ***removed, int64_t *reclaimed,
			   sv_err **err)
{
	return sv_volume_prune(e->store, all, filters, removed, reclaimed, err);
}

/* ---------------------------------------------------------------- sweep */

struct sweep_relay {
	sv_check_fn *fn;
	void *arg;
	bool repair;
	int n;
};

static void relay(const char *kind, const char *object, const char *detail, void *arg)
{
	struct sweep_relay *r = arg;
	r->n++;
	if (!r->fn)
		return;
	SV_AUTOFREE char *d = sv_xasprintf("%s %s", kind, detail);
	struct sv_check_finding f = { .area = "network", .kind = "leftover", .object = object, .detail = d,
				      .repaired = r->repair };
	r->fn(&f, r->arg);
}

/* Ids of the containers whose rows say live or a live shim owns (one
 * starting has its links before its row says running). As recorded. */
static char **live_ids(sv_engine *e, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "SELECT id, shim_pid, shim_start, state IN ('running', 'paused', 'restarting') FROM containers",
		err);
	if (!st)
		return NULL;
	char **v = sv_xcalloc(1, sizeof *v);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_int(st, 3) || ctr_pid_alive(sqlite3_column_int(st, 1), sqlite3_column_int64(st, 2)))
			sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	return v;
}

int ctr_net_sweep(sv_engine *e, bool repair, bool reconcile, sv_check_fn *fn, void *arg, int *found, sv_err **err)
{
	SV_AUTOSTRV char **running = NULL;
	if (reconcile) {
		struct ctr_row *rows;
		size_t n;
		/* Loading reconciles: a container whose shim died is stopped
		 * (and torn down) before the sweep looks at what is left; a
		 * shim_pid left means a live shim (starting, or restarting). */
		if (ctr_load_all(e, &rows, &n, err) < 0)
			return -1;
		running = sv_xcalloc(1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			if (ctr_is_live(rows[i].state) || rows[i].shim_pid > 0)
				sv_strv_push(&running, rows[i].id);
		ctr_rows_free(rows, n);
	} else if (!(running = live_ids(e, err))) {
		return -1;
	}
	struct sweep_relay r = { fn, arg, repair, 0 };
	int rc = sv_net_sweep(e->store, e->runroot, running, repair, relay, &r, err);
	if (found)
		*found = r.n;
	return rc;
}

int sv_engine_network_sweep(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *found, sv_err **err)
{
	return ctr_net_sweep(e, repair, true, fn, arg, found, err);
}
