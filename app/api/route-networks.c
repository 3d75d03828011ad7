/*
 * Network and volume routes: what `docker network`, `docker volume` and
 * docker-compose send (compose probes GET /networks/x and /volumes/x and
 * creates them on 404; connect works on created containers).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "network/network.h"
#include "volume/volume.h"

/* {"k": "v", ...} → "k=v" strv (owned; NULL when none). */
static char **kv_strv(const cJSON *obj)
{
	char **v = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
		if (cJSON_IsString(it))
			sv_strv_push_take(&v, sv_xasprintf("%s=%s", it->string, it->valuestring));
	return v;
}

/* {"key": [v...]} from a strv. Owned. */
static cJSON *names_reply(const char *key, char *const *v)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(out, key);
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return out;
}

static char **filters_or_reply(struct rest_req *r, bool *ok)
{
	char **f = NULL;
	SV_AUTOERR sv_err *err = NULL;
	*ok = rest_filters(r, &f, &err) == 0;
	if (!*ok)
		rest_reply_err(r, err);
	return f;
}

/* ---------------------------------------------------------------- networks */

static void networks_list(struct rest_req *r)
{
	bool ok;
	SV_AUTOSTRV char **f = filters_or_reply(r, &ok);
	if (!ok)
		return;
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_network_list(r->engine, f, &err), &err);
}

static void network_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_network_inspect(r->engine, r->params[0], &err), &err);
}

static void network_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, true, &err);
	if (!b) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	SV_AUTOSTRV char **labels = kv_strv(sv_json_obj(b, "Labels"));
	SV_AUTOSTRV char **options = kv_strv(sv_json_obj(b, "Options"));
	const cJSON *cfg = cJSON_GetArrayItem(sv_json_arr(sv_json_obj(b, "IPAM"), "Config"), 0);
	struct sv_network_create_opts o = {
		.name = sv_json_str(b, "Name"),
		.driver = sv_json_str(b, "Driver"),
		.subnet = cfg ? sv_json_str(cfg, "Subnet") : NULL,
		.gateway = cfg ? sv_json_str(cfg, "Gateway") : NULL,
		.ip_range = cfg ? sv_json_str(cfg, "IPRange") : NULL,
		.internal = sv_json_bool(b, "Internal", false),
		.labels = labels,
		.options = options,
	};
	char id[65];
	if (sv_engine_network_create(r->engine, &o, id, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Id", id);
	cJSON_AddStringToObject(out, "Warning", "");
	rest_reply_json(r, 201, out);
}

static void network_remove(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_network_remove(r->engine, r->params[0], &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 204);
}

static void networks_prune(struct rest_req *r)
{
	bool ok;
	SV_AUTOSTRV char **f = filters_or_reply(r, &ok);
	if (!ok)
		return;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **removed = NULL;
	if (sv_engine_network_prune(r->engine, f, &removed, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	rest_reply_json(r, 200, names_reply("NetworksDeleted", removed));
}

/* The body of connect/disconnect and its Container; NULL after a 400. */
static cJSON *container_body(struct rest_req *r, const char **ctr)
{
	SV_AUTOERR sv_err *err = NULL;
	cJSON *b = rest_body_json(r, true, &err);
	*ctr = b ? sv_json_str(b, "Container") : NULL;
	if (!*ctr) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "Container is required");
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

static void network_connect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *ctr;
	SV_AUTOJSON cJSON *b = container_body(r, &ctr);
	if (!b)
		return;
	const cJSON *ep = sv_json_obj(b, "EndpointConfig");
	SV_AUTOSTRV char **aliases = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(ep, "Aliases"))
		if (cJSON_IsString(it))
			sv_strv_push(&aliases, it->valuestring);
	const cJSON *ipam = sv_json_obj(ep, "IPAMConfig");
	const char *ip = ipam ? sv_json_str(ipam, "IPv4Address") : NULL;
	if (sv_engine_network_connect(r->engine, r->params[0], ctr, aliases, ip, &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 200);
}

static void network_disconnect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *ctr;
	SV_AUTOJSON cJSON *b = container_body(r, &ctr);
	if (!b)
		return;
	if (sv_engine_network_disconnect(r->engine, r->params[0], ctr, sv_json_bool(b, "Force", false), &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 200);
}

/* ---------------------------------------------------------------- volumes */

static void volumes_list(struct rest_req *r)
{
	bool ok;
	SV_AUTOSTRV char **f = filters_or_reply(r, &ok);
	if (!ok)
		return;
	SV_AUTOERR sv_err *err = NULL;
	cJSON *list = sv_engine_volume_list(r->engine, f, &err);
	if (!list) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Volumes", list);
	cJSON_AddNullToObject(out, "Warnings");
	rest_reply_json(r, 200, out);
}

static void volume_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_volume_inspect(r->engine, r->params[0], &err), &err);
}

static void volume_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, false, &err);
	if (!b && err) {
		rest_reply_error(r, 400, "%s", err->msg);
		return;
	}
	SV_AUTOSTRV char **labels = kv_strv(sv_json_obj(b, "Labels"));
	SV_AUTOSTRV char **options = kv_strv(sv_json_obj(b, "DriverOpts"));
	const char *name = sv_json_str(b, "Name");
	struct sv_volume_create_opts o = { .name = name && *name ? name : NULL, .driver = sv_json_str(b, "Driver"),
					   .labels = labels, .options = options };
	rest_reply_result(r, 201, sv_engine_volume_create(r->engine, &o, &err), &err);
}

static void volume_remove(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_volume_remove(r->engine, r->params[0], rest_qbool(r, "force", false), &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 204);
}

static void volumes_prune(struct rest_req *r)
{
	bool ok;
	SV_AUTOSTRV char **f = filters_or_reply(r, &ok);
	if (!ok)
		return;
	/* API 1.42+: "all=true" as a filter prunes named volumes too. */
	bool all = false;
	SV_AUTOSTRV char **rest = NULL;
	for (size_t i = 0; f && f[i]; i++)
		if (sv_str_has_prefix(f[i], "all="))
			all = strcmp(f[i] + 4, "true") == 0 || strcmp(f[i] + 4, "1") == 0;
		else
			sv_strv_push(&rest, f[i]);
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **removed = NULL;
	int64_t reclaimed = 0;
	if (sv_engine_volume_prune(r->engine, all, rest, &removed, &reclaimed, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *out = names_reply("VolumesDeleted", removed);
	cJSON_AddNumberToObject(out, "SpaceReclaimed", (double)reclaimed);
	rest_reply_json(r, 200, out);
}

const struct rest_route rest_routes_networks[] = {
	{ "GET", "/networks", networks_list, 0, "List networks", "filters:string", "200 400 500" },
	{ "POST", "/networks/create", network_create, REST_ROUTE_JSON_BODY, "Create a network", NULL,
	  "201 400 409 500" },
	{ "POST", "/networks/prune", networks_prune, 0, "Remove unused networks", "filters:string", "200 400 500" },
	{ "GET", "/networks/{id}", network_inspect, 0, "Inspect a network", NULL, "200 404 500" },
	{ "DELETE", "/networks/{id}", network_remove, 0, "Remove a network", NULL, "204 403 404 409 500" },
	{ "POST", "/networks/{id}/connect", network_connect, REST_ROUTE_JSON_BODY,
	  "Connect a container to a network", NULL, "200 400 404 409 500" },
	{ "POST", "/networks/{id}/disconnect", network_disconnect, REST_ROUTE_JSON_BODY,
	  "Disconnect a container from a network", NULL, "200 400 404 500" },
	{ "GET", "/volumes", volumes_list, 0, "List volumes", "filters:string", "200 400 500" },
	{ "POST", "/volumes/create", volume_create, REST_ROUTE_JSON_BODY, "Create a volume", NULL, "201 400 500" },
	{ "POST", "/volumes/prune", volumes_prune, 0, "Remove unused volumes", "filters:string", "200 400 500" },
	{ "GET", "/volumes/{name}", volume_inspect, 0, "Inspect a volume", NULL, "200 404 500" },
	{ "DELETE", "/volumes/{name}", volume_remove, 0, "Remove a volume", "force:boolean", "204 404 409 500" },
	{ 0 },
};
