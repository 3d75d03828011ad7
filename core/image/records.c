/*
 * Image records: committing an image (layers moved into place, rows
 * written, refs moved, events recorded — all under the layers lock and in
 * one transaction), resolving names, tagging, removal and garbage
 * collection of layers and blobs nothing references any more.
 *
 * The layers lock orders everything that creates or deletes layer
 * directories: a commit and a removal never interleave, so a commit never
 * points at a layer that a concurrent removal is deleting.
 */
#include "image/image.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *layer_rel(const char *chain_id)
{
	return sv_xasprintf("layers/%s", sv_digest_hex(chain_id));
}

bool sv_image_layer_exists(sv_store *s, const char *chain_id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT 1 FROM layers WHERE chain_id = ?", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, chain_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static int step_done(sv_store *s, sqlite3_stmt *st, const char *what, sv_err **err)
{
	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(s, what, err);
	return 0;
}

static int commit_layer(sv_store *s, const struct sv_image_layer *l, const char *parent, sv_err **err)
{
	if (sv_image_layer_exists(s, l->chain_id))
		return 0;
	if (!l->unpacked_dir)
		return sv_err_setx(err, ENOENT, "layer %s is neither unpacked nor in the store", l->chain_id);
	SV_AUTOFREE char *rel = layer_rel(l->chain_id);
	/* A directory without a row is what a process killed mid-commit
	 * leaves: it is not trusted, ours replaces it. */
	if (sv_store_trash(s, rel, err) < 0)
		return -1;
	SV_AUTOFREE char *dst = sv_path_join(sv_store_root(s), rel);
	if (rename(l->unpacked_dir, dst) < 0)
		return sv_err_set(err, errno, "move layer %s into place", l->chain_id);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO layers (chain_id, diff_id, parent, size, created) VALUES (?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, l->chain_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->diff_id, -1, SQLITE_STATIC);
	if (parent)
		sqlite3_bind_text(st, 3, parent, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, l->content_size);
	sqlite3_bind_int64(st, 5, sv_time_now_ns());
	return step_done(s, st, "record layer", err);
}

static bool image_exists(sv_store *s, const char *id)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT 1 FROM images WHERE id = ?", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static int insert_image(sv_store *s, const struct sv_image_commit *c, sv_err **err)
{
	int64_t size = 0;
	for (size_t i = 0; i < c->nlayers; i++)
		size += c->layers[i].content_size;
	const cJSON *cfg = sv_json_obj(c->config->json, "config");
	const cJSON *labels = cfg ? sv_json_obj(cfg, "Labels") : NULL;
	SV_AUTOFREE char *lj = labels ? sv_json_print(labels) : sv_xstrdup("{}");
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"INSERT INTO images (id, manifest_digest, manifest_type, manifest_size, config_size, top_layer,"
		" created, added, size, os, arch, variant, labels) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, c->config_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->manifest_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->manifest_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->manifest_size);
	sqlite3_bind_int64(st, 5, c->config_size);
	if (c->nlayers)
		sqlite3_bind_text(st, 6, c->layers[c->nlayers - 1].chain_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, c->config->created);
	sqlite3_bind_int64(st, 8, sv_time_now_ns());
	sqlite3_bind_int64(st, 9, size);
	sqlite3_bind_text(st, 10, c->config->os ? c->config->os : "linux", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, c->config->arch ? c->config->arch : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, c->config->variant ? c->config->variant : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, lj, -1, SQLITE_STATIC);
	if (step_done(s, st, "record image", err) < 0)
		return -1;
	for (size_t i = 0; i < c->nlayers; i++) {
		const struct sv_image_layer *l = &c->layers[i];
		SV_AUTOSTMT sqlite3_stmt *li = sv_store_prepare(
			s,
			"INSERT INTO image_layers (image_id, idx, chain_id, diff_id, blob_digest, blob_size,"
			" media_type, diff_size) VALUES (?,?,?,?,?,?,?,?)",
			err);
		if (!li)
			return -1;
		sqlite3_bind_text(li, 1, c->config_digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(li, 2, (int64_t)i);
		sqlite3_bind_text(li, 3, l->chain_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(li, 4, l->diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(li, 5, l->blob_digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(li, 6, l->blob_size);
		sqlite3_bind_text(li, 7, l->media_type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(li, 8, l->diff_size);
		if (step_done(s, li, "record image layer", err) < 0)
			return -1;
	}
	return 0;
}

static int event_for(sv_store *s, const char *action, const char *actor, const char *name, sv_err **err)
{
	cJSON *attrs = cJSON_CreateObject();
	if (name)
		cJSON_AddStringToObject(attrs, "name", name);
	int rc = sv_store_event_add(s, "image", action, actor, attrs, err);
	cJSON_Delete(attrs);
	return rc;
}

static int set_ref(sv_store *s, const char *name, const char *id, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT OR REPLACE INTO refs (name, image_id, kind, added) VALUES (?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, strchr(name, '@') ? "digest" : "tag", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sv_time_now_ns());
	return step_done(s, st, "record reference", err);
}

static int commit_tx(sv_store *s, const struct sv_image_commit *c, sv_err **err)
{
	const char *parent = NULL;
	for (size_t i = 0; i < c->nlayers; i++) {
		if (commit_layer(s, &c->layers[i], parent, err) < 0)
			return -1;
		parent = c->layers[i].chain_id;
	}
	if (!image_exists(s, c->config_digest) && insert_image(s, c, err) < 0)
		return -1;
	for (size_t i = 0; c->refs && c->refs[i]; i++) {
		if (set_ref(s, c->refs[i], c->config_digest, err) < 0)
			return -1;
		SV_AUTOFREE char *fam = sv_ref_familiarize(c->refs[i]);
		if (event_for(s, c->action, fam, fam, err) < 0)
			return -1;
	}
	if (!c->refs || !c->refs[0])
		return event_for(s, c->action, c->config_digest, NULL, err);
	return 0;
}

int sv_image_commit(sv_store *s, const struct sv_image_commit *c, size_t n, sv_err **err)
{
	SV_AUTOCLOSE int lk = sv_store_lock(s, "layers", true, err);
	if (lk < 0)
		return -1;
	if (sv_store_begin(s, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (commit_tx(s, &c[i], err) < 0) {
			sv_store_rollback(s);
			return sv_err_prefix(err, "commit image %s", c[i].config_digest);
		}
	}
	return sv_store_commit(s, err);
}

/* ---------------------------------------------------------------- lookup */

static int lookup_ref(sv_store *s, const char *full, char id[SV_DIGEST_STR_LEN])
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT image_id FROM refs WHERE name = ?", NULL);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, full, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return -1;
	snprintf(id, SV_DIGEST_STR_LEN, "%s", (const char *)sqlite3_column_text(st, 0));
	return 0;
}

/* name@digest also matches an image whose manifest has that digest. */
static int lookup_manifest_digest(sv_store *s, const char *digest, char id[SV_DIGEST_STR_LEN])
{
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(s, "SELECT id FROM images WHERE manifest_digest = ? LIMIT 1", NULL);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return -1;
	snprintf(id, SV_DIGEST_STR_LEN, "%s", (const char *)sqlite3_column_text(st, 0));
	return 0;
}

static int lookup_id_prefix(sv_store *s, const char *name, char id[SV_DIGEST_STR_LEN], sv_err **err)
{
	const char *hex = sv_str_has_prefix(name, "sha256:") ? name + 7 : name;
	SV_AUTOFREE char *pattern = sv_xasprintf("sha256:%s*", hex);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT id FROM images WHERE id GLOB ? LIMIT 2", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
	int found = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (found++)
			return sv_err_setx(err, EINVAL, "image id prefix '%s' is ambiguous", name);
		snprintf(id, SV_DIGEST_STR_LEN, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	return found ? 0 : 1;
}

int sv_image_resolve(sv_store *s, const char *name, char id[SV_DIGEST_STR_LEN], sv_err **err)
{
	struct sv_ref r;
	SV_AUTOERR sv_err *perr = NULL;
	if (sv_ref_parse(name, &r, &perr) == 0) {
		SV_AUTOFREE char *full = sv_ref_string(&r);
		int rc = lookup_ref(s, full, id);
		if (rc < 0 && r.digest)
			rc = lookup_manifest_digest(s, r.digest, id);
		sv_ref_release(&r);
		if (rc == 0)
			return 0;
	}
	if (sv_ref_is_id_prefix(name)) {
		int rc = lookup_id_prefix(s, name, id, err);
		if (rc <= 0)
			return rc;
	}
	return sv_err_setx(err, ENOENT, "No such image: %s", name);
}

int sv_image_tag(sv_store *s, const char *src, const char *target, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(s, src, id, err) < 0)
		return -1;
	struct sv_ref r;
	if (sv_ref_parse(target, &r, err) < 0)
		return -1;
	if (r.digest) {
		sv_ref_release(&r);
		return sv_err_setx(err, EINVAL, "refusing to create a tag with a digest reference");
	}
	SV_AUTOFREE char *full = sv_ref_string(&r);
	SV_AUTOFREE char *fam = sv_ref_familiar(&r);
	sv_ref_release(&r);
	if (sv_store_begin(s, err) < 0)
		return -1;
	if (set_ref(s, full, id, err) < 0 || event_for(s, "tag", id, fam, err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	return sv_store_commit(s, err);
}

/* ---------------------------------------------------------------- removal */

void sv_image_removal_release(struct sv_image_removal *r)
{
	sv_strv_free(r->untagged);
	sv_strv_free(r->deleted);
	memset(r, 0, sizeof *r);
}

static char **image_refs(sv_store *s, const char *id, const char *kind)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "SELECT name FROM refs WHERE image_id = ? AND (?1 IS NULL OR kind = ?2) ORDER BY name", NULL);
	if (!st)
		return v;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (kind)
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	while (sqlite3_step(st) == SQLITE_ROW)
		sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	return v;
}

/* A container using the image: returns 2 running, 1 stopped, 0 none. */
static int image_user(sv_store *s, const char *id, char cid[16])
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT id, state IN ('running','paused','restarting') AS live FROM containers"
		" WHERE image_id = ? ORDER BY live DESC LIMIT 1",
		NULL);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return 0;
	snprintf(cid, 16, "%.12s", (const char *)sqlite3_column_text(st, 0));
	return sqlite3_column_int(st, 1) ? 2 : 1;
}

static int untag(sv_store *s, const char *full, const char *id, struct sv_image_removal *res, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM refs WHERE name = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, full, -1, SQLITE_STATIC);
	if (step_done(s, st, "untag", err) < 0)
		return -1;
	SV_AUTOFREE char *fam = sv_ref_familiarize(full);
	sv_strv_push(&res->untagged, fam);
	return event_for(s, "untag", id, fam, err);
}

static int delete_image_rows(sv_store *s, const char *id, struct sv_image_removal *res, sv_err **err)
{
	SV_AUTOSTRV char **refs = image_refs(s, id, NULL);
	for (size_t i = 0; refs[i]; i++)
		if (untag(s, refs[i], id, res, err) < 0)
			return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM images WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (step_done(s, st, "delete image", err) < 0)
		return -1;
	sv_strv_push(&res->deleted, id);
	return event_for(s, "delete", id, NULL, err);
}

static int remove_tx(sv_store *s, const char *name, bool force, struct sv_image_removal *res, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(s, name, id, err) < 0)
		return -1;
	char cid[16];
	int user = image_user(s, id, cid);
	struct sv_ref r;
	SV_AUTOFREE char *full = NULL;
	bool by_ref = false;
	if (sv_ref_parse(name, &r, NULL) == 0) {
		full = sv_ref_string(&r);
		sv_ref_release(&r);
		char rid[SV_DIGEST_STR_LEN];
		by_ref = lookup_ref(s, full, rid) == 0 && strcmp(rid, id) == 0;
	}
	SV_AUTOSTRV char **tags = image_refs(s, id, "tag");
	if (by_ref) {
		/* Another tag remains, or only this ref is asked for: untag. */
		size_t ntags = sv_strv_len(tags);
		if (ntags > 1 || (ntags == 1 && strchr(full, '@')))
			return untag(s, full, id, res, err);
		if (user == 2 || (user == 1 && !force))
			return sv_err_setx(err, EBUSY, "conflict: unable to remove repository reference \"%s\" (must force) - container %s is using its referenced image %.19s",
					   name, cid, id + 7);
		if (user == 1)
			return untag(s, full, id, res, err);
		return delete_image_rows(s, id, res, err);
	}
	if (user == 2)
		return sv_err_setx(err, EBUSY, "conflict: unable to delete %.12s (cannot be forced) - image is being used by running container %s",
				   id + 7, cid);
	if (user == 1 && !force)
		return sv_err_setx(err, EBUSY, "conflict: unable to delete %.12s (must be forced) - image is being used by stopped container %s",
				   id + 7, cid);
	if (sv_strv_len(tags) > 1 && !force)
		return sv_err_setx(err, EBUSY, "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple repositories",
				   id + 7);
	if (user == 1) {
		for (size_t i = 0; tags[i]; i++)
			if (untag(s, tags[i], id, res, err) < 0)
				return -1;
		return 0;
	}
	return delete_image_rows(s, id, res, err);
}

int sv_image_remove(sv_store *s, const char *name, bool force, struct sv_image_removal *res, sv_err **err)
{
	if (sv_store_begin(s, err) < 0)
		return -1;
	if (remove_tx(s, name, force, res, err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	if (sv_store_commit(s, err) < 0)
		return -1;
	return res->deleted && res->deleted[0] ? sv_image_gc(s, &res->reclaimed, err) : 0;
}

int sv_image_delete_id(sv_store *s, const char *id, struct sv_image_removal *res, sv_err **err)
{
	if (sv_store_begin(s, err) < 0)
		return -1;
	char cid[16];
	if (image_user(s, id, cid)) {
		sv_store_rollback(s);
		return sv_err_setx(err, EBUSY, "image %.12s is used by container %s", id + 7, cid);
	}
	if (delete_image_rows(s, id, res, err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	return sv_store_commit(s, err);
}

/* ---------------------------------------------------------------- gc */

static char **collect(sv_store *s, const char *sql)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, sql, NULL);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	return v;
}

static int64_t path_usage(int rootfd, const char *rel)
{
	SV_AUTOCLOSE int fd = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t bytes = 0;
	if (fd >= 0) {
		sv_du_at(fd, &bytes, NULL, NULL);
		return bytes;
	}
	struct stat st;
	if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return (int64_t)st.st_blocks * 512;
	return 0;
}

/* Layer rows no image uses, leaves first (a layer is some other's parent). */
static int gc_layers(sv_store *s, int64_t *reclaimed, sv_err **err)
{
	for (;;) {
		SV_AUTOSTRV char **dead = collect(
			s, "SELECT chain_id FROM layers l WHERE NOT EXISTS"
			   " (SELECT 1 FROM image_layers il WHERE il.chain_id = l.chain_id)"
			   " AND NOT EXISTS (SELECT 1 FROM layers c WHERE c.parent = l.chain_id)");
		if (!dead[0])
			return 0;
		for (size_t i = 0; dead[i]; i++) {
			SV_AUTOFREE char *rel = layer_rel(dead[i]);
			*reclaimed += path_usage(sv_store_root_fd(s), rel);
			if (sv_store_begin(s, err) < 0)
				return -1;
			SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM layers WHERE chain_id = ?", err);
			if (st)
				sqlite3_bind_text(st, 1, dead[i], -1, SQLITE_STATIC);
			if (step_done(s, st, "delete layer", err) < 0 || sv_store_commit(s, err) < 0) {
				sv_store_rollback(s);
				return -1;
			}
			/* Rows first, then the directory: a crash in between
			 * leaves an orphan directory, never a row without one. */
			if (sv_store_trash(s, rel, err) < 0)
				return -1;
		}
	}
}

static bool blob_referenced(sv_store *s, const char *digest)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT 1 FROM images WHERE manifest_digest = ?1 OR id = ?1"
		" UNION ALL SELECT 1 FROM image_layers WHERE blob_digest = ?1 LIMIT 1",
		NULL);
	if (!st)
		return true;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static int gc_blobs(sv_store *s, int64_t *reclaimed, sv_err **err)
{
	int bfd = openat(sv_store_root_fd(s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return sv_err_set(err, errno, "open blobs");
	DIR *d = fdopendir(bfd);
	if (!d) {
		close(bfd);
		return sv_err_set(err, errno, "open blobs");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		SV_AUTOFREE char *digest = sv_xasprintf("sha256:%s", de->d_name);
		if (sv_digest_validate(digest, NULL) < 0 || blob_referenced(s, digest))
			continue;
		struct stat st;
		if (fstatat(bfd, de->d_name, &st, 0) == 0)
			*reclaimed += (int64_t)st.st_blocks * 512;
		unlinkat(bfd, de->d_name, 0);
	}
	closedir(d);
	return 0;
}

int sv_image_gc(sv_store *s, int64_t *reclaimed, sv_err **err)
{
	/* Loads and pulls hold "gc" shared from their first blob to their
	 * commit: what they wrote is not yet referenced, and must survive. */
	SV_AUTOCLOSE int gl = sv_store_lock(s, "gc", true, err);
	if (gl < 0)
		return -1;
	SV_AUTOCLOSE int lk = sv_store_lock(s, "layers", true, err);
	if (lk < 0)
		return -1;
	int64_t freed = 0;
	int rc = gc_layers(s, &freed, err);
	if (rc == 0)
		rc = gc_blobs(s, &freed, err);
	if (reclaimed)
		*reclaimed += freed;
	return rc;
}
