/*
 * The container's filesystem, in servin-init's fresh mount namespace.
 *
 * Every target inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * from the rootfs fd — symlinks in the image stay inside it, magic links are
 * refused — and mounted through its fd (/proc/self/fd/N), so nothing the
 * image or a running container does to a path can redirect a mount onto
 * the host (attacks.md items 4-6). The sequence is runc's: propagation
 * slave, a bind of the rootfs onto itself, the config's mounts in order,
 * devices, sysctls, masked and read-only paths, pivot_root (never chroot:
 * item 7), the old root detached, then "/" read-only if asked.
 */
#include "runtime/init/init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static const char *fdpath(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/* openat2 inside the root; `extra` adds RESOLVE_* flags. */
static int open_res(int rootfd, const char *path, int flags, uint64_t extra, sv_err **err)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra,
	};
	const char *p = path;
	while (*p == '/')
		p++;
	long fd;
	do
		fd = syscall(SYS_openat2, rootfd, *p ? p : ".", &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == ELOOP && (extra & RESOLVE_NO_SYMLINKS))
		return sv_err_setx(err, ELOOP, "%s in the rootfs is or goes through a symlink: refused", path);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s in the rootfs", path);
	return (int)fd;
}

int mounts_open_in_root(int rootfd, const char *path, int flags, sv_err **err)
{
	return open_res(rootfd, path, flags, 0, err);
}

/* mkdir -p inside the root; with RESOLVE_NO_SYMLINKS in extra no
 * component may be a symlink. */
static int mkdirs_res(int rootfd, const char *path, uint64_t extra, sv_err **err)
{
	SV_AUTOSTRV char **parts = sv_strv_split(path, '/', true);
	SV_AUTOBUF struct sv_buf prefix;
	sv_buf_init(&prefix);
	int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return sv_err_set(err, errno, "dup");
	for (size_t i = 0; parts[i]; i++) {
		if (strcmp(parts[i], "..") == 0 || strcmp(parts[i], ".") == 0) {
			close(cur);
			return sv_err_setx(err, EINVAL, "path %s: '.' and '..' are not allowed", path);
		}
		sv_buf_addf(&prefix, "%s%s", prefix.len ? "/" : "", parts[i]);
		int next = open_res(rootfd, prefix.data, O_PATH | O_DIRECTORY, extra, NULL);
		/* cur is a real directory inside the root: what we make in it
		 * is a plain directory; a dangling symlink there fails EEXIST. */
		if (next < 0 && errno == ENOENT && (mkdirat(cur, parts[i], 0755) == 0 || errno == EEXIST))
			next = open_res(rootfd, prefix.data, O_PATH | O_DIRECTORY, extra, NULL);
		int e = errno;
		close(cur);
		if (next < 0 && e == ELOOP && (extra & RESOLVE_NO_SYMLINKS))
			return sv_err_setx(err, ELOOP, "%s in the rootfs is a symlink: refused", prefix.data);
		if (next < 0 && e == ENOENT)
			return sv_err_setx(err, ENOENT, "%s in the rootfs is a dangling symlink", prefix.data);
		if (next < 0)
			return sv_err_set(err, e, "mkdir %s in the rootfs", prefix.data);
		cur = next;
	}
	return cur;
}

int mounts_mkdirs_in_root(int rootfd, const char *path, sv_err **err)
{
	return mkdirs_res(rootfd, path, 0, err);
}

/* Makes dst (a directory, or an empty file when !dir) and opens it.
 * Filesystems (not binds) are mounted where no symlink leads: an image
 * whose /proc or /sys is a link must not get procfs somewhere else while
 * a fake directory takes its place (CVE-2019-19921, attacks.md item 6). */
static int open_target(int rootfd, const char *dst, bool dir, bool nofollow, sv_err **err)
{
	uint64_t extra = nofollow ? RESOLVE_NO_SYMLINKS : 0;
	int fd = open_res(rootfd, dst, O_PATH, extra, NULL);
	if (fd < 0 && errno == ENOENT) {
		SV_AUTOFREE char *parent = sv_xstrdup(dst);
		char *slash = strrchr(parent, '/');
		const char *name = slash ? slash + 1 : parent;
		if (slash)
			*slash = '\0';
		SV_AUTOCLOSE int pfd = mkdirs_res(rootfd, slash ? parent : "", extra, err);
		if (pfd < 0)
			return -1;
		int rc = dir ? mkdirat(pfd, name, 0755) : mknodat(pfd, name, S_IFREG | 0644, 0);
		if (rc < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "create mount point %s", dst);
		fd = open_res(rootfd, dst, O_PATH, extra, NULL);
	}
	if (fd < 0 && errno == ELOOP && nofollow)
		return sv_err_setx(err, ELOOP, "mount point %s is or goes through a symlink: refused", dst);
	if (fd < 0)
		return sv_err_set(err, errno, "mount point %s", dst);
	struct stat st;
	if (fstat(fd, &st) < 0 || (dir && !S_ISDIR(st.st_mode)) || (!dir && S_ISDIR(st.st_mode))) {
		close(fd);
		return sv_err_setx(err, ENOTDIR, "mount point %s: want a %s", dst, dir ? "directory" : "file");
	}
	return fd;
}

/* MS_* per-mount flags → MOUNT_ATTR_* for mount_setattr. */
static void attrs_of(unsigned long flags, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} t[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },   { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },	    { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (flags & t[i].ms)
			a->attr_set |= t[i].attr;
	uint64_t atime = flags & MS_NOATIME ? MOUNT_ATTR_NOATIME : flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
			 : flags & MS_RELATIME ? MOUNT_ATTR_RELATIME : UINT64_MAX;
	if (atime != UINT64_MAX) {
		a->attr_set |= atime;
		a->attr_clr |= MOUNT_ATTR__ATIME;
	}
}

/* Gives a detached mount tree its flags and propagation, then attaches it
 * on the directory (or file) dst refers to: no path is looked up again
 * after the target was resolved, so nothing can swap it in between. */
static int attach_tree(int tree, int dst, unsigned long flags, unsigned long prop, const char *what,
		       sv_err **err)
{
	struct mount_attr a = { 0 };
	attrs_of(flags, &a);
	a.propagation = prop & ~(unsigned long)MS_REC;
	unsigned rec = ((flags | prop) & MS_REC) ? AT_RECURSIVE : 0;
	if ((a.attr_set || a.propagation) &&
	    syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &a, sizeof a) < 0)
		return sv_err_set(err, errno, "set the flags of %s", what);
	if (syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sv_err_set(err, errno, "attach the mount on %s", what);
	return 0;
}

/* A bind mount of src (an fd) on dst (an fd), as a cloned tree. */
static int bind_fd(int src, int dst, unsigned long flags, unsigned long prop, const char *what, sv_err **err)
{
	unsigned rec = (flags & MS_REC) ? AT_RECURSIVE : 0;
	SV_AUTOCLOSE int tree = (int)syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (tree < 0)
		return sv_err_set(err, errno, "bind mount %s", what);
	return attach_tree(tree, dst, flags, prop, what, err);
}

/* Per-mount flags on the mount at dst inside the root (our own tmpfs). */
static int set_attrs(int rootfd, const char *dst, unsigned long flags, sv_err **err)
{
	struct mount_attr a = { 0 };
	attrs_of(flags, &a);
	SV_AUTOCLOSE int fd = open_res(rootfd, dst, O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS, err);
	if (fd < 0)
		return -1;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
		return sv_err_set(err, errno, "set the flags of %s", dst);
	return 0;
}

static int mount_bind(struct init_ctx *c, const struct plan_mount *m, sv_err **err)
{
	SV_AUTOCLOSE int src = open(m->src, O_PATH | O_CLOEXEC);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0)
		return sv_err_set(err, errno, "bind mount source %s", m->src);
	SV_AUTOCLOSE int dst = open_target(c->rootfd, m->dst, S_ISDIR(st.st_mode), false, err);
	if (dst < 0)
		return -1;
	return bind_fd(src, dst, m->flags, m->prop, m->dst, err);
}

static int mount_fs(struct init_ctx *c, const struct plan_mount *m, sv_err **err)
{
	SV_AUTOCLOSE int dst = open_target(c->rootfd, m->dst, true, true, err);
	if (dst < 0)
		return -1;
	char pd[32];
	const char *src = m->src ? m->src : m->type;
	if (mount(src, fdpath(dst, pd), m->type, m->flags & ~(unsigned long)(MS_REC | MS_BIND), m->data) < 0)
		return sv_err_set(err, errno, "mount %s (%s) on %s", src, m->type, m->dst);
	if (!m->prop)
		return 0;
	/* The new mount is reached again by a path without symlinks. */
	SV_AUTOCLOSE int fd = open_res(c->rootfd, m->dst, O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS, err);
	if (fd < 0 || mount(NULL, fdpath(fd, pd), NULL, m->prop, NULL) < 0)
		return fd < 0 ? -1 : sv_err_set(err, errno, "set the propagation of %s", m->dst);
	return 0;
}

/* One hierarchy below the cgroup tmpfs: "fstype|options|subdir|hostdir". */
static int mount_cgroup_one(struct init_ctx *c, const char *dst, const char *spec, unsigned long flags,
			    sv_err **err)
{
	SV_AUTOSTRV char **f = sv_strv_split(spec, '|', false);
	if (sv_strv_len(f) != 4)
		return sv_err_setx(err, EPROTO, "bad cgroup mount %s", spec);
	SV_AUTOFREE char *target = sv_xasprintf("%s/%s", dst, f[2]);
	struct plan_mount m = { .src = *f[3] ? f[3] : "cgroup", .dst = target, .type = f[0],
				.data = *f[1] ? f[1] : NULL, .flags = flags };
	if (*f[3]) {
		if (mount_bind(c, &m, err) < 0)
			return -1;
	} else if (mount_fs(c, &m, err) < 0) {
		return -1;
	}
	if (!strchr(f[2], ','))
		return 0;
	/* Co-mounted controllers ("cpu,cpuacct") get a link per name. */
	SV_AUTOCLOSE int dfd = mounts_open_in_root(c->rootfd, dst, O_PATH | O_DIRECTORY, err);
	if (dfd < 0)
		return -1;
	SV_AUTOSTRV char **names = sv_strv_split(f[2], ',', true);
	for (size_t i = 0; names[i]; i++)
		if (symlinkat(f[2], dfd, names[i]) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "symlink %s/%s", dst, names[i]);
	return 0;
}

static int mount_cgroups(struct init_ctx *c, const struct plan_mount *m, sv_err **err)
{
	const struct plan *p = &c->p;
	unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
	if (p->n_cgroup_mounts == 1 && sv_str_has_prefix(p->cgroup_mounts[0], "cgroup2|")) {
		/* A v2-only host: the one tree is /sys/fs/cgroup itself. */
		struct plan_mount v2 = { .src = "cgroup", .dst = m->dst, .type = "cgroup2", .flags = flags };
		return mount_fs(c, &v2, err);
	}
	struct plan_mount tmp = { .src = "tmpfs", .dst = m->dst, .type = "tmpfs", .data = "mode=755",
				  .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC };
	if (mount_fs(c, &tmp, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_cgroup_mounts; i++)
		if (mount_cgroup_one(c, m->dst, p->cgroup_mounts[i], flags, err) < 0)
			return -1;
	if (flags & MS_RDONLY)
		return set_attrs(c->rootfd, m->dst, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
	return 0;
}

static int do_mounts(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_mounts; i++) {
		const struct plan_mount *m = &c->p.mounts[i];
		int rc = m->kind == PLAN_MOUNT_BIND ? mount_bind(c, m, err)
			 : m->kind == PLAN_MOUNT_CGROUP ? mount_cgroups(c, m, err)
							: mount_fs(c, m, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int write_sysctls(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_sysctls; i++) {
		const char *kv = c->p.sysctls[i];
		const char *eq = strchr(kv, '=');
		SV_AUTOFREE char *path = sv_xasprintf("proc/sys/%.*s", (int)(eq - kv), kv);
		for (char *s = path + 9; *s; s++)
			if (*s == '.')
				*s = '/';
		SV_AUTOCLOSE int fd = mounts_open_in_root(c->rootfd, path, O_WRONLY | O_NOFOLLOW, err);
		if (fd < 0)
			return sv_err_prefix(err, "sysctl %.*s", (int)(eq - kv), kv);
		if (write(fd, eq + 1, strlen(eq + 1)) < 0)
			return sv_err_set(err, errno, "sysctl %s", kv);
	}
	return 0;
}

/* Masked paths: a directory gets an empty read-only tmpfs, anything else
 * the verified /dev/null (attacks.md items 5, 12). */
static int mask_paths(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_masked; i++) {
		const char *path = c->p.masked[i];
		SV_AUTOCLOSE int fd = mounts_open_in_root(c->rootfd, path, O_PATH | O_NOFOLLOW, NULL);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			return sv_err_set(err, errno, "masked path %s", path);
		if (S_ISLNK(st.st_mode))
			return sv_err_setx(err, EPERM, "masked path %s is a symlink", path);
		char pt[32], ps[32];
		int rc = S_ISDIR(st.st_mode)
				 ? mount("tmpfs", fdpath(fd, pt), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
				 : mount(fdpath(c->devnull, ps), fdpath(fd, pt), NULL, MS_BIND, NULL);
		if (rc < 0)
			return sv_err_set(err, errno, "mask %s", path);
	}
	return 0;
}

static int readonly_paths(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_readonly; i++) {
		const char *path = c->p.readonly[i];
		SV_AUTOCLOSE int fd = mounts_open_in_root(c->rootfd, path, O_PATH | O_NOFOLLOW, NULL);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue;
		if (fd < 0)
			return sv_err_set(err, errno, "read-only path %s", path);
		if (bind_fd(fd, fd, MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, path, err) < 0)
			return -1;
	}
	return 0;
}

static int prepare_root(struct init_ctx *c, sv_err **err)
{
	unsigned long prop = c->p.propagation ? c->p.propagation : MS_SLAVE | MS_REC;
	/* Shared is set at the end: pivot_root refuses shared parents. */
	if (prop & MS_SHARED)
		prop = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return sv_err_set(err, errno, "make / %s", prop & MS_PRIVATE ? "private" : "slave");
	if (mount(c->p.rootfs, c->p.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sv_err_set(err, errno, "bind mount the rootfs %s", c->p.rootfs);
	c->rootfd = open(c->p.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return sv_err_set(err, errno, "open the rootfs %s", c->p.rootfs);
	return 0;
}

static int pivot(struct init_ctx *c, sv_err **err)
{
	if (fchdir(c->rootfd) < 0)
		return sv_err_set(err, errno, "chdir to the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sv_err_set(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return sv_err_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return sv_err_set(err, errno, "chdir /");
	close(c->rootfd);
	c->rootfd = -1;
	if (c->p.flags & PLAN_F_ROOT_RO) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &a, sizeof a) < 0 &&
		    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return sv_err_set(err, errno, "make the root read-only");
	}
	if ((c->p.propagation & MS_SHARED) && mount(NULL, "/", NULL, c->p.propagation, NULL) < 0)
		return sv_err_set(err, errno, "make / shared");
	return 0;
}

int mounts_setup(struct init_ctx *c, sv_err **err)
{
	if (prepare_root(c, err) < 0 || do_mounts(c, err) < 0 || devices_setup(c, err) < 0 ||
	    write_sysctls(c, err) < 0 || mask_paths(c, err) < 0 || readonly_paths(c, err) < 0)
		return -1;
	/* Docker's WORKDIR semantics: the cwd is made when missing. */
	SV_AUTOCLOSE int cwd = mounts_mkdirs_in_root(c->rootfd, c->p.cwd ? c->p.cwd : "/", err);
	if (cwd < 0)
		return -1;
	return pivot(c, err);
}
