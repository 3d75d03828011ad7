/*
 * servin-init's entry: receive the plan, join cgroups and namespaces,
 * hand over to mounts.c and process.c, report READY, wait for start, exec.
 *
 * Order matters and follows runc: cgroups are joined first (so the cgroup
 * namespace is rooted at the container's cgroup and every later fork is
 * accounted), then namespaces, then the filesystem, then the process's
 * identity and privileges, seccomp last or just before dropping the
 * capability it needs.
 */
#include "runtime/init/init.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

void init_die(struct init_ctx *c, sv_err *err)
{
	int32_t code = err ? err->code : EIO;
	const char *msg = err && err->msg ? err->msg : "servin-init failed";
	size_t len = strlen(msg);
	char *buf = sv_xmalloc(sizeof code + len);
	memcpy(buf, &code, sizeof code);
	memcpy(buf + sizeof code, msg, len);
	if (c->sock < 0 || plan_msg_send(c->sock, PLAN_MSG_ERROR, buf, sizeof code + len, NULL, 0) < 0)
		dprintf(STDERR_FILENO, "servin-init: %s\n", msg);
	_exit(code == ENOENT ? 127 : code == EACCES ? 126 : 1);
}

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int receive_plan(struct init_ctx *c, sv_err **err)
{
	/* The extra fds are counted first: received fds land above them. */
	while (fcntl(PLAN_EXTRA_FD0 + c->n_extra, F_GETFD) >= 0)
		c->n_extra++;
	uint32_t type = 0;
	int fds[PLAN_MAX_FDS];
	size_t nfds = PLAN_MAX_FDS;
	int rc = plan_msg_recv(c->sock, &type, &c->raw, fds, &nfds);
	if (rc != 0 || type != PLAN_MSG_PLAN)
		return sv_err_setx(err, EPROTO, "servin-init: no plan received");
	const char *why = NULL;
	if (plan_decode(c->raw.data, c->raw.len, &c->p, &why) < 0)
		return sv_err_setx(err, EPROTO, "servin-init: bad plan: %s", why);
	/* The one fd that comes with the plan: the container's init to join
	 * (exec), or exec.fifo (create). */
	if (nfds > 0 && c->p.mode == PLAN_MODE_EXEC)
		c->target_pidfd = fds[0];
	else if (nfds > 0 && c->p.mode == PLAN_MODE_CREATE)
		c->fifo = fds[0];
	else if (nfds > 0)
		close(fds[0]);
	for (size_t i = 1; i < nfds; i++)
		close(fds[i]);
	return 0;
}

static int join_cgroups(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_cgroup_join; i++) {
		const char *f = c->p.cgroup_join[i];
		int fd = open(f, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return sv_err_set(err, errno, "join cgroup: open %s", f);
		/* "0" is the writer itself: no global rwsem, no RCU wait. */
		ssize_t n = write(fd, "0", 1);
		int e = errno;
		close(fd);
		if (n < 0)
			return sv_err_set(err, e, "join cgroup %s", f);
	}
	return 0;
}

static int join_namespaces(struct init_ctx *c, sv_err **err)
{
	for (size_t i = 0; i < c->p.n_ns; i++) {
		const struct plan_ns *ns = &c->p.ns[i];
		if (!ns->path) {
			if (c->target_pidfd < 0)
				return sv_err_setx(err, EINVAL, "join namespaces: no container process");
			if (setns(c->target_pidfd, (int)ns->type) < 0)
				return sv_err_set(err, errno, "join the container's namespaces");
			continue;
		}
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sv_err_set(err, errno, "open namespace %s", ns->path);
		int rc = setns(fd, (int)ns->type);
		int e = errno;
		close(fd);
		if (rc < 0)
			return sv_err_set(err, e, "join namespace %s", ns->path);
	}
	if ((c->p.flags & PLAN_F_NEW_CGROUPNS) && unshare(CLONE_NEWCGROUP) < 0)
		return sv_err_set(err, errno, "unshare the cgroup namespace");
	return 0;
}

/* Once the pid namespace is joined (or, detached, made), the process that
 * becomes the container must be a new one: fork, tell the library its pid,
 * and leave. CLONE_PARENT keeps it the library caller's child. */
static int fork_container(struct init_ctx *c, bool new_pidns, sv_err **err)
{
	if (new_pidns && unshare(CLONE_NEWPID) < 0)
		return sv_err_set(err, errno, "unshare the pid namespace");
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return sv_err_set(err, errno, "pipe");
	unsigned long flags = SIGCHLD | ((c->p.flags & PLAN_F_DETACH) ? 0 : CLONE_PARENT);
	pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, NULL, NULL, 0);
	if (pid < 0)
		return sv_err_set(err, errno, "fork the container process");
	if (pid > 0) {
		uint32_t v = (uint32_t)pid;
		int rc = plan_msg_send(c->sock, PLAN_MSG_PID, &v, sizeof v, NULL, 0);
		if (write(pp[1], "x", 1) < 0 || rc < 0)
			_exit(1);
		_exit(0);
	}
	close(pp[1]);
	char b;
	ssize_t n = read(pp[0], &b, 1);
	close(pp[0]);
	if (n != 1)
		_exit(1);
	return 0;
}

/* lo of the namespace made for us (ifindex 1, down when made). */
static int loopback_up(sv_err **err)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sv_err_set(err, errno, "loopback: socket");
	struct ifreq ifr = { .ifr_name = "lo" };
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	close(fd);
	return rc < 0 ? sv_err_set(err, e, "bring the loopback interface up") : 0;
}

/* The host's /dev/null, checked to really be the null device: masked
 * paths are covered with it (CVE-2025-31133). */
static int open_devnull(struct init_ctx *c, sv_err **err)
{
	c->devnull = open("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (c->devnull < 0 || fstat(c->devnull, &st) < 0)
		return sv_err_set(err, errno, "open /dev/null");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		return sv_err_setx(err, EPERM, "/dev/null is not the null device (char 1:3)");
	return 0;
}

static int setup_container(struct init_ctx *c, sv_err **err)
{
	bool has_pid_path = false;
	for (size_t i = 0; i < c->p.n_ns; i++)
		has_pid_path |= c->p.ns[i].type == CLONE_NEWPID;
	if (join_cgroups(c, err) < 0 || join_namespaces(c, err) < 0)
		return -1;
	if ((c->p.flags & PLAN_F_FORK) && fork_container(c, !has_pid_path && (c->p.flags & PLAN_F_DETACH), err) < 0)
		return -1;
	if (open_devnull(c, err) < 0)
		return -1;
	if ((c->p.flags & PLAN_F_LOOPBACK) && loopback_up(err) < 0)
		return -1;
	if (c->p.mode == PLAN_MODE_CREATE && c->fifo < 0)
		return sv_err_setx(err, EPROTO, "servin-init: no exec.fifo received");
	if (mounts_setup(c, err) < 0)
		return -1;
	close(c->devnull);
	c->devnull = -1;
	if (c->p.hostname && sethostname(c->p.hostname, strlen(c->p.hostname)) < 0)
		return sv_err_set(err, errno, "sethostname %s", c->p.hostname);
	if (c->p.domainname && setdomainname(c->p.domainname, strlen(c->p.domainname)) < 0)
		return sv_err_set(err, errno, "setdomainname %s", c->p.domainname);
	return 0;
}

static int setup_exec(struct init_ctx *c, sv_err **err)
{
	if (join_cgroups(c, err) < 0 || join_namespaces(c, err) < 0)
		return -1;
	return fork_container(c, false, err);
}

/* After READY: `create` waits for `start` opening exec.fifo, `run` and
 * `exec` for GO on the socket. */
static void wait_start(struct init_ctx *c)
{
	if (c->p.mode == PLAN_MODE_CREATE) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", c->fifo);
		close(c->sock);
		c->sock = -1;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			dprintf(STDERR_FILENO, "servin-init: wait for start: %s\n", strerror(errno));
			_exit(1);
		}
		close(fd);
		close(c->fifo);
		return;
	}
	uint32_t type = 0;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (plan_msg_recv(c->sock, &type, &b, NULL, NULL) != 0 || type != PLAN_MSG_GO)
		_exit(1);
	close(c->sock);
	c->sock = -1;
}

int main(void)
{
	struct init_ctx c = { .sock = PLAN_SYNC_FD, .target_pidfd = -1, .rootfd = -1, .devnull = -1,
			      .fifo = -1, .console = -1 };
	sv_err *err = NULL;
	reset_signals();
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(0);
	sv_buf_init(&c.raw);
	if (receive_plan(&c, &err) < 0)
		init_die(&c, err);
	int rc = c.p.mode == PLAN_MODE_EXEC ? setup_exec(&c, &err) : setup_container(&c, &err);
	if (rc < 0 || ((c.p.flags & PLAN_F_TERMINAL) && devices_console(&c, &err) < 0) ||
	    process_setup(&c, &err) < 0)
		init_die(&c, err);
	char *path = process_lookup(&c.p, &err);
	if (!path)
		init_die(&c, err);
	if (plan_msg_send(c.sock, PLAN_MSG_READY, NULL, 0, NULL, 0) < 0)
		_exit(1);
	wait_start(&c);
	process_exec(&c, path);
}
