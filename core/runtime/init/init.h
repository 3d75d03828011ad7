/*
 * servin-init — the helper that turns a plan (../plan.h) into a running
 * container process. A small static program, embedded in libservin and
 * exec'd from a sealed memfd (../spawn.c); it never parses JSON and links
 * only libc, libcap and a few core/util files.
 *
 * It starts with fds 0-2 (the process's stdio), 3 (the sync socket to the
 * library) and the extra fds from 4 on; everything else was closed before
 * exec. It is non-dumpable throughout, so nothing in the container can
 * ptrace it or open its /proc files (attacks.md item 3).
 */
#ifndef SV_CORE_RUNTIME_INIT_INIT_H
#define SV_CORE_RUNTIME_INIT_INIT_H

#include <stdbool.h>

#include "runtime/plan.h"
#include "util/util.h"

struct init_ctx {
	struct plan p;
	struct sv_buf raw;  /* the plan's bytes (p points into them) */
	int sock;	    /* the sync socket */
	int target_pidfd;   /* exec: the container's init */
	int rootfd;	    /* the rootfs (after its bind mount), before pivot_root */
	int devnull;	    /* the host's /dev/null, verified char 1:3 */
	int fifo;	    /* O_PATH exec.fifo (create) */
	int console;	    /* pty slave (terminal), or -1 */
	int n_extra;	    /* extra fds passed through, from fd 4 */
};

/* Sends ERROR with err's message to the library and exits. */
SV_NORETURN void init_die(struct init_ctx *c, sv_err *err);

/* mounts.c: everything up to and including pivot_root and a read-only
 * root; on return the process is inside the container's root. */
int mounts_setup(struct init_ctx *c, sv_err **err);
/* Open a path inside the root (no magic links; symlinks stay inside). */
int mounts_open_in_root(int rootfd, const char *path, int flags, sv_err **err);
/* mkdir -p inside the root; returns an O_PATH fd on the directory. */
int mounts_mkdirs_in_root(int rootfd, const char *path, sv_err **err);

/* devices.c: nodes and links in /dev (before pivot_root). */
int devices_setup(struct init_ctx *c, sv_err **err);
/* The pty for a terminal process, inside the container (after
 * pivot_root): sends the master to the library, keeps the slave. */
int devices_console(struct init_ctx *c, sv_err **err);

/* process.c: the process's attributes, in order, then execve. */
int process_setup(struct init_ctx *c, sv_err **err);
/* Finds args[0] in the process's PATH; owned path, or NULL with ENOENT
 * (Docker's 127) or EACCES (126). */
char *process_lookup(const struct plan *p, sv_err **err);
SV_NORETURN void process_exec(struct init_ctx *c, const char *path);

#endif
