/*
 * A container's mounts: parsed from -v/--mount/--tmpfs/--volumes-from and
 * the image's VOLUMEs at create, volumes claimed in the create
 * transaction, and prepared at each start (driver mounts, copy-up,
 * canonical bind sources).
 */
#include "volume-internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const propagations[] = { "shared", "rshared", "slave", "rslave", "private", "rprivate", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

void sv_mounts_free(struct sv_mount *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].source);
		free(m[i].target);
		free(m[i].propagation);
		free(m[i].tmpfs_opts);
	}
	free(m);
}

static void mount_copy(struct sv_mount *dst, const struct sv_mount *src);
static void mount_copy(struct sv_mount *dst, const struct sv_mount *src)
{
	*dst = *src;
	dst->name = src->name ? sv_xstrdup(src->name) : NULL;
	dst->source = src->source ? sv_xstrdup(src->source) : NULL;
	dst->target = sv_xstrdup(src->target);
	dst->propagation = src->propagation ? sv_xstrdup(src->propagation) : NULL;
	dst->tmpfs_opts = src->tmpfs_opts ? sv_xstrdup(src->tmpfs_opts) : NULL;
}

/* ---------------------------------------------------------------- building */

static void mount_release(struct sv_mount *m)
{
	free(m->name);
	free(m->source);
	free(m->target);
	free(m->propagation);
	free(m->tmpfs_opts);
	memset(m, 0, sizeof *m);
}

struct list {
	struct sv_mount *v;
	bool *user; /* from -v/--mount/--tmpfs (not an image VOLUME or --volumes-from) */
	size_t n;
	bool adding_user;
};

static void list_release(struct list *l)
{
	sv_mounts_free(l->v, l->n);
	free(l->user);
	memset(l, 0, sizeof *l);
}

/* Adds m (taken). A user mount replaces an image VOLUME or a
 * --volumes-from mount on the same target; two user mounts on one target
 * are refused, as Docker does. */
static int list_put(struct list *l, struct sv_mount *m, sv_err **err)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].target, m->target) != 0)
			continue;
		if (l->user[i] && l->adding_user) {
			sv_err_setx(err, EINVAL, "Duplicate mount point: %s", m->target);
			sv_mounts_free(m, 1);
			return -1;
		}
		mount_release(&l->v[i]);
		l->v[i] = *m;
		l->user[i] = l->adding_user;
		free(m);
		return 0;
	}
	l->v = sv_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->user = sv_xrealloc(l->user, (l->n + 1) * sizeof *l->user);
	l->user[l->n] = l->adding_user;
	l->v[l->n++] = *m;
	free(m);
	return 0;
}

static size_t depth(const char *p)
{
	size_t d = 0;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

/* Parents before children: the runtime mounts in order. Stable. */
static void sort_by_depth(struct sv_mount *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct sv_mount t = v[i];
		size_t j = i;
		while (j > 0 && depth(v[j - 1].target) > depth(t.target)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
}

static char *clean_target(const char *t, sv_err **err)
{
	if (!t || t[0] != '/')
		return sv_err_setx(err, EINVAL, "invalid mount path: '%s' mount path must be absolute", t ? t : ""), NULL;
	SV_AUTOFREE char *c = sv_path_clean(t + 1);
	if (!c)
		return sv_err_setx(err, EINVAL, "invalid specification: destination can't be '/'"), NULL;
	return sv_xasprintf("/%s", c);
}

static struct sv_mount *mount_new(enum sv_mount_type type, const char *target, sv_err **err)
{
	char *t = clean_target(target, err);
	if (!t)
		return NULL;
	struct sv_mount *m = sv_xcalloc(1, sizeof *m);
	m->type = type;
	m->target = t;
	return m;
}

/* ---------------------------------------------------------------- -v */

static int bind_mode(struct sv_mount *m, const char *mode, sv_err **err)
{
	SV_AUTOSTRV char **opts = sv_strv_split(mode, ',', true);
	for (size_t i = 0; opts[i]; i++) {
		const char *o = opts[i];
		if (strcmp(o, "ro") == 0)
			m->ro = true;
		else if (strcmp(o, "rw") == 0)
			m->ro = false;
		else if (strcmp(o, "nocopy") == 0 && m->type == SV_MOUNT_VOLUME)
			m->nocopy = true;
		else if (in_list(propagations, o) && m->type == SV_MOUNT_BIND) {
			free(m->propagation);
			m->propagation = sv_xstrdup(o);
		} else if (strcmp(o, "z") && strcmp(o, "Z") && strcmp(o, "consistent") && strcmp(o, "cached") &&
			   strcmp(o, "delegated"))
			return sv_err_setx(err, EINVAL, "invalid mode: %s", mode);
	}
	return 0;
}

static struct sv_mount *parse_bind(const char *spec, sv_err **err)
{
	SV_AUTOSTRV char **p = sv_strv_split(spec, ':', false);
	size_t n = sv_strv_len(p);
	const char *src = NULL, *dst = NULL, *mode = NULL;
	if (n == 1)
		dst = p[0];
	else if (n == 2 && p[1][0] != '/')
		dst = p[0], mode = p[1];
	else if (n == 2)
		src = p[0], dst = p[1];
	else if (n == 3)
		src = p[0], dst = p[1], mode = p[2];
	else
		return sv_err_setx(err, EINVAL, "invalid volume specification: '%s'", spec), NULL;
	if (src && !*src)
		return sv_err_setx(err, EINVAL, "invalid volume specification: '%s'", spec), NULL;
	bool bind = src && src[0] == '/';
	struct sv_mount *m = mount_new(bind ? SV_MOUNT_BIND : SV_MOUNT_VOLUME, dst, err);
	if (!m)
		return sv_err_prefix(err, "invalid volume specification '%s'", spec), NULL;
	if (src && !bind && !vol_name_valid(src)) {
		sv_err_setx(err, EINVAL, "invalid volume specification: '%s': \"%s\" is not a valid volume name", spec, src);
		goto fail;
	}
	if (bind) {
		m->source = sv_xstrdup(src);
		m->create_source = true;
	} else if (src) {
		m->name = sv_xstrdup(src);
	}
	if (mode && bind_mode(m, mode, err) < 0)
		goto fail;
	return m;
fail:
	sv_mounts_free(m, 1);
	return NULL;
}

/* ---------------------------------------------------------------- --mount */

static struct sv_mount *parse_mount_json(const cJSON *j, sv_err **err)
{
	const char *type = sv_json_str(j, "Type");
	const char *target = sv_json_str(j, "Target");
	if (!target)
		target = sv_json_str(j, "Destination");
	const char *src = sv_json_str(j, "Source");
	if (!type)
		return sv_err_setx(err, EINVAL, "invalid mount config: type is required"), NULL;
	enum sv_mount_type t;
	if (strcmp(type, "bind") == 0)
		t = SV_MOUNT_BIND;
	else if (strcmp(type, "volume") == 0)
		t = SV_MOUNT_VOLUME;
	else if (strcmp(type, "tmpfs") == 0)
		t = SV_MOUNT_TMPFS;
	else
		return sv_err_setx(err, EINVAL, "invalid mount config: mount type unknown: \"%s\"", type), NULL;
	if (!target || !*target)
		return sv_err_setx(err, EINVAL, "invalid mount config for type \"%s\": field Target must not be empty", type),
		       NULL;
	struct sv_mount *m = mount_new(t, target, err);
	if (!m)
		return NULL;
	m->ro = sv_json_bool(j, "ReadOnly", false);
	const cJSON *bo = sv_json_obj(j, "BindOptions"), *vo = sv_json_obj(j, "VolumeOptions"),
		    *to = sv_json_obj(j, "TmpfsOptions");
	if (t == SV_MOUNT_BIND) {
		if (!src || src[0] != '/') {
			sv_err_setx(err, EINVAL, "invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute",
				    src ? src : "");
			goto fail;
		}
		m->source = sv_xstrdup(src);
		const char *pr = bo ? sv_json_str(bo, "Propagation") : NULL;
		if (pr && *pr && !in_list(propagations, pr)) {
			sv_err_setx(err, EINVAL, "invalid propagation mode: %s", pr);
			goto fail;
		}
		if (pr && *pr)
			m->propagation = sv_xstrdup(pr);
		m->create_source = bo && sv_json_bool(bo, "CreateMountpoint", false);
	} else if (t == SV_MOUNT_VOLUME) {
		if (src && *src && !vol_name_valid(src)) {
			sv_err_setx(err, EINVAL, "invalid mount config for type \"volume\": invalid volume name \"%s\"", src);
			goto fail;
		}
		if (src && *src)
			m->name = sv_xstrdup(src);
		m->nocopy = vo && sv_json_bool(vo, "NoCopy", false);
	} else {
		if (src && *src) {
			sv_err_setx(err, EINVAL, "invalid mount config for type \"tmpfs\": field Source must not be specified");
			goto fail;
		}
		m->tmpfs_size = to ? sv_json_i64(to, "SizeBytes", 0) : 0;
		m->tmpfs_mode = to ? (int)sv_json_i64(to, "Mode", 0) : 0;
		if (m->tmpfs_size < 0 || m->tmpfs_mode < 0 || m->tmpfs_mode > 07777) {
			sv_err_setx(err, EINVAL, "invalid tmpfs options");
			goto fail;
		}
	}
	return m;
fail:
	sv_mounts_free(m, 1);
	return NULL;
}

/* ---------------------------------------------------------------- --tmpfs */

static int check_tmpfs_opts(const char *opts, sv_err **err)
{
	static const char *const flags[] = { "ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", NULL };
	static const char *const keys[] = { "size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=", NULL };
	SV_AUTOSTRV char **v = sv_strv_split(opts, ',', true);
	for (size_t i = 0; v[i]; i++) {
		bool ok = in_list(flags, v[i]);
		for (size_t k = 0; keys[k] && !ok; k++)
			ok = sv_str_has_prefix(v[i], keys[k]) && !strpbrk(v[i], " \t\n");
		if (!ok)
			return sv_err_setx(err, EINVAL, "invalid tmpfs option \"%s\"", v[i]);
	}
	return 0;
}

/* ---------------------------------------------------------------- parse */

static int add_all(struct list *l, const struct sv_mount_request *r, sv_err **err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, r->image_volumes)
	{
		struct sv_mount *m = mount_new(SV_MOUNT_VOLUME, it->string, err);
		if (!m || list_put(l, m, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->nfrom; i++) {
		struct sv_mount *m = sv_xcalloc(1, sizeof *m);
		mount_copy(m, &r->from[i]);
		if (list_put(l, m, err) < 0)
			return -1;
	}
	l->adding_user = true;
	for (size_t i = 0; r->binds && r->binds[i]; i++) {
		struct sv_mount *m = parse_bind(r->binds[i], err);
		if (!m || list_put(l, m, err) < 0)
			return -1;
	}
	cJSON_ArrayForEach(it, r->mounts)
	{
		struct sv_mount *m = parse_mount_json(it, err);
		if (!m || list_put(l, m, err) < 0)
			return -1;
	}
	cJSON_ArrayForEach(it, r->tmpfs)
	{
		const char *opts = cJSON_IsString(it) ? it->valuestring : "";
		if (check_tmpfs_opts(opts, err) < 0)
			return -1;
		struct sv_mount *m = mount_new(SV_MOUNT_TMPFS, it->string, err);
		if (!m)
			return -1;
		m->tmpfs_opts = *opts ? sv_xstrdup(opts) : NULL;
		if (list_put(l, m, err) < 0)
			return -1;
	}
	return 0;
}

int sv_mounts_parse(const struct sv_mount_request *r, struct sv_mount **out, size_t *n, sv_err **err)
{
	struct list l = { 0 };
	if (add_all(&l, r, err) < 0) {
		list_release(&l);
		return -1;
	}
	sort_by_depth(l.v, l.n);
	*out = l.v;
	*n = l.n;
	free(l.user);
	return 0;
}

/* ---------------------------------------------------------------- claim */

int sv_mounts_claim_tx(sv_store *s, const char *container_id, struct sv_mount *m, size_t n, sv_err **err)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].type != SV_MOUNT_VOLUME)
			continue;
		struct sv_volume v;
		bool existed;
		struct sv_volume_create_opts o = { .name = m[i].name, .anonymous = m[i].anonymous || !m[i].name };
		if (vol_create_tx(s, &o, &v, &existed, err) < 0)
			return -1;
		if (!m[i].name)
			m[i].name = sv_xstrdup(v.name);
		sv_volume_release(&v);
		SV_AUTOSTMT sqlite3_stmt *st =
			sv_store_prepare(s, "INSERT OR IGNORE INTO volume_refs (container_id, volume) VALUES (?, ?)", err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sv_store_sql_err(s, "record volume use", err);
	}
	return 0;
}

/* ---------------------------------------------------------------- JSON */

static const char *const type_names[] = { "bind", "volume", "tmpfs" };

cJSON *sv_mounts_to_json(const struct sv_mount *m, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Type", type_names[m[i].type]);
		if (m[i].name)
			cJSON_AddStringToObject(o, "Name", m[i].name);
		if (m[i].source)
			cJSON_AddStringToObject(o, "Source", m[i].source);
		cJSON_AddStringToObject(o, "Destination", m[i].target);
		cJSON_AddBoolToObject(o, "RW", !m[i].ro);
		cJSON_AddBoolToObject(o, "NoCopy", m[i].nocopy);
		if (m[i].anonymous)
			cJSON_AddBoolToObject(o, "Anonymous", true);
		cJSON_AddBoolToObject(o, "CreateSource", m[i].create_source);
		cJSON_AddStringToObject(o, "Propagation", m[i].propagation ? m[i].propagation : "");
		if (m[i].type == SV_MOUNT_TMPFS) {
			cJSON_AddNumberToObject(o, "TmpfsSize", (double)m[i].tmpfs_size);
			cJSON_AddNumberToObject(o, "TmpfsMode", m[i].tmpfs_mode);
			if (m[i].tmpfs_opts)
				cJSON_AddStringToObject(o, "TmpfsOptions", m[i].tmpfs_opts);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

int sv_mounts_from_json(const cJSON *arr, struct sv_mount **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	int count = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	struct sv_mount *v = sv_xcalloc((size_t)count + 1, sizeof *v);
	size_t k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		const char *type = sv_json_str(it, "Type"), *dst = sv_json_str(it, "Destination");
		struct sv_mount *m = &v[k];
		int t = type ? (strcmp(type, "bind") == 0 ? 0 : strcmp(type, "volume") == 0 ? 1 : strcmp(type, "tmpfs") == 0 ? 2 : -1)
			     : -1;
		if (t < 0 || !dst || dst[0] != '/') {
			sv_mounts_free(v, k);
			return sv_err_setx(err, EBADMSG, "stored mount %d is malformed", (int)k);
		}
		m->type = (enum sv_mount_type)t;
		m->target = sv_xstrdup(dst);
		const char *s;
		if ((s = sv_json_str(it, "Name")))
			m->name = sv_xstrdup(s);
		if ((s = sv_json_str(it, "Source")))
			m->source = sv_xstrdup(s);
		if ((s = sv_json_str(it, "Propagation")) && *s)
			m->propagation = sv_xstrdup(s);
		if ((s = sv_json_str(it, "TmpfsOptions")))
			m->tmpfs_opts = sv_xstrdup(s);
		m->ro = !sv_json_bool(it, "RW", true);
		m->nocopy = sv_json_bool(it, "NoCopy", false);
		m->anonymous = sv_json_bool(it, "Anonymous", false);
		m->create_source = sv_json_bool(it, "CreateSource", false);
		m->tmpfs_size = sv_json_i64(it, "TmpfsSize", 0);
		m->tmpfs_mode = (int)sv_json_i64(it, "TmpfsMode", 0);
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---------------------------------------------------------------- start */

static bool is_mountpoint(const char *path)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return false;
	return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The local driver's mount: -o type=tmpfs|<fs> device=... o=... */
static int driver_mount(sv_store *s, const struct sv_volume *v, sv_err **err)
{
	const char *type = sv_json_str(v->options, "type");
	if (!type)
		return 0;
	SV_AUTOFREE char *lname = sv_xasprintf("vol-%s", v->name);
	SV_AUTOCLOSE int lock = sv_store_lock(s, lname, true, err);
	if (lock < 0)
		return -1;
	if (is_mountpoint(v->mountpoint))
		return 0;
	const char *dev = sv_json_str(v->options, "device"), *o = sv_json_str(v->options, "o");
	unsigned long flags = 0;
	SV_AUTOBUF struct sv_buf data;
	sv_buf_init(&data);
	SV_AUTOSTRV char **opts = sv_strv_split(o ? o : "", ',', true);
	for (size_t i = 0; opts[i]; i++) {
		if (strcmp(opts[i], "bind") == 0)
			flags |= MS_BIND;
		else if (strcmp(opts[i], "rbind") == 0)
			flags |= MS_BIND | MS_REC;
		else if (strcmp(opts[i], "ro") == 0)
			flags |= MS_RDONLY;
		else
			sv_buf_addf(&data, "%s%s", data.len ? "," : "", opts[i]);
	}
	const char *fstype = strcmp(type, "none") == 0 ? NULL : type;
	if (mount(dev ? dev : type, v->mountpoint, (flags & MS_BIND) ? NULL : fstype, flags,
		  data.len ? data.data : NULL) < 0)
		return sv_err_set(err, errno, "mount volume %s (type %s, device %s)", v->name, type, dev ? dev : type);
	return 0;
}

static bool dir_empty(int fd)
{
	int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d) {
		if (d2 >= 0)
			close(d2);
		return false;
	}
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Docker fills an empty volume from the image's directory at its target. */
static int copy_up(const char *rootfs_dir, const struct sv_mount *m, const char *data, sv_err **err)
{
	SV_AUTOCLOSE int root = open(rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sv_err_set(err, errno, "open %s", rootfs_dir);
	SV_AUTOERR sv_err *e = NULL;
	SV_AUTOCLOSE int src = sv_open_in_root(root, m->target, O_RDONLY | O_DIRECTORY, 0, &e);
	if (src < 0)
		return 0; /* nothing (or not a directory) in the image there */
	SV_AUTOCLOSE int dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return sv_err_set(err, errno, "open %s", data);
	if (!dir_empty(dst) || dir_empty(src))
		return 0;
	return sv_volume_copy_in(root, m->target, dst, err);
}

static int prepare_volume(sv_store *s, const char *rootfs_dir, struct sv_mount *m, sv_err **err)
{
	struct sv_volume v;
	if (sv_volume_get(s, m->name, &v, err) < 0)
		return -1;
	int rc = -1;
	SV_AUTOFREE char *dir = vol_dir(s, v.name);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(v.mountpoint, 0755) < 0 && errno != EEXIST)) {
		sv_err_set(err, errno, "volume %s", v.name);
		goto out;
	}
	if (driver_mount(s, &v, err) < 0)
		goto out;
	if (!m->nocopy && rootfs_dir && copy_up(rootfs_dir, m, v.mountpoint, err) < 0)
		goto out;
	free(m->source);
	m->source = sv_xstrdup(v.mountpoint);
	rc = 0;
out:
	sv_volume_release(&v);
	return rc;
}

static int prepare_bind(struct sv_mount *m, sv_err **err)
{
	struct stat st;
	if (stat(m->source, &st) < 0) {
		if (errno != ENOENT || !m->create_source)
			return sv_err_setx(err, EINVAL,
					   "invalid mount config for type \"bind\": bind source path does not exist: %s",
					   m->source);
		if (sv_mkdir_p(m->source, 0755, err) < 0)
			return -1;
	}
	char real[PATH_MAX];
	if (!realpath(m->source, real))
		return sv_err_set(err, errno, "resolve bind source %s", m->source);
	free(m->source);
	m->source = sv_xstrdup(real);
	return 0;
}

int sv_mounts_prepare(sv_store *s, const char *rootfs_dir, struct sv_mount *m, size_t n, sv_err **err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = m[i].type == SV_MOUNT_VOLUME ? prepare_volume(s, rootfs_dir, &m[i], err)
			 : m[i].type == SV_MOUNT_BIND ? prepare_bind(&m[i], err)
						       : 0;
		if (rc < 0)
			return sv_err_prefix(err, "mount %s", m[i].target);
	}
	return 0;
}

int sv_mounts_release(sv_store *s, const char *except_container, const struct sv_mount *m, size_t n, sv_err **err)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].type != SV_MOUNT_VOLUME || !m[i].name)
			continue;
		struct sv_volume v;
		if (sv_volume_get(s, m[i].name, &v, NULL) < 0)
			continue;
		bool driven = sv_json_str(v.options, "type") != NULL;
		SV_AUTOSTMT sqlite3_stmt *st = driven ? sv_store_prepare(
			s,
			"SELECT count(*) FROM volume_refs r JOIN containers c ON c.id = r.container_id WHERE r.volume = ?"
			" AND c.state IN ('running', 'paused', 'restarting') AND c.id != ?",
			err) : NULL;
		if (driven && st) {
			sqlite3_bind_text(st, 1, v.name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, except_container ? except_container : "", -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0 && is_mountpoint(v.mountpoint) &&
			    umount2(v.mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
				sv_warn("unmount volume %s: %s", v.name, strerror(errno));
		}
		sv_volume_release(&v);
	}
	return 0;
}
