/*
 * Verifying the image side of a store (`servin system check`): the
 * database's own integrity, every blob against its digest, every image's
 * manifest, config and layer blobs, every layer row against its directory,
 * and leftovers (directories, blobs or temporaries nothing refers to).
 *
 * Problems are "corrupt" (something recorded is missing or wrong) or
 * "leftover" (something unrecorded takes space). With repair, leftovers are
 * removed and images whose data is gone are deleted, so the store is
 * consistent again; the report says what was done.
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

struct check {
	sv_store *s;
	bool repair;
	bool deleted; /* an image was deleted: layers and blobs to collect */
	sv_image_check_fn *fn;
	void *arg;
	int corrupt, leftover;
};

static void report(struct check *c, const char *kind, const char *object, bool repaired, const char *fmt, ...)
	SV_PRINTF(5, 6);

static void report(struct check *c, const char *kind, const char *object, bool repaired, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *detail = sv_xvasprintf(fmt, ap);
	va_end(ap);
	bool is_corrupt = strcmp(kind, "leftover") != 0;
	if (is_corrupt && !repaired)
		c->corrupt++;
	if (!is_corrupt)
		c->leftover++;
	struct sv_check_problem p = { .kind = kind, .object = object, .detail = detail, .repaired = repaired };
	c->fn(&p, c->arg);
}

static char **column(sv_store *s, const char *sql)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, sql, NULL);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	return v;
}

static void check_database(struct check *c)
{
	SV_AUTOSTRV char **ic = column(c->s, "PRAGMA integrity_check");
	if (!ic[0] || strcmp(ic[0], "ok") != 0)
		report(c, "corrupt", "servin.db", false, "integrity check: %s", ic[0] ? ic[0] : "no answer");
	SV_AUTOSTRV char **fk = column(c->s, "SELECT \"table\" || ' row ' || rowid || ' -> ' || parent FROM pragma_foreign_key_check");
	for (size_t i = 0; fk[i]; i++)
		report(c, "corrupt", "servin.db", false, "dangling reference: %s", fk[i]);
}

/* Every blob file hashes to its name. */
static int check_blobs(struct check *c, sv_err **err)
{
	SV_AUTOCLOSE int bfd = openat(sv_store_root_fd(c->s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = bfd >= 0 ? fdopendir(dup(bfd)) : NULL;
	if (!d)
		return sv_err_set(err, errno, "open blobs");
	struct dirent *de;
	char *buf = sv_xmalloc(1 << 20);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		SV_AUTOFREE char *digest = sv_xasprintf("sha256:%s", de->d_name);
		SV_AUTOCLOSE int fd = openat(bfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		bool ok = fd >= 0 && sv_digest_validate(digest, NULL) == 0;
		if (ok) {
			sv_sha256 *h = sv_sha256_new();
			ssize_t n;
			while ((n = read(fd, buf, 1 << 20)) > 0)
				sv_sha256_update(h, buf, (size_t)n);
			char got[SV_DIGEST_STR_LEN];
			sv_sha256_final(h, got);
			sv_sha256_free(h);
			ok = n == 0 && strcmp(got, digest) == 0;
		}
		if (!ok) {
			bool fixed = c->repair && unlinkat(bfd, de->d_name, 0) == 0;
			report(c, "corrupt", digest, fixed, "blob content does not match its digest%s",
			       fixed ? ": removed" : "");
		}
	}
	free(buf);
	closedir(d);
	return 0;
}

static bool layer_dir_exists(sv_store *s, const char *chain)
{
	SV_AUTOFREE char *rel = sv_xasprintf("layers/%s", sv_digest_hex(chain));
	struct stat st;
	return fstatat(sv_store_root_fd(s), rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* An image is whole when its manifest, config and layer blobs and its
 * layer directories are all there. */
static void check_images(struct check *c)
{
	SV_AUTOSTRV char **ids = column(c->s, "SELECT id FROM images ORDER BY id");
	for (size_t i = 0; ids[i]; i++) {
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
			c->s,
			"SELECT manifest_digest AS d, 'manifest' FROM images WHERE id = ?1"
			" UNION ALL SELECT id, 'config' FROM images WHERE id = ?1"
			" UNION ALL SELECT blob_digest, 'layer blob' FROM image_layers WHERE image_id = ?1"
			" UNION ALL SELECT chain_id, 'layer' FROM image_layers WHERE image_id = ?1",
			NULL);
		if (!st)
			continue;
		sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
		SV_AUTOFREE char *missing = NULL;
		while (!missing && sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 0);
			const char *what = (const char *)sqlite3_column_text(st, 1);
			bool ok = strcmp(what, "layer") == 0 ? layer_dir_exists(c->s, d) && sv_image_layer_exists(c->s, d)
							     : sv_store_blob_exists(c->s, d);
			if (!ok)
				missing = sv_xasprintf("%s %s is missing", what, d);
		}
		if (!missing)
			continue;
		bool fixed = false;
		if (c->repair) {
			struct sv_image_removal rm = { 0 };
			SV_AUTOERR sv_err *e = NULL;
			fixed = sv_image_delete_id(c->s, ids[i], &rm, &e) == 0;
			c->deleted |= fixed;
			sv_image_removal_release(&rm);
		}
		report(c, "corrupt", ids[i], fixed, "%s%s", missing, fixed ? ": image deleted" : "");
	}
}

/* Layer rows without a directory (corrupt) and directories without a row
 * (left by a process killed mid-commit). */
static int check_layers(struct check *c, sv_err **err)
{
	SV_AUTOSTRV char **rows = column(c->s, "SELECT chain_id FROM layers ORDER BY chain_id");
	for (size_t i = 0; rows[i]; i++)
		if (!layer_dir_exists(c->s, rows[i]))
			report(c, "corrupt", rows[i], false, "layer directory is missing");
	SV_AUTOCLOSE int lfd = openat(sv_store_root_fd(c->s), "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd >= 0 ? fdopendir(dup(lfd)) : NULL;
	if (!d)
		return sv_err_set(err, errno, "open layers");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		SV_AUTOFREE char *chain = sv_xasprintf("sha256:%s", de->d_name);
		if (sv_image_layer_exists(c->s, chain))
			continue;
		SV_AUTOFREE char *rel = sv_xasprintf("layers/%s", de->d_name);
		SV_AUTOERR sv_err *e = NULL;
		bool fixed = c->repair && sv_store_trash(c->s, rel, &e) == 0;
		report(c, "leftover", rel, fixed, "layer directory without a record%s", fixed ? ": removed" : "");
	}
	closedir(d);
	return 0;
}

static void check_orphan_blobs(struct check *c)
{
	SV_AUTOCLOSE int bfd = openat(sv_store_root_fd(c->s), "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = bfd >= 0 ? fdopendir(dup(bfd)) : NULL;
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		SV_AUTOFREE char *digest = sv_xasprintf("sha256:%s", de->d_name);
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
			c->s,
			"SELECT 1 FROM images WHERE manifest_digest = ?1 OR id = ?1"
			" UNION ALL SELECT 1 FROM image_layers WHERE blob_digest = ?1 LIMIT 1",
			NULL);
		if (!st)
			continue;
		sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			continue;
		bool fixed = c->repair && unlinkat(bfd, de->d_name, 0) == 0;
		report(c, "leftover", digest, fixed, "blob no image refers to%s", fixed ? ": removed" : "");
	}
	closedir(d);
}

static int check_locked(struct check *c, sv_err **err)
{
	/* Nothing may load or remove images while we look: a half-committed
	 * load would read as leftovers. */
	SV_AUTOCLOSE int gl = sv_store_lock(c->s, "gc", true, err);
	if (gl < 0)
		return -1;
	SV_AUTOCLOSE int ll = sv_store_lock(c->s, "layers", true, err);
	if (ll < 0)
		return -1;
	check_database(c);
	if (check_blobs(c, err) < 0)
		return -1;
	check_images(c);
	if (check_layers(c, err) < 0)
		return -1;
	check_orphan_blobs(c);
	return 0;
}

int sv_image_check(sv_store *s, bool repair, sv_image_check_fn *fn, void *arg, int *corrupt, sv_err **err)
{
	struct check c = { .s = s, .repair = repair, .fn = fn, .arg = arg };
	if (check_locked(&c, err) < 0)
		return -1;
	/* Deleted images leave layers and blobs for the collector (which
	 * takes the locks itself). */
	if (c.deleted && sv_image_gc(s, NULL, err) < 0)
		return -1;
	*corrupt = c.corrupt;
	return 0;
}
