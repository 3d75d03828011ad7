/*
 * Image routes: list, inspect, history, tag, remove, prune, save (get),
 * load, import (create?fromSrc=-), pull (create?fromImage=), push, search.
 * Names may carry slashes, so every per-image route takes {name*}.
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
	SV_AUTOSTRV char **rest = NULL;
	bool all = !rest_filter_bool(filters, "dangling", true, &rest);
	struct sv_image_rm_result res = { 0 };
	if (sv_engine_image_prune(r->engine, all, rest, &res, &err) < 0) {
		sv_image_rm_result_release(&res);
		rest_reply_err(r, err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *del = removal_json(&res);
	if (cJSON_GetArraySize(del)) {
		cJSON_AddItemToObject(o, "ImagesDeleted", del);
	} else {
		cJSON_Delete(del);
		cJSON_AddNullToObject(o, "ImagesDeleted");
	}
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

static void images_load(struct rest_req *r)
{
	struct rest_progress *p = rest_progress_new(r, rest_qbool(r, "quiet", false));
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **loaded = NULL;
	if (sv_engine_image_load(r->engine, r->fd, rest_progress_fn, p, &loaded, &err) < 0) {
		rest_progress_error(p, err);
	} else {
		for (size_t i = 0; loaded && loaded[i]; i++) {
			bool id = sv_str_has_prefix(loaded[i], "sha256:");
			SV_AUTOFREE char *msg = sv_xasprintf("Loaded image%s: %s\n", id ? " ID" : "", loaded[i]);
			rest_progress_line(p, "stream", msg, NULL);
		}
		rest_progress_finish(p);
	}
	rest_progress_free(p);
}

static void image_import(struct rest_req *r, const char *src)
{
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
	struct rest_progress *p = rest_progress_new(r, false);
	if (sv_engine_image_import(r->engine, r->fd, &o, id, &err) < 0) {
		rest_progress_error(p, err);
	} else {
		rest_progress_line(p, "status", id, NULL);
		rest_progress_finish(p);
	}
	rest_progress_free(p);
}

/* ---------------------------------------------------------------- registry */

/* fromImage=alpine&tag=3 → alpine:3; tag=sha256:... → alpine@sha256:... */
static char *pull_ref(const char *from, const char *tag)
{
	if (!tag || !*tag)
		return sv_xstrdup(from);
	return sv_xasprintf("%s%c%s", from, sv_str_has_prefix(tag, "sha256:") ? '@' : ':', tag);
}

static void image_pull(struct rest_req *r, const char *from)
{
	const char *tag = rest_qs(r, "tag");
	SV_AUTOFREE char *ref = pull_ref(from, tag);
	struct rest_progress *p = rest_progress_new(r, false);
	struct sv_pull_opts o = { .platform = rest_qs(r, "platform"),
				  .progress = rest_progress_fn,
				  .progress_arg = p,
				  .cancel = rest_progress_cancel(p) };
	struct sv_pull_result res = { 0 };
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_pull(r->engine, ref, &o, &res, &err) < 0) {
		rest_progress_error(p, err);
	} else {
		SV_AUTOFREE char *dg = sv_xasprintf("Digest: %s", res.digest);
		SV_AUTOFREE char *st = sv_xasprintf("Status: %s %s",
						    res.up_to_date ? "Image is up to date for" : "Downloaded newer image for",
						    res.familiar ? res.familiar : ref);
		rest_progress_line(p, "status", dg, NULL);
		rest_progress_line(p, "status", st, NULL);
		rest_progress_finish(p);
	}
	sv_pull_result_release(&res);
	rest_progress_free(p);
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
	image_pull(r, from);
}

static void image_push(struct rest_req *r)
{
	/* Docker refuses a push without the header, even an empty one. */
	if (!rest_http_header(r->http, "x-registry-auth")) {
		rest_reply_error(r, 400, "missing X-Registry-Auth header");
		return;
	}
	const char *tag = rest_qs(r, "tag");
	SV_AUTOFREE char *ref = tag && *tag ? sv_xasprintf("%s:%s", r->params[0], tag) : sv_xstrdup(r->params[0]);
	char id[SV_DIGEST_STR_LEN];
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_resolve(r->engine, ref, id, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	struct rest_progress *p = rest_progress_new(r, false);
	struct sv_push_opts o = { .progress = rest_progress_fn, .progress_arg = p, .cancel = rest_progress_cancel(p) };
	SV_AUTOFREE char *first = sv_xasprintf("The push refers to repository [%s]", r->params[0]);
	rest_progress_line(p, "status", first, NULL);
	struct sv_push_result res = { 0 };
	if (sv_engine_image_push(r->engine, ref, &o, &res, &err) < 0) {
		rest_progress_error(p, err);
	} else {
		SV_AUTOFREE char *st = sv_xasprintf("%s: digest: %s size: %lld", res.tag ? res.tag : "latest",
						    res.digest, (long long)res.size);
		rest_progress_line(p, "status", st, NULL);
		cJSON *o2 = cJSON_CreateObject();
		cJSON_AddObjectToObject(o2, "progressDetail");
		cJSON *aux = cJSON_AddObjectToObject(o2, "aux");
		cJSON_AddStringToObject(aux, "Tag", res.tag ? res.tag : "");
		cJSON_AddStringToObject(aux, "Digest", res.digest);
		cJSON_AddNumberToObject(aux, "Size", (double)res.size);
		rest_progress_json(p, o2);
		cJSON_Delete(o2);
		rest_progress_finish(p);
	}
	sv_push_result_release(&res);
	rest_progress_free(p);
}

static void images_search(struct rest_req *r)
{
	const char *term = rest_qs(r, "term");
	int64_t limit;
	SV_AUTOERR sv_err *err = NULL;
	if (!term || !*term) {
		rest_reply_error(r, 400, "term is required");
		return;
	}
	if (rest_qint(r, "limit", 1, 100, 25, &limit, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	struct sv_search_hit *hits;
	size_t n;
	if (sv_engine_image_search(r->engine, term, (int)limit, &hits, &n, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", hits[i].name);
		cJSON_AddStringToObject(o, "description", hits[i].description ? hits[i].description : "");
		cJSON_AddNumberToObject(o, "star_count", (double)hits[i].stars);
		cJSON_AddBoolToObject(o, "is_official", hits[i].official);
		cJSON_AddBoolToObject(o, "is_automated", hits[i].automated);
		cJSON_AddItemToArray(a, o);
	}
	sv_search_hits_free(hits, n);
	rest_reply_json(r, 200, a);
}

#define NAME "/images/{name*}"

const struct rest_route rest_routes_images[] = {
	{ "GET", "/images/json", images_list, 0, "List images", "all:boolean filters:string shared-size:boolean digests:boolean",
	  "200 400 500" },
	{ "POST", "/images/create", images_create, REST_ROUTE_STREAM | REST_ROUTE_BODY_STREAM,
	  "Pull an image (fromImage) or import one from the body (fromSrc=-)",
	  "fromImage:string fromSrc:string repo:string tag:string message:string changes:string platform:string",
	  "200 400 404 500 501" },
	{ "POST", "/images/load", images_load, REST_ROUTE_STREAM | REST_ROUTE_BODY_STREAM,
	  "Load images from a docker-archive or oci-archive body", "quiet:boolean", "200 400 500" },
	{ "GET", "/images/get", images_get, REST_ROUTE_STREAM, "Save images as a tar archive", "names:string",
	  "200 400 404 500" },
	{ "POST", "/images/prune", images_prune, 0, "Remove unused images", "filters:string", "200 400 500" },
	{ "GET", "/images/search", images_search, REST_ROUTE_STREAM, "Search a registry", "term:string limit:integer",
	  "200 400 500" },
	{ "GET", NAME "/json", image_inspect, 0, "Inspect an image", NULL, "200 404 500" },
	{ "GET", NAME "/history", image_history, 0, "History of an image", NULL, "200 404 500" },
	{ "GET", NAME "/get", image_get, REST_ROUTE_STREAM, "Save one image as a tar archive", NULL,
	  "200 404 500" },
	{ "POST", NAME "/push", image_push, REST_ROUTE_STREAM, "Push an image to its registry", "tag:string",
	  "200 400 404 500" },
	{ "POST", NAME "/tag", image_tag, 0, "Tag an image", "repo:string tag:string", "201 400 404 409 500" },
	{ "DELETE", NAME, image_remove, 0, "Remove an image", "force:boolean noprune:boolean",
	  "200 404 409 500" },
	{ 0 },
};
