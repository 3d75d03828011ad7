/*
 * Copy-up: an image's directory into an empty volume, as Docker fills a
 * new volume from the image at its mount point.
 *
 * The source is opened with sv_open_in_root() in the container's rootfs;
 * below it every entry is opened relative to its directory fd with
 * O_NOFOLLOW, so a symlink is copied as a symlink and never followed. The
 * destination is the volume's directory fd and every entry is created
 * there (O_EXCL, mkdirat, symlinkat, mknodat), so nothing can lead a write
 * outside the volume. Owners, modes and times follow; a depth and entry
 * cap keep a hostile image from exhausting the host.
 */
#include "volume-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_MAX_DEPTH 128
#define COPY_MAX_ENTRIES 1000000

struct copy {
	int64_t entries;
};

static void set_meta(int dfd, const char *name, const struct stat *st, bool is_link)
{
	(void)!fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
	if (!is_link)
		(void)!fchmodat(dfd, name, st->st_mode & 07777, 0);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	(void)utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_dir(struct copy *c, int src, int dst, int depth, sv_err **err);

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, sv_err **err)
{
	SV_AUTOCLOSE int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return sv_err_set(err, errno, "open %s", name);
	SV_AUTOCLOSE int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return sv_err_set(err, errno, "create %s", name);
	if (sv_copy_fd(in, out, err) < 0)
		return -1;
	(void)!fchown(out, st->st_uid, st->st_gid);
	(void)!fchmod(out, st->st_mode & 07777);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	(void)futimens(out, ts);
	return 0;
}

static int copy_entry(struct copy *c, int src, int dst, const char *name, int depth, sv_err **err)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "stat %s", name);
	if (++c->entries > COPY_MAX_ENTRIES)
		return sv_err_setx(err, E2BIG, "more than %d entries to copy", COPY_MAX_ENTRIES);
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, name, &st, err);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof target - 1);
		if (n < 0)
			return sv_err_set(err, errno, "readlink %s", name);
		target[n] = 0;
		if (symlinkat(target, dst, name) < 0)
			return sv_err_set(err, errno, "symlink %s", name);
		set_meta(dst, name, &st, true);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0)
			return sv_err_set(err, errno, "mkdir %s", name);
		SV_AUTOCLOSE int s2 = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		SV_AUTOCLOSE int d2 = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0 || d2 < 0)
			return sv_err_set(err, errno, "open directory %s", name);
		if (copy_dir(c, s2, d2, depth + 1, err) < 0)
			return sv_err_prefix(err, "%s", name);
		set_meta(dst, name, &st, false);
		return 0;
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
		/* Device nodes keep working only where the container's device
		 * allow-list says so; sockets are just names. */
		if (mknodat(dst, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0)
			return sv_err_set(err, errno, "mknod %s", name);
		set_meta(dst, name, &st, false);
	}
	return 0;
}

static int copy_dir(struct copy *c, int src, int dst, int depth, sv_err **err)
{
	if (depth > COPY_MAX_DEPTH)
		return sv_err_setx(err, E2BIG, "directories nested deeper than %d", COPY_MAX_DEPTH);
	int fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return sv_err_set(err, errno, "read directory");
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = copy_entry(c, src, dst, de->d_name, depth, err);
	}
	closedir(d);
	return rc;
}

int sv_volume_copy_in(int src_root, const char *src_path, int dst_fd, sv_err **err)
{
	SV_AUTOCLOSE int src = sv_open_in_root(src_root, src_path, O_RDONLY | O_DIRECTORY, 0, err);
	if (src < 0)
		return -1;
	struct stat st;
	if (fstat(src, &st) == 0) {
		(void)!fchown(dst_fd, st.st_uid, st.st_gid);
		(void)!fchmod(dst_fd, st.st_mode & 07777);
	}
	struct copy c = { 0 };
	if (copy_dir(&c, src, dst_fd, 0, err) < 0)
		return sv_err_prefix(err, "copy %s into the volume", src_path);
	return 0;
}
