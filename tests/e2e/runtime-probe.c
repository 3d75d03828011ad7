/*
 * A probe run inside containers by tests/e2e/runtime-security.sh (built
 * there with gcc -static): raw syscalls whose answers show what seccomp,
 * capabilities and no_new_privs allow.
 *
 *   probe sys NAME     try one syscall; prints "ok" or the errno name
 *   probe euid         prints the effective uid (for a setuid copy)
 *   probe write FILE   open FILE for writing; prints "ok" or the errno name
 *   probe fds          prints the open fds, space-separated
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

/* keyctl through the i386 ABI (int $0x80, __NR_keyctl 288 there). */
static long keyctl_i386(void)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(288L), "b"(KEYCTL_GET_KEYRING_ID), "c"(KEY_SPEC_SESSION_KEYRING), "d"(0L)
			 : "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* clone with namespace flags: if it was allowed the child leaves at once. */
static long clone_ns(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

static long try_syscall(const char *name)
{
	if (!strcmp(name, "keyctl"))
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(name, "add_key"))
		return syscall(SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_SESSION_KEYRING);
	if (!strcmp(name, "request_key"))
		return syscall(SYS_request_key, "user", "probe", NULL, KEY_SPEC_SESSION_KEYRING);
	if (!strcmp(name, "userfaultfd"))
		return syscall(SYS_userfaultfd, 0);
	if (!strcmp(name, "io_uring_setup"))
		return syscall(SYS_io_uring_setup, 1, NULL);
	if (!strcmp(name, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (!strcmp(name, "bpf"))
		return syscall(SYS_bpf, 0, NULL, 0);
	if (!strcmp(name, "perf_event_open"))
		return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	if (!strcmp(name, "unshare"))
		return syscall(SYS_unshare, CLONE_NEWNS);
	if (!strcmp(name, "mount"))
		return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(name, "setns"))
		return syscall(SYS_setns, 0, CLONE_NEWNET);
	if (!strcmp(name, "clone3"))
		return syscall(SYS_clone3, NULL, 0);
	if (!strcmp(name, "clone-ns"))
		return clone_ns();
	if (!strcmp(name, "keyctl-x32"))
		return syscall(X32_BIT | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(name, "keyctl-i386"))
		return keyctl_i386();
	if (!strcmp(name, "getpid"))
		return syscall(SYS_getpid);
	fprintf(stderr, "probe: unknown syscall %s\n", name);
	exit(2);
}

static void report(long rc)
{
	if (rc >= 0)
		puts("ok");
	else
		puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sys")) {
		report(try_syscall(argv[2]));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "euid")) {
		printf("%d\n", (int)geteuid());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "write")) {
		int fd = open(argv[2], O_WRONLY);
		report(fd);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "fds")) {
		for (int fd = 0; fd < 4096; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				printf("%d ", fd);
		putchar('\n');
		return 0;
	}
	fprintf(stderr, "usage: probe sys NAME | euid | write FILE | fds\n");
	return 2;
}
