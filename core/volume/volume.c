/*
 * Volume records and directories.
 *
 * Create: the directory volumes/<name>/_data first (0755 for the content
 * a container writes; volumes/ itself stays 0700), then the row; a crash
 * between leaves a directory that `system check` reports as a leftover.
 * Remove: the row first (refused while a container refers to it), then
 * the directory goes to the trash, so the name is free at once.
 */
#include "volume-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

void sv_volume_release(struct sv_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->driver);
	free(v->mountpoint);
	cJSON_Delete(v->labels);
	cJSON_Delete(v->options);
	memset(v, 0, sizeof *v);
}

void sv_volumes_free(struct sv_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sv_volume_release(&v[i]);
	free(v);
}

bool vol_name_valid(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	if (len < 2 || len > 255)
		return len == 1 && ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
				    (n[0] >= '0' && n[0] <= '9'));
	for (const char *p = n; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (p != n && (c == '_' || c == '.' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

char *vol_dir(sv_store *s, const char *name)
{
	return sv_xasprintf("%s/volumes/%s", sv_store_root(s), name);
}

char *vol_data(sv_store *s, const char *name)
{
	return sv_xasprintf("%s/volumes/%s/_data", sv_store_root(s), name);
}

#define VOL_COLS                                                                                               \
	"v.name, v.driver, v.created, v.labels, v.options, v.anonymous,"                                       \
	" (SELECT count(*) FROM volume_refs r WHERE r.volume = v.name)"

static cJSON *obj_or_empty(const char *text)
{
	cJSON *j = cJSON_Parse(text ? text : "{}");
	if (cJSON_IsObject(j))
		return j;
	cJSON_Delete(j);
	return cJSON_CreateObject();
}

static void from_row(sv_store *s, sqlite3_stmt *st, struct sv_volume *v)
{
	memset(v, 0, sizeof *v);
	v->name = sv_xstrdup((const char *)sqlite3_column_text(st, 0));
	v->driver = sv_xstrdup((const char *)sqlite3_column_text(st, 1));
	v->created_ns = sqlite3_column_int64(st, 2);
	v->labels = obj_or_empty((const char *)sqlite3_column_text(st, 3));
	v->options = obj_or_empty((const char *)sqlite3_column_text(st, 4));
	v->anonymous = sqlite3_column_int(st, 5) != 0;
	v->refs = sqlite3_column_int64(st, 6);
	v->mountpoint = vol_data(s, v->name);
}

int sv_volume_get(sv_store *s, const char *name, struct sv_volume *out, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT " VOL_COLS " FROM volumes v WHERE v.name = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		from_row(s, st, out);
		return 0;
	}
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(s, "read volume", err);
	return sv_err_setx(err, ENOENT, "get %s: no such volume", name);
}

/* ---------------------------------------------------------------- create */

static int kv_into(cJSON *obj, char *const *kv, const char *what, sv_err **err)
{
	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		if (eq == kv[i])
			return sv_err_setx(err, EINVAL, "invalid %s: %s", what, kv[i]);
		SV_AUTOFREE char *k = eq ? sv_xstrndup(kv[i], (size_t)(eq - kv[i])) : sv_xstrdup(kv[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(obj, k);
		cJSON_AddStringToObject(obj, k, eq ? eq + 1 : "");
	}
	return 0;
}

/* The local driver's options: type, device, o; nothing else. */
static int check_options(const cJSON *o, sv_err **err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, o)
	{
		if (strcmp(it->string, "type") && strcmp(it->string, "device") && strcmp(it->string, "o"))
			return sv_err_setx(err, EINVAL, "invalid option key: \"%s\" (type, device, o)", it->string);
	}
	const char *type = sv_json_str(o, "type"), *dev = sv_json_str(o, "device"), *mo = sv_json_str(o, "o");
	if (!type && (dev || mo))
		return sv_err_setx(err, EINVAL, "missing required option: \"type\"");
	if (type && !dev && strcmp(type, "tmpfs") != 0)
		return sv_err_setx(err, EINVAL, "missing required option: \"device\"");
	bool bind = mo && (strcmp(mo, "bind") == 0 || sv_str_has_prefix(mo, "bind,") || strstr(mo, ",bind"));
	if (bind && (!dev || dev[0] != '/'))
		return sv_err_setx(err, EINVAL, "a bind volume needs an absolute device path");
	return 0;
}

static int insert(sv_store *s, const struct sv_volume *v, sv_err **err)
{
	SV_AUTOFREE char *lt = sv_json_print(v->labels);
	SV_AUTOFREE char *ot = sv_json_print(v->options);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO volumes (name, driver, created, labels, options, anonymous) VALUES (?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, v->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->driver, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, v->created_ns);
	sqlite3_bind_text(st, 4, lt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ot, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, v->anonymous);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		return sv_err_setx(err, EEXIST, "volume %s already exists", v->name);
	if (rc != SQLITE_DONE)
		return sv_store_sql_err(s, "insert volume", err);
	return sv_store_event_add(s, "volume", "create", v->name, NULL, err);
}

/* The directories of a new volume: volumes/ 0700, <name>/ 0700, _data 0755. */
static int make_dirs(sv_store *s, const char *name, sv_err **err)
{
	SV_AUTOFREE char *vols = sv_xasprintf("%s/volumes", sv_store_root(s));
	SV_AUTOFREE char *dir = vol_dir(s, name);
	SV_AUTOFREE char *data = vol_data(s, name);
	if (sv_mkdir_p(vols, 0700, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sv_err_set(err, errno, "mkdir %s", dir);
	if (mkdir(data, 0755) < 0 && errno != EEXIST)
		return sv_err_set(err, errno, "mkdir %s", data);
	return 0;
}

static int new_volume(sv_store *s, const struct sv_volume_create_opts *o, const char *name, const char *drv,
		      struct sv_volume *v, sv_err **err)
{
	*v = (struct sv_volume){ .name = sv_xstrdup(name), .driver = sv_xstrdup(drv), .created_ns = sv_time_now_ns(),
				 .labels = cJSON_CreateObject(), .options = cJSON_CreateObject(),
				 .anonymous = o->anonymous || !o->name, .mountpoint = vol_data(s, name) };
	if (kv_into(v->labels, o->labels, "label", err) < 0 || kv_into(v->options, o->options, "option", err) < 0 ||
	    check_options(v->options, err) < 0 || make_dirs(s, name, err) < 0 || insert(s, v, err) < 0) {
		sv_volume_release(v);
		return -1;
	}
	return 0;
}

int vol_create_tx(sv_store *s, const struct sv_volume_create_opts *o, struct sv_volume *out, bool *existed,
		  sv_err **err)
{
	*existed = false;
	char rnd[65];
	const char *name = o->name;
	if (!name) {
		sv_random_hex(rnd, 64);
		name = rnd;
	}
	if (!vol_name_valid(name))
		return sv_err_setx(err, EINVAL,
				   "\"%s\" includes invalid characters for a local volume name, only "
				   "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
				   name);
	const char *drv = o->driver && *o->driver ? o->driver : "local";
	if (strcmp(drv, "local") != 0)
		return sv_err_setx(err, EINVAL, "error looking up volume plugin %s: plugin \"%s\" not found", drv, drv);
	if (sv_volume_get(s, name, out, NULL) == 0) {
		*existed = true;
		return 0;
	}
	return new_volume(s, o, name, drv, out, err);
}

int sv_volume_create(sv_store *s, const struct sv_volume_create_opts *o, struct sv_volume *out, sv_err **err)
{
	struct sv_volume v;
	bool existed;
	if (sv_store_begin(s, err) < 0)
		return -1;
	if (vol_create_tx(s, o, &v, &existed, err) < 0 || sv_store_commit(s, err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	if (out)
		*out = v;
	else
		sv_volume_release(&v);
	return 0;
}

/* ---------------------------------------------------------------- list */

static bool label_match(const cJSON *labels, const char *f)
{
	const char *eq = strchr(f, '=');
	SV_AUTOFREE char *k = eq ? sv_xstrndup(f, (size_t)(eq - f)) : sv_xstrdup(f);
	const char *v = sv_json_str(labels, k);
	return v && (!eq || strcmp(v, eq + 1) == 0);
}

/* EINVAL for an unknown filter key. */
static int filter_match(const struct sv_volume *v, char *const *filters, bool *match, sv_err **err)
{
	*match = true;
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		if (!eq)
			return sv_err_setx(err, EINVAL, "bad format of filter (expected name=value): %s", f);
		size_t kl = (size_t)(eq - f);
		const char *val = eq + 1;
		bool ok;
		if (kl == 4 && strncmp(f, "name", 4) == 0)
			ok = strstr(v->name, val) != NULL;
		else if (kl == 6 && strncmp(f, "driver", 6) == 0)
			ok = strcmp(v->driver, val) == 0;
		else if (kl == 5 && strncmp(f, "label", 5) == 0)
			ok = label_match(v->labels, val);
		else if (kl == 8 && strncmp(f, "dangling", 8) == 0) {
			bool want = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
			if (!want && strcmp(val, "false") && strcmp(val, "0"))
				return sv_err_setx(err, EINVAL, "invalid filter 'dangling=%s'", val);
			ok = (v->refs == 0) == want;
		} else
			return sv_err_setx(err, EINVAL, "invalid filter '%.*s'", (int)kl, f);
		*match &= ok;
	}
	return 0;
}

int sv_volume_list(sv_store *s, char *const *filters, struct sv_volume **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT " VOL_COLS " FROM volumes v ORDER BY v.name", err);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sv_volume v;
		from_row(s, st, &v);
		bool m;
		if (filter_match(&v, filters, &m, err) < 0) {
			sv_volume_release(&v);
			sv_volumes_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
		if (!m) {
			sv_volume_release(&v);
			continue;
		}
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = v;
	}
	return 0;
}

/* ---------------------------------------------------------------- remove */

int64_t sv_volume_size(const struct sv_volume *v)
{
	int64_t bytes = 0, inodes = 0;
	SV_AUTOCLOSE int fd = open(v->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || sv_du_at(fd, &bytes, &inodes, NULL) < 0)
		return 0;
	return bytes;
}

static int users(sv_store *s, const char *name, struct sv_buf *ids, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT container_id FROM volume_refs WHERE volume = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		sv_buf_addf(ids, "%s%s", n++ ? ", " : "", (const char *)sqlite3_column_text(st, 0));
	return n;
}

/* Deletes the row (the caller's transaction) and trashes the directory
 * after commit through vol_trash. */
static int delete_row(sv_store *s, const char *name, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM volumes WHERE name = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(s, "delete volume", err);
	return sv_store_event_add(s, "volume", "destroy", name, NULL, err);
}

void vol_trash(sv_store *s, const char *name)
{
	SV_AUTOFREE char *data = vol_data(s, name);
	/* A driver mount left by a crash must not take its content along. */
	(void)umount2(data, MNT_DETACH | UMOUNT_NOFOLLOW);
	SV_AUTOFREE char *rel = sv_xasprintf("volumes/%s", name);
	SV_AUTOERR sv_err *e = NULL;
	if (sv_store_trash(s, rel, &e) < 0)
		sv_warn("volume %s: %s", name, e->msg);
}

int sv_volume_remove(sv_store *s, const char *name, bool force, sv_err **err)
{
	SV_AUTOBUF struct sv_buf ids;
	sv_buf_init(&ids);
	if (sv_store_begin(s, err) < 0)
		return -1;
	struct sv_volume v;
	if (sv_volume_get(s, name, &v, err) < 0) {
		sv_store_rollback(s);
		if (force && sv_err_code(err) == ENOENT) {
			sv_err_clear(err);
			return 0;
		}
		return -1;
	}
	sv_volume_release(&v);
	int n = users(s, name, &ids, err);
	if (n != 0) {
		sv_store_rollback(s);
		return n < 0 ? -1 : sv_err_setx(err, EBUSY, "remove %s: volume is in use - [%s]", name, ids.data);
	}
	if (delete_row(s, name, err) < 0 || sv_store_commit(s, err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	vol_trash(s, name);
	return 0;
}

int sv_volume_prune(sv_store *s, bool all, char *const *filters, char ***removed, int64_t *reclaimed, sv_err **err)
{
	*removed = NULL;
	*reclaimed = 0;
	struct sv_volume *v = NULL;
	size_t n = 0;
	if (sv_volume_list(s, filters, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i].refs || (!all && !v[i].anonymous))
			continue;
		int64_t size = sv_volume_size(&v[i]);
		SV_AUTOERR sv_err *e = NULL;
		/* One by one: a volume a new container claimed meanwhile is
		 * refused (EBUSY) and kept. */
		if (sv_volume_remove(s, v[i].name, false, &e) < 0)
			continue;
		sv_strv_push(removed, v[i].name);
		*reclaimed += size;
	}
	sv_volumes_free(v, n);
	if (!*removed)
		*removed = sv_xcalloc(1, sizeof(char *));
	return 0;
}

int sv_volume_remove_anonymous(sv_store *s, const char *container_id, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT v.name FROM volumes v JOIN volume_refs r ON r.volume = v.name WHERE r.container_id = ?1"
		" AND v.anonymous = 1 AND NOT EXISTS (SELECT 1 FROM volume_refs o WHERE o.volume = v.name"
		" AND o.container_id != ?1)",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	SV_AUTOSTRV char **names = NULL;
	while (sqlite3_step(st) == SQLITE_ROW)
		sv_strv_push(&names, (const char *)sqlite3_column_text(st, 0));
	for (size_t i = 0; names && names[i]; i++) {
		if (sv_store_begin(s, err) < 0)
			return -1;
		SV_AUTOSTMT sqlite3_stmt *d = sv_store_prepare(s, "DELETE FROM volume_refs WHERE container_id = ? AND volume = ?", err);
		if (!d || (sqlite3_bind_text(d, 1, container_id, -1, SQLITE_STATIC),
			   sqlite3_bind_text(d, 2, names[i], -1, SQLITE_STATIC), sqlite3_step(d)) != SQLITE_DONE ||
		    delete_row(s, names[i], err) < 0 || sv_store_commit(s, err) < 0) {
			sv_store_rollback(s);
			return -1;
		}
		vol_trash(s, names[i]);
	}
	return 0;
}
