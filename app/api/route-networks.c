/*
 * Network routes: list, inspect, create, remove, connect, disconnect,
 * prune. compose probes GET /networks/<project>_x and creates the network
 * on a 404; connect and disconnect work on created, not yet started
 * containers. The engine's network objects are already Docker's JSON.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "api.h"
#include "network/network.h"

static void networks_list(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	if (rest_filters(r, &filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	rest_reply_result(r, 200, sv_engine_network_list(r->engine, filters, &err), &err);
}

static void network_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_network_inspect(r->engine, r->params[0], &err), &err);
}

/* IPAM.Config[0]: Subnet, Gateway, IPRange. */
static int ipam(const cJSON *b, struct sv_network_create_opts *o, sv_err **err)
{
	const cJSON *cfg = sv_json_arr(sv_json_obj(b, "IPAM"), "Config");
	if (cJSON_GetArraySize(cfg) > 1)
		return sv_err_setx(err, ENOTSUP, "only one IPAM configuration per network is supported");
	const cJSON *c = cJSON_GetArrayItem(cfg, 0);
	if (c && !cJSON_IsObject(c))
		return sv_err_setx(err, EINVAL, "IPAM.Config: want objects");
	o->subnet = sv_json_str(c, "Subnet");
	o->gateway = sv_json_str(c, "Gateway");
	o->ip_range = sv_json_str(c, "IPRange");
	return 0;
}

static void network_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, true, &err);
	if (!b || !cJSON_IsObject(b) ||
	    rest_json_types(b, "Name:s Driver:s Internal:b Attachable:b EnableIPv6:b CheckDuplicate:b IPAM:o "
			       "Labels:o Options:o", &err) < 0) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	const char *name = sv_json_str(b, "Name");
	if (!name || !*name) {
		rest_reply_error(r, 400, "network name (Name) is required");
		return;
	}
	SV_AUTOSTRV char **labels = NULL;
	SV_AUTOSTRV char **options = NULL;
	struct sv_network_create_opts o = { .name = name,
					    .driver = sv_json_str(b, "Driver"),
					    .internal = sv_json_bool(b, "Internal", false) };
	if (ipam(b, &o, &err) < 0 || rest_json_pairs(cJSON_GetObjectItemCaseSensitive(b, "Labels"), "Labels", &labels, &err) < 0 ||
	    rest_json_pairs(cJSON_GetObjectItemCaseSensitive(b, "Options"), "Options", &options, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	o.labels = labels;
	o.options = options;
	char id[65];
	if (sv_engine_network_create(r->engine, &o, id, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "Id", id);
	cJSON_AddStringToObject(res, "Warning", "");
	rest_reply_json(r, 201, res);
}

static void network_remove(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_network_remove(r->engine, r->params[0], &err) == 0) {
		rest_reply_status(r, 204);
		return;
	}
	/* Docker answers 403 for a network in use, as for a built-in one. */
	if (err->code == EBUSY)
		err->code = EPERM;
	rest_reply_err(r, err);
}

/* The body of connect and disconnect, with its Container; NULL after a
 * 400. Owned. */
static cJSON *endpoint_body(struct rest_req *r, const char **ctr)
{
	SV_AUTOERR sv_err *err = NULL;
	cJSON *b = rest_body_json(r, true, &err);
	*ctr = b && rest_json_types(b, "Container:s EndpointConfig:o Force:b", &err) == 0 ? sv_json_str(b, "Container")
											  : NULL;
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
	SV_AUTOJSON cJSON *b = endpoint_body(r, &ctr);
	if (!b)
		return;
	const cJSON *ep = sv_json_obj(b, "EndpointConfig");
	SV_AUTOSTRV char **aliases = NULL;
	if (sv_json_arr(ep, "Aliases") && sv_json_strv(sv_json_arr(ep, "Aliases"), &aliases, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	const char *ip = sv_json_str(sv_json_obj(ep, "IPAMConfig"), "IPv4Address");
	if (sv_engine_network_connect(r->engine, r->params[0], ctr, aliases, ip && *ip ? ip : NULL, &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 200);
}

static void network_disconnect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *ctr;
	SV_AUTOJSON cJSON *b = endpoint_body(r, &ctr);
	if (!b)
		return;
	if (sv_engine_network_disconnect(r->engine, r->params[0], ctr, sv_json_bool(b, "Force", false), &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 200);
}

static void networks_prune(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	SV_AUTOSTRV char **removed = NULL;
	if (rest_filters(r, &filters, &err) < 0 || sv_engine_network_prune(r->engine, filters, &removed, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "NetworksDeleted");
	for (size_t i = 0; removed && removed[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(removed[i]));
	rest_reply_json(r, 200, o);
}

const struct rest_route rest_routes_networks[] = {
	{ "GET", "/networks", networks_list, 0, "List networks", "filters:string", "200 400 500" },
	{ "POST", "/networks/create", network_create, REST_ROUTE_JSON_BODY, "Create a network", NULL,
	  "201 400 409 500 501" },
	{ "POST", "/networks/prune", networks_prune, REST_ROUTE_STREAM, "Remove unused networks", "filters:string",
	  "200 400 500" },
	{ "GET", "/networks/{id}", network_inspect, 0, "Inspect a network", "verbose:boolean scope:string",
	  "200 404 500" },
	{ "DELETE", "/networks/{id}", network_remove, REST_ROUTE_STREAM, "Remove a network", NULL,
	  "204 403 404 500" },
	{ "POST", "/networks/{id}/connect", network_connect, REST_ROUTE_JSON_BODY,
	  "Connect a container to a network", NULL, "200 400 403 404 409 500" },
	{ "POST", "/networks/{id}/disconnect", network_disconnect, REST_ROUTE_JSON_BODY,
	  "Disconnect a container from a network", NULL, "200 400 403 404 500" },
	{ 0 },
};
