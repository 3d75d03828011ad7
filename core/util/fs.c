/*
 * File helpers. Writes that must survive a crash go through a temporary
 * name, fsync and rename; reads of untrusted files are bounded; recursive
 * removal works on directory fds and never follows a symlink, so a tree
 * that a container or a hostile layer shaped cannot redirect it.
 */
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int sv_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sv_read_fd(int fd, size_t max, struct sv_buf *out, sv_err **err)
{
	for (;;) {
		sv_buf_grow(out, 65536);
		size_t room = out->cap - out->len - 1;
		ssize_t n = read(fd, out->data + out->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sv_err_set(err, errno, "read");
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > max)
			return sv_err_setx(err, E2BIG, "larger than the limit of %zu bytes", max);
	}
	return 0;
}

int sv_read_fileat(int dirfd, const char *path, size_t max, struct sv_buf *out, sv_err **err)
{
	SV_AUTOCLOSE int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", path);
	if (sv_read_fd(fd, max, out, err) < 0)
		return sv_err_prefix(err, "%s", path);
	return 0;
}

int sv_read_file(const char *path, size_t max, struct sv_buf *out, sv_err **err)
{
	return sv_read_fileat(AT_FDCWD, path, max, out, err);
}

static unsigned long tmp_counter(void)
{
	static atomic_ulong n;
	return atomic_fetch_add(&n, 1);
}

int sv_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 sv_err **err)
{
	SV_AUTOFREE char *tmp = sv_xasprintf("%s.tmp-%ld-%lu", name, (long)getpid(), tmp_counter());
	SV_AUTOCLOSE int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return sv_err_set(err, errno, "create %s", tmp);
	if (sv_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return sv_err_set(err, e, "write %s", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return sv_err_set(err, e, "rename %s", name);
	}
	/* The directory entry must reach the disk too. */
	SV_AUTOCLOSE int dfd = dirfd == AT_FDCWD ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
						 : openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
}

int sv_mkdir_p(const char *path, mode_t mode, sv_err **err)
{
	/* Mostly the parents exist already (often the directory too): try
	 * it first, one syscall, before walking down from the root. */
	struct stat st;
	if (mkdir(path, mode) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	SV_AUTOFREE char *p = sv_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return sv_err_set(err, errno, "mkdir %s", p);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return sv_err_setx(err, ENOTDIR, "%s: not a directory", p);
	return 0;
}

static int rm_children(int dfd, bool unmount, sv_err **err);

/* Opens directory name in dirfd for removal, on dirfd's filesystem only:
 * a mount point below is detached first (unmount) or refused (EBUSY).
 * -2 when it is gone. */
static int open_for_rm(int dirfd, const char *name, bool unmount, sv_err **err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -2 : sv_err_set(err, errno, "open %s", name);
	struct stat up, st;
	if (dirfd == AT_FDCWD || fstat(dirfd, &up) < 0 || fstat(fd, &st) < 0 || up.st_dev == st.st_dev)
		return fd;
	close(fd);
	if (!unmount)
		return sv_err_setx(err, EBUSY, "%s: a mount point (not removed)", name);
	/* (a failure shows below: still another filesystem, EBUSY; someone
	 * else may have detached it meanwhile) */
	SV_AUTOFREE char *target = sv_xasprintf("/proc/self/fd/%d/%s", dirfd, name);
	(void)umount2(target, MNT_DETACH);
	return open_for_rm(dirfd, name, false, err);
}

static int rm_entry(int dirfd, const char *name, bool unmount, sv_err **err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return sv_err_set(err, errno, "remove %s", name);
	SV_AUTOCLOSE int fd = open_for_rm(dirfd, name, unmount, err);
	if (fd < 0)
		return fd == -2 ? 0 : -1;
	if (rm_children(fd, unmount, err) < 0)
		return sv_err_prefix(err, "%s", name);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return sv_err_set(err, errno, "rmdir %s", name);
	return 0;
}

static int rm_children(int dfd, bool unmount, sv_err **err)
{
	int fd2 = dup(dfd);
	if (fd2 < 0)
		return sv_err_set(err, errno, "dup");
	DIR *d = fdopendir(fd2);
	if (!d) {
		close(fd2);
		return sv_err_set(err, errno, "fdopendir");
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR) {
			SV_AUTOCLOSE int cfd = open_for_rm(dfd, de->d_name, unmount, err);
			if (cfd == -1 || (cfd >= 0 && rm_children(cfd, unmount, err) < 0)) {
				rc = sv_err_prefix(err, "%s", de->d_name);
				break;
			}
			if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
				continue;
		}
		if (rm_entry(dfd, de->d_name, unmount, err) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	return rc;
}

int sv_rm_rf_at(int dirfd, const char *name, sv_err **err)
{
	return rm_entry(dirfd, name, false, err);
}

int sv_rm_rf(const char *path, sv_err **err)
{
	return rm_entry(AT_FDCWD, path, false, err);
}

int sv_rm_rf_unmounting(const char *path, sv_err **err)
{
	return rm_entry(AT_FDCWD, path, true, err);
}

int sv_rm_rf_at_unmounting(int dirfd, const char *name, sv_err **err)
{
	return rm_entry(dirfd, name, true, err);
}

struct du_state {
	int64_t bytes;
	int64_t inodes;
	dev_t dev;
	/* Inodes with several links are counted once: a small open-addressed
	 * set of inode numbers seen with st_nlink > 1. */
	ino_t *seen;
	size_t nseen, capseen;
};

static bool du_seen(struct du_state *s, ino_t ino)
{
	if (s->capseen == 0 || s->nseen * 2 >= s->capseen) {
		size_t ncap = s->capseen ? s->capseen * 2 : 256;
		ino_t *n = sv_xcalloc(ncap, sizeof *n);
		for (size_t i = 0; i < s->capseen; i++) {
			if (!s->seen[i])
				continue;
			size_t j = s->seen[i] % ncap;
			while (n[j])
				j = (j + 1) % ncap;
			n[j] = s->seen[i];
		}
		free(s->seen);
		s->seen = n;
		s->capseen = ncap;
	}
	size_t j = ino % s->capseen;
	while (s->seen[j]) {
		if (s->seen[j] == ino)
			return true;
		j = (j + 1) % s->capseen;
	}
	s->seen[j] = ino;
	s->nseen++;
	return false;
}

static int du_walk(int dfd, struct du_state *s, sv_err **err)
{
	int fd2 = dup(dfd);
	if (fd2 < 0)
		return sv_err_set(err, errno, "dup");
	DIR *d = fdopendir(fd2);
	if (!d) {
		close(fd2);
		return sv_err_set(err, errno, "fdopendir");
	}
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && du_seen(s, st.st_ino))
			continue;
		s->bytes += (int64_t)st.st_blocks * 512;
		s->inodes++;
		if (!S_ISDIR(st.st_mode) || st.st_dev != s->dev)
			continue;
		SV_AUTOCLOSE int cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0 && du_walk(cfd, s, err) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	return rc;
}

int sv_du_at(int dirfd, int64_t *bytes, int64_t *inodes, sv_err **err)
{
	struct stat st;
	if (fstat(dirfd, &st) < 0)
		return sv_err_set(err, errno, "stat");
	struct du_state s = { .dev = st.st_dev };
	int rc = du_walk(dirfd, &s, err);
	free(s.seen);
	if (bytes)
		*bytes = s.bytes;
	if (inodes)
		*inodes = s.inodes;
	return rc;
}

void sv_fd_cloexec_from(int from)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		int64_t fd;
		if (!sv_str_to_i64(de->d_name, 0, 1 << 30, &fd) || fd < from || fd == self)
			continue;
		int flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0)
			fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
}

int sv_copy_fd(int in, int out, sv_err **err)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return sv_err_set(err, errno, "copy");
		break;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sv_err_set(err, errno, "read");
		if (n == 0)
			return 0;
		if (sv_write_all(out, buf, (size_t)n) < 0)
			return sv_err_set(err, errno, "write");
	}
}

char *sv_tmp_name_for(const char *prefix, pid_t pid)
{
	char rnd[9];
	sv_random_hex(rnd, 8);
	return sv_xasprintf("%s%ld-%s", prefix, (long)pid, rnd);
}

char *sv_tmp_name(const char *prefix)
{
	return sv_tmp_name_for(prefix, getpid());
}

bool sv_tmp_name_is_stale(const char *name, const char *prefix)
{
	if (!sv_str_has_prefix(name, prefix))
		return false;
	const char *p = name + strlen(prefix);
	char *end;
	errno = 0;
	long pid = strtol(p, &end, 10);
	if (errno || end == p || *end != '-' || pid <= 0)
		return true; /* not ours to parse: a leftover of an older form */
	if (pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void sv_random_hex(char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t nraw = (nhex + 1) / 2;
	if (nraw > sizeof raw)
		nraw = sizeof raw;
	size_t got = 0;
	while (got < nraw) {
		ssize_t n = getrandom(raw + got, nraw - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			abort(); /* getrandom cannot fail on Linux >= 3.17 after boot */
		got += (size_t)n;
	}
	for (size_t i = 0; i < nhex && i / 2 < nraw; i++)
		out[i] = hex[(raw[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
	out[nhex] = '\0';
}
