/*
 * The lifecycle as surfaces see it: start spawns servin-shim-ctl and
 * waits for its verdict; stop, kill, wait, resize and attach talk to the
 * running container's shim over its attach socket; pause and unpause go
 * to the runtime directly (the freezer needs no shim).
 *
 * start uses posix_spawn (safe from a threaded process); the spawned ctl
 * forks once and its parent exits at once, so the shim is nobody's child
 * and a long-lived caller (the REST server) collects no zombies.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

extern char **environ;

/* ---------------------------------------------------------------- socket */

/* Unix socket paths are limited to 108 bytes: go through /proc/self/fd. */
int ctr_sock_connect(const sv_engine *e, const char *id, int *out, sv_err **err)
{
	SV_AUTOFREE char *dir = ctr_run_dir(e, id);
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "container %.12s: no shim socket", id);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach", dfd);
	SV_AUTOCLOSE int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sv_err_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return sv_err_set(err, errno, "container %.12s: connect to its shim", id);
	*out = sv_steal_fd(&fd);
	return 0;
}

static int shim_conn(sv_engine *e, const char *id, unsigned streams, int *fd, sv_err **err)
{
	unsigned char s = (unsigned char)streams;
	if (ctr_sock_connect(e, id, fd, err) < 0)
		return -1;
	if (sv_frame_write(*fd, SV_FRAME_HELLO, &s, 1, err) < 0) {
		close(*fd);
		return -1;
	}
	return 0;
}

/* Reads frames until EXIT; *code gets its value (-1: closed without one). */
static int wait_exit_frame(int fd, int *code, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	*code = -1;
	for (;;) {
		int type, rc = sv_frame_read(fd, &type, &b, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return 0;
		if (type == SV_FRAME_EXIT) {
			*code = atoi(b.data);
			return 0;
		}
	}
}

/* After the shim went away: the row as it was recorded (reconciled). */
static int exit_code_now(sv_engine *e, const char *id, int *code, sv_err **err)
{
	struct ctr_row r;
	if (ctr_load(e, id, &r, err) < 0)
		return -1;
	int rc = ctr_reconcile(e, &r, err);
	*code = r.exit_code;
	ctr_row_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- start */

static char *ctl_path(const sv_engine *e)
{
	const char *env = getenv("SERVIN_SHIM_CTL");
	if (env && *env)
		return sv_xstrdup(env);
	return sv_xasprintf("%s/servin-shim-ctl", e->bindir ? e->bindir : "/usr/libexec/servin");
}

/* Parses "ok <pid>[ <started ns>]" or "err <code> <message>" (-1); -2 when
 * there is no verdict at all (the other side died first). */
static int read_verdict(int fd, const char *name, int *pid, long long *started, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_fd(fd, 64 << 10, &b, err) < 0)
		return -1;
	if (sv_str_has_prefix(b.data, "ok ")) {
		int p = 0;
		long long ns = 0;
		if (sscanf(b.data + 3, "%d %lld", &p, &ns) < 1)
			p = 0;
		if (pid)
			*pid = p;
		if (started)
			*started = ns;
		return 0;
	}
	int code = 0, off = 0;
	if (sscanf(b.data, "err %d %n", &code, &off) >= 1 && off > 0) {
		size_t n = strlen(b.data + off);
		while (n && b.data[off + n - 1] == '\n')
			b.data[off + --n] = '\0';
		return sv_err_setx(err, code ? code : EIO, "%s", b.data + off);
	}
	sv_err_setx(err, EIO, "container %s: servin-shim-ctl exited without starting it", name);
	return -2;
}

struct spawn_fds {
	int sync_w;
	int attach;
	int log;
};

static int spawn_ctl(sv_engine *e, char *const *argv, const struct spawn_fds *f, pid_t *pid, sv_err **err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, f->log >= 0 ? f->log : 1, 2);
	posix_spawn_file_actions_adddup2(&fa, f->sync_w, 3);
	if (f->attach >= 0)
		posix_spawn_file_actions_adddup2(&fa, f->attach, 4);
	/* Nothing else of ours (or of whoever ran us: a caller's pipe) may
	 * live on in the shim, or a reader waiting for its EOF would wait for
	 * as long as the container runs. */
	posix_spawn_file_actions_addclosefrom_np(&fa, f->attach >= 0 ? 5 : 4);
	sigset_t none, def;
	sigemptyset(&none);
	sigfillset(&def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	(void)e;
	if (rc != 0)
		return sv_err_set(err, rc, "start %s", argv[0]);
	return 0;
}

/* What a starting shim needs from its caller: the container's run dir,
 * a pipe for the verdict (rd ours, wr the shim's), and its log on stderr
 * (-1 if it cannot be opened: the shim's stderr is /dev/null then). */
static int shim_channel(sv_engine *e, const char *id, int *rd, int *wr, int *logfd, sv_err **err)
{
	SV_AUTOFREE char *run = ctr_run_dir(e, id);
	if (sv_mkdir_p(run, 0700, err) < 0)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sv_err_set(err, errno, "pipe");
	*rd = p[0];
	*wr = p[1];
	SV_AUTOFREE char *logp = sv_xasprintf("%s/shim.log", run);
	*logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return 0;
}

/* ---------------------------------------------------------------- forked start */

/* Threads in this process, from /proc/self/stat (0: unknown). */
static long thread_count(void)
{
	char buf[1024];
	SV_AUTOCLOSE int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Field 20, counted after the ")" that ends the command name. */
	char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : 0;
}

/* Moves fd above the ones being laid out (so no dup2 overwrites it). */
static int lift(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* A forked shim's process: the layout posix_spawn gives servin-shim-ctl
 * (0, 1: /dev/null, 2: the shim's log, 3: the verdict, 4: the attach
 * client, nothing else, but `keep` at 5 when asked; a session of its own,
 * default signals), and the struct shim-start.c runs on. */
static void shim_child_setup(struct sv_shim_ctl *c, sv_engine *e, const char *bindir, int sync_w, int attach,
			     unsigned streams, int logfd, int keep)
{
	setsid();
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int hs = lift(sync_w), ha = lift(attach), hl = lift(logfd >= 0 ? logfd : null), hn = lift(null),
	    hk = lift(keep);
	if (hs < 0 || hn < 0 || hl < 0 || (attach >= 0 && ha < 0) || (keep >= 0 && hk < 0) || dup2(hn, 0) < 0 ||
	    dup2(hn, 1) < 0 || dup2(hl, 2) < 0 || dup2(hs, 3) < 0 || (ha >= 0 && dup2(ha, 4) < 0) ||
	    (hk >= 0 && dup3(hk, 5, O_CLOEXEC) < 0))
		_exit(1);
	if (hk >= 0 && ha < 0)
		close(4);
	syscall(SYS_close_range, hk >= 0 ? 6 : ha >= 0 ? 5 : 4, ~0U, 0);
	*c = (struct sv_shim_ctl){ .e = e, .root = e->root, .runroot = e->runroot, .bindir = bindir, .sync_fd = 3,
				   .listen_fd = -1 };
	sv_log_set_sink(sv_log_fd_sink, (void *)(intptr_t)STDERR_FILENO, SV_LOG_WARN);
	if (ha >= 0)
		sv_shim_ctl_add_client(c, 4, streams);
}

/* The forked shim that claims the container itself. Never returns. */
static void shim_child(sv_engine *e, const char *id, const char *bindir, int sync_w, int attach, unsigned streams,
		       int logfd, bool defer_running)
{
	struct sv_shim_ctl c;
	shim_child_setup(&c, e, bindir, sync_w, attach, streams, logfd, -1);
	c.defer_running = defer_running;
	SV_AUTOERR sv_err *err = NULL;
	/* Connected first (the WAL index rebuilt if need be), then "+" lets
	 * the parent connect too without waiting on our locks. */
	if (sv_store_reopen_root(e->store, &err) == 0) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)sv_store_warm(e->store, &e2);
		(void)sv_write_all(3, "+", 1);
		(void)sv_shim_ctl_run_container(&c, id, &err);
	}
	ctr_shim_child_fail(&c, err);
}

/* The forked shim of a container the parent claims for it: it never
 * touches the store (the parent's connections are left alone), and starts
 * the container on "g" at fd 5 (EOF: the claim failed, the parent
 * recorded it): see ctr_shim_start_claimed. Never returns. */
static void shim_child_claimed(sv_engine *e, const struct ctr_row *r, const char *bindir, int sync_w, int go,
			       int attach, unsigned streams, int logfd)
{
	struct sv_shim_ctl c;
	shim_child_setup(&c, e, bindir, sync_w, attach, streams, logfd, go);
	c.defer_running = true;
	c.no_store = true;
	SV_AUTOERR sv_err *err = NULL;
	(void)ctr_shim_start_claimed(&c, r, 5, &err);
	ctr_shim_child_fail(&c, err);
}

/* The shims this process forked stay its children (one fork, not two: a
 * CLI exits soon after and they go to init); a long-lived caller (batch,
 * shell) reaps the ones that ended at its next start. */
static void reap_shims(sv_engine *e)
{
	size_t k = 0;
	for (size_t i = 0; i < e->n_shim_children; i++)
		if (waitpid(e->shim_children[i], NULL, WNOHANG) == 0)
			e->shim_children[k++] = e->shim_children[i];
	e->n_shim_children = k;
}

/* Records a start that failed in the child (its verdict said so: the
 * container does not run). */
static void start_claimed_failed(sv_engine *e, const char *id, const sv_err *why)
{
	SV_AUTOERR sv_err *err = NULL;
	struct ctr_row now;
	if (ctr_load(e, id, &now, &err) == 0) {
		(void)ctr_start_failed(e, &now, why, &err);
		ctr_row_release(&now);
	}
}

/* The fork of an attached run that records the start and the exit itself,
 * for a container with no network to wire: this process claims it for the
 * child (which gets ready meanwhile), mounts the rootfs and writes
 * the bundle with the connection it has, and records the start, or its
 * failure, on the child's verdict. */
static int start_claimed(sv_engine *e, struct ctr_row *r, const char *bindir, int attach_fd, unsigned streams,
			 sv_err **err)
{
	SV_AUTOCLOSE int rd = -1;
	SV_AUTOCLOSE int wr = -1;
	SV_AUTOCLOSE int logfd = -1;
	int go[2];
	if (shim_channel(e, r->id, &rd, &wr, &logfd, err) < 0)
		return -1;
	/* (a socket: a send to a child gone is EPIPE, never SIGPIPE) */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go) < 0)
		return sv_err_set(err, errno, "socketpair");
	reap_shims(e);
	pid_t pid = fork();
	if (pid == 0)
		shim_child_claimed(e, r, bindir, wr, go[0], attach_fd, streams, logfd);
	close(go[0]);
	SV_AUTOCLOSE int gw = go[1];
	if (pid < 0)
		return sv_err_set(err, errno, "fork");
	close(sv_steal_fd(&wr));
	e->shim_children = sv_xrealloc(e->shim_children, (e->n_shim_children + 1) * sizeof *e->shim_children);
	e->shim_children[e->n_shim_children++] = pid;
	/* The child's first steps come first: the scheduler tends to queue a
	 * new child behind its busy parent, on the same CPU. */
	char ready[32];
	ssize_t n;
	while ((n = read(gw, ready, sizeof ready - 1)) < 0 && errno == EINTR)
		;
	long long start = -1;
	if (n > 2 && ready[0] == 'r')
		ready[n] = '\0', start = strtoll(ready + 2, NULL, 10);
	if (ctr_shim_claim(e, r, pid, start, err) < 0)
		return -1; /* (recorded; the child goes at the socket's EOF) */
	int cpid = 0;
	long long started = 0;
	/* (a child gone before it read this has sent its verdict) */
	(void)!send(gw, "g", 1, MSG_NOSIGNAL);
	close(sv_steal_fd(&gw));
	int v = read_verdict(rd, r->name, &cpid, &started, err);
	/* (no verdict at all: what runs is unknown; the row is reconciled
	 * from the shim's and the runtime's state when next read) */
	if (v == -1)
		start_claimed_failed(e, r->id, err ? *err : NULL);
	if (v < 0)
		return -1;
	SV_AUTOERR sv_err *e2 = NULL;
	if (cpid > 0 && sv_engine_shim_record_running(e, r->id, pid, cpid, started, &e2) < 0)
		sv_warn("container %.12s: %s", r->id, e2->msg);
	return 0;
}

/* Starts the container from a fork of this process; 1 when it cannot
 * (threads, or a statement still open): the caller spawns instead. */
static int start_forked(sv_engine *e, struct ctr_row *r, int attach_fd, unsigned streams, sv_err **err)
{
	if (!e->fork_shim || thread_count() != 1)
		return 1;
	const char *id = r->id, *name = r->name;
	SV_AUTOFREE char *ctl = ctl_path(e);
	SV_AUTOFREE char *bindir = sv_xstrndup(ctl, (size_t)(strrchr(ctl, '/') ? strrchr(ctl, '/') - ctl : 0));
	/* An attached run that records the exit also records the start: it
	 * does so before it reads any frame, so never after the exit; a
	 * detached start leaves both to the shim's side. */
	bool defer = attach_fd >= 0 && (streams & SV_ATTACH_FINISH);
	if (defer && !ctr_net_wired(r))
		return start_claimed(e, r, *bindir ? bindir : ".", attach_fd, streams, err);
	SV_AUTOCLOSE int rd = -1;
	SV_AUTOCLOSE int wr = -1;
	SV_AUTOCLOSE int logfd = -1;
	if (shim_channel(e, id, &rd, &wr, &logfd, err) < 0)
		return -1;
	if (!sv_store_disconnect(e->store))
		return 1;
	reap_shims(e);
	pid_t pid = fork();
	if (pid < 0)
		return sv_err_set(err, errno, "fork");
	if (pid == 0)
		shim_child(e, id, *bindir ? bindir : ".", wr, attach_fd, streams, logfd, defer);
	close(sv_steal_fd(&wr));
	/* Connected again while the child works, once the child is (it said
	 * "+"): warm for what follows, and never the first connection, which
	 * rebuilds the WAL index while the other waits. */
	char plus;
	ssize_t got;
	while ((got = read(rd, &plus, 1)) < 0 && errno == EINTR)
		;
	if (got == 1)
		(void)sv_store_warm(e->store, NULL);
	e->shim_children = sv_xrealloc(e->shim_children, (e->n_shim_children + 1) * sizeof *e->shim_children);
	e->shim_children[e->n_shim_children++] = pid;
	int cpid = 0;
	long long started = 0;
	if (read_verdict(rd, name, &cpid, &started, err) < 0)
		return -1;
	/* The child went on to the monitor at once; the record is ours. */
	SV_AUTOERR sv_err *e2 = NULL;
	if (defer && cpid > 0 && sv_engine_shim_record_running(e, id, pid, cpid, started, &e2) < 0)
		sv_warn("container %.12s: %s", id, e2->msg);
	return 0;
}

/* Runs servin-shim-ctl ARGS with an optional attach fd; returns its verdict. */
int ctr_run_ctl(sv_engine *e, const char *id, const char *name, char **args, int attach_fd,
		unsigned streams, sv_err **err)
{
	SV_AUTOFREE char *ctl = ctl_path(e);
	SV_AUTOCLOSE int rd = -1;
	SV_AUTOCLOSE int wr = -1;
	SV_AUTOCLOSE int logfd = -1;
	if (shim_channel(e, id, &rd, &wr, &logfd, err) < 0)
		return -1;
	char **argv = NULL;
	sv_strv_push(&argv, ctl);
	for (size_t i = 0; args[i]; i++)
		sv_strv_push(&argv, args[i]);
	sv_strv_push_take(&argv, sv_xasprintf("--root=%s", e->root));
	sv_strv_push_take(&argv, sv_xasprintf("--runroot=%s", e->runroot));
	sv_strv_push(&argv, "--sync=3");
	if (attach_fd >= 0)
		sv_strv_push_take(&argv, sv_xasprintf("--client=4:%u", streams));
	pid_t pid;
	struct spawn_fds f = { .sync_w = wr, .attach = attach_fd, .log = logfd };
	int rc = spawn_ctl(e, argv, &f, &pid, err);
	sv_strv_free(argv);
	if (rc < 0)
		return -1;
	close(sv_steal_fd(&wr));
	rc = read_verdict(rd, name, NULL, NULL, err) < 0 ? -1 : 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc;
}

int sv_engine_container_start(sv_engine *e, const char *name, const struct sv_start_opts *opts, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	if (ctr_is_live(r.state)) {
		rc = sv_err_setx(err, EALREADY, "container %s is already running", r.name);
		goto out;
	}
	int attach_fd = opts ? opts->attach_fd : -1;
	unsigned streams = opts ? opts->attach_streams : 0;
	rc = start_forked(e, &r, attach_fd, streams, err);
	if (rc == 1) {
		char cmd[] = "start", flag[] = "--id";
		char *args[] = { cmd, flag, r.id, NULL };
		rc = ctr_run_ctl(e, r.id, r.name, args, attach_fd, streams, err);
	}
out:
	ctr_row_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- stop, kill */

static int stop_timeout(const struct ctr_row *r, int timeout)
{
	if (timeout >= 0)
		return timeout;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ctr_cfg(r), "StopTimeout");
	return cJSON_IsNumber(st) ? (int)st->valuedouble : 10;
}

static int resume_if_paused(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	if (r->state != SV_CTR_PAUSED)
		return 0;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	if (sv_runtime_resume(sr, r->id, err) < 0)
		return -1;
	return ctr_set_state(e, r->id, SV_CTR_RUNNING, "unpause", err);
}

/* Sends STOP "sig timeout" and waits for the exit frame. */
static int stop_and_wait(sv_engine *e, const struct ctr_row *r, int sig, int timeout, sv_err **err)
{
	if (resume_if_paused(e, r, err) < 0)
		return -1;
	SV_AUTOCLOSE int fd = -1;
	if (shim_conn(e, r->id, 0, &fd, err) < 0) {
		/* The shim went away meanwhile: reconcile settles the row. */
		sv_err_clear(err);
		int code;
		return exit_code_now(e, r->id, &code, err);
	}
	char msg[32];
	int n = snprintf(msg, sizeof msg, "%d %d", sig, timeout);
	if (sv_frame_write(fd, SV_FRAME_STOP, msg, (size_t)n, err) < 0)
		return -1;
	int code;
	SV_AUTOERR sv_err *e2 = NULL;
	(void)wait_exit_frame(fd, &code, &e2);
	if (exit_code_now(e, r->id, &code, err) < 0) {
		if (sv_err_code(err) != ENOENT)
			return -1;
		sv_err_clear(err); /* removed on exit (--rm) */
	}
	return 0;
}

int ctr_force_stop(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	return stop_and_wait(e, r, SIGKILL, 0, err);
}

int sv_engine_container_stop(sv_engine *e, const char *name, int timeout, const char *signal, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	int sig = signal ? ctr_signal_parse(signal) : 0;
	if (signal && sig < 0) {
		sv_err_setx(err, EINVAL, "invalid signal: %s", signal);
		goto out;
	}
	if (!sig) {
		const char *s = sv_json_str(ctr_cfg(&r), "StopSignal");
		sig = s && *s ? ctr_signal_parse(s) : SIGTERM;
		if (sig <= 0)
			sig = SIGTERM;
	}
	if (!ctr_is_live(r.state)) {
		rc = sv_err_setx(err, EALREADY, "container %s is already stopped", r.name);
		goto out;
	}
	rc = stop_and_wait(e, &r, sig, stop_timeout(&r, timeout), err);
	if (rc == 0) {
		SV_AUTOERR sv_err *e2 = NULL;
		(void)ctr_event(e, &r, "stop", NULL, &e2);
	}
out:
	ctr_row_release(&r);
	return rc;
}

int sv_engine_container_kill(sv_engine *e, const char *name, const char *signal, sv_err **err)
{
	int sig = signal && *signal ? ctr_signal_parse(signal) : SIGKILL;
	if (sig <= 0)
		return sv_err_setx(err, EINVAL, "invalid signal: %s", signal);
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	SV_AUTOCLOSE int fd = -1;
	if (!ctr_is_live(r.state)) {
		sv_err_setx(err, EBUSY, "cannot kill container: %s: container %s is not running", name, r.id);
		goto out;
	}
	char msg[16];
	int n = snprintf(msg, sizeof msg, "%d", sig);
	if (shim_conn(e, r.id, 0, &fd, err) < 0 || sv_frame_write(fd, SV_FRAME_SIGNAL, msg, (size_t)n, err) < 0)
		goto out;
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "signal", msg);
	sv_err *e2 = NULL;
	(void)ctr_event(e, &r, "kill", attrs, &e2);
	sv_err_free(e2);
	cJSON_Delete(attrs);
	/* A frozen process cannot die: thaw it for the signals that end it. */
	const char *ss = sv_json_str(ctr_cfg(&r), "StopSignal");
	if (sig == SIGKILL || sig == (ss && *ss ? ctr_signal_parse(ss) : SIGTERM))
		if (resume_if_paused(e, &r, err) < 0)
			goto out;
	rc = 0;
out:
	ctr_row_release(&r);
	return rc;
}

int sv_engine_container_restart(sv_engine *e, const char *name, int timeout, sv_err **err)
{
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_engine_container_stop(e, name, timeout, NULL, &e2) < 0 && sv_err_code(&e2) != EALREADY) {
		*err = sv_steal_ptr(&e2);
		return -1;
	}
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = 0;
	if (!ctr_is_live(r.state)) {
		rc = sv_engine_container_start(e, r.id, NULL, err);
		if (rc == 0)
			rc = ctr_event(e, &r, "restart", NULL, err);
	}
	ctr_row_release(&r);
	return rc;
}

/* ---------------------------------------------------------------- pause */

static int pause_or_resume(sv_engine *e, const char *name, bool pause, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	if (pause && r.state != SV_CTR_RUNNING) {
		/* Docker answers both with a conflict (409), not 304 */
		sv_err_setx(err, EBUSY,
			    r.state == SV_CTR_PAUSED ? "container %s is already paused" : "container %s is not running",
			    r.id);
		goto out;
	}
	if (!pause && r.state != SV_CTR_PAUSED) {
		sv_err_setx(err, EBUSY, "container %s is not paused", r.id);
		goto out;
	}
	if ((pause ? sv_runtime_pause(sr, r.id, err) : sv_runtime_resume(sr, r.id, err)) < 0)
		goto out;
	rc = ctr_set_state(e, r.id, pause ? SV_CTR_PAUSED : SV_CTR_RUNNING, pause ? "pause" : "unpause", err);
out:
	ctr_row_release(&r);
	return rc;
}

int sv_engine_container_pause(sv_engine *e, const char *name, sv_err **err)
{
	return pause_or_resume(e, name, true, err);
}

int sv_engine_container_unpause(sv_engine *e, const char *name, sv_err **err)
{
	return pause_or_resume(e, name, false, err);
}

/* ---------------------------------------------------------------- wait */

/* Blocks until some process commits to the store (the WAL changes). */
static void wait_store_change(sv_engine *e, int timeout_ms)
{
	SV_AUTOCLOSE int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, sv_store_watch_path(e->store), IN_MODIFY | IN_CLOSE_WRITE) < 0) {
		poll(NULL, 0, timeout_ms);
		return;
	}
	struct pollfd p = { .fd = in, .events = POLLIN };
	poll(&p, 1, timeout_ms);
}

int sv_engine_container_wait(sv_engine *e, const char *name, enum sv_wait_condition cond, int *exit_code,
			     sv_err **err)
{
	char id[SV_CONTAINER_ID_LEN + 1];
	if (sv_engine_container_resolve(e, name, id, err) < 0)
		return -1;
	bool seen_live = false;
	for (;;) {
		struct ctr_row r;
		if (ctr_load(e, id, &r, err) < 0) {
			/* Gone: what "removed" waits for; the others saw it stop. */
			if (sv_err_code(err) == ENOENT && (cond == SV_WAIT_REMOVED || seen_live)) {
				sv_err_clear(err);
				return 0;
			}
			return -1;
		}
		if (ctr_reconcile(e, &r, err) < 0) {
			ctr_row_release(&r);
			return -1;
		}
		bool live = ctr_is_live(r.state);
		*exit_code = r.exit_code;
		int fd = -1;
		if (live && shim_conn(e, id, 0, &fd, NULL) == 0) {
			int code;
			SV_AUTOERR sv_err *e2 = NULL;
			(void)wait_exit_frame(fd, &code, &e2);
			close(fd);
			seen_live = true;
			ctr_row_release(&r);
			/* Without an exit frame (the shim died), the row says. */
			if (code >= 0 && cond != SV_WAIT_REMOVED) {
				*exit_code = code;
				return 0;
			}
			continue;
		}
		ctr_row_release(&r);
		if (!live && cond == SV_WAIT_NOT_RUNNING)
			return 0;
		if (!live && seen_live && cond == SV_WAIT_NEXT_EXIT)
			return 0;
		wait_store_change(e, 1000);
	}
}

/* ---------------------------------------------------------------- attach */

int sv_engine_container_attach(sv_engine *e, const char *name, unsigned streams, int *fd, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	int rc = -1;
	if (r.state == SV_CTR_PAUSED)
		sv_err_setx(err, EBUSY, "You cannot attach to a paused container, unpause it first");
	else if (!ctr_is_live(r.state))
		sv_err_setx(err, EBUSY, "You cannot attach to a stopped container, start it first");
	else
		rc = shim_conn(e, r.id, streams, fd, err);
	ctr_row_release(&r);
	return rc;
}

int sv_engine_container_resize(sv_engine *e, const char *name, unsigned rows, unsigned cols, sv_err **err)
{
	SV_AUTOCLOSE int fd = -1;
	if (sv_engine_container_attach(e, name, 0, &fd, err) < 0)
		return -1;
	char msg[32];
	int n = snprintf(msg, sizeof msg, "%u %u", rows, cols);
	return sv_frame_write(fd, SV_FRAME_RESIZE, msg, (size_t)n, err);
}
