/*
 * OCI hooks that run in the runtime's namespaces: prestart and
 * createRuntime (the container exists, its process has not started),
 * poststart (after start) and poststop (at delete). Each gets the
 * container's state JSON on stdin and its timeout; a failing prestart or
 * createRuntime hook fails create, poststart and poststop failures are
 * only logged, as the spec says. createContainer and startContainer (run
 * inside the container's mount namespace) are refused by spec.c.
 *
 * posix_spawn keeps this safe in a threaded caller.
 */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t spawn_hook(const struct spec_hook *h, int in, int errfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	char *argv0[] = { h->path, NULL };
	char *envp0[] = { NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, h->path, &fa, &at, h->args && h->args[0] ? h->args : argv0,
			     h->env ? h->env : envp0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* Waits for pid up to timeout seconds (0: no limit); the wait status or
 * -1 after killing it. */
static int wait_hook(pid_t pid, int timeout)
{
	int st = 0;
	SV_AUTOCLOSE int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && timeout > 0) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		int n;
		do
			n = poll(&p, 1, timeout * 1000);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* The state goes in through a socket (send with MSG_NOSIGNAL: a hook that
 * ignores stdin must not SIGPIPE the caller), stderr into a memfd (a hook
 * that leaves a daemon holding it must not hang us). */
static int run_one(const struct spec_hook *h, const char *state_json, sv_err **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return sv_err_set(err, errno, "socketpair");
	SV_AUTOCLOSE int errfd = memfd_create("hook-stderr", MFD_CLOEXEC);
	pid_t pid = errfd < 0 ? -1 : spawn_hook(h, sv[1], errfd);
	int e = errno;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return sv_err_set(err, e, "hook %s", h->path);
	}
	for (size_t off = 0, len = strlen(state_json); off < len;) {
		ssize_t n = send(sv[0], state_json + off, len - off, MSG_NOSIGNAL);
		if (n <= 0 && errno != EINTR)
			break;
		off += n > 0 ? (size_t)n : 0;
	}
	close(sv[0]);
	int st = wait_hook(pid, h->timeout);
	if (st < 0)
		return sv_err_setx(err, ETIMEDOUT, "hook %s timed out after %d s", h->path, h->timeout);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char msg[256] = "";
	ssize_t n = pread(errfd, msg, sizeof msg - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	return sv_err_setx(err, EIO, "hook %s failed (status %d)%s%s", h->path, sv_runtime_exit_code(st),
			   *msg ? ": " : "", msg);
}

int hooks_run(const struct spec *s, enum spec_hook_kind kind, const char *state_json, sv_err **err)
{
	for (size_t i = 0; i < s->n_hooks[kind]; i++)
		if (run_one(&s->hooks[kind][i], state_json, err) < 0)
			return -1;
	return 0;
}
