/*
 * Container routes: list, create, inspect, the lifecycle (start, stop,
 * restart, kill, pause, unpause, rename, remove, prune), top, resize and
 * the archive (docker cp). The streams (attach, wait, logs, stats) are in
 * route-container-streams.c.
 *
 * Status codes drive Docker's clients: 404 on create makes the CLI pull and
 * retry; 304 when already started or stopped; 409 for a taken name, a
 * running container removed without force, a kill of a stopped one.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"

/* ---------------------------------------------------------------- list */

/* One row of Docker's ps JSON, written straight into b (json-out.c: the
 * bytes cJSON would print for the same object, without building it). */
static bool summary_write(struct sv_buf *b, const struct sv_container_summary *s, bool size)
{
	SV_AUTOFREE char *slash = sv_xasprintf("/%s", s->name);
	sv_buf_adds(b, "{\"Id\":");
	rest_json_add_str(b, s->id);
	sv_buf_adds(b, ",\"Names\":[");
	rest_json_add_str(b, slash);
	sv_buf_adds(b, "],\"Image\":");
	rest_json_add_str(b, s->image);
	sv_buf_adds(b, ",\"ImageID\":");
	rest_json_add_str(b, s->image_id);
	sv_buf_adds(b, ",\"Command\":");
	rest_json_add_str(b, s->command);
	sv_buf_adds(b, ",\"Created\":");
	rest_json_add_num(b, (double)s->created);
	sv_buf_adds(b, ",\"Ports\":");
	if (!rest_json_add_value(b, s->ports))
		return false;
	if (size) {
		sv_buf_adds(b, ",\"SizeRw\":");
		rest_json_add_num(b, (double)s->size_rw);
		sv_buf_adds(b, ",\"SizeRootFs\":");
		rest_json_add_num(b, (double)s->size_root_fs);
	}
	sv_buf_adds(b, ",\"Labels\":");
	if (!rest_json_add_value(b, s->labels))
		return false;
	sv_buf_adds(b, ",\"State\":");
	rest_json_add_str(b, sv_container_state_name(s->state));
	sv_buf_adds(b, ",\"Status\":");
	rest_json_add_str(b, s->status);
	sv_buf_adds(b, ",\"HostConfig\":{\"NetworkMode\":");
	rest_json_add_str(b, s->network_mode ? s->network_mode : "default");
	sv_buf_adds(b, "},\"NetworkSettings\":{\"Networks\":{}},\"Mounts\":[]}");
	return true;
}

static void containers_list(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	int64_t limit;
	if (rest_filters(r, &filters, &err) < 0 || rest_qint(r, "limit", -1, 1 << 30, -1, &limit, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	bool size = rest_qbool(r, "size", false);
	struct sv_container_list_opts o = { .all = rest_qbool(r, "all", false),
					    .last = (int)limit,
					    .size = size,
					    .filters = filters };
	struct sv_container_summary *v;
	size_t n;
	if (sv_engine_containers(r->engine, &o, &v, &n, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_grow(&b, 512 * n + 2); /* a row is 400 to 500 bytes: one allocation, not ten */
	sv_buf_addc(&b, '[');
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		if (i)
			sv_buf_addc(&b, ',');
		ok = summary_write(&b, &v[i], size);
	}
	sv_buf_addc(&b, ']');
	sv_container_summaries_free(v, n);
	if (ok)
		rest_reply_json_text(r, 200, &b);
	else
		rest_reply_error(r, 500, "cannot encode the answer");
}

/* ---------------------------------------------------------------- create */

static void container_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *body = rest_body_json(r, true, &err);
	if (!body || !cJSON_IsObject(body)) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	const char *name = rest_qs(r, "name");
	char id[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOSTRV char **warnings = NULL;
	if (sv_engine_container_create(r->engine, name && *name ? name : NULL, body, id, &warnings, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", id);
	cJSON *w = cJSON_AddArrayToObject(o, "Warnings");
	for (size_t i = 0; warnings && warnings[i]; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(warnings[i]));
	rest_reply_json(r, 201, o);
}

static void container_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_container_inspect(r->engine, r->params[0], rest_qbool(r, "size", false), &err),
			  &err);
}

/* ---------------------------------------------------------------- lifecycle */

/* 204 on success, Docker's status for the error otherwise. */
/* err is read after the call: reply_done(r, sv_engine_x(..., &err), &err). */
static void reply_done(struct rest_req *r, int rc, sv_err *const *err)
{
	if (rc == 0)
		rest_reply_status(r, 204);
	else
		rest_reply_err(r, *err);
}

/* Resolves the container first, so a missing one is 404 and any other
 * failure of the operation keeps its own meaning. */
static bool resolve(struct rest_req *r, char id[SV_CONTAINER_ID_LEN + 1])
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_container_resolve(r->engine, r->params[0], id, &err) == 0)
		return true;
	rest_reply_err(r, err);
	return false;
}

static void container_start(struct rest_req *r)
{
	char id[SV_CONTAINER_ID_LEN + 1];
	if (!resolve(r, id))
		return;
	unsigned streams = 0;
	int fd = rest_attach_take(id, &streams);
	struct sv_start_opts o = { .attach_fd = fd, .attach_streams = streams };
	SV_AUTOERR sv_err *err = NULL;
	int rc = sv_engine_container_start(r->engine, id, &o, &err);
	if (fd >= 0)
		close(fd); /* borrowed by the engine: the shim holds its own copy */
	if (rc < 0 && (err->code == ENOENT || err->code == EACCES))
		err->code = EINVAL; /* the command cannot run: 400, not "no such container" */
	reply_done(r, rc, &err);
}

static int timeout_of(struct rest_req *r, int *t, sv_err **err)
{
	int64_t v;
	if (rest_qint(r, "t", -1, 1 << 20, -1, &v, err) < 0)
		return -1;
	*t = (int)v;
	return 0;
}

static void container_stop(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	int t;
	if (timeout_of(r, &t, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	const char *sig = rest_qs(r, "signal");
	reply_done(r, sv_engine_container_stop(r->engine, r->params[0], t, sig && *sig ? sig : NULL, &err), &err);
}

static void container_restart(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	int t;
	if (timeout_of(r, &t, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	reply_done(r, sv_engine_container_restart(r->engine, r->params[0], t, &err), &err);
}

static void container_kill(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *sig = rest_qs(r, "signal");
	reply_done(r, sv_engine_container_kill(r->engine, r->params[0], sig && *sig ? sig : NULL, &err), &err);
}

static void container_pause(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	reply_done(r, sv_engine_container_pause(r->engine, r->params[0], &err), &err);
}

static void container_unpause(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	reply_done(r, sv_engine_container_unpause(r->engine, r->params[0], &err), &err);
}

static void container_rename(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *name = rest_qs(r, "name");
	if (!name || !*name) {
		rest_reply_error(r, 400, "the new name is required (name=)");
		return;
	}
	reply_done(r, sv_engine_container_rename(r->engine, r->params[0], name, &err), &err);
}

static void container_remove(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	unsigned flags = (rest_qbool(r, "force", false) ? SV_CTR_RM_FORCE : 0) |
			 (rest_qbool(r, "v", false) ? SV_CTR_RM_VOLUMES : 0);
	reply_done(r, sv_engine_container_remove(r->engine, r->params[0], flags, &err), &err);
}

static void containers_prune(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	SV_AUTOSTRV char **deleted = NULL;
	int64_t reclaimed = 0;
	if (rest_filters(r, &filters, &err) < 0 ||
	    sv_engine_container_prune(r->engine, filters, &deleted, &reclaimed, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *d = cJSON_CreateArray();
	for (size_t i = 0; deleted && deleted[i]; i++)
		cJSON_AddItemToArray(d, cJSON_CreateString(deleted[i]));
	if (cJSON_GetArraySize(d)) {
		cJSON_AddItemToObject(o, "ContainersDeleted", d);
	} else {
		cJSON_Delete(d);
		cJSON_AddNullToObject(o, "ContainersDeleted");
	}
	cJSON_AddNumberToObject(o, "SpaceReclaimed", (double)reclaimed);
	rest_reply_json(r, 200, o);
}

static void container_top(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *args = rest_qs(r, "ps_args");
	rest_reply_result(r, 200, sv_engine_container_top(r->engine, r->params[0], args && *args ? args : NULL, &err),
			  &err);
}

/* h= and w= for a TTY; 0 rows or columns are refused. */
int rest_tty_size(struct rest_req *r, unsigned *rows, unsigned *cols, sv_err **err)
{
	int64_t h, w;
	if (rest_qint(r, "h", 0, 65535, 0, &h, err) < 0 || rest_qint(r, "w", 0, 65535, 0, &w, err) < 0)
		return -1;
	if (!h || !w)
		return sv_err_setx(err, EINVAL, "both h and w are required");
	*rows = (unsigned)h;
	*cols = (unsigned)w;
	return 0;
}

static void container_resize(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	unsigned rows, cols;
	if (rest_tty_size(r, &rows, &cols, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	int rc = sv_engine_container_resize(r->engine, r->params[0], rows, cols, &err);
	if (rc == 0)
		rest_reply_status(r, 200);
	else
		rest_reply_err(r, err);
}

/* ---------------------------------------------------------------- archive */

/* The path= of an archive request, stat'ed: Docker sends the stat as a
 * base64 header on HEAD and GET. NULL once the error was answered. */
static const char *archive_path(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *path = rest_qs(r, "path");
	if (!path || !*path) {
		rest_reply_error(r, 400, "path is required");
		return NULL;
	}
	SV_AUTOJSON cJSON *st = sv_engine_container_stat_path(r->engine, r->params[0], path, &err);
	if (!st) {
		rest_reply_err(r, err);
		return NULL;
	}
	SV_AUTOFREE char *text = cJSON_PrintUnformatted(st);
	SV_AUTOFREE char *b64 = rest_base64(text, strlen(text));
	rest_reply_header(r, "X-Docker-Container-Path-Stat", b64);
	return path;
}

static void archive_head(struct rest_req *r)
{
	if (archive_path(r))
		rest_reply_status(r, 200);
}

static void archive_get(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *path = archive_path(r);
	if (!path)
		return;
	int fd = rest_stream_open(r, 200, "application/x-tar", REST_STREAM_CHUNKED);
	if (fd >= 0 && sv_engine_container_archive_get(r->engine, r->params[0], path, NULL, fd, NULL, &err) < 0)
		sv_warn("archive %s:%s: %s", r->params[0], path, err->msg);
}

static void archive_put(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *path = rest_qs(r, "path");
	if (!path || !*path) {
		rest_reply_error(r, 400, "path is required");
		return;
	}
	int rc = sv_engine_container_archive_put(r->engine, r->params[0], path, r->fd, &err);
	if (rc == 0)
		rest_reply_status(r, 200);
	else
		rest_reply_err(r, err);
}

#define CTR "/containers/{id}"

const struct rest_route rest_routes_containers[] = {
	{ "GET", "/containers/json", containers_list, 0, "List containers", "all:boolean limit:integer size:boolean filters:string",
	  "200 400 500" },
	{ "POST", "/containers/create", container_create, REST_ROUTE_JSON_BODY, "Create a container",
	  "name:string platform:string", "201 400 404 409 500" },
	{ "POST", "/containers/prune", containers_prune, 0, "Remove stopped containers", "filters:string",
	  "200 400 500" },
	{ "GET", CTR "/json", container_inspect, 0, "Inspect a container", "size:boolean", "200 404 500" },
	{ "GET", CTR "/top", container_top, 0, "Processes of a container", "ps_args:string", "200 404 409 500" },
	{ "POST", CTR "/start", container_start, REST_ROUTE_STREAM, "Start a container", NULL,
	  "204 304 400 404 409 500" },
	{ "POST", CTR "/stop", container_stop, REST_ROUTE_STREAM, "Stop a container", "t:integer signal:string",
	  "204 304 404 500" },
	{ "POST", CTR "/restart", container_restart, REST_ROUTE_STREAM, "Restart a container", "t:integer signal:string",
	  "204 404 500" },
	{ "POST", CTR "/kill", container_kill, 0, "Send a signal to a container", "signal:string", "204 400 404 409 500" },
	{ "POST", CTR "/pause", container_pause, 0, "Pause a container", NULL, "204 404 409 500" },
	{ "POST", CTR "/unpause", container_unpause, 0, "Unpause a container", NULL, "204 404 409 500" },
	{ "POST", CTR "/rename", container_rename, 0, "Rename a container", "name:string", "204 400 404 409 500" },
	{ "POST", CTR "/resize", container_resize, 0, "Resize a container's TTY", "h:integer w:integer",
	  "200 400 404 409 500" },
	{ "DELETE", CTR, container_remove, REST_ROUTE_STREAM, "Remove a container", "v:boolean force:boolean link:boolean",
	  "204 400 404 409 500" },
	{ "HEAD", CTR "/archive", archive_head, 0, "Stat a path in a container", "path:string", "200 400 404 500" },
	{ "GET", CTR "/archive", archive_get, REST_ROUTE_STREAM, "Copy a path out of a container (tar)", "path:string",
	  "200 400 404 500" },
	{ "PUT", CTR "/archive", archive_put, REST_ROUTE_STREAM | REST_ROUTE_BODY_STREAM,
	  "Extract a tar into a directory of a container", "path:string noOverwriteDirNonDir:boolean",
	  "200 400 403 404 500" },
	{ 0 },
};
