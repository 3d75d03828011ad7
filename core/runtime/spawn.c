/*
 * Starting servin-init and talking to it.
 *
 * servin-init is a small static program linked into libservin as bytes
 * (init-blob.S). It is copied once per process into a sealed memfd, and
 * every container's helper is exec'd from that memfd: a container can see
 * it in /proc/<pid>/exe but cannot write to it, and the host binary is never
 * reachable from inside (attacks.md item 1, CVE-2019-5736).
 *
 * The caller may be threaded, so the child of clone3 does nothing but
 * arrange its fds and exec (async-signal-safe calls only, no malloc); all
 * signals are blocked around the clone so no handler runs in the child.
 */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/plan.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The kernel's struct clone_args (v2, with .cgroup). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/* How long container setup may take before the library gives up. */
#define SPAWN_TIMEOUT_MS 120000

extern const char sv_runtime_init_blob[];
extern const char sv_runtime_init_blob_end[];

static pthread_mutex_t memfd_mu = PTHREAD_MUTEX_INITIALIZER;
static int memfd_cached = -1;

static int memfd_make(sv_err **err)
{
	size_t len = (size_t)(sv_runtime_init_blob_end - sv_runtime_init_blob);
	SV_AUTOCLOSE int fd = memfd_create("servin-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("servin-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sv_err_set(err, errno, "memfd_create");
	if (sv_write_all(fd, sv_runtime_init_blob, len) < 0)
		return sv_err_set(err, errno, "write servin-init to a memfd");
	int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		return sv_err_set(err, errno, "seal the servin-init memfd");
	return sv_steal_fd(&fd);
}

/* The sealed memfd, made once per process. Borrowed. */
static int init_memfd(sv_err **err)
{
	pthread_mutex_lock(&memfd_mu);
	if (memfd_cached < 0)
		memfd_cached = memfd_make(err);
	int fd = memfd_cached;
	pthread_mutex_unlock(&memfd_mu);
	return fd;
}

void sv_runtime_preload(void)
{
	SV_AUTOERR sv_err *err = NULL;
	(void)init_memfd(&err);
}

/* Copies every fd the helper gets to a CLOEXEC fd >= base, in target
 * order: 0-2 stdio, 3 the sync socket, then the extra fds. */
static int collect_fds(const struct spawn_opts *o, int sync, int base, int *dups, sv_err **err)
{
	SV_AUTOCLOSE int devnull = -1;
	int n = PLAN_EXTRA_FD0 + (int)o->n_extra_fds;
	for (int i = 0; i < n; i++) {
		int src = i < 3 ? (o->stdio ? o->stdio[i] : i) : i == PLAN_SYNC_FD ? sync : o->extra_fds[i - PLAN_EXTRA_FD0];
		dups[i] = src >= 0 ? fcntl(src, F_DUPFD_CLOEXEC, base) : -1;
		if (dups[i] < 0 && i < 3) {
			if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
				return sv_err_set(err, errno, "open /dev/null");
			dups[i] = fcntl(devnull, F_DUPFD_CLOEXEC, base);
		}
		if (dups[i] < 0)
			return sv_err_set(err, errno, "pass fd %d", src);
	}
	return 0;
}

/* In the child of clone3: only async-signal-safe calls. */
SV_NORETURN static void child_exec(const int *dups, int n, int mfd)
{
	static char *const argv[] = { (char *)(uintptr_t)"servin-init", NULL };
	static char *const envp[] = { NULL };
	for (int i = 0; i < n; i++)
		if (dup2(dups[i], i) < 0)
			_exit(126);
	if (dup3(mfd, n, O_CLOEXEC) < 0)
		_exit(126);
	syscall(SYS_close_range, n + 1, ~0U, 0);
	syscall(SYS_execveat, n, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

struct vfork_args {
	const int *dups;
	int n;
};

static int vfork_child(void *arg)
{
	const struct vfork_args *a = arg;
	child_exec(a->dups, a->n, a->dups[a->n]);
}

/* The clone itself. Without a v2 cgroup to start in, CLONE_VM|CLONE_VFORK
 * on a small stack borrowed from ours (the parent sleeps until the exec):
 * nothing of a big caller's address space is copied. CLONE_INTO_CGROUP
 * needs clone3, used fork-like. */
/* In a new user namespace the child waits for its maps (the gate), joins
 * the cgroups while its credentials are still the host's root, then becomes
 * root inside (so exec leaves it its capabilities there). Raw syscalls only:
 * glibc's setresuid would try to reach the caller's other threads. */
SV_NORETURN static void userns_child(const struct spawn_opts *o, int gate, const int *dups, int n)
{
	char b;
	if (read(gate, &b, 1) != 1)
		_exit(126);
	for (size_t i = 0; o->cgroup_tasks && o->cgroup_tasks[i]; i++) {
		int fd = open(o->cgroup_tasks[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(125);
		close(fd);
	}
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
		_exit(124);
	child_exec(dups, n, dups[n]);
}

static int write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, map, strlen(map));
	int e = errno;
	close(fd);
	errno = e;
	return w < 0 ? -1 : 0;
}

/* fork-like clone3 into a new user namespace; maps written, gate opened. */
static pid_t spawn_userns(const struct spawn_opts *o, const int *dups, int n, int *pidfd)
{
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	struct clone3_args args = {
		.flags = CLONE_PIDFD | o->clone_flags | (o->cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = o->cgroup_fd >= 0 ? (uint64_t)o->cgroup_fd : 0,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		userns_child(o, gate[0], dups, n);
	int e = errno;
	if (pid > 0 && (write_map(pid, "uid_map", o->uid_map) < 0 || write_map(pid, "gid_map", o->gid_map) < 0 ||
			write(gate[1], "x", 1) != 1)) {
		e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(*pidfd);
		pid = -1;
	}
	close(gate[0]);
	close(gate[1]);
	errno = e;
	return pid;
}

static pid_t spawn_clone(const struct spawn_opts *o, const int *dups, int n, int *pidfd)
{
	if (o->clone_flags & CLONE_NEWUSER)
		return spawn_userns(o, dups, n, pidfd);
	if (o->cgroup_fd < 0) {
		_Alignas(16) char stack[16384];
		struct vfork_args a = { dups, n };
		return clone(vfork_child, stack + sizeof stack,
			     CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (int)o->clone_flags | SIGCHLD, &a, pidfd);
	}
	struct clone3_args args = {
		.flags = CLONE_PIDFD | o->clone_flags | CLONE_INTO_CGROUP,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)o->cgroup_fd,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0)
		child_exec(dups, n, dups[n]);
	return pid;
}

pid_t spawn_init(const struct spawn_opts *o, int *sock, int *pidfd, sv_err **err)
{
	int mfd = init_memfd(err);
	if (mfd < 0)
		return -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return sv_err_set(err, errno, "socketpair");
	int n = PLAN_EXTRA_FD0 + (int)o->n_extra_fds;
	int base = n + 1;
	int *dups = sv_xcalloc((size_t)n + 1, sizeof *dups);
	for (int i = 0; i <= n; i++)
		dups[i] = -1;
	pid_t pid = -1;
	if (collect_fds(o, sv[1], base, dups, err) < 0 || (dups[n] = fcntl(mfd, F_DUPFD_CLOEXEC, base)) < 0)
		goto out;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = spawn_clone(o, dups, n, pidfd);
	int e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		sv_err_set(err, e, "clone (namespaces 0x%x)", o->clone_flags);
out:
	for (int i = 0; i <= n; i++)
		if (dups[i] >= 0)
			close(dups[i]);
	free(dups);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	*sock = sv[0];
	return pid;
}

int spawn_reap(pid_t pid, int pidfd)
{
	int st = 0;
	(void)pidfd;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static int helper_error(const struct sv_buf *b, sv_err **err)
{
	int32_t code = EIO;
	if (b->len < sizeof code)
		return sv_err_setx(err, EIO, "servin-init: malformed error");
	memcpy(&code, b->data, sizeof code);
	return sv_err_setx(err, code > 0 ? code : EIO, "%.*s", (int)(b->len - sizeof code), b->data + sizeof code);
}

int spawn_talk(int sock, const struct sv_buf *plan, const int *fds, size_t nfds,
	       struct sv_runtime_proc *out, sv_err **err)
{
	if (plan_msg_send(sock, PLAN_MSG_PLAN, plan->data, plan->len, fds, nfds) < 0)
		return sv_err_set(err, errno, "send the plan to servin-init");
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	for (;;) {
		uint32_t type = 0;
		int fd = -1;
		size_t nfd = 1;
		struct pollfd p = { sock, POLLIN, 0 };
		int n;
		do
			n = poll(&p, 1, SPAWN_TIMEOUT_MS);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			return sv_err_setx(err, ETIMEDOUT, "servin-init did not answer within %d s", SPAWN_TIMEOUT_MS / 1000);
		int rc = plan_msg_recv(sock, &type, &b, &fd, &nfd);
		if (rc != 0)
			return rc > 0 ? sv_err_setx(err, EIO, "servin-init exited during setup")
				      : sv_err_set(err, errno, "read from servin-init");
		if (type == PLAN_MSG_READY)
			return 0;
		if (type == PLAN_MSG_ERROR)
			return helper_error(&b, err);
		if (type == PLAN_MSG_PID && b.len == sizeof(uint32_t)) {
			uint32_t pid;
			memcpy(&pid, b.data, sizeof pid);
			out->pid = (pid_t)pid;
		} else if (type == PLAN_MSG_CONSOLE && nfd == 1) {
			if (out->console_fd >= 0)
				close(out->console_fd);
			out->console_fd = fd;
			fd = -1;
		}
		if (fd >= 0)
			close(fd);
	}
}

/* runc --console-socket: the pty master goes to a unix socket. */
int spawn_send_console(const char *path, int master, sv_err **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return sv_err_setx(err, EINVAL, "console socket path too long");
	strcpy(sa.sun_path, path);
	SV_AUTOCLOSE int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return sv_err_set(err, errno, "connect to console socket %s", path);
	if (plan_msg_send(s, PLAN_MSG_CONSOLE, "/dev/ptmx", 9, &master, 1) < 0)
		return sv_err_set(err, errno, "send the console to %s", path);
	return 0;
}
