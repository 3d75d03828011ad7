/*
 * GET /openapi.json: an OpenAPI 3 document generated from the route table
 * itself, so it describes exactly the routes that exist — no more, no
 * fewer. Paths are shown under the unversioned prefix; every one is also
 * served under /v1.24 … /v1.43.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static char *lower(const char *s)
{
	char *d = sv_xstrdup(s);
	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

/* "/images/{name*}/json" → "/images/{name}/json", and its parameters. */
static char *openapi_path(const char *pattern, cJSON *params)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (const char *p = pattern; *p;) {
		if (*p != '{') {
			sv_buf_addc(&b, *p++);
			continue;
		}
		const char *end = strchr(p, '}');
		size_t n = (size_t)(end - p - 1);
		bool greedy = n && p[n] == '*';
		SV_AUTOFREE char *name = sv_xstrndup(p + 1, greedy ? n - 1 : n);
		sv_buf_addf(&b, "{%s}", name);
		cJSON *pa = cJSON_CreateObject();
		cJSON_AddStringToObject(pa, "name", name);
		cJSON_AddStringToObject(pa, "in", "path");
		cJSON_AddBoolToObject(pa, "required", true);
		if (greedy)
			cJSON_AddStringToObject(pa, "description", "may contain slashes (docker.io/library/busybox)");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(pa, "schema"), "type", "string");
		cJSON_AddItemToArray(params, pa);
		p = end + 1;
	}
	return sv_buf_detach(&b, NULL);
}

static void add_query(cJSON *params, const char *spec)
{
	SV_AUTOSTRV char **v = spec ? sv_strv_split(spec, ' ', true) : NULL;
	for (size_t i = 0; v && v[i]; i++) {
		char *colon = strchr(v[i], ':');
		if (colon)
			*colon = '\0';
		cJSON *pa = cJSON_CreateObject();
		cJSON_AddStringToObject(pa, "name", v[i]);
		cJSON_AddStringToObject(pa, "in", "query");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(pa, "schema"), "type", colon ? colon + 1 : "string");
		cJSON_AddItemToArray(params, pa);
	}
}

static cJSON *responses(const char *spec)
{
	cJSON *o = cJSON_CreateObject();
	SV_AUTOSTRV char **v = sv_strv_split(spec ? spec : "200", ' ', true);
	for (size_t i = 0; v[i]; i++) {
		cJSON *r = cJSON_AddObjectToObject(o, v[i]);
		int code = atoi(v[i]);
		cJSON_AddStringToObject(r, "description", code < 300 ? "success" : code == 304 ? "no change" : "error");
		if (code >= 400) {
			cJSON *c = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "content"), "application/json");
			cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "schema"), "$ref", "#/components/schemas/Error");
		}
	}
	return o;
}

static cJSON *operation(const struct rest_route *r, char **path)
{
	cJSON *op = cJSON_CreateObject();
	cJSON_AddStringToObject(op, "summary", r->summary ? r->summary : "");
	cJSON *params = cJSON_CreateArray();
	*path = openapi_path(r->pattern, params);
	add_query(params, r->query);
	if (cJSON_GetArraySize(params))
		cJSON_AddItemToObject(op, "parameters", params);
	else
		cJSON_Delete(params);
	if (r->flags & (REST_ROUTE_JSON_BODY | REST_ROUTE_BODY_STREAM)) {
		cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
		cJSON *c = cJSON_AddObjectToObject(rb, "content");
		const char *type = (r->flags & REST_ROUTE_JSON_BODY) ? "application/json" : "application/x-tar";
		cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, type), "schema"), "type",
					(r->flags & REST_ROUTE_JSON_BODY) ? "object" : "string");
	}
	cJSON_AddItemToObject(op, "responses", responses(r->responses));
	return op;
}

cJSON *rest_openapi_doc(void)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "openapi", "3.0.3");
	cJSON *info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", "servin Engine API (Docker Engine API " SV_ENGINE_API_VERSION ")");
	cJSON_AddStringToObject(info, "version", SV_ENGINE_API_VERSION);
	cJSON_AddStringToObject(info, "description",
				"Every path is also served under /v" SV_ENGINE_API_MIN_VERSION " ... /v" SV_ENGINE_API_VERSION ".");
	cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
	for (size_t t = 0; rest_route_tables[t]; t++) {
		for (const struct rest_route *r = rest_route_tables[t]; r->method; r++) {
			SV_AUTOFREE char *path = NULL;
			cJSON *op = operation(r, &path);
			cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
			if (!item)
				item = cJSON_AddObjectToObject(paths, path);
			SV_AUTOFREE char *m = lower(r->method);
			cJSON_AddItemToObject(item, m, op);
		}
	}
	cJSON *err = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "components"),
								     "schemas"),
					     "Error");
	cJSON_AddStringToObject(err, "type", "object");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(err, "properties"), "message"),
				"type", "string");
	return doc;
}

static void openapi(struct rest_req *r)
{
	rest_reply_json(r, 200, rest_openapi_doc());
}

const struct rest_route rest_routes_openapi[] = {
	{ "GET", "/openapi.json", openapi, REST_ROUTE_INLINE, "This document", NULL, "200" },
	{ 0 },
};
