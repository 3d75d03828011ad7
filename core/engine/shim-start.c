/*
 * The start half of a container's shim, shared by servin-shim-ctl and by
 * a single-threaded caller that forks instead of spawning it (the CLI's
 * run and start: one exec, one dynamic link and one store open less per
 * container). Claims the container, binds its attach socket, makes the
 * stdio pipes, has the runtime start it as this process's child, records
 * it running, tells the waiting caller ("ok PID" on the sync fd), and
 * execs the static servin-shim monitor, which inherits the child, the
 * stdio and the attach connections.
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

void sv_shim_ctl_add_client(struct sv_shim_ctl *c, int fd, unsigned streams)
{
	c->clients = sv_xrealloc(c->clients, (c->nclients + 1) * sizeof *c->clients);
	c->client_streams = sv_xrealloc(c->client_streams, (c->nclients + 1) * sizeof *c->client_streams);
	c->clients[c->nclients] = fd;
	c->client_streams[c->nclients++] = streams;
}

void sv_shim_ctl_release(struct sv_shim_ctl *c)
{
	free(c->clients);
	free(c->client_streams);
	c->clients = NULL;
	c->client_streams = NULL;
	c->nclients = 0;
}

void sv_shim_ctl_verdict(struct sv_shim_ctl *c, const char *fmt, ...)
{
	if (c->sync_fd < 0)
		return;
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)sv_write_all(c->sync_fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	close(c->sync_fd);
	c->sync_fd = -1;
}

void sv_shim_ctl_fail(struct sv_shim_ctl *c, const sv_err *err)
{
	sv_shim_ctl_verdict(c, "err %d %s\n", err ? err->code : EIO, err ? err->msg : "unknown error");
}

/* ---------------------------------------------------------------- socket */

static int bind_attach(struct sv_shim_ctl *c, const char *id, sv_err **err)
{
	SV_AUTOFREE char *dir = sv_xasprintf("%s/containers/%s", c->runroot, id);
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	unlinkat(dfd, "attach", 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach", dfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sv_err_set(err, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return sv_err_set(err, errno, "bind %s/attach", dir);
	}
	return fd;
}

/* ---------------------------------------------------------------- monitor */

struct io {
	int in_w, out_r, err_r; /* our ends; -1 when absent */
	int child[3];		/* the container's ends */
};

static int make_pipes(const struct sv_shim_info *info, struct io *io, sv_err **err)
{
	int p[2];
	memset(io, -1, sizeof *io);
	if (info->tty)
		return 0;
	if (info->open_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return sv_err_set(err, errno, "pipe");
		io->child[0] = p[0];
		io->in_w = p[1];
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return sv_err_set(err, errno, "pipe");
	io->out_r = p[0];
	io->child[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sv_err_set(err, errno, "pipe");
	io->err_r = p[0];
	io->child[2] = p[1];
	return 0;
}

static void close_child_ends(struct io *io)
{
	for (int i = 0; i < 3; i++)
		if (io->child[i] >= 0)
			close(io->child[i]);
}

static void push_fd(char ***argv, const char *opt, int fd)
{
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, 0);
	sv_strv_push_take(argv, sv_xasprintf("%s=%d", opt, fd));
}

/* Never returns: execs servin-shim with argv (its first part made) and
 * the rest of what it keeps. */
static _Noreturn void exec_monitor_argv(struct sv_shim_ctl *c, const char *id, const struct sv_shim_info *info,
					 char **argv);

/* Never returns: execs servin-shim with everything it keeps. */
static _Noreturn void exec_monitor(struct sv_shim_ctl *c, const char *id, const struct sv_shim_info *info,
				   const struct io *io)
{
	char **argv = NULL;
	sv_strv_push_take(&argv, sv_xasprintf("%s/servin-shim", c->bindir));
	sv_strv_push_take(&argv, sv_xasprintf("--ctl=%s/servin-shim-ctl", c->bindir));
	sv_strv_push_take(&argv, sv_xasprintf("--pid=%d", info->pid));
	push_fd(&argv, "--pidfd", info->pidfd);
	if (info->tty) {
		sv_strv_push(&argv, "--tty");
		push_fd(&argv, "--out", info->console_fd);
		sv_strv_push_take(&argv, sv_xasprintf("--in=%d", info->console_fd));
	} else {
		push_fd(&argv, "--in", io->in_w);
		push_fd(&argv, "--out", io->out_r);
		push_fd(&argv, "--err", io->err_r);
	}
	push_fd(&argv, "--listen", c->listen_fd);
	for (size_t i = 0; info->cgroup_paths && info->cgroup_paths[i]; i++)
		sv_strv_push_take(&argv, sv_xasprintf("--cgroup=%s", info->cgroup_paths[i]));
	exec_monitor_argv(c, id, info, argv);
}

/* Never returns: execs servin-shim before the container exists; its
 * helper child reports on `report` (see servin-shim's --report). */
static _Noreturn void exec_monitor_early(struct sv_shim_ctl *c, const char *id, const struct sv_shim_info *info,
					 int report, pid_t helper)
{
	char **argv = NULL;
	sv_strv_push_take(&argv, sv_xasprintf("%s/servin-shim", c->bindir));
	sv_strv_push_take(&argv, sv_xasprintf("--ctl=%s/servin-shim-ctl", c->bindir));
	push_fd(&argv, "--report", report);
	sv_strv_push_take(&argv, sv_xasprintf("--helper=%d", (int)helper));
	exec_monitor_argv(c, id, info, argv);
}

static _Noreturn void exec_monitor_argv(struct sv_shim_ctl *c, const char *id, const struct sv_shim_info *info,
					 char **argv)
{
	for (size_t i = 0; i < c->nclients; i++) {
		fcntl(c->clients[i], F_SETFD, 0);
		sv_strv_push_take(&argv, sv_xasprintf("--client=%d:%u", c->clients[i], c->client_streams[i]));
	}
	if (info->stdin_once)
		sv_strv_push(&argv, "--stdin-once");
	sv_strv_push_take(&argv, sv_xasprintf("--stop-signal=%d", info->stop_signal));
	if (info->log_path) {
		sv_strv_push_take(&argv, sv_xasprintf("--log=%s", info->log_path));
		sv_strv_push_take(&argv, sv_xasprintf("--log-max-size=%lld", (long long)info->log_max_size));
		sv_strv_push_take(&argv, sv_xasprintf("--log-max-file=%d", info->log_max_file));
	}
	if (info->ring_path)
		sv_strv_push_take(&argv, sv_xasprintf("--ring=%s", info->ring_path));
	push_fd(&argv, "--dns-udp", info->dns_udp_fd);
	push_fd(&argv, "--dns-tcp", info->dns_tcp_fd);
	if (info->dns_conf)
		sv_strv_push_take(&argv, sv_xasprintf("--dns-conf=%s", info->dns_conf));
	sv_strv_push(&argv, "--");
	sv_strv_push(&argv, c->exec_id ? "exec-exited" : "exited");
	sv_strv_push_take(&argv, sv_xasprintf(c->exec_id ? "--exec-id=%s" : "--id=%s", c->exec_id ? c->exec_id : id));
	sv_strv_push_take(&argv, sv_xasprintf("--root=%s", c->root));
	sv_strv_push_take(&argv, sv_xasprintf("--runroot=%s", c->runroot));
	sv_strv_push_take(&argv, sv_xasprintf("--delay=%lld", (long long)c->delay_ms));
	/* (a fork of the process holding the store leaves its connections
	 * alone: closing them here would touch the database) */
	if (!c->no_store)
		sv_engine_free(c->e);
	c->e = NULL;
	execv(argv[0], argv);
	sv_warn("exec %s: %s", argv[0], strerror(errno));
	/* The container runs with nobody to watch it: stop it, the row is
	 * settled by whoever reads it next. (Exec'd early, there is none yet:
	 * the helper finds no monitor to report to and stops it.) */
	if (info->pid > 0)
		kill(info->pid, SIGKILL);
	_exit(1);
}

static void *preload(void *arg)
{
	(void)arg;
	sv_runtime_preload();
	return NULL;
}

/* Socket, pipes, the runtime, the verdict, the monitor: the container
 * claimed (its rootfs mounted, its bundle written) and info filled. */
static int run_claimed(struct sv_shim_ctl *c, const struct ctr_row *r, struct sv_shim_info *info, sv_err **err)
{
	struct io io;
	info->defer_running = c->defer_running;
	if (c->listen_fd < 0 && (c->listen_fd = bind_attach(c, r->id, err)) < 0)
		goto fail;
	if (make_pipes(info, &io, err) < 0)
		goto fail;
	if (ctr_shim_run(c->e, r, io.child, info, !c->no_store, err) < 0) {
		close_child_ends(&io);
		goto fail;
	}
	close_child_ends(&io);
	sv_shim_ctl_verdict(c, "ok %d %lld\n", info->pid, (long long)info->started_ns);
	exec_monitor(c, r->id, info, &io);
fail:
	sv_shim_info_release(info);
	return -1;
}

int sv_shim_ctl_run_container(struct sv_shim_ctl *c, const char *id, sv_err **err)
{
	struct ctr_row r;
	if (ctr_load(c->e, id, &r, err) < 0)
		return -1;
	/* servin-init's memfd is made on a thread while the claim (store,
	 * rootfs mount, bundle) runs here; joined before anything that wants
	 * this process single-threaded again (network namespaces). */
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, preload, NULL) == 0;
	int rc = ctr_shim_claim(c->e, &r, getpid(), ctr_pid_start(getpid()), err);
	if (threaded)
		pthread_join(t, NULL);
	struct sv_shim_info info;
	if (rc == 0) {
		ctr_shim_info_fill(c->e, &r, &info);
		(void)run_claimed(c, &r, &info, err);
	}
	ctr_row_release(&r);
	return -1;
}

/* Blocks for the claimer's "g"; false at EOF (its claim failed). */
static bool wait_go(int go)
{
	char g = 0;
	while (read(go, &g, 1) < 0 && errno == EINTR)
		;
	close(go);
	return g == 'g';
}

/* The helper of a monitor exec'd early (the forked path without a tty):
 * on "g", binds the attach socket, makes the pipes, has the runtime start
 * the container, hands the monitor (its parent, and the container's
 * subreaper) the pid, the cgroups and the fds it keeps, and sends the
 * verdict. Never returns. */
static _Noreturn void helper(struct sv_shim_ctl *c, const struct ctr_row *r, struct sv_shim_info *info, int go,
			     int report)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	struct io io;
	sv_runtime_preload();
	if (!wait_go(go))
		_exit(0);
	if ((c->listen_fd = bind_attach(c, r->id, &err)) < 0 || make_pipes(info, &io, &err) < 0)
		goto fail;
	if (ctr_shim_run(c->e, r, io.child, info, false, &err) < 0)
		goto fail;
	close_child_ends(&io);
	sv_buf_addf(&b, "%d\n", info->pid);
	for (size_t i = 0; info->cgroup_paths && info->cgroup_paths[i]; i++)
		sv_buf_addf(&b, "cgroup %s\n", info->cgroup_paths[i]);
	int fds[4] = { c->listen_fd, io.out_r, io.err_r, io.in_w };
	if (sv_msg_send(report, b.data, b.len, fds, io.in_w >= 0 ? 4 : 3, &err) < 0) {
		/* No monitor: nobody may run it. */
		kill(info->pid, SIGKILL);
		sv_err_prefix(&err, "container %.12s: hand it to its monitor", r->id);
		goto fail;
	}
	sv_shim_ctl_verdict(c, "ok %d %lld\n", info->pid, (long long)info->started_ns);
	_exit(0);
fail:
	ctr_shim_child_fail(c, err);
}

void ctr_shim_child_fail(struct sv_shim_ctl *c, const sv_err *err)
{
	sv_shim_ctl_fail(c, err);
	sv_warn("%s", err ? err->msg : "start failed");
	_exit(1);
}

int ctr_shim_start_claimed(struct sv_shim_ctl *c, const struct ctr_row *r, int go, sv_err **err)
{
	struct sv_shim_info info;
	ctr_shim_info_fill(c->e, r, &info);
	info.defer_running = c->defer_running;
	char ready[32];
	int nready = snprintf(ready, sizeof ready, "r %lld", (long long)ctr_pid_start(getpid()));
	/* A tty: one process, which execs the monitor once the container
	 * runs (the runtime makes the console). */
	if (info.tty) {
		(void)!send(go, ready, (size_t)nready, MSG_NOSIGNAL);
		sv_runtime_preload();
		if (!wait_go(go))
			_exit(0);
		return run_claimed(c, r, &info, err);
	}
	/* Else the monitor is exec'd here while a helper waits for the claim
	 * and starts the container: the exec is done by the time the
	 * container runs, and a process that is over at once is reaped
	 * without waiting for it. */
	int rp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rp) < 0)
		return sv_err_set(err, errno, "socketpair");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return sv_err_set(err, errno, "become a child subreaper");
	pid_t h = fork();
	if (h < 0)
		return sv_err_set(err, errno, "fork");
	if (h == 0) {
		close(rp[0]);
		for (size_t i = 0; i < c->nclients; i++)
			close(c->clients[i]);
		helper(c, r, &info, go, rp[1]);
	}
	close(rp[1]);
	(void)!send(go, ready, (size_t)nready, MSG_NOSIGNAL);
	close(go);
	/* The verdict is the helper's to send. */
	close(c->sync_fd);
	c->sync_fd = -1;
	exec_monitor_early(c, r->id, &info, rp[0], h);
}

int sv_shim_ctl_exec(struct sv_shim_ctl *c, sv_err **err)
{
	struct sv_shim_info info;
	struct io io;
	if (sv_engine_shim_exec_claim(c->e, c->exec_id, &info, err) < 0)
		return -1;
	if (make_pipes(&info, &io, err) < 0)
		goto fail;
	if (sv_engine_shim_exec_run(c->e, c->exec_id, io.child, &info, err) < 0) {
		close_child_ends(&io);
		goto fail;
	}
	close_child_ends(&io);
	sv_shim_ctl_verdict(c, "ok %d\n", info.pid);
	exec_monitor(c, NULL, &info, &io);
fail:
	sv_shim_info_release(&info);
	return -1;
}
