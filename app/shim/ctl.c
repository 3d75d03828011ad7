/*
 * servin-shim-ctl — the part of a container's shim that needs libservin:
 * it claims the container in the store, mounts its rootfs, has the runtime
 * create it as this process's child, records it, and then execs the small
 * static servin-shim (monitor.c), which keeps the child, the stdio and the
 * attach socket. When the container exits, servin-shim execs this program
 * again ("exited") to record the exit, remove the runtime state, apply the
 * restart policy and AutoRemove, and tell the attached clients.
 *
 *   servin-shim-ctl start --id ID --root R --runroot RR --sync FD [--client FD:STREAMS]
 *   servin-shim-ctl exited --id ID --root R --runroot RR --status S --manual M
 *                   --canceled C [--delay MS] [--listen FD] [--client FD]...
 *   servin-shim-ctl exec --exec-id ID ... / exec-exited --exec-id ID ...
 *
 * Started by the engine with posix_spawn in a new session; "start" and
 * "exec" fork once so the caller's child exits at once and the shim is
 * nobody's child. The verdict ("ok PID" or "err CODE MESSAGE") goes to the
 * --sync fd; its EOF without a verdict means this process died.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/engine.h"

struct ctl {
	const char *cmd, *id, *exec_id, *root, *runroot;
	int sync_fd;
	int listen_fd;
	int *clients;
	unsigned *client_streams;
	size_t nclients;
	int status, manual, canceled;
	int64_t delay_ms;
	sv_engine *e;
	char self_dir[PATH_MAX];
};

static void add_client(struct ctl *c, const char *v)
{
	c->clients = sv_xrealloc(c->clients, (c->nclients + 1) * sizeof *c->clients);
	c->client_streams = sv_xrealloc(c->client_streams, (c->nclients + 1) * sizeof *c->client_streams);
	c->clients[c->nclients] = atoi(v);
	const char *colon = strchr(v, ':');
	c->client_streams[c->nclients++] = colon ? (unsigned)atoi(colon + 1) : 0;
}

static int parse(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		return -1;
	c->cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		char *a = argv[i], *eq = strchr(a, '=');
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return -1;
		size_t k = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (k == strlen(name) && strncmp(a, name, k) == 0)
		if (IS("--id"))
			c->id = v;
		else if (IS("--exec-id"))
			c->exec_id = v;
		else if (IS("--root"))
			c->root = v;
		else if (IS("--runroot"))
			c->runroot = v;
		else if (IS("--sync"))
			c->sync_fd = atoi(v);
		else if (IS("--listen"))
			c->listen_fd = atoi(v);
		else if (IS("--client"))
			add_client(c, v);
		else if (IS("--status"))
			c->status = atoi(v);
		else if (IS("--manual"))
			c->manual = atoi(v);
		else if (IS("--canceled"))
			c->canceled = atoi(v);
		else if (IS("--delay"))
			c->delay_ms = atoll(v);
		else
			return -1;
#undef IS
	}
	return c->root && c->runroot ? 0 : -1;
}

static void verdict(struct ctl *c, const char *fmt, ...) SV_PRINTF(2, 3);
static void verdict(struct ctl *c, const char *fmt, ...)
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

static void fail_verdict(struct ctl *c, const sv_err *err)
{
	verdict(c, "err %d %s\n", err ? err->code : EIO, err ? err->msg : "unknown error");
}

/* Connections still waiting in the listen backlog (a `wait` that arrived
 * as the container exited) are clients too. */
static void accept_pending(struct ctl *c)
{
	int fd;
	if (c->listen_fd < 0)
		return;
	/* Never block: only what is already queued. */
	fcntl(c->listen_fd, F_SETFL, fcntl(c->listen_fd, F_GETFL) | O_NONBLOCK);
	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		c->clients = sv_xrealloc(c->clients, (c->nclients + 1) * sizeof *c->clients);
		c->clients[c->nclients++] = fd;
	}
}

/* Sends the exit frame to every client and lets them go. */
static void tell_clients(struct ctl *c, int code)
{
	accept_pending(c);
	char msg[16];
	int n = snprintf(msg, sizeof msg, "%d", code);
	for (size_t i = 0; i < c->nclients; i++) {
		SV_AUTOERR sv_err *err = NULL;
		(void)sv_frame_write(c->clients[i], SV_FRAME_EXIT, msg, (size_t)n, &err);
		close(c->clients[i]);
	}
	c->nclients = 0;
}

/* ---------------------------------------------------------------- socket */

static int bind_attach(struct ctl *c, const char *id, sv_err **err)
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

static void exec_monitor(struct ctl *c, const char *id, const struct sv_shim_info *info, const struct io *io)
{
	char **argv = NULL;
	sv_strv_push_take(&argv, sv_xasprintf("%s/servin-shim", c->self_dir));
	sv_strv_push_take(&argv, sv_xasprintf("--ctl=%s/servin-shim-ctl", c->self_dir));
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
	if (info->ring_path) {
		sv_strv_push_take(&argv, sv_xasprintf("--ring=%s", info->ring_path));
		for (size_t i = 0; info->cgroup_paths && info->cgroup_paths[i]; i++)
			sv_strv_push_take(&argv, sv_xasprintf("--cgroup=%s", info->cgroup_paths[i]));
	}
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
	sv_engine_free(c->e);
	c->e = NULL;
	execv(argv[0], argv);
	fprintf(stderr, "servin-shim-ctl: exec %s: %s\n", argv[0], strerror(errno));
	/* The container runs with nobody to watch it: stop it, the row is
	 * settled by whoever reads it next. */
	kill(info->pid, SIGKILL);
	_exit(1);
}

/* Claims, runs and hands over to the monitor; returns only on failure. */
static int run_container(struct ctl *c, sv_err **err)
{
	struct sv_shim_info info;
	struct io io;
	if (sv_engine_shim_claim(c->e, c->id, &info, err) < 0)
		return -1;
	if (c->listen_fd < 0 && (c->listen_fd = bind_attach(c, c->id, err)) < 0)
		goto fail;
	if (make_pipes(&info, &io, err) < 0)
		goto fail;
	if (sv_engine_shim_run(c->e, c->id, io.child, &info, err) < 0) {
		close_child_ends(&io);
		goto fail;
	}
	close_child_ends(&io);
	verdict(c, "ok %d\n", info.pid);
	exec_monitor(c, c->id, &info, &io);
fail:
	sv_shim_info_release(&info);
	return -1;
}

/* ---------------------------------------------------------------- exec */

static int ctl_exec(struct ctl *c, sv_err **err)
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
	verdict(c, "ok %d\n", info.pid);
	exec_monitor(c, NULL, &info, &io);
fail:
	sv_shim_info_release(&info);
	return -1;
}

static int ctl_exec_exited(struct ctl *c, sv_err **err)
{
	int code = 255;
	int rc = sv_engine_shim_exec_exited(c->e, c->exec_id, c->status, &code, err);
	tell_clients(c, code);
	return rc;
}

/* ---------------------------------------------------------------- exited */

/* Waits out a restart delay while answering stop requests; returns true
 * when a client canceled the restart. */
static bool restart_wait(struct ctl *c, int64_t delay_ms)
{
	int64_t until = sv_time_mono_ns() + delay_ms * 1000000;
	while (c->listen_fd >= 0) {
		int64_t left = (until - sv_time_mono_ns()) / 1000000;
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = c->listen_fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct pollfd q = { .fd = fd, .events = POLLIN };
		SV_AUTOBUF struct sv_buf b;
		sv_buf_init(&b);
		int type;
		SV_AUTOERR sv_err *err = NULL;
		while (poll(&q, 1, 1000) > 0 && sv_frame_read(fd, &type, &b, &err) > 0) {
			int sig = atoi(b.data);
			if (type == SV_FRAME_STOP || (type == SV_FRAME_SIGNAL && (sig == SIGKILL || sig == SIGTERM))) {
				c->clients = sv_xrealloc(c->clients, (c->nclients + 1) * sizeof *c->clients);
				c->clients[c->nclients++] = fd;
				return true;
			}
		}
		close(fd);
	}
	return false;
}

static int cmd_exited(struct ctl *c, sv_err **err)
{
	struct sv_shim_exit x;
	if (sv_engine_shim_exited(c->e, c->id, c->status, c->manual, c->canceled, c->delay_ms, &x, err) < 0) {
		tell_clients(c, 255);
		sv_engine_shim_exit_done(c->e, &x);
		return -1;
	}
	tell_clients(c, x.exit_code);
	sv_engine_shim_exit_done(c->e, &x);
	if (!x.restart)
		return 0;
	if (restart_wait(c, x.delay_ms)) {
		if (sv_engine_shim_abandon(c->e, c->id, err) < 0)
			return -1;
		tell_clients(c, x.exit_code);
		return 0;
	}
	c->delay_ms = x.delay_ms;
	return run_container(c, err);
}

/* ---------------------------------------------------------------- main */

static void find_self(struct ctl *c)
{
	ssize_t n = readlink("/proc/self/exe", c->self_dir, sizeof c->self_dir - 1);
	if (n <= 0) {
		snprintf(c->self_dir, sizeof c->self_dir, ".");
		return;
	}
	c->self_dir[n] = '\0';
	char *slash = strrchr(c->self_dir, '/');
	if (slash)
		*slash = '\0';
}

static int open_engine(struct ctl *c, sv_err **err)
{
	struct sv_engine_opts o = { .root = c->root, .runroot = c->runroot, .no_seed = true };
	return sv_engine_open_shim(&o, &c->e, err);
}

int main(int argc, char **argv)
{
	struct ctl c = { .sync_fd = -1, .listen_fd = -1 };
	SV_AUTOERR sv_err *err = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (parse(&c, argc, argv) < 0) {
		fprintf(stderr, "servin-shim-ctl: started by servin only\n");
		return 2;
	}
	find_self(&c);
	bool fresh = strcmp(c.cmd, "start") == 0 || strcmp(c.cmd, "exec") == 0;
	if (fresh) {
		pid_t p = fork();
		if (p < 0) {
			sv_err_set(&err, errno, "fork");
			fail_verdict(&c, err);
			return 1;
		}
		if (p > 0)
			_exit(0);
	}
	sv_log_set_sink(sv_log_fd_sink, (void *)(intptr_t)STDERR_FILENO, SV_LOG_WARN);
	int rc = -1;
	if (open_engine(&c, &err) < 0)
		;
	else if (strcmp(c.cmd, "start") == 0 && c.id)
		rc = run_container(&c, &err);
	else if (strcmp(c.cmd, "exited") == 0 && c.id)
		rc = cmd_exited(&c, &err);
	else if (strcmp(c.cmd, "exec") == 0 && c.exec_id)
		rc = ctl_exec(&c, &err);
	else if (strcmp(c.cmd, "exec-exited") == 0 && c.exec_id)
		rc = ctl_exec_exited(&c, &err);
	else
		sv_err_setx(&err, EINVAL, "unknown command %s", c.cmd);
	if (rc < 0) {
		fail_verdict(&c, err);
		fprintf(stderr, "servin-shim-ctl: %s\n", err ? err->msg : "failed");
	}
	tell_clients(&c, 255);
	sv_engine_free(c.e);
	return rc < 0 ? 1 : 0;
}
