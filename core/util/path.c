/*
 * Paths that cannot leave a root. Everything that writes into an image
 * layer, a container rootfs or a volume goes through here: the kernel's
 * openat2(RESOLVE_IN_ROOT) treats the directory fd as "/", so "..", absolute
 * symlinks and symlink chains all stay inside it, and magic links in /proc
 * are refused (attacks.md items 4, 16-18).
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	for (;;) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			return (int)fd;
		/* EAGAIN: a rename raced the lookup; the kernel asks us to retry. */
	}
}

int sv_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sv_err **err)
{
	const char *p = *path ? path : ".";
	int fd = openat2_in_root(rootfd, p, flags, mode);
	if (fd < 0) {
		if (errno == ENOSYS)
			return sv_err_setx(err, ENOSYS, "open %s: the kernel lacks openat2 (Linux 5.6 or later is needed)", path);
		if (errno == EXDEV)
			return sv_err_setx(err, EXDEV, "open %s: crosses a mount point inside the root", path);
		return sv_err_set(err, errno, "open %s", path);
	}
	return fd;
}

char *sv_path_clean(const char *path)
{
	char **parts = sv_strv_split(path, '/', true);
	char **out = sv_xcalloc(1, sizeof *out);
	size_t n = 0;
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			if (n > 0) {
				free(out[--n]);
				out[n] = NULL;
			}
			continue;
		}
		sv_strv_push(&out, parts[i]);
		n++;
	}
	char *joined = sv_strv_join(out, "/");
	sv_strv_free(parts);
	sv_strv_free(out);
	return joined;
}

char *sv_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return sv_xasprintf("/%s", b);
	if (!*b)
		return sv_xstrndup(a, la);
	return sv_xasprintf("%.*s/%s", (int)la, a, b);
}

/* Walks `dir` (clean, relative) from rootfd, creating what is missing. */
static int mkdirs_in_root(int rootfd, const char *dir, sv_err **err)
{
	int fd = openat2_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : sv_err_set(err, errno, "open %s", dir);

	SV_AUTOSTRV char **parts = sv_strv_split(dir, '/', true);
	SV_AUTOCLOSE int cur = dup(rootfd);
	if (cur < 0)
		return sv_err_set(err, errno, "dup");
	struct sv_buf prefix;
	sv_buf_init(&prefix);
	int rc = -1;
	for (size_t i = 0; parts[i]; i++) {
		if (prefix.len)
			sv_buf_addc(&prefix, '/');
		sv_buf_adds(&prefix, parts[i]);
		int next = openat2_in_root(rootfd, prefix.data, O_PATH | O_DIRECTORY, 0);
		if (next < 0 && errno == ENOENT) {
			/* cur is a real directory inside the root; a name we make
			 * in it is a plain directory, never a symlink. */
			if (mkdirat(cur, parts[i], 0755) < 0 && errno != EEXIST) {
				sv_err_set(err, errno, "mkdir %s", prefix.data);
				goto out;
			}
			next = openat2_in_root(rootfd, prefix.data, O_PATH | O_DIRECTORY, 0);
		}
		if (next < 0) {
			sv_err_set(err, errno, "open %s", prefix.data);
			goto out;
		}
		close(cur);
		cur = next;
	}
	rc = sv_steal_fd(&cur);
out:
	sv_buf_release(&prefix);
	return rc;
}

int sv_open_parent_in_root(int rootfd, const char *path, bool create, char **base, sv_err **err)
{
	SV_AUTOFREE char *clean = sv_path_clean(path);
	if (!*clean)
		return sv_err_setx(err, EINVAL, "'%s' names the root itself", path);
	char *slash = strrchr(clean, '/');
	const char *name = slash ? slash + 1 : clean;
	const char *dir = ".";
	if (slash) {
		*slash = '\0';
		dir = clean;
	}
	int fd;
	if (create)
		fd = mkdirs_in_root(rootfd, dir, err);
	else
		fd = sv_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0, err);
	if (fd < 0)
		return -1;
	*base = sv_xstrdup(name);
	return fd;
}
