/*
 * Image routes: list, inspect, history, tag, remove, prune, save (get),
 * load, import (create?fromSrc=-). Names may carry slashes, so every
 * per-image route takes {name*}.
 *
 * Load and import read their upload from the request socket while it
 * arrives (no buffering of archives in memory); their answers are Docker's
 * JSON-lines progress. An error before any line went out is a plain HTTP
 * error; after that it is an errorDetail line, as Docker does.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* ---------------------------------------------------------------- lists */

static cJSON *strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *summary_json(const struct rest_req *r, const struct sv_image_summary *s, bool shared)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", s->id);
	cJSON_AddStringToObject(o, "ParentId", "");
	cJSON_AddItemToObject(o, "RepoTags", strv_json(s->repo_tags));
	cJSON_AddItemToObject(o, "RepoDigests", strv_json(s->repo_digests));
	cJSON_AddNumberToObject(o, "Created", (double)s->created);
	cJSON_AddNumberToObject(o, "Size", (double)s->size);
	cJSON_AddNumberToObject(o, "SharedSize", shared ? (double)s->shared_size : -1);
	if (r->api_minor < 44)
		cJSON_AddNumberToObject(o, "VirtualSize", (double)s->size);
	cJSON_AddItemToObject(o, "Labels", cJSON_Duplicate(s->labels, true));
	cJSON_AddNumberToObject(o, "Containers", (double)s->containers);
	return o;
}

static void images_list(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	if (rest_filters(r, &filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	const char *legacy = rest_qs(r, "filter"); /* API < 1.41: a reference pattern */
	if (legacy && *legacy)
		sv_strv_push_take(&filters, sv_xasprintf("reference=%s", legacy));
	struct sv_image_list_opts o = { .all = rest_qbool(r, "all", false), .filters = filters };
	struct sv_image_summary *v;
	size_t n;
	if (sv_engine_images(r->engine, &o, &v, &n, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	bool shared = rest_qbool(r, "shared-size", false);
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, summary_json(r, &v[i], shared));
	sv_image_summaries_free(v, n);
	rest_reply_json(r, 200, a);
}

static void image_inspect(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_image_inspect(r->engine, r->params[0], &err), &err);
}

static void image_history(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	rest_reply_result(r, 200, sv_engine_image_history(r->engine, r->params[0], &err), &err);
}

/* ---------------------------------------------------------------- changes */

static void image_tag(struct rest_req *r)
{
	const char *repo = rest_qs(r, "repo");
	const char *tag = rest_qs(r, "tag");
	if (!repo || !*repo) {
		rest_reply_error(r, 400, "repository name is required (repo=)");
		return;
	}
	SV_AUTOFREE char *target = tag && *tag ? sv_xasprintf("%s:%s", repo, tag) : sv_xstrdup(repo);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_tag(r->engine, r->params[0], target, &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_status(r, 201);
}

static cJSON *removal_json(const struct sv_image_rm_result *res)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; res->untagged && res->untagged[i]; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Untagged", res->untagged[i]);
		cJSON_AddItemToArray(a, o);
	}
	for (size_t i = 0; res->deleted && res->deleted[i]; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Deleted", res->deleted[i]);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void image_remove(struct rest_req *r)
{
	unsigned flags = (rest_qbool(r, "force", false) ? SV_IMAGE_RM_FORCE : 0) |
			 (rest_qbool(r, "noprune", false) ? SV_IMAGE_RM_NOPRUNE : 0);
	struct sv_image_rm_result res = { 0 };
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_remove(r->engine, r->params[0], flags, &res, &err) < 0)
		rest_reply_err(r, err);
	else
		rest_reply_json(r, 200, removal_json(&res));
	sv_image_rm_result_release(&res);
}

static void images_prune(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	if (rest_filters(r, &filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	/* dangling=false means every unused image (docker image prune -a). */
	bool all = false;
	SV_AUTOSTRV char **rest = NULL;
	for (size_t i = 0; filters && filters[i]; i++) {
		if (sv_str_has_prefix(filters[i], "dangling="))
			all = !strcmp(filters[i] + 9, "false") || !strcmp(filters[i] + 9, "0");
		else
			sv_strv_push(&rest, filters[i]);
	}
	struct sv_image_rm_result res = { 0 };
	if (sv_engine_image_prune(r->engine, all, rest, &res, &err) < 0) {
		sv_image_rm_result_release(&res);
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *del = removal_json(&res);
	if (cJSON_GetArraySize(del))
		cJSON_AddItemToObject(o, "ImagesDeleted", del);
	else
		cJSON_AddItemToObject(o, "ImagesDeleted", cJSON_CreateNull()), cJSON_Delete(del);
	cJSON_AddNumberToObject(o, "SpaceReclaimed", (double)res.reclaimed);
	sv_image_rm_result_release(&res);
	rest_reply_json(r, 200, o);
}

/* ---------------------------------------------------------------- archives */

static void save_names(struct rest_req *r, char **names)
{
	SV_AUTOERR sv_err *err = NULL;
	if (!names || !names[0]) {
		rest_reply_error(r, 400, "no image names given (names=)");
		return;
	}
	/* Unknown names fail before any byte of the archive is sent. */
	for (size_t i = 0; names[i]; i++) {
		char id[SV_DIGEST_STR_LEN];
		if (sv_engine_image_resolve(r->engine, names[i], id, &err) < 0) {
			rest_reply_err(r, err);
			return;
		}
	}
	int fd = rest_stream_open(r, 200, "application/x-tar", REST_STREAM_CHUNKED);
	if (fd < 0)
		return;
	if (sv_engine_image_save(r->engine, names, SV_ARCHIVE_DOCKER, fd, &err) < 0)
		sv_warn("save: %s", err->msg); /* the client sees a cut archive */
}

static void images_get(struct rest_req *r)
{
	SV_AUTOSTRV char **names = rest_query_all(&r->query, "names");
	save_names(r, names);
}

static void image_get(struct rest_req *r)
{
	char *names[] = { r->params[0], NULL };
	save_names(r, names);
}

/* Docker's progress lines, opened lazily so that an early error can still
 * be a plain HTTP error. */
struct progress {
	struct rest_req *r;
	bool open, quiet;
	int64_t last_ns;
};

static bool progress_open(struct progress *p)
{
	if (!p->open)
		p->open = rest_stream_open(p->r, 200, "application/json", REST_STREAM_CHUNKED) >= 0;
	return p->open;
}

static void progress_line(struct progress *p, const char *key, const char *text)
{
	if (!progress_open(p))
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, key, text);
	rest_stream_json(p->r, o);
	cJSON_Delete(o);
}

static void progress_error(struct progress *p, const sv_err *err)
{
	if (!p->open) {
		rest_reply_err(p->r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "errorDetail"), "message", err->msg);
	cJSON_AddStringToObject(o, "error", err->msg);
	rest_stream_json(p->r, o);
	cJSON_Delete(o);
}

static void on_progress(const struct sv_progress *pr, void *arg)
{
	struct progress *p = arg;
	int64_t now = sv_time_mono_ns();
	bool last = pr->total >= 0 && pr->current >= pr->total;
	if (p->quiet || (!last && now - p->last_ns < 100000000))
		return; /* at most ten lines a second */
	p->last_ns = now;
	if (!progress_open(p))
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", pr->status ? pr->status : "");
	cJSON *d = cJSON_AddObjectToObject(o, "progressDetail");
	if (pr->total >= 0) {
		cJSON_AddNumberToObject(d, "current", (double)pr->current);
		cJSON_AddNumberToObject(d, "total", (double)pr->total);
	}
	if (pr->id && *pr->id)
		cJSON_AddStringToObject(o, "id", pr->id);
	rest_stream_json(p->r, o);
	cJSON_Delete(o);
}

static void images_load(struct rest_req *r)
{
	struct progress p = { .r = r, .quiet = rest_qbool(r, "quiet", false) };
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **loaded = NULL;
	if (sv_engine_image_load(r->engine, r->fd, on_progress, &p, &loaded, &err) < 0) {
		progress_error(&p, err);
		return;
	}
	for (size_t i = 0; loaded && loaded[i]; i++) {
		bool id = sv_str_has_prefix(loaded[i], "sha256:");
		SV_AUTOFREE char *msg = sv_xasprintf("Loaded image%s: %s\n", id ? " ID" : "", loaded[i]);
		progress_line(&p, "stream", msg);
	}
	progress_open(&p);
}

static void image_import(struct rest_req *r, const char *src)
{
	struct progress p = { .r = r };
	if (strcmp(src, "-") != 0) {
		rest_reply_error(r, 501, "importing from a URL is not supported: send the archive as the body");
		return;
	}
	const char *repo = rest_qs(r, "repo"), *tag = rest_qs(r, "tag");
	SV_AUTOFREE char *ref = repo && *repo ? (tag && *tag ? sv_xasprintf("%s:%s", repo, tag) : sv_xstrdup(repo))
					      : NULL;
	SV_AUTOSTRV char **changes = rest_query_all(&r->query, "changes");
	struct sv_import_opts o = { .reference = ref,
				    .message = rest_qs(r, "message"),
				    .changes = changes,
				    .platform = rest_qs(r, "platform") };
	char id[SV_DIGEST_STR_LEN];
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_import(r->engine, r->fd, &o, id, &err) < 0) {
		progress_error(&p, err);
		return;
	}
	progress_line(&p, "status", id);
}

static void images_create(struct rest_req *r)
{
	const char *src = rest_qs(r, "fromSrc");
	if (src && *src) {
		image_import(r, src);
		return;
	}
	const char *from = rest_qs(r, "fromImage");
	if (!from || !*from) {
		rest_reply_error(r, 400, "fromImage or fromSrc is required");
		return;
	}
	rest_reply_error(r, 501, "pulling images is not available in this build yet");
}

#define NAME "/images/{name*}"

const struct rest_route rest_routes_images[] = {
	{ "GET", "/images/json", images_list, 0, "List images", "all:boolean filters:string shared-size:boolean digests:boolean",
	  "200 400 500" },
	{ "POST", "/images/create", images_create, REST_ROUTE_STREAM | REST_ROUTE_BODY_STREAM,
	  "Import an image from the request body (fromSrc=-)",
	  "fromImage:string fromSrc:string repo:string tag:string message:string changes:string platform:string",
	  "200 400 404 500 501" },
	{ "POST", "/images/load", images_load, REST_ROUTE_STREAM | REST_ROUTE_BODY_STREAM,
	  "Load images from a docker-archive or oci-archive body", "quiet:boolean", "200 400 500" },
	{ "GET", "/images/get", images_get, REST_ROUTE_STREAM, "Save images as a tar archive", "names:string",
	  "200 400 404 500" },
	{ "POST", "/images/prune", images_prune, 0, "Remove unused images", "filters:string", "200 400 500" },
	{ "GET", NAME "/json", image_inspect, 0, "Inspect an image", NULL, "200 404 500" },
	{ "GET", NAME "/history", image_history, 0, "History of an image", NULL, "200 404 500" },
	{ "GET", NAME "/get", image_get, REST_ROUTE_STREAM, "Save one image as a tar archive", NULL,
	  "200 404 500" },
	{ "POST", NAME "/tag", image_tag, 0, "Tag an image", "repo:string tag:string", "201 400 404 409 500" },
	{ "DELETE", NAME, image_remove, 0, "Remove an image", "force:boolean noprune:boolean",
	  "200 404 409 500" },
	{ 0 },
};
