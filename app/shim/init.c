/*
 * `--init`: the container's PID 1 when the user asks for one (Docker's
 * tini). It forks the command, forwards the signals a user sends to the
 * container to it, reaps every orphan that the pid namespace reparents to
 * PID 1 (so no zombie piles up), and exits with the command's status —
 * 128 + signal when the command was killed, 127/126 when it could not be
 * executed.
 *
 * The binary is bind-mounted read-only from the host, so a container
 * cannot overwrite it through /proc/1/exe (attacks.md item 1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

static void die(const char *what, int code)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "docker-init: %s: %s\n", what, strerror(errno));
	if (n > 0)
		(void)!write(2, msg, (size_t)n);
	_exit(code);
}

int shim_init_main(int argc, char **argv)
{
	int first = 1;
	while (first < argc && strcmp(argv[first], "--") != 0)
		first++;
	first = first < argc ? first + 1 : 1;
	if (first >= argc) {
		static const char usage[] = "usage: docker-init -- COMMAND [ARG...]\n";
		(void)!write(2, usage, sizeof usage - 1);
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0)
		die("fork", 1);
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* The command gets its own process group and the terminal. */
		setpgid(0, 0);
		if (isatty(0))
			tcsetpgrp(0, getpid());
		execvp(argv[first], argv + first);
		int code = errno == ENOENT ? 127 : 126;
		die(argv[first], code);
	}
	setpgid(child, child);
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd", 1);
	for (;;) {
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) {
			if (errno == EINTR)
				continue;
			die("read signals", 1);
		}
		if (si.ssi_signo != SIGCHLD) {
			/* SIGTTIN/SIGTTOU/SIGTSTP stop nothing here; everything else goes on. */
			if (si.ssi_signo != SIGTTIN && si.ssi_signo != SIGTTOU && si.ssi_signo != SIGTSTP)
				kill(child, (int)si.ssi_signo);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != child)
				continue;
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
			return WEXITSTATUS(status);
		}
	}
}
