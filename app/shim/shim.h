/*
 * servin-shim — the per-container monitor (Podman's conmon, containerd's
 * shim). A static binary kept small: one runs beside every running
 * container for its whole life.
 *
 * It does not start containers: servin-shim-ctl (dynamic, links
 * libservin) mounts the rootfs, has the runtime create the container as
 * its child, records it, then execs this program, which inherits the
 * child, the stdio fds and the attach socket. Here the shim holds stdio
 * (pipes, or the pty master), writes the json-file log, serves attach
 * connections, forwards signals and stop requests, samples the cgroup
 * counters into a ring file, and when the container exits execs
 * servin-shim-ctl again to record the exit and apply the restart policy.
 *
 * Run as /sbin/docker-init inside a container, the same binary is the tiny
 * reaping init of `--init` (init.c).
 */
#ifndef SV_APP_SHIM_SHIM_H
#define SV_APP_SHIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ---------------------------------------------------------------- log.c */

/* Docker's json-file log with max-size/max-file rotation. */
struct shim_log {
	int fd;		    /* -1: no log (driver "none") */
	char *path;
	int64_t size;
	int64_t max_size;   /* 0: unbounded */
	int max_file;	    /* >= 1 */
	struct sv_buf partial[3]; /* per stream: a line without its newline yet */
	struct sv_buf line;
};

int shim_log_open(struct shim_log *l, const char *path, int64_t max_size, int max_file);
/* Logs output of stream 1 (stdout) or 2 (stderr): complete lines at
 * once, a partial line when it reaches 16 KiB or at shim_log_flush(). */
void shim_log_write(struct shim_log *l, int stream, const char *data, size_t len);
void shim_log_flush(struct shim_log *l);
void shim_log_close(struct shim_log *l);
/* Appends the JSON string form of data (Docker's escaping) to b. */
void shim_json_escape(struct sv_buf *b, const char *data, size_t len);

/* ---------------------------------------------------------------- ring.c */

/* The stats ring: a header and fixed-size records of struct
 * sv_stats_sample (engine.h), rewritten in place. */
struct shim_ring {
	int fd;
	char **cgroups; /* "controller:/sys/fs/cgroup/..." */
};
int shim_ring_open(struct shim_ring *r, const char *path, char **cgroups);
void shim_ring_sample(struct shim_ring *r);
void shim_ring_close(struct shim_ring *r);
/* At the exit: the OOM kills in the container's cgroups (-1: no cgroups
 * known), then the cgroups removed (the part of the runtime's delete that
 * takes time, done here while the finisher records the exit). */
int64_t shim_ring_oom_kills(void);
void shim_ring_remove_cgroups(void);

/* ---------------------------------------------------------------- init.c */

/* `--init`: PID 1 that runs argv after "--", reaps every child and
 * forwards signals; exits with the command's status. */
int shim_init_main(int argc, char **argv);

#endif
