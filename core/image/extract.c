/*
 * A tar stream into a layer directory, safely (attacks.md items 16-20).
 *
 * Every path is cleaned lexically first: "." and empty parts go, ".."
 * pops a part, and a name that would climb above the root is refused
 * outright. Parents are then resolved with openat2(RESOLVE_IN_ROOT), so
 * symlinks laid down by earlier entries — absolute, relative, chained —
 * resolve inside the layer and never outside it. Every object is created
 * with O_EXCL/O_NOFOLLOW (or the *at call that cannot follow a final
 * symlink) and its owner, mode, xattrs and times are set on what we just
 * made, never through a path a later entry could swap. An entry that
 * replaces an existing name removes it first, so writing "through" a
 * symlink or a hard link is impossible.
 *
 * Whiteouts become overlayfs whiteouts: ".wh.NAME" a 0:0 character device
 * named NAME, ".wh..wh..opq" the trusted.overlay.opaque xattr on its
 * directory. Directory times are set last, deepest first, since creating
 * children changes them.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "unpack-internal.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."
#define PATH_MAX_LEN 4096
#define NAME_MAX_LEN 255

struct dirtime {
	char *path;
	struct timespec ts[2];
};

struct extract {
	struct archive *a;
	int rootfd;
	const struct sv_unpack_opts *opts;
	bool privileged;
	/* the tar byte stream */
	struct chunkq *in;
	struct chunk *cur;
	/* parent directory cache: entries usually come grouped by directory */
	char *cache_dir;
	int cache_fd;
	struct dirtime *dirs;
	size_t ndirs, capdirs;
	struct extract_stats *stats;
};

static la_ssize_t tar_read(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	struct extract *x = arg;
	free(x->cur);
	bool stopped;
	x->cur = chunkq_get(x->in, &stopped);
	if (!x->cur) {
		if (stopped) {
			archive_set_error(a, ECANCELED, "unpack stopped");
			return -1;
		}
		return 0;
	}
	*buf = x->cur->data;
	return (la_ssize_t)x->cur->len;
}

static void cache_drop(struct extract *x)
{
	free(x->cache_dir);
	x->cache_dir = NULL;
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_fd = -1;
}

/* "./a//b/../c/" → "a/c"; NULL (with *err) when it climbs above the root. */
static char *clean_entry_path(const char *raw, sv_err **err)
{
	size_t len = strlen(raw);
	if (len > PATH_MAX_LEN)
		return sv_err_setx(err, ENAMETOOLONG, "path of %zu bytes is over the limit of %d", len, PATH_MAX_LEN), NULL;
	char *out = sv_xmalloc(len + 1);
	size_t o = 0;
	const char *p = raw;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > NAME_MAX_LEN) {
			free(out);
			return sv_err_setx(err, ENAMETOOLONG, "name of %zu bytes in '%.100s...'", n, raw), NULL;
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0) {
				free(out);
				return sv_err_setx(err, EPERM, "'%.200s' points outside the layer", raw), NULL;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		if (!end)
			break;
		p = end + 1;
	}
	out[o] = '\0';
	return out;
}

/* Parent directory of a clean path (created when missing), borrowed. */
static int parent_fd(struct extract *x, const char *clean, const char **base, sv_err **err)
{
	const char *slash = strrchr(clean, '/');
	*base = slash ? slash + 1 : clean;
	if (!slash)
		return x->rootfd;
	size_t dlen = (size_t)(slash - clean);
	if (x->cache_dir && strlen(x->cache_dir) == dlen && memcmp(x->cache_dir, clean, dlen) == 0)
		return x->cache_fd;
	cache_drop(x);
	char *b = NULL;
	int fd = sv_open_parent_in_root(x->rootfd, clean, true, &b, err);
	free(b);
	if (fd < 0)
		return -1;
	x->cache_dir = sv_xstrndup(clean, dlen);
	x->cache_fd = fd;
	return fd;
}

/* Removes whatever has `name` in pfd, directories included. */
static int remove_existing(struct extract *x, int pfd, const char *name, sv_err **err)
{
	if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return sv_err_set(err, errno, "replace %s", name);
	/* Replacing a directory may invalidate the cached parent fd. */
	cache_drop(x);
	return sv_rm_rf_at(pfd, name, err);
}

static int set_owner_fd(struct extract *x, int fd, struct archive_entry *ae, sv_err **err)
{
	if (!x->privileged)
		return 0;
	if (fchown(fd, (uid_t)archive_entry_uid(ae), (gid_t)archive_entry_gid(ae)) < 0)
		return sv_err_set(err, errno, "chown");
	return 0;
}

static int check_ids(struct archive_entry *ae, sv_err **err)
{
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	if (uid < 0 || uid >= 0xffffffffLL || gid < 0 || gid >= 0xffffffffLL)
		return sv_err_setx(err, EINVAL, "owner %lld:%lld out of range", (long long)uid, (long long)gid);
	return 0;
}

static void entry_times(struct archive_entry *ae, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(ae);
	ts[1].tv_nsec = archive_entry_mtime_nsec(ae);
	if (archive_entry_atime_is_set(ae)) {
		ts[0].tv_sec = archive_entry_atime(ae);
		ts[0].tv_nsec = archive_entry_atime_nsec(ae);
	} else {
		ts[0] = ts[1];
	}
}

/* Extended attributes: user.* and security.capability are applied;
 * trusted.* (overlayfs' own metadata among them) never. */
static int apply_xattrs(int fd, struct archive_entry *ae, const char *path, sv_err **err)
{
	const char *name;
	const void *value;
	size_t size;
	if (archive_entry_xattr_reset(ae) == 0)
		return 0;
	while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
		if (!sv_str_has_prefix(name, "user.") && strcmp(name, "security.capability") != 0) {
			sv_debug("layer entry %s: xattr %s skipped", path, name);
			continue;
		}
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP)
			return sv_err_set(err, errno, "set xattr %s", name);
	}
	return 0;
}

static void defer_dir_time(struct extract *x, const char *clean, struct archive_entry *ae)
{
	if (x->ndirs == x->capdirs) {
		x->capdirs = x->capdirs ? x->capdirs * 2 : 64;
		x->dirs = sv_xrealloc(x->dirs, x->capdirs * sizeof *x->dirs);
	}
	struct dirtime *d = &x->dirs[x->ndirs++];
	d->path = sv_xstrdup(clean);
	entry_times(ae, d->ts);
}

static int write_data(struct extract *x, int fd, struct archive_entry *ae, sv_err **err)
{
	const void *buf;
	size_t size;
	la_int64_t offset, pos = 0;
	int r;
	while ((r = archive_read_data_block(x->a, &buf, &size, &offset)) == ARCHIVE_OK) {
		if (offset != pos && lseek(fd, offset, SEEK_SET) < 0)
			return sv_err_set(err, errno, "seek");
		if (sv_write_all(fd, buf, size) < 0)
			return sv_err_set(err, errno, "write");
		pos = offset + (la_int64_t)size;
	}
	if (r != ARCHIVE_EOF)
		return sv_err_setx(err, EBADMSG, "read file data: %s", archive_error_string(x->a));
	la_int64_t want = archive_entry_size(ae);
	if (pos < want && ftruncate(fd, want) < 0) /* a sparse file's trailing hole */
		return sv_err_set(err, errno, "truncate");
	x->stats->content_size += want;
	return 0;
}

static int do_file(struct extract *x, int pfd, const char *name, struct archive_entry *ae, sv_err **err)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	SV_AUTOCLOSE int fd = openat(pfd, name, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (remove_existing(x, pfd, name, err) < 0)
			return -1;
		fd = openat(pfd, name, flags, 0600);
	}
	if (fd < 0)
		return sv_err_set(err, errno, "create");
	if (write_data(x, fd, ae, err) < 0 || set_owner_fd(x, fd, ae, err) < 0)
		return -1;
	/* After chown: chown clears set-id bits. */
	if (fchmod(fd, archive_entry_perm(ae) & 07777) < 0)
		return sv_err_set(err, errno, "chmod");
	if (apply_xattrs(fd, ae, name, err) < 0)
		return -1;
	struct timespec ts[2];
	entry_times(ae, ts);
	if (futimens(fd, ts) < 0)
		return sv_err_set(err, errno, "set times");
	return 0;
}

static int do_dir(struct extract *x, int pfd, const char *name, const char *clean, struct archive_entry *ae,
		  sv_err **err)
{
	if (mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return sv_err_set(err, errno, "mkdir");
		struct stat st;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sv_err_set(err, errno, "stat");
		if (!S_ISDIR(st.st_mode)) {
			if (remove_existing(x, pfd, name, err) < 0)
				return -1;
			if (mkdirat(pfd, name, 0700) < 0)
				return sv_err_set(err, errno, "mkdir");
		}
	}
	SV_AUTOCLOSE int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open directory");
	if (set_owner_fd(x, fd, ae, err) < 0)
		return -1;
	if (fchmod(fd, archive_entry_perm(ae) & 07777) < 0)
		return sv_err_set(err, errno, "chmod");
	if (apply_xattrs(fd, ae, name, err) < 0)
		return -1;
	defer_dir_time(x, clean, ae);
	return 0;
}

static int do_symlink(struct extract *x, int pfd, const char *name, struct archive_entry *ae, sv_err **err)
{
	const char *target = archive_entry_symlink(ae);
	if (!target || !*target)
		return sv_err_setx(err, EINVAL, "symlink without a target");
	if (strlen(target) > PATH_MAX_LEN)
		return sv_err_setx(err, ENAMETOOLONG, "symlink target too long");
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST || remove_existing(x, pfd, name, err) < 0 || symlinkat(target, pfd, name) < 0)
			return sv_err_set(err, errno ? errno : EEXIST, "symlink");
	}
	if (x->privileged && fchownat(pfd, name, (uid_t)archive_entry_uid(ae), (gid_t)archive_entry_gid(ae),
				      AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "chown symlink");
	struct timespec ts[2];
	entry_times(ae, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "set symlink times");
	return 0;
}

static int do_hardlink(struct extract *x, int pfd, const char *name, const char *target_raw, sv_err **err)
{
	SV_AUTOFREE char *target = clean_entry_path(target_raw, err);
	if (!target)
		return sv_err_prefix(err, "hard link target");
	if (!*target)
		return sv_err_setx(err, EPERM, "hard link to the layer root");
	char *tbase = NULL;
	SV_AUTOCLOSE int tfd = sv_open_parent_in_root(x->rootfd, target, false, &tbase, err);
	if (tfd < 0)
		return sv_err_prefix(err, "hard link target '%s'", target);
	SV_AUTOFREE char *tb = tbase;
	struct stat st;
	if (fstatat(tfd, tb, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "hard link target '%s'", target);
	if (S_ISDIR(st.st_mode))
		return sv_err_setx(err, EPERM, "hard link to directory '%s'", target);
	/* linkat without AT_SYMLINK_FOLLOW links a symlink itself, never
	 * what it points to. */
	if (linkat(tfd, tb, pfd, name, 0) < 0) {
		if (errno != EEXIST || remove_existing(x, pfd, name, err) < 0 || linkat(tfd, tb, pfd, name, 0) < 0)
			return sv_err_set(err, errno ? errno : EEXIST, "hard link to '%s'", target);
	}
	return 0;
}

static int do_node(struct extract *x, int pfd, const char *name, struct archive_entry *ae, sv_err **err)
{
	mode_t type = archive_entry_filetype(ae);
	if (type != AE_IFIFO && !x->privileged) {
		sv_debug("layer entry %s: device node skipped (unprivileged)", name);
		return 0;
	}
	dev_t dev = makedev(archive_entry_rdevmajor(ae), archive_entry_rdevminor(ae));
	mode_t mode = (type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO) | 0600;
	if (mknodat(pfd, name, mode, dev) < 0) {
		if (errno != EEXIST || remove_existing(x, pfd, name, err) < 0 || mknodat(pfd, name, mode, dev) < 0)
			return sv_err_set(err, errno ? errno : EEXIST, "mknod");
	}
	/* The node was just made by us in our private tree: not a symlink. */
	if (x->privileged && fchownat(pfd, name, (uid_t)archive_entry_uid(ae), (gid_t)archive_entry_gid(ae),
				      AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "chown");
	if (fchmodat(pfd, name, archive_entry_perm(ae) & 07777, 0) < 0)
		return sv_err_set(err, errno, "chmod");
	struct timespec ts[2];
	entry_times(ae, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "set times");
	return 0;
}

static int do_whiteout(struct extract *x, int pfd, const char *base, sv_err **err)
{
	if (strcmp(base, WH_OPAQUE) == 0) {
		SV_AUTOCLOSE int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return sv_err_set(err, errno, "open opaque directory");
		if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return sv_err_set(err, errno, "mark directory opaque");
		return 0;
	}
	if (sv_str_has_prefix(base, WH_META))
		return 0; /* aufs bookkeeping (.wh..wh.plnk...): nothing for overlayfs */
	const char *name = base + strlen(WH_PREFIX);
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return sv_err_setx(err, EINVAL, "invalid whiteout '%s'", base);
	if (!x->privileged)
		return sv_err_setx(err, EPERM, "whiteouts need root (mknod)");
	if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0) {
		if (errno != EEXIST || remove_existing(x, pfd, name, err) < 0 ||
		    mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
			return sv_err_set(err, errno ? errno : EEXIST, "whiteout");
	}
	return 0;
}

static int do_root(struct extract *x, struct archive_entry *ae, sv_err **err)
{
	if (archive_entry_filetype(ae) != AE_IFDIR)
		return sv_err_setx(err, EINVAL, "the layer root is not a directory");
	if (set_owner_fd(x, x->rootfd, ae, err) < 0)
		return -1;
	if (fchmod(x->rootfd, archive_entry_perm(ae) & 07777) < 0)
		return sv_err_set(err, errno, "chmod");
	defer_dir_time(x, "", ae);
	return 0;
}

static int extract_entry(struct extract *x, struct archive_entry *ae, sv_err **err)
{
	const char *raw = archive_entry_pathname(ae);
	if (!raw)
		return sv_err_setx(err, EINVAL, "entry without a name");
	if (check_ids(ae, err) < 0)
		return sv_err_prefix(err, "%.200s", raw);
	SV_AUTOFREE char *clean = clean_entry_path(raw, err);
	if (!clean)
		return -1;
	if (!*clean)
		return do_root(x, ae, err) < 0 ? sv_err_prefix(err, "/") : 0;
	const char *base;
	int pfd = parent_fd(x, clean, &base, err);
	if (pfd < 0)
		return sv_err_prefix(err, "%.200s", raw);
	int rc;
	const char *hl = archive_entry_hardlink(ae);
	if (!x->opts->keep_whiteouts && sv_str_has_prefix(base, WH_PREFIX))
		rc = do_whiteout(x, pfd, base, err);
	else if (hl)
		rc = do_hardlink(x, pfd, base, hl, err);
	else {
		switch (archive_entry_filetype(ae)) {
		case AE_IFREG: rc = do_file(x, pfd, base, ae, err); break;
		case AE_IFDIR: rc = do_dir(x, pfd, base, clean, ae, err); break;
		case AE_IFLNK: rc = do_symlink(x, pfd, base, ae, err); break;
		case AE_IFCHR:
		case AE_IFBLK:
		case AE_IFIFO: rc = do_node(x, pfd, base, ae, err); break;
		case AE_IFSOCK: rc = 0; break;
		default: rc = sv_err_setx(err, EINVAL, "unsupported entry type 0%o", archive_entry_filetype(ae));
		}
	}
	return rc < 0 ? sv_err_prefix(err, "%.200s", raw) : 0;
}

/* Directory times, deepest first: children no longer change them. */
static int apply_dir_times(struct extract *x, sv_err **err)
{
	cache_drop(x);
	for (size_t i = x->ndirs; i-- > 0;) {
		struct dirtime *d = &x->dirs[i];
		if (!*d->path) {
			if (futimens(x->rootfd, d->ts) < 0)
				return sv_err_set(err, errno, "set times of the layer root");
			continue;
		}
		char *base = NULL;
		int pfd = sv_open_parent_in_root(x->rootfd, d->path, false, &base, NULL);
		if (pfd < 0)
			continue; /* removed by a later entry */
		(void)utimensat(pfd, base, d->ts, AT_SYMLINK_NOFOLLOW);
		free(base);
		close(pfd);
	}
	return 0;
}

static void extract_release(struct extract *x)
{
	cache_drop(x);
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	free(x->cur);
	x->cur = NULL;
	if (x->a)
		archive_read_free(x->a);
}

/* After the end-of-archive marker, the rest of the stream (padding) must
 * still flow through the hashing stage. */
static void drain(struct extract *x)
{
	bool stopped;
	struct chunk *c;
	free(x->cur);
	x->cur = NULL;
	while ((c = chunkq_get(x->in, &stopped)))
		free(c);
}

static int extract_loop(struct extract *x, sv_err **err)
{
	struct archive_entry *ae;
	int r;
	while ((r = archive_read_next_header(x->a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (++x->stats->entries > x->opts->max_entries)
			return sv_err_setx(err, E2BIG, "more than %lld entries", (long long)x->opts->max_entries);
		if (extract_entry(x, ae, err) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF) {
		int e = archive_errno(x->a);
		if (e == ECANCELED)
			return -1;
		return sv_err_setx(err, EBADMSG, "not a valid tar stream: %s",
				   archive_error_string(x->a) ? archive_error_string(x->a) : "read error");
	}
	return apply_dir_times(x, err);
}

int extract_tar(struct chunkq *in, int rootfd, const struct sv_unpack_opts *opts, struct extract_stats *stats,
		sv_err **err)
{
	struct extract x = {
		.rootfd = rootfd,
		.opts = opts,
		.privileged = geteuid() == 0,
		.in = in,
		.cache_fd = -1,
		.stats = stats,
	};
	x.a = archive_read_new();
	archive_read_support_format_tar(x.a);
	archive_read_support_format_gnutar(x.a);
	int rc;
	if (archive_read_open2(x.a, &x, NULL, tar_read, NULL, NULL) != ARCHIVE_OK) {
		int e = archive_errno(x.a);
		rc = e == ECANCELED ? -1
				    : sv_err_setx(err, EBADMSG, "not a valid tar stream: %s",
						  archive_error_string(x.a) ? archive_error_string(x.a) : "empty");
	} else {
		rc = extract_loop(&x, err);
	}
	if (rc == 0)
		drain(&x);
	extract_release(&x);
	return rc;
}
