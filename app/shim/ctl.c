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
 *                   --canceled C [--ooms N] [--delay MS] [--listen FD] [--client FD]...
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
#include "store/store.h"

struct ctl {
	const char *cmd, *id;
	int status, manual, canceled;
	long long ooms; /* -1: unknown, read here */
	struct sv_shim_ctl s;
	char self_dir[PATH_MAX];
};

static void add_client(struct ctl *c, const char *v)
{
	const char *colon = strchr(v, ':');
	sv_shim_ctl_add_client(&c->s, atoi(v), colon ? (unsigned)atoi(colon + 1) : 0);
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
			c->s.exec_id = v;
		else if (IS("--root"))
			c->s.root = v;
		else if (IS("--runroot"))
			c->s.runroot = v;
		else if (IS("--sync"))
			c->s.sync_fd = atoi(v);
		else if (IS("--listen"))
			c->s.listen_fd = atoi(v);
		else if (IS("--client"))
			add_client(c, v);
		else if (IS("--status"))
			c->status = atoi(v);
		else if (IS("--manual"))
			c->manual = atoi(v);
		else if (IS("--canceled"))
			c->canceled = atoi(v);
		else if (IS("--ooms"))
			c->ooms = atoll(v);
		else if (IS("--delay"))
			c->s.delay_ms = atoll(v);
		else
			return -1;
#undef IS
	}
	return c->s.root && c->s.runroot ? 0 : -1;
}

/* Connections still waiting in the listen backlog (a `wait` that arrived
 * as the container exited) are clients too. */
static void accept_pending(struct ctl *c)
{
	int fd;
	if (c->s.listen_fd < 0)
		return;
	/* Never block: only what is already queued. */
	fcntl(c->s.listen_fd, F_SETFL, fcntl(c->s.listen_fd, F_GETFL) | O_NONBLOCK);
	while ((fd = accept4(c->s.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		sv_shim_ctl_add_client(&c->s, fd, 0);
	}
}

/* Closes the attach socket: a client connecting after this is refused
 * and reads the container's state from the store instead. */
static void stop_listening(struct ctl *c)
{
	if (c->s.listen_fd < 0)
		return;
	close(c->s.listen_fd);
	c->s.listen_fd = -1;
}

/* Sends the exit frame to every client and lets them go. */
static void tell_clients(struct ctl *c, int code)
{
	accept_pending(c);
	char msg[16];
	int n = snprintf(msg, sizeof msg, "%d", code);
	for (size_t i = 0; i < c->s.nclients; i++) {
		SV_AUTOERR sv_err *err = NULL;
		(void)sv_frame_write(c->s.clients[i], SV_FRAME_EXIT, msg, (size_t)n, &err);
		close(c->s.clients[i]);
	}
	c->s.nclients = 0;
}

/* ---------------------------------------------------------------- exec */

static int ctl_exec_exited(struct ctl *c, sv_err **err)
{
	int code = 255;
	int rc = sv_engine_shim_exec_exited(c->s.e, c->s.exec_id, c->status, &code, err);
	tell_clients(c, code);
	return rc;
}

/* ---------------------------------------------------------------- exited */

/* Waits out a restart delay while answering stop requests; returns true
 * when a client canceled the restart. */
static bool restart_wait(struct ctl *c, int64_t delay_ms)
{
	int64_t until = sv_time_mono_ns() + delay_ms * 1000000;
	while (c->s.listen_fd >= 0) {
		int64_t left = (until - sv_time_mono_ns()) / 1000000;
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = c->s.listen_fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		int fd = accept4(c->s.listen_fd, NULL, NULL, SOCK_CLOEXEC);
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
				sv_shim_ctl_add_client(&c->s, fd, 0);
				return true;
			}
		}
		close(fd);
	}
	return false;
}

/* Nobody waits on us any more: a good time to fold the WAL into the
 * database, which a CLI would otherwise do inside one of its commits. */
static void checkpoint_if_due(struct ctl *c)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_checkpoint(c->s.e, SV_STORE_CHECKPOINT_FRAMES, &err) < 0)
		sv_warn("%s", err->msg);
}

static int cmd_exited(struct ctl *c, sv_err **err)
{
	struct sv_shim_exit x;
	if (sv_engine_shim_exited(c->s.e, c->id, c->status, c->manual, c->canceled, c->s.delay_ms, c->ooms, &x,
				  err) < 0) {
		tell_clients(c, 255);
		sv_engine_shim_exit_done(c->s.e, &x);
		return -1;
	}
	tell_clients(c, x.exit_code);
	if (!x.restart) {
		/* The exit is on record: whoever connects from now on reads it
		 * there (a connection queued meanwhile would get only the
		 * catch-all 255 this process sends when it ends). */
		stop_listening(c);
		sv_engine_shim_exit_done(c->s.e, &x);
		checkpoint_if_due(c);
		return 0;
	}
	sv_engine_shim_exit_done(c->s.e, &x);
	if (restart_wait(c, x.delay_ms)) {
		if (sv_engine_shim_abandon(c->s.e, c->id, err) < 0)
			return -1;
		tell_clients(c, x.exit_code);
		return 0;
	}
	c->s.delay_ms = x.delay_ms;
	return sv_shim_ctl_run_container(&c->s, c->id, err);
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
	struct sv_engine_opts o = { .root = c->s.root, .runroot = c->s.runroot, .no_seed = true };
	return sv_engine_open_shim(&o, &c->s.e, err);
}

int main(int argc, char **argv)
{
	struct ctl c = { .ooms = -1, .s = { .sync_fd = -1, .listen_fd = -1 } };
	SV_AUTOERR sv_err *err = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (parse(&c, argc, argv) < 0) {
		fprintf(stderr, "servin-shim-ctl: started by servin only\n");
		return 2;
	}
	find_self(&c);
	c.s.bindir = c.self_dir;
	bool fresh = strcmp(c.cmd, "start") == 0 || strcmp(c.cmd, "exec") == 0;
	if (fresh) {
		pid_t p = fork();
		if (p < 0) {
			sv_err_set(&err, errno, "fork");
			sv_shim_ctl_fail(&c.s, err);
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
		rc = sv_shim_ctl_run_container(&c.s, c.id, &err);
	else if (strcmp(c.cmd, "exited") == 0 && c.id)
		rc = cmd_exited(&c, &err);
	else if (strcmp(c.cmd, "exec") == 0 && c.s.exec_id)
		rc = sv_shim_ctl_exec(&c.s, &err);
	else if (strcmp(c.cmd, "exec-exited") == 0 && c.s.exec_id)
		rc = ctl_exec_exited(&c, &err);
	else if (strcmp(c.cmd, "checkpoint") == 0)
		checkpoint_if_due(&c), rc = 0;
	else
		sv_err_setx(&err, EINVAL, "unknown command %s", c.cmd);
	if (rc < 0) {
		sv_shim_ctl_fail(&c.s, err);
		fprintf(stderr, "servin-shim-ctl: %s\n", err ? err->msg : "failed");
	}
	tell_clients(&c, 255);
	sv_engine_free(c.s.e);
	sv_shim_ctl_release(&c.s);
	return rc < 0 ? 1 : 0;
}
