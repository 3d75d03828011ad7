/*
 * Copying into and out of a container (docker cp, the archive endpoints).
 *
 * Out: a tar of a path inside the container. The path's parents resolve
 * inside the container root (sv_open_parent_in_root: symlinks, "..",
 * absolute links all stay in), the final component is never followed, and
 * the walk below it opens every child with O_NOFOLLOW relative to its
 * parent's fd — a symlink in the container is archived as a symlink and
 * can never lead the walk to the host.
 *
 * In: a tar stream extracted by core/image's secure layer extractor into a
 * directory resolved inside the root, so an entry can't land outside it
 * whatever symlinks the container or the tar hold.
 *
 * A stopped container's rootfs is mounted for the copy and unmounted after,
 * under a lock that its start also takes, so the two never race.
 */
#include "engine/engine.h"

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers-internal.h"
#include "image/image.h"

/* ---------------------------------------------------------------- tar out */

struct tarw {
	struct archive *a;
	int fd;
	bool keep_owner;
	int depth;
};

static la_ssize_t tar_write_cb(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct tarw *w = arg;
	if (sv_write_all(w->fd, buf, len) < 0) {
		archive_set_error(a, errno, "write: %s", strerror(errno));
		return -1;
	}
	return (la_ssize_t)len;
}

static int tar_err(struct tarw *w, const char *what, sv_err **err)
{
	return sv_err_setx(err, EIO, "%s: %s", what, archive_error_string(w->a));
}

static int tar_file_data(struct tarw *w, int fd, sv_err **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sv_err_set(err, errno, "read");
		if (n == 0)
			return 0;
		if (archive_write_data(w->a, buf, (size_t)n) < 0)
			return tar_err(w, "write tar", err);
	}
}

static int tar_walk(struct tarw *w, int dirfd, const char *name, const char *apath, sv_err **err);

static int tar_children(struct tarw *w, int dfd, const char *apath, sv_err **err)
{
	int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return sv_err_set(err, errno, "open directory %s", apath);
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		SV_AUTOFREE char *child = strcmp(apath, ".") == 0 ? sv_xstrdup(de->d_name)
								  : sv_xasprintf("%s/%s", apath, de->d_name);
		rc = tar_walk(w, dfd, de->d_name, child, err);
	}
	closedir(d);
	return rc;
}

static int tar_walk(struct tarw *w, int dirfd, const char *name, const char *apath, sv_err **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "stat %s", apath);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (++w->depth > 256) {
		w->depth--;
		return sv_err_setx(err, ELOOP, "%s: directories nested too deep", apath);
	}
	struct archive_entry *ae = archive_entry_new();
	archive_entry_copy_stat(ae, &st);
	if (!w->keep_owner) {
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
	}
	archive_entry_copy_pathname(ae, apath);
	SV_AUTOCLOSE int fd = -1;
	int rc = -1;
	if (S_ISLNK(st.st_mode)) {
		char target[4097];
		ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
		if (n < 0) {
			sv_err_set(err, errno, "readlink %s", apath);
			goto out;
		}
		target[n] = '\0';
		archive_entry_copy_symlink(ae, target);
	} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0) {
			sv_err_set(err, errno, "open %s", apath);
			goto out;
		}
	}
	if (archive_write_header(w->a, ae) != ARCHIVE_OK) {
		tar_err(w, apath, err);
		goto out;
	}
	if (S_ISREG(st.st_mode) && tar_file_data(w, fd, err) < 0)
		goto out;
	if (S_ISDIR(st.st_mode) && tar_children(w, fd, apath, err) < 0)
		goto out;
	rc = 0;
out:
	archive_entry_free(ae);
	w->depth--;
	return rc;
}

/* Tars dirfd/name as as_name ("." for a directory's content only). */
static int tar_tree(int dirfd, const char *name, const char *as_name, bool keep_owner, int out, sv_err **err)
{
	struct tarw w = { .a = archive_write_new(), .fd = out, .keep_owner = keep_owner };
	archive_write_set_format_pax_restricted(w.a);
	archive_write_set_bytes_in_last_block(w.a, 1);
	int rc = -1;
	if (archive_write_open(w.a, &w, NULL, tar_write_cb, NULL) != ARCHIVE_OK) {
		tar_err(&w, "tar", err);
		goto out;
	}
	if (strcmp(as_name, ".") == 0) {
		SV_AUTOCLOSE int dfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0) {
			sv_err_set(err, errno, "open %s", name);
			goto out;
		}
		rc = tar_children(&w, dfd, ".", err);
	} else {
		rc = tar_walk(&w, dirfd, name, as_name, err);
	}
	if (rc == 0 && archive_write_close(w.a) != ARCHIVE_OK)
		rc = tar_err(&w, "tar", err);
out:
	archive_write_free(w.a);
	return rc;
}

int sv_engine_tar_path(const char *path, const char *as_name, bool keep_owner, int fd, sv_err **err)
{
	SV_AUTOFREE char *copy = sv_xstrdup(path);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *base = slash ? slash + 1 : copy;
	SV_AUTOFREE char *dir = slash ? (slash == copy ? sv_xstrdup("/") : sv_xstrndup(copy, (size_t)(slash - copy)))
				      : sv_xstrdup(".");
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	return tar_tree(dfd, *base ? base : ".", as_name ? as_name : base, keep_owner, fd, err);
}

/* ---------------------------------------------------------------- mounting */

/* The container's rootfs, mounted; *unmount says whether to undo it. */
static int open_root(sv_engine *e, const struct ctr_row *r, int *lock, bool *unmount, sv_err **err)
{
	SV_AUTOFREE char *lname = sv_xasprintf("mount-%s", r->id);
	*unmount = false;
	*lock = sv_store_lock(e->store, lname, true, err);
	if (*lock < 0)
		return -1;
	if (!ctr_rootfs_mounted(e, r->id)) {
		if (ctr_rootfs_mount(e, r, err) < 0)
			return -1;
		*unmount = true;
	}
	SV_AUTOFREE char *rootfs = sv_xasprintf("%s/rootfs", ctr_dir(e, r->id));
	int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", rootfs);
	return fd;
}

static void close_root(sv_engine *e, const struct ctr_row *r, int rootfd, int lock, bool unmount)
{
	if (rootfd >= 0)
		close(rootfd);
	SV_AUTOERR sv_err *err = NULL;
	/* Only while it is still stopped: a start may have taken it over. */
	if (unmount) {
		struct ctr_row now;
		if (ctr_load(e, r->id, &now, &err) == 0) {
			if (!ctr_is_live(now.state) && now.shim_pid == 0)
				(void)ctr_rootfs_unmount(e, r->id, &err);
			ctr_row_release(&now);
		}
	}
	if (lock >= 0)
		close(lock);
}

/* Go's os.FileMode bits, as Docker's path stat carries them. */
static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;
	if (S_ISDIR(m))
		g |= 1u << 31;
	if (S_ISLNK(m))
		g |= 1u << 27;
	if (S_ISBLK(m))
		g |= 1u << 26;
	if (S_ISFIFO(m))
		g |= 1u << 25;
	if (S_ISSOCK(m))
		g |= 1u << 24;
	if (m & S_ISUID)
		g |= 1u << 23;
	if (m & S_ISGID)
		g |= 1u << 22;
	if (S_ISCHR(m))
		g |= (1u << 26) | (1u << 21);
	if (m & S_ISVTX)
		g |= 1u << 20;
	return g;
}

static cJSON *stat_json(int pfd, const char *base, const char *path, sv_err **err)
{
	struct stat st;
	if (fstatat(pfd, *base ? base : ".", &st, AT_SYMLINK_NOFOLLOW | (*base ? 0 : AT_EMPTY_PATH)) < 0)
		return sv_err_set(err, errno, "Could not find the file %s in container", path), NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", *base ? base : "/");
	cJSON_AddNumberToObject(o, "size", (double)st.st_size);
	cJSON_AddNumberToObject(o, "mode", go_mode(st.st_mode));
	char buf[64];
	cJSON_AddStringToObject(o, "mtime",
				sv_time_rfc3339((int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, buf,
						sizeof buf));
	char target[4097] = "";
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(pfd, base, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
	}
	cJSON_AddStringToObject(o, "linkTarget", target);
	return o;
}

struct cp_ctx {
	struct ctr_row r;
	int rootfd, lock;
	bool unmount;
};

static int cp_begin(sv_engine *e, const char *name, struct cp_ctx *c, sv_err **err)
{
	c->rootfd = c->lock = -1;
	if (ctr_find(e, name, &c->r, err) < 0)
		return -1;
	c->rootfd = open_root(e, &c->r, &c->lock, &c->unmount, err);
	if (c->rootfd < 0) {
		close_root(e, &c->r, -1, c->lock, c->unmount);
		ctr_row_release(&c->r);
		return -1;
	}
	return 0;
}

static void cp_end(sv_engine *e, struct cp_ctx *c)
{
	close_root(e, &c->r, c->rootfd, c->lock, c->unmount);
	ctr_row_release(&c->r);
}

cJSON *sv_engine_container_stat_path(sv_engine *e, const char *name, const char *path, sv_err **err)
{
	struct cp_ctx c;
	if (cp_begin(e, name, &c, err) < 0)
		return NULL;
	SV_AUTOFREE char *base = NULL;
	SV_AUTOCLOSE int pfd = sv_open_parent_in_root(c.rootfd, path, false, &base, err);
	cJSON *o = pfd >= 0 ? stat_json(pfd, base, path, err) : NULL;
	cp_end(e, &c);
	return o;
}

int sv_engine_container_archive_get(sv_engine *e, const char *name, const char *path, const char *as_name, int fd,
				    cJSON **stat, sv_err **err)
{
	if (stat)
		*stat = NULL;
	struct cp_ctx c;
	if (cp_begin(e, name, &c, err) < 0)
		return -1;
	SV_AUTOFREE char *base = NULL;
	int rc = -1;
	SV_AUTOCLOSE int pfd = sv_open_parent_in_root(c.rootfd, path, false, &base, err);
	if (pfd < 0)
		goto out;
	cJSON *st = stat_json(pfd, base, path, err);
	if (!st)
		goto out;
	if (stat)
		*stat = st;
	else
		cJSON_Delete(st);
	rc = tar_tree(pfd, *base ? base : ".", as_name ? as_name : *base ? base : ".", true, fd, err);
out:
	cp_end(e, &c);
	return rc;
}

int sv_engine_container_archive_put(sv_engine *e, const char *name, const char *path, int fd, sv_err **err)
{
	struct cp_ctx c;
	if (cp_begin(e, name, &c, err) < 0)
		return -1;
	int rc = -1;
	SV_AUTOCLOSE int dfd = sv_open_in_root(c.rootfd, path, O_RDONLY | O_DIRECTORY, 0, err);
	if (dfd < 0) {
		sv_err_prefix(err, "Could not find the directory %s in container %s", path, c.r.name);
		goto out;
	}
	struct sv_unpack_opts o = { .expected_size = -1, .keep_whiteouts = true };
	struct sv_unpack_result res;
	rc = sv_layer_unpack_fd(fd, dfd, &o, &res, err);
	if (rc < 0)
		sv_err_prefix(err, "copy into %s:%s", c.r.name, path);
out:
	cp_end(e, &c);
	return rc;
}

int sv_engine_untar_host(int fd, const char *dir, sv_err **err)
{
	SV_AUTOCLOSE int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	struct sv_unpack_opts o = { .expected_size = -1, .keep_whiteouts = true };
	struct sv_unpack_result res;
	return sv_layer_unpack_fd(fd, dfd, &o, &res, err);
}
