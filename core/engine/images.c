/*
 * Images through the engine: listing with Docker's filters, inspect and
 * history in Docker's JSON shape, tag/remove/prune, load/save/import, and
 * the default image seeded on a store's first use.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-internal.h"
#include "image/image.h"

/* ---------------------------------------------------------------- seeding */

bool engine_needs_seed(sv_engine *e)
{
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(e->store, "SELECT 1 FROM meta WHERE key = 'default_image_seeded'", NULL);
	return st && sqlite3_step(st) != SQLITE_ROW;
}

int engine_seed_default_image(sv_engine *e, const char *path, sv_err **err)
{
	/* One process seeds; the others wait, then find it done. */
	SV_AUTOCLOSE int lk = sv_store_lock(e->store, "seed", true, err);
	if (lk < 0)
		return -1;
	if (!engine_needs_seed(e))
		return 0;
	SV_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", path);
	SV_AUTOSTRV char **loaded = NULL;
	if (sv_image_load(e->store, fd, NULL, NULL, &loaded, err) < 0)
		return -1;
	return sv_store_exec(e->store,
			     "INSERT OR REPLACE INTO meta (key, value) VALUES ('default_image_seeded', '1')", err);
}

/* The default image ships beside the binaries: <bindir>/../share/servin/. */
static char *find_default_image(const sv_engine *e)
{
	const char *env = getenv("SERVIN_DEFAULT_IMAGE");
	if (env && *env)
		return sv_xstrdup(env);
	if (e->bindir) {
		char *p = sv_xasprintf("%s/../share/servin/busybox.oci.tar", e->bindir);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	static const char *const sys[] = { "/usr/local/share/servin/busybox.oci.tar",
					   "/usr/share/servin/busybox.oci.tar" };
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
		if (access(sys[i], R_OK) == 0)
			return sv_xstrdup(sys[i]);
	return NULL;
}

int sv_engine_open(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err)
{
	sv_engine *e;
	if (engine_open_core(opts, &e, err) < 0)
		return -1;
	if (!opts->no_seed && engine_needs_seed(e)) {
		SV_AUTOFREE char *img = opts->default_image ? sv_xstrdup(opts->default_image)
							     : find_default_image(e);
		if (img && engine_seed_default_image(e, img, err) < 0) {
			sv_err_prefix(err, "seed default image %s", img);
			sv_engine_free(e);
			return -1;
		}
		if (!img)
			sv_warn("no default image found to seed (set SERVIN_DEFAULT_IMAGE)");
	}
	*out = e;
	return 0;
}

/* ---------------------------------------------------------------- lists */

static void summary_release(struct sv_image_summary *s)
{
	sv_strv_free(s->repo_tags);
	sv_strv_free(s->repo_digests);
	free(s->os);
	free(s->arch);
	cJSON_Delete(s->labels);
}

void sv_image_summaries_free(struct sv_image_summary *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		summary_release(&v[i]);
	free(v);
}

static int fill_refs(sv_engine *e, struct sv_image_summary *s, sv_err **err)
{
	SV_AUTOSTMT_CACHED sqlite3_stmt *st =
		sv_store_cached(e->store, "SELECT name, kind FROM refs WHERE image_id = ? ORDER BY name", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *fam = sv_ref_familiarize((const char *)sqlite3_column_text(st, 0));
		if (strcmp((const char *)sqlite3_column_text(st, 1), "tag") == 0)
			sv_strv_push_take(&s->repo_tags, fam);
		else
			sv_strv_push_take(&s->repo_digests, fam);
	}
	return 0;
}

/* repo@digest for every tagged repository, as Docker reports pulled images;
 * added when the manifest came from a registry (kind digest refs). */

struct image_filter {
	int dangling; /* -1 any, 0 no, 1 yes */
	char **labels;
	char **refs;
	int64_t before, since; /* created bounds, 0 = none */
};

bool engine_labels_match(const cJSON *labels, char *const *want)
{
	for (size_t i = 0; want && want[i]; i++) {
		const char *eq = strchr(want[i], '=');
		SV_AUTOFREE char *key = eq ? sv_xstrndup(want[i], (size_t)(eq - want[i])) : sv_xstrdup(want[i]);
		const char *v = sv_json_str(labels, key);
		if (!v || (eq && strcmp(v, eq + 1) != 0))
			return false;
	}
	return true;
}

static bool tag_matches(const char *tag, char *const *pats)
{
	SV_AUTOFREE char *repo = sv_xstrdup(tag);
	char *colon = strrchr(repo, ':');
	if (colon && !strchr(colon, '/'))
		*colon = '\0';
	for (size_t i = 0; pats[i]; i++)
		if (fnmatch(pats[i], tag, 0) == 0 || fnmatch(pats[i], repo, 0) == 0)
			return true;
	return false;
}

/* Keeps only the tags a reference filter matches, as docker lists only
 * those rows; false when none is left. */
static bool ref_matches(struct sv_image_summary *s, char *const *pats)
{
	if (!pats || !pats[0])
		return true;
	char **kept = sv_xcalloc(1, sizeof *kept);
	for (size_t j = 0; s->repo_tags[j]; j++)
		if (tag_matches(s->repo_tags[j], pats))
			sv_strv_push(&kept, s->repo_tags[j]);
	sv_strv_free(s->repo_tags);
	s->repo_tags = kept;
	return kept[0] != NULL;
}

static bool filter_keep(const struct image_filter *f, struct sv_image_summary *s)
{
	bool dangling = !s->repo_tags[0];
	if (f->dangling >= 0 && dangling != (f->dangling == 1))
		return false;
	if (!engine_labels_match(s->labels, f->labels) || !ref_matches(s, f->refs))
		return false;
	if (f->before && s->created >= f->before)
		return false;
	if (f->since && s->created <= f->since)
		return false;
	return true;
}

static int64_t image_created(sv_engine *e, const char *name, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(e->store, name, id, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT created FROM images WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

static int parse_filters(sv_engine *e, char *const *filters, struct image_filter *f, sv_err **err)
{
	memset(f, 0, sizeof *f);
	f->dangling = -1;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		if (!eq)
			return sv_err_setx(err, EINVAL, "bad format of filter (expected name=value): %s", filters[i]);
		SV_AUTOFREE char *key = sv_xstrndup(filters[i], (size_t)(eq - filters[i]));
		const char *val = eq + 1;
		if (!strcmp(key, "dangling")) {
			bool b;
			if (!strcmp(val, "true") || !strcmp(val, "1"))
				b = true;
			else if (!strcmp(val, "false") || !strcmp(val, "0"))
				b = false;
			else
				return sv_err_setx(err, EINVAL, "invalid filter 'dangling=%s'", val);
			f->dangling = b;
		} else if (!strcmp(key, "label")) {
			sv_strv_push(&f->labels, val);
		} else if (!strcmp(key, "reference")) {
			sv_strv_push(&f->refs, val);
		} else if (!strcmp(key, "before") || !strcmp(key, "since")) {
			int64_t t = image_created(e, val, err);
			if (t < 0)
				return -1;
			*(!strcmp(key, "before") ? &f->before : &f->since) = t;
		} else {
			return sv_err_setx(err, EINVAL, "invalid filter '%s'", key);
		}
	}
	return 0;
}

static void filter_release(struct image_filter *f)
{
	sv_strv_free(f->labels);
	sv_strv_free(f->refs);
}

int sv_engine_images(sv_engine *e, const struct sv_image_list_opts *opts, struct sv_image_summary **out,
		     size_t *n, sv_err **err)
{
	struct image_filter f;
	if (parse_filters(e, opts ? opts->filters : NULL, &f, err) < 0) {
		filter_release(&f);
		return -1;
	}
	SV_AUTOSTMT_CACHED sqlite3_stmt *st = sv_store_cached(
		e->store,
		"SELECT i.id, i.created, i.size, i.os, i.arch, i.labels,"
		" (SELECT COUNT(*) FROM containers c WHERE c.image_id = i.id),"
		" (SELECT COUNT(*) FROM image_layers il WHERE il.image_id = i.id),"
		" (SELECT COALESCE(SUM(l.size), 0) FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id"
		"   WHERE il.image_id = i.id AND EXISTS (SELECT 1 FROM image_layers o"
		"   WHERE o.chain_id = il.chain_id AND o.image_id != i.id))"
		" FROM images i ORDER BY i.created DESC, i.added DESC",
		err);
	if (!st) {
		filter_release(&f);
		return -1;
	}
	struct sv_image_summary *v = NULL;
	size_t len = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = sv_xrealloc(v, (len + 1) * sizeof *v);
		struct sv_image_summary *s = &v[len];
		memset(s, 0, sizeof *s);
		snprintf(s->id, sizeof s->id, "%s", (const char *)sqlite3_column_text(st, 0));
		s->created = sqlite3_column_int64(st, 1);
		s->size = sqlite3_column_int64(st, 2);
		s->os = sv_xstrdup((const char *)sqlite3_column_text(st, 3));
		s->arch = sv_xstrdup((const char *)sqlite3_column_text(st, 4));
		s->labels = cJSON_Parse((const char *)sqlite3_column_text(st, 5));
		if (!cJSON_IsObject(s->labels)) {
			cJSON_Delete(s->labels);
			s->labels = cJSON_CreateObject();
		}
		s->containers = sqlite3_column_int64(st, 6);
		s->layers = sqlite3_column_int64(st, 7);
		s->shared_size = sqlite3_column_int64(st, 8);
		s->repo_tags = sv_xcalloc(1, sizeof *s->repo_tags);
		s->repo_digests = sv_xcalloc(1, sizeof *s->repo_digests);
		if (fill_refs(e, s, err) < 0) {
			sv_image_summaries_free(v, len + 1);
			filter_release(&f);
			return -1;
		}
		if (filter_keep(&f, s))
			len++;
		else
			summary_release(s);
	}
	filter_release(&f);
	*out = v;
	*n = len;
	return 0;
}

int sv_engine_image_resolve(sv_engine *e, const char *name, char id[SV_DIGEST_STR_LEN], sv_err **err)
{
	return sv_image_resolve(e->store, name, id, err);
}

int sv_engine_image_tag(sv_engine *e, const char *src, const char *target, sv_err **err)
{
	return sv_image_tag(e->store, src, target, err);
}

/* ---------------------------------------------------------------- inspect */

static cJSON *strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *load_config(sv_engine *e, const char *id, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_store_blob_read(e->store, id, SV_MANIFEST_MAX, &b, err) < 0)
		return NULL;
	return sv_json_parse(b.data, b.len, SV_MANIFEST_MAX, "image config", err);
}

static int find_summary(sv_engine *e, const char *id, struct sv_image_summary **v, size_t *n, size_t *at,
			sv_err **err)
{
	if (sv_engine_images(e, NULL, v, n, err) < 0)
		return -1;
	for (*at = 0; *at < *n; (*at)++)
		if (strcmp((*v)[*at].id, id) == 0)
			return 0;
	sv_image_summaries_free(*v, *n);
	return sv_err_setx(err, ENOENT, "No such image: %s", id);
}

cJSON *sv_engine_image_inspect(sv_engine *e, const char *name, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(e->store, name, id, err) < 0)
		return NULL;
	SV_AUTOJSON cJSON *cfg = load_config(e, id, err);
	if (!cfg)
		return NULL;
	struct sv_image_summary *v;
	size_t n, at;
	if (find_summary(e, id, &v, &n, &at, err) < 0)
		return NULL;
	struct sv_image_summary *s = &v[at];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", s->id);
	cJSON_AddItemToObject(o, "RepoTags", strv_json(s->repo_tags));
	cJSON_AddItemToObject(o, "RepoDigests", strv_json(s->repo_digests));
	cJSON_AddStringToObject(o, "Parent", "");
	cJSON_AddStringToObject(o, "Comment", "");
	const char *created = sv_json_str(cfg, "created");
	cJSON_AddStringToObject(o, "Created", created ? created : "0001-01-01T00:00:00Z");
	cJSON_AddStringToObject(o, "Container", "");
	/* docker-compose 1.29 reads ContainerConfig (docker-api.md). */
	cJSON *cc = sv_json_obj(cfg, "container_config");
	cJSON *c = sv_json_obj(cfg, "config");
	cJSON_AddItemToObject(o, "ContainerConfig",
			      cc ? cJSON_Duplicate(cc, true) : c ? cJSON_Duplicate(c, true) : cJSON_CreateObject());
	const char *dv = sv_json_str(cfg, "docker_version");
	cJSON_AddStringToObject(o, "DockerVersion", dv ? dv : "");
	const char *author = sv_json_str(cfg, "author");
	cJSON_AddStringToObject(o, "Author", author ? author : "");
	cJSON_AddItemToObject(o, "Config", c ? cJSON_Duplicate(c, true) : cJSON_CreateObject());
	cJSON_AddStringToObject(o, "Architecture", s->arch);
	const char *variant = sv_json_str(cfg, "variant");
	if (variant)
		cJSON_AddStringToObject(o, "Variant", variant);
	cJSON_AddStringToObject(o, "Os", s->os);
	cJSON_AddNumberToObject(o, "Size", (double)s->size);
	cJSON_AddNumberToObject(o, "VirtualSize", (double)s->size);
	cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
	cJSON_AddStringToObject(gd, "Name", "overlay");
	cJSON_AddObjectToObject(gd, "Data");
	cJSON *rootfs = cJSON_AddObjectToObject(o, "RootFS");
	cJSON_AddStringToObject(rootfs, "Type", "layers");
	cJSON *diffs = sv_json_obj(cfg, "rootfs") ? sv_json_arr(sv_json_obj(cfg, "rootfs"), "diff_ids") : NULL;
	cJSON_AddItemToObject(rootfs, "Layers", diffs ? cJSON_Duplicate(diffs, true) : cJSON_CreateArray());
	cJSON *md = cJSON_AddObjectToObject(o, "Metadata");
	cJSON_AddStringToObject(md, "LastTagTime", "0001-01-01T00:00:00Z");
	sv_image_summaries_free(v, n);
	return o;
}

cJSON *sv_engine_image_history(sv_engine *e, const char *name, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(e->store, name, id, err) < 0)
		return NULL;
	SV_AUTOJSON cJSON *cfg = load_config(e, id, err);
	if (!cfg)
		return NULL;
	/* Layer sizes in order, for the non-empty history entries. */
	int64_t sizes[SV_IMAGE_MAX_LAYERS];
	size_t nsizes = 0;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"SELECT l.size FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id"
		" WHERE il.image_id = ? ORDER BY il.idx",
		err);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && nsizes < SV_IMAGE_MAX_LAYERS)
		sizes[nsizes++] = sqlite3_column_int64(st, 0);
	cJSON *out = cJSON_CreateArray();
	const cJSON *hist = sv_json_arr(cfg, "history");
	size_t layer = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, hist)
	{
		bool empty = sv_json_bool(h, "empty_layer", false);
		cJSON *o = cJSON_CreateObject();
		int64_t t = 0;
		const char *created = sv_json_str(h, "created");
		if (created)
			sv_time_parse(created, 0, &t, NULL);
		cJSON_AddNumberToObject(o, "Created", (double)(t / 1000000000));
		const char *by = sv_json_str(h, "created_by"), *comment = sv_json_str(h, "comment");
		cJSON_AddStringToObject(o, "CreatedBy", by ? by : "");
		cJSON_AddStringToObject(o, "Comment", comment ? comment : "");
		cJSON_AddNumberToObject(o, "Size", (double)(!empty && layer < nsizes ? sizes[layer] : 0));
		cJSON_AddItemToObject(o, "Tags", cJSON_CreateNull());
		cJSON_AddStringToObject(o, "Id", "<missing>");
		if (!empty)
			layer++;
		/* newest first */
		cJSON_InsertItemInArray(out, 0, o);
	}
	/* The newest entry carries the image id and its tags. */
	cJSON *top = cJSON_GetArrayItem(out, 0);
	if (top) {
		cJSON_ReplaceItemInObject(top, "Id", cJSON_CreateString(id));
		struct sv_image_summary *v;
		size_t n, at;
		if (find_summary(e, id, &v, &n, &at, NULL) == 0) {
			cJSON_ReplaceItemInObject(top, "Tags", strv_json(v[at].repo_tags));
			sv_image_summaries_free(v, n);
		}
	}
	return out;
}

/* ---------------------------------------------------------------- removal */

void sv_image_rm_result_release(struct sv_image_rm_result *r)
{
	sv_strv_free(r->untagged);
	sv_strv_free(r->deleted);
	memset(r, 0, sizeof *r);
}

static void take_removal(struct sv_image_rm_result *res, struct sv_image_removal *rm)
{
	for (size_t i = 0; rm->untagged && rm->untagged[i]; i++)
		sv_strv_push(&res->untagged, rm->untagged[i]);
	for (size_t i = 0; rm->deleted && rm->deleted[i]; i++)
		sv_strv_push(&res->deleted, rm->deleted[i]);
	res->reclaimed += rm->reclaimed;
	sv_image_removal_release(rm);
}

int sv_engine_image_remove(sv_engine *e, const char *name, unsigned flags, struct sv_image_rm_result *res,
			   sv_err **err)
{
	struct sv_image_removal rm = { 0 };
	int rc = sv_image_remove(e->store, name, flags & SV_IMAGE_RM_FORCE, &rm, err);
	take_removal(res, &rm);
	return rc;
}

int sv_engine_image_prune(sv_engine *e, bool all, char *const *filters, struct sv_image_rm_result *res,
			  sv_err **err)
{
	SV_AUTOSTRV char **f = NULL;
	int64_t until = 0;
	for (size_t i = 0; filters && filters[i]; i++) {
		if (sv_str_has_prefix(filters[i], "until=")) {
			if (sv_time_parse(filters[i] + 6, sv_time_now_ns(), &until, err) < 0)
				return -1;
			continue;
		}
		if (!sv_str_has_prefix(filters[i], "label=") && !sv_str_has_prefix(filters[i], "label!="))
			return sv_err_setx(err, EINVAL, "invalid filter '%s' for prune", filters[i]);
		sv_strv_push(&f, filters[i]);
	}
	if (!all)
		sv_strv_push(&f, "dangling=true");
	struct sv_image_summary *v;
	size_t n;
	if (sv_engine_images(e, &(struct sv_image_list_opts){ .filters = f }, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (v[i].containers || (until && v[i].created * 1000000000LL >= until))
			continue;
		struct sv_image_removal rm = { 0 };
		rc = sv_image_delete_id(e->store, v[i].id, &rm, err);
		take_removal(res, &rm);
	}
	sv_image_summaries_free(v, n);
	if (rc == 0 && res->deleted)
		rc = sv_image_gc(e->store, &res->reclaimed, err);
	return rc;
}

/* ---------------------------------------------------------------- archives */

int sv_engine_image_load(sv_engine *e, int fd, sv_progress_fn *progress, void *arg, char ***loaded,
			 sv_err **err)
{
	return sv_image_load(e->store, fd, progress, arg, loaded, err);
}

int sv_engine_image_save(sv_engine *e, char *const *names, enum sv_archive_format format, int fd, sv_err **err)
{
	return sv_image_save(e->store, names,
			     format == SV_ARCHIVE_OCI ? SV_IMAGE_ARCHIVE_OCI : SV_IMAGE_ARCHIVE_DOCKER, fd, err);
}

int sv_engine_image_import(sv_engine *e, int fd, const struct sv_import_opts *opts,
			   char id_out[SV_DIGEST_STR_LEN], sv_err **err)
{
	struct sv_image_import_opts o = {
		.reference = opts->reference,
		.message = opts->message,
		.changes = opts->changes,
	};
	struct sv_platform p = { 0 };
	if (opts->platform && sv_platform_parse(opts->platform, &p, err) < 0)
		return -1;
	o.os = p.os;
	o.arch = p.arch;
	o.variant = p.variant;
	int rc = sv_image_import(e->store, fd, &o, id_out, err);
	sv_platform_release(&p);
	return rc;
}

int sv_engine_unpack_layer(int fd, const char *dest, struct sv_layer_stats *stats, sv_err **err)
{
	SV_AUTOCLOSE int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dest);
	struct sv_unpack_result res;
	if (sv_layer_unpack_fd(fd, dfd, &(struct sv_unpack_opts){ .expected_size = -1 }, &res, err) < 0)
		return -1;
	memcpy(stats->diff_id, res.diff_id, SV_DIGEST_STR_LEN);
	stats->entries = res.entries;
	stats->bytes = res.diff_size;
	return 0;
}
