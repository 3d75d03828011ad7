/*
 * System routes: ping (the first request of every CLI run), version, info,
 * disk usage.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "api.h"

static void ping_headers(struct rest_req *r)
{
	rest_reply_header(r, "Builder-Version", "1");
	rest_reply_header(r, "Swarm", "inactive");
	rest_reply_header(r, "Cache-Control", "no-cache, no-store, must-revalidate");
	rest_reply_header(r, "Pragma", "no-cache");
}

static void ping(struct rest_req *r)
{
	ping_headers(r);
	rest_reply_data(r, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void ping_head(struct rest_req *r)
{
	ping_headers(r);
	rest_reply_data(r, 200, "text/plain; charset=utf-8", NULL, 0);
}

static void version(struct rest_req *r)
{
	struct utsname u;
	uname(&u);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Platform"), "Name", "servin");
	cJSON *comps = cJSON_AddArrayToObject(o, "Components");
	cJSON *eng = cJSON_CreateObject();
	cJSON_AddStringToObject(eng, "Name", "Engine");
	cJSON_AddStringToObject(eng, "Version", SV_VERSION);
	cJSON *d = cJSON_AddObjectToObject(eng, "Details");
	cJSON_AddStringToObject(d, "ApiVersion", SV_ENGINE_API_VERSION);
	cJSON_AddStringToObject(d, "Arch", sv_engine_arch());
	cJSON_AddStringToObject(d, "GitCommit", SV_GITREV);
	cJSON_AddStringToObject(d, "KernelVersion", u.release);
	cJSON_AddStringToObject(d, "MinAPIVersion", SV_ENGINE_API_MIN_VERSION);
	cJSON_AddStringToObject(d, "Os", "linux");
	cJSON_AddItemToArray(comps, eng);
	cJSON_AddStringToObject(o, "Version", SV_VERSION);
	cJSON_AddStringToObject(o, "ApiVersion", SV_ENGINE_API_VERSION);
	cJSON_AddStringToObject(o, "MinAPIVersion", SV_ENGINE_API_MIN_VERSION);
	cJSON_AddStringToObject(o, "GitCommit", SV_GITREV);
	cJSON_AddStringToObject(o, "GoVersion", "none (C11)");
	cJSON_AddStringToObject(o, "Os", "linux");
	cJSON_AddStringToObject(o, "Arch", sv_engine_arch());
	cJSON_AddStringToObject(o, "KernelVersion", u.release);
	cJSON_AddStringToObject(o, "BuildTime", "");
	rest_reply_json(r, 200, o);
}

static void info(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_info(r->engine, &err), &err);
}

static void df(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_df(r->engine, &err), &err);
}

/* docker login: the server checks the credentials with the registry. The
 * engine keeps them (its auth.json) for later pulls and pushes, since it
 * has no per-request credentials yet (see /work/notes/api-needs.md). */
static void auth(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, true, &err);
	if (!b || !cJSON_IsObject(b) || rest_json_types(b, "username:s password:s serveraddress:s", &err) < 0) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	const char *user = sv_json_str(b, "username"), *pass = sv_json_str(b, "password");
	const char *server = sv_json_str(b, "serveraddress");
	if (!user || !pass) {
		rest_reply_error(r, 400, "username and password are required strings");
		return;
	}
	SV_AUTOFREE char *host = NULL;
	if (sv_engine_login(r->engine, server && *server ? server : NULL, user, pass, &host, &err) < 0) {
		int st = err->code == EACCES || err->code == EPERM ? 401 : rest_status_for(err->code);
		rest_reply_error(r, st, "%s", err->msg);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Status", "Login Succeeded");
	cJSON_AddStringToObject(o, "IdentityToken", "");
	rest_reply_json(r, 200, o);
}

const struct rest_route rest_routes_system[] = {
	{ "GET", "/_ping", ping, REST_ROUTE_INLINE, "Ping the server", NULL, "200" },
	{ "HEAD", "/_ping", ping_head, REST_ROUTE_INLINE, "Ping the server (headers only)", NULL, "200" },
	{ "GET", "/version", version, REST_ROUTE_INLINE, "Version of the server and its API", NULL, "200" },
	{ "GET", "/info", info, 0, "System-wide information", NULL, "200 500" },
	{ "GET", "/system/df", df, 0, "Disk usage", "type:array", "200 500" },
	{ "POST", "/auth", auth, REST_ROUTE_STREAM | REST_ROUTE_JSON_BODY, "Check registry credentials (docker login)",
	  NULL, "200 400 401 500" },
	{ 0 },
};
