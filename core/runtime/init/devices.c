/*
 * /dev: the default nodes and the config's devices (made with mknod inside
 * the rootfs; whether they can be opened is the devices cgroup's call), the
 * usual links (/dev/fd, stdio, ptmx → pts/ptmx), and the pty of a terminal
 * process, opened from the container's own devpts instance.
 */
#include "runtime/init/init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int split_parent(int rootfd, const char *path, char **name, sv_err **err)
{
	SV_AUTOFREE char *dir = sv_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash || !slash[1])
		return sv_err_setx(err, EINVAL, "bad device path %s", path);
	*name = sv_xstrdup(slash + 1);
	*slash = '\0';
	return mounts_mkdirs_in_root(rootfd, dir, err);
}

/* In a user namespace mknod is refused: the host's node of the same path
 * (checked to be that device) is bind-mounted instead, as runc does. */
static int bind_node(int dfd, const char *name, const struct plan_device *d, mode_t type, dev_t dev,
		     sv_err **err)
{
	SV_AUTOCLOSE int src = open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0)
		return sv_err_set(err, errno, "bind the host's %s (mknod is not allowed here)", d->path);
	if ((st.st_mode & S_IFMT) != type || st.st_rdev != dev)
		return sv_err_setx(err, EPERM, "the host's %s is not device %u:%u", d->path, d->major, d->minor);
	SV_AUTOCLOSE int f = openat(dfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0 && errno != ENXIO && errno != EEXIST)
		return sv_err_set(err, errno, "create %s", d->path);
	SV_AUTOCLOSE int dst = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char ps[32], pd[32];
	snprintf(ps, sizeof ps, "/proc/self/fd/%d", src);
	snprintf(pd, sizeof pd, "/proc/self/fd/%d", dst);
	if (dst < 0 || mount(ps, pd, NULL, MS_BIND, NULL) < 0)
		return sv_err_set(err, errno, "bind %s", d->path);
	return 0;
}

/* mknod met EEXIST: a node of the right kind stays, anything else the
 * image put there is replaced. */
static int replace_node(int dfd, const char *name, const struct plan_device *d, mode_t type, dev_t dev,
			sv_err **err)
{
	struct stat st;
	if (errno != EEXIST || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(err, errno, "mknod %s", d->path);
	if ((st.st_mode & S_IFMT) == type && st.st_rdev == dev)
		return 0;
	if (S_ISDIR(st.st_mode) || unlinkat(dfd, name, 0) < 0 || mknodat(dfd, name, type | (d->mode & 07777), dev) < 0)
		return sv_err_set(err, errno, "mknod %s", d->path);
	return 0;
}

static int make_node(int rootfd, const struct plan_device *d, sv_err **err)
{
	SV_AUTOFREE char *name = NULL;
	SV_AUTOCLOSE int dfd = split_parent(rootfd, d->path, &name, err);
	if (dfd < 0)
		return -1;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	dev_t dev = makedev(d->major, d->minor);
	if (mknodat(dfd, name, type | (d->mode & 07777), dev) < 0) {
		if (errno == EPERM)
			return bind_node(dfd, name, d, type, dev, err);
		if (replace_node(dfd, name, d, type, dev, err) < 0)
			return -1;
	}
	if (fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dfd, name, d->mode & 07777, 0) < 0)
		return sv_err_set(err, errno, "set owner and mode of %s", d->path);
	return 0;
}

static int make_links(int rootfd, sv_err **err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },     { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	SV_AUTOCLOSE int dev = mounts_mkdirs_in_root(rootfd, "dev", err);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < sizeof links / sizeof *links; i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "symlink /dev/%s", links[i][1]);
	/* /dev/ptmx must be the container's devpts multiplexer. */
	struct stat st;
	if (fstatat(dev, "pts/ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
			return sv_err_set(err, errno, "remove /dev/ptmx");
		if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
			return sv_err_set(err, errno, "symlink /dev/ptmx");
	}
	return 0;
}

int devices_setup(struct init_ctx *c, sv_err **err)
{
	if (!(c->p.flags & PLAN_F_DEFAULT_DEVICES))
		return 0;
	for (size_t i = 0; i < c->p.n_devices; i++)
		if (make_node(c->rootfd, &c->p.devices[i], err) < 0)
			return -1;
	return make_links(c->rootfd, err);
}

/* Binds the pty slave on /dev/console, as runc does for terminals. */
static int bind_console(int ptn, sv_err **err)
{
	char slave[64];
	snprintf(slave, sizeof slave, "/dev/pts/%d", ptn);
	int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST && errno != ENXIO && errno != EIO)
		return sv_err_set(err, errno, "create /dev/console");
	if (fd >= 0)
		close(fd);
	if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return sv_err_set(err, errno, "bind %s on /dev/console", slave);
	return 0;
}

int devices_console(struct init_ctx *c, sv_err **err)
{
	SV_AUTOCLOSE int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return sv_err_set(err, errno, "open /dev/ptmx in the container");
	int unlock = 0, ptn = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
		return sv_err_set(err, errno, "unlock the pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return sv_err_set(err, errno, "open the pty slave");
	c->console = slave;
	if (c->p.console_rows && c->p.console_cols) {
		struct winsize ws = { .ws_row = c->p.console_rows, .ws_col = c->p.console_cols };
		ioctl(master, TIOCSWINSZ, &ws);
	}
	if (fchown(slave, c->p.uid, (gid_t)-1) < 0)
		return sv_err_set(err, errno, "chown the pty");
	if (c->p.mode != PLAN_MODE_EXEC && bind_console(ptn, err) < 0)
		return -1;
	if (plan_msg_send(c->sock, PLAN_MSG_CONSOLE, NULL, 0, &master, 1) < 0)
		return sv_err_set(err, errno, "send the pty to the caller");
	return 0;
}
