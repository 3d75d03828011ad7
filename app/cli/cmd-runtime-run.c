/*
 * `servin runtime create|run|exec`: the commands that start a process.
 * In the foreground the CLI stays the process's parent: it forwards the
 * signals it receives (a signalfd, so none is lost while creating), relays
 * a terminal when there is no --console-socket, and returns the process's
 * exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cmd-runtime.h"

#include "runtime/runtime.h"

/* ------------------------------------------------------------ waiting */

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

static int block_forwarded(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Copies what is readable on from to to; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	return sv_write_all(to, buf, (size_t)n) == 0;
}

static void on_signal(int sfd, const struct sv_runtime_proc *p)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGWINCH)
			copy_winsize(p->console_fd);
		else
			syscall(SYS_pidfd_send_signal, p->pidfd, (int)si.ssi_signo, NULL, 0);
	}
}

/* Waits for p, relaying signals and the terminal; returns its exit code. */
static int wait_proc(struct sv_runtime_proc *p, int sfd)
{
	int master = p->console_fd;
	struct termios saved;
	bool raw = master >= 0 && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		copy_winsize(master);
	}
	struct pollfd fds[4] = { { p->pidfd, POLLIN, 0 }, { sfd, POLLIN, 0 },
				 { master >= 0 ? STDIN_FILENO : -1, POLLIN, 0 }, { master, POLLIN, 0 } };
	for (;;) {
		if (poll(fds, 4, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN)
			on_signal(sfd, p);
		if ((fds[2].revents & (POLLIN | POLLHUP)) && !pump(STDIN_FILENO, master))
			fds[2].fd = -1;
		if ((fds[3].revents & (POLLIN | POLLHUP)) && !pump(master, STDOUT_FILENO))
			fds[3].fd = -1;
		if (fds[0].revents & POLLIN)
			break;
	}
	while (master >= 0 && fds[3].fd >= 0 && poll(&fds[3], 1, 0) == 1 && pump(master, STDOUT_FILENO))
		;
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	int st = 0;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	return sv_runtime_exit_code(st);
}

/* The fds 3.. of the CLI to pass on (--preserve-fds N): *fds owned. */
static int preserved(struct cli_ctx *ctx, const char *n_str, int **fds, size_t *n)
{
	int64_t v = 0;
	*fds = NULL;
	*n = 0;
	if (!n_str)
		return 0;
	if (!sv_str_to_i64(n_str, 0, 1024, &v))
		return cli_failf(ctx, -1, "invalid --preserve-fds \"%s\"", n_str);
	*fds = sv_xcalloc((size_t)v + 1, sizeof **fds);
	for (int64_t i = 0; i < v; i++)
		(*fds)[i] = 3 + (int)i;
	*n = (size_t)v;
	return 0;
}

/* Docker's statuses: 127 command not found, 126 cannot execute. */
static int fail_status(const sv_err *err)
{
	if (err->code == ENOENT && strstr(err->msg, "exec: \""))
		return 127;
	return err->code == EACCES && strstr(err->msg, "exec: \"") ? 126 : 1;
}

/* ------------------------------------------------------------ create / run */

enum { O_BUNDLE, O_CONSOLE, O_PIDFILE, O_PRESERVE, O_NOKEYRING, O_DETACH, O_KEEP };

static const struct cli_opt create_opts[] = {
	{ "bundle", 'b', CLI_ARG, "dir", "the bundle directory (default: current)" },
	{ "console-socket", 0, CLI_ARG, "path", "unix socket that receives the pty master" },
	{ "pid-file", 0, CLI_ARG, "path", "write the container's pid there" },
	{ "preserve-fds", 0, CLI_ARG, "int", "pass fds 3 .. 3+N-1 on to the container" },
	{ "no-new-keyring", 0, CLI_NOARG, NULL, "keep the caller's session keyring" },
	{ "detach", 'd', CLI_NOARG, NULL, "run: return once the container started" },
	{ "keep", 0, CLI_NOARG, NULL, "run: keep the container's state after it exits" },
	{ 0 },
};

static int create_exec(struct cli_ctx *ctx, int argc, char **argv);
static int run_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_runtime_create = {
	.name = "runtime create", .usage = "[OPTIONS] CONTAINER-ID",
	.summary = "Create a container from an OCI bundle (start it with 'runtime start')",
	.opts = create_opts, .flags = CLI_CMD_NO_ENGINE, .exec = create_exec,
};
const struct cli_cmd cli_cmd_runtime_run = {
	.name = "runtime run", .usage = "[OPTIONS] CONTAINER-ID",
	.summary = "Create and start a container from an OCI bundle, and wait for it",
	.opts = create_opts, .flags = CLI_CMD_NO_ENGINE, .exec = run_exec,
};

static int start_container(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, bool run)
{
	const char *v[8] = { 0 };
	int first = cli_runtime_parse(ctx, cmd, argc, argv, v, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(cmd, first);
	if (cli_want_args(ctx, cmd, argc - first, 1, 1))
		return 1;
	size_t n_extra;
	SV_AUTOFREE int *extra = NULL;
	if (preserved(ctx, v[O_PRESERVE], &extra, &n_extra) < 0)
		return 1;
	bool fg = run && !v[O_DETACH];
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	struct sv_runtime_create_opts o = {
		.state_root = root, .id = argv[first], .bundle = v[O_BUNDLE] ? v[O_BUNDLE] : ".",
		.extra_fds = extra, .n_extra_fds = n_extra, .console_socket = v[O_CONSOLE],
		.pid_file = v[O_PIDFILE],
		/* A container that outlives this command is not its child. */
		.flags = (run ? SV_RUNTIME_START : 0) | (fg ? 0 : SV_RUNTIME_DETACH) |
			 (v[O_NOKEYRING] ? SV_RUNTIME_NO_NEW_KEYRING : 0),
	};
	sigset_t old;
	SV_AUTOCLOSE int sfd = fg ? block_forwarded(&old) : -1;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_runtime_proc p;
	if (sv_runtime_create(&o, &p, &err) < 0)
		return cli_fail(ctx, fail_status(err), err);
	int rc = 0;
	if (p.console_fd >= 0 && !fg) {
		sv_runtime_delete(root, o.id, SV_RUNTIME_DELETE_FORCE, NULL);
		rc = cli_failf(ctx, 1, "a terminal needs --console-socket unless run in the foreground");
	} else if (fg) {
		rc = wait_proc(&p, sfd);
		if (!v[O_KEEP])
			sv_runtime_delete(root, o.id, SV_RUNTIME_DELETE_FORCE, NULL);
	}
	sv_runtime_proc_release(&p);
	return rc;
}

static int create_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return start_container(ctx, &cli_cmd_runtime_create, argc, argv, false);
}

static int run_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return start_container(ctx, &cli_cmd_runtime_run, argc, argv, true);
}

/* ------------------------------------------------------------ exec */

enum { E_PROCESS, E_TTY, E_CWD, E_ENV, E_USER, E_DETACH, E_CONSOLE, E_PIDFILE, E_PRESERVE };

static const struct cli_opt exec_opts[] = {
	{ "process", 'p', CLI_ARG, "file", "an OCI process object (JSON) to run" },
	{ "tty", 't', CLI_NOARG, NULL, "allocate a pseudo-TTY" },
	{ "cwd", 0, CLI_ARG, "dir", "working directory inside the container" },
	{ "env", 'e', CLI_ARG, "K=V", "set an environment variable (repeatable)" },
	{ "user", 'u', CLI_ARG, "uid[:gid]", "numeric user and group" },
	{ "detach", 'd', CLI_NOARG, NULL, "do not wait for the process" },
	{ "console-socket", 0, CLI_ARG, "path", "unix socket that receives the pty master" },
	{ "pid-file", 0, CLI_ARG, "path", "write the process's pid there" },
	{ "preserve-fds", 0, CLI_ARG, "int", "pass fds 3 .. 3+N-1 on to the process" },
	{ 0 },
};

static int exec_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_runtime_exec = {
	.name = "runtime exec", .usage = "[OPTIONS] CONTAINER-ID [COMMAND [ARG...]]",
	.summary = "Run a process in a running container",
	.opts = exec_opts, .flags = CLI_CMD_NO_ENGINE | CLI_CMD_POSIX, .exec = exec_exec,
};

static int exec_run(struct cli_ctx *ctx, struct sv_runtime_exec_opts *o, bool fg)
{
	sigset_t old;
	SV_AUTOCLOSE int sfd = fg ? block_forwarded(&old) : -1;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_runtime_proc p;
	if (sv_runtime_exec(o, &p, &err) < 0)
		return cli_fail(ctx, fail_status(err), err);
	int rc = fg ? wait_proc(&p, sfd) : 0;
	sv_runtime_proc_release(&p);
	return rc;
}

static int exec_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *v[10] = { 0 };
	SV_AUTOSTRV char **env = NULL;
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_exec, argc, argv, v, &env, E_ENV);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_exec, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_exec, argc - first, v[E_PROCESS] ? 1 : 2, v[E_PROCESS] ? 1 : -1))
		return 1;
	SV_AUTOBUF struct sv_buf process;
	sv_buf_init(&process);
	SV_AUTOERR sv_err *err = NULL;
	if (v[E_PROCESS] && sv_read_file(v[E_PROCESS], 1u << 20, &process, &err) < 0)
		return cli_fail(ctx, 1, err);
	size_t n_extra;
	SV_AUTOFREE int *extra = NULL;
	if (preserved(ctx, v[E_PRESERVE], &extra, &n_extra) < 0)
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	struct sv_runtime_exec_opts o = {
		.state_root = root, .id = argv[first], .process_json = v[E_PROCESS] ? process.data : NULL,
		.args = v[E_PROCESS] ? NULL : argv + first + 1, .env = env, .cwd = v[E_CWD], .user = v[E_USER],
		.tty = v[E_TTY] != NULL, .extra_fds = extra, .n_extra_fds = n_extra,
		.console_socket = v[E_CONSOLE], .pid_file = v[E_PIDFILE],
		.flags = v[E_DETACH] ? SV_RUNTIME_DETACH : 0,
	};
	return exec_run(ctx, &o, !v[E_DETACH]);
}
