/*
 * Volume routes: list, create, inspect, remove, prune. The engine's volume
 * objects are already Docker's JSON.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "api.h"
#include "volume/volume.h"

static void volumes_list(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	if (rest_filters(r, &filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *v = sv_engine_volume_list(r->engine, filters, &err);
	if (!v) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "Volumes", v);
	cJSON_AddNullToObject(o, "Warnings");
	rest_reply_json(r, 200, o);
}

static void volume_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, false, &err);
	if (err || (b && !cJSON_IsObject(b)) ||
	    rest_json_types(b, "Name:s Driver:s Labels:o DriverOpts:o", &err) < 0) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	SV_AUTOSTRV char **labels = NULL;
	SV_AUTOSTRV char **options = NULL;
	if (rest_json_pairs(cJSON_GetObjectItemCaseSensitive(b, "Labels"), "Labels", &labels, &err) < 0 ||
	    rest_json_pairs(cJSON_GetObjectItemCaseSensitive(b, "DriverOpts"), "DriverOpts", &options, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	const char *name = sv_json_str(b, "Name");
	struct sv_volume_create_opts o = { .name = name && *name ? name : NULL,
					   .driver = sv_json_str(b, "Driver"),
					   .labels = labels,
					   .options = options,
					   .anonymous = !name || !*name };
	rest_reply_result(r, 201, sv_engine_volume_create(r->engine, &o, &err), &err);
}

static void volume_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_volume_inspect(r->engine, r->params[0], &err), &err);
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
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	SV_AUTOSTRV char **removed = NULL;
	int64_t reclaimed = 0;
	if (rest_filters(r, &filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	/* API 1.42+: named volumes too only with the filter all=true. */
	SV_AUTOSTRV char **rest = NULL;
	bool all = rest_filter_bool(filters, "all", false, &rest);
	if (sv_engine_volume_prune(r->engine, all, rest, &removed, &reclaimed, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "VolumesDeleted");
	for (size_t i = 0; removed && removed[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(removed[i]));
	cJSON_AddNumberToObject(o, "SpaceReclaimed", (double)reclaimed);
	rest_reply_json(r, 200, o);
}

const struct rest_route rest_routes_volumes[] = {
	{ "GET", "/volumes", volumes_list, 0, "List volumes", "filters:string", "200 400 500" },
	{ "POST", "/volumes/create", volume_create, REST_ROUTE_JSON_BODY, "Create a volume", NULL, "201 400 500" },
	{ "POST", "/volumes/prune", volumes_prune, REST_ROUTE_STREAM, "Remove unused volumes", "filters:string",
	  "200 400 500" },
	{ "GET", "/volumes/{name}", volume_inspect, 0, "Inspect a volume", NULL, "200 404 500" },
	{ "DELETE", "/volumes/{name}", volume_remove, REST_ROUTE_STREAM, "Remove a volume", "force:boolean",
	  "204 404 409 500" },
	{ 0 },
};
