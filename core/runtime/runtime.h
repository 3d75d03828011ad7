/*
 * core/runtime — an OCI runtime: an OCI bundle in, an isolated process out.
 *
 * The contract is the OCI runtime spec: a bundle is a directory holding
 * config.json and (usually) the rootfs it names. The runtime keeps one state
 * directory per container under a state root (default SV_RUNTIME_DEFAULT_STATE,
 * the CLI uses <runroot>/runtime); `servin runtime …` and the engine share it.
 *
 * How a container comes to life (DESIGN.md "A threaded process never forks
 * except to exec at once"):
 *
 *   caller (any thread)          parses config.json once, creates the state
 *     │                          dir and cgroups, compiles seccomp to BPF
 *     │                          (cached in <state_root>/.seccomp),
 *     │ clone(new namespaces)    and sends a digested plan to…
 *     └─ servin-init             a small static helper embedded in libservin
 *          │                     and exec'd from a sealed memfd (the host's
 *          │                     servin binary is never exec'd or visible
 *          │                     inside a container: attacks.md item 1).
 *          │                     It joins the cgroups, mounts, pivot_roots,
 *          │                     applies user, rlimits, caps, no_new_privs
 *          │                     and seccomp, waits for start, then…
 *          └─ execve(process.args)
 *
 * (To join a pid namespace — exec, a path in config.json — or with
 * SV_RUNTIME_DETACH, servin-init forks once more and reports the new pid.)
 *
 * The container's init is therefore a child of the caller (unless
 * SV_RUNTIME_DETACH), which reaps it with waitpid()/waitid(P_PIDFD) and gets
 * its exit status: sv_runtime_exit_code() turns a wait status into Docker's
 * code (the exit code, or 128 + signal). A caller that creates containers
 * must reap its children (SIGCHLD is not ignored for it).
 *
 * Cgroups: linux.cgroupsPath "/a/b" is under each hierarchy's root; "a/b"
 * (relative) is under the caller's own cgroup of each hierarchy; empty means
 * "<cgroup_parent>/<id>" where cgroup_parent defaults to "servin" (relative).
 * v1 and v2 are both handled and detected per controller (hybrid hosts:
 * the v2 tree is used only when a controller found only there is asked
 * for, e.g. hugetlb). The device allow-list is the v1 devices controller,
 * or an eBPF program on the container's v2 cgroup when it has one.
 *
 * User namespaces: a new one with linux.uidMappings/gidMappings (joining
 * one by path is refused). The library writes the maps and joins the
 * cgroups before servin-init runs as root inside; the other namespaces are
 * owned by it; device nodes are bind-mounted from the host (mknod is
 * refused there). The rootfs and bind sources must be reachable by the
 * container's root uid on the host (the engine's layout decides that).
 *
 * Requires Linux 5.12 (openat2, clone3, pidfd, mount_setattr, open_tree).
 *
 * Every function may be called from any thread. Errors are sv_err values:
 * EEXIST (id taken), ENOENT (no such container; for create also "the
 * executable was not found": Docker's 127), EACCES (cannot execute: 126),
 * EBUSY (wrong state for the operation), EINVAL (bad config or options).
 */
#ifndef SV_CORE_RUNTIME_RUNTIME_H
#define SV_CORE_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/util.h"

#define SV_RUNTIME_DEFAULT_STATE "/run/servin/runtime"

/* ---------------------------------------------------------------- create */

enum sv_runtime_create_flags {
	/* create + start in one go (`runtime run`): no exec.fifo wait. */
	SV_RUNTIME_START = 1 << 0,
	/* The container is not the caller's child (it is reparented to the
	 * nearest subreaper or init); the caller can't learn its exit status. */
	SV_RUNTIME_DETACH = 1 << 1,
	/* Keep the caller's session keyring instead of a fresh one. */
	SV_RUNTIME_NO_NEW_KEYRING = 1 << 2,
};

/* Makes the sealed memfd servin-init runs from (once per process; ~0.7 ms
 * of page allocation for 800 KB), so that a caller with other work to do
 * first can have it made on another thread meanwhile. */
SV_API void sv_runtime_preload(void);

struct sv_runtime_create_opts {
	const char *state_root;	    /* NULL: SV_RUNTIME_DEFAULT_STATE */
	const char *id;		    /* 1-128 of [A-Za-z0-9_.+-], not starting with '.' */
	const char *bundle;	    /* directory with config.json; made absolute */
	/* The process's stdin, stdout, stderr: NULL inherits the caller's
	 * 0, 1, 2; else an array of three fds, -1 meaning /dev/null. Ignored
	 * for a process with "terminal": true (the pty is its stdio). The fds
	 * stay the caller's: it may close them once create returns. */
	const int *stdio;
	/* Passed on as fds 3, 4, … (runc --preserve-fds; LISTEN_FDS style). */
	const int *extra_fds;
	size_t n_extra_fds;
	/* With "terminal": true: the pty master goes to this unix socket as
	 * SCM_RIGHTS (runc --console-socket). NULL: returned in
	 * sv_runtime_proc.console_fd instead. */
	const char *console_socket;
	const char *pid_file;	   /* written with the container's host pid */
	const char *cgroup_parent; /* see the top of this file; NULL: "servin" */
	unsigned flags;		   /* enum sv_runtime_create_flags */
};

/* A process the runtime started: a container's init or an exec'd process. */
struct sv_runtime_proc {
	pid_t pid;	/* host pid */
	int pidfd;	/* owned: a pidfd for pid (poll it, waitid(P_PIDFD)) */
	int console_fd; /* owned: the pty master (terminal, no console_socket), else -1 */
};

/* Releases the fds of p (the process itself is untouched). */
SV_API void sv_runtime_proc_release(struct sv_runtime_proc *p);

/* Creates the container: every namespace, mount, cgroup, capability and
 * filter is in place and the process waits for sv_runtime_start() (or runs
 * at once with SV_RUNTIME_START). On failure nothing is left behind: no
 * state directory, no cgroup, no process. */
SV_API int sv_runtime_create(const struct sv_runtime_create_opts *o, struct sv_runtime_proc *out,
			     sv_err **err);

/* Lets a created container exec its process (EBUSY when not "created"). */
SV_API int sv_runtime_start(const char *state_root, const char *id, sv_err **err);

/* Docker's exit code for a wait status: the code, or 128 + signal. */
SV_API int sv_runtime_exit_code(int wait_status);

/* ---------------------------------------------------------------- state */

enum sv_runtime_status {
	SV_RUNTIME_CREATING = 0,
	SV_RUNTIME_CREATED,
	SV_RUNTIME_RUNNING,
	SV_RUNTIME_PAUSED,
	SV_RUNTIME_STOPPED,
};

/* The OCI state of a container, plus what servin keeps beside it. */
struct sv_runtime_state {
	char *id;
	enum sv_runtime_status status;
	pid_t pid;	      /* 0 once stopped */
	char *bundle;
	char *rootfs;	      /* absolute */
	int64_t created_ns;   /* wall clock */
	char **annotations;   /* "key=value" strv, never NULL */
	char **cgroup_paths;  /* "controller:/abs/dir" strv, never NULL */
};

/* Fills *out (ENOENT "container X does not exist"). Release with
 * sv_runtime_state_release(). */
SV_API int sv_runtime_state(const char *state_root, const char *id, struct sv_runtime_state *out,
			    sv_err **err);
SV_API void sv_runtime_state_release(struct sv_runtime_state *s);
/* The state as OCI JSON ("ociVersion", "id", "status", "pid", "bundle",
 * "annotations", plus runc's "rootfs", "created", "owner"). Owned. */
SV_API char *sv_runtime_state_json(const struct sv_runtime_state *s);
/* "creating", "created", "running", "paused", "stopped". Static. */
SV_API const char *sv_runtime_status_name(enum sv_runtime_status s);
/* Ids of every container under state_root, sorted. Owned strv. */
SV_API int sv_runtime_list(const char *state_root, char ***ids, sv_err **err);

/* ---------------------------------------------------------------- control */

enum sv_runtime_kill_flags {
	/* Signal every process of the container's cgroup, not just init. */
	SV_RUNTIME_KILL_ALL = 1 << 0,
};

/* Sends sig (EBUSY when stopped) through a pidfd, so a recycled pid is
 * never hit. */
SV_API int sv_runtime_kill(const char *state_root, const char *id, int sig, unsigned flags,
			   sv_err **err);

enum sv_runtime_delete_flags {
	/* Kill a live container (SIGKILL to its whole cgroup) first. */
	SV_RUNTIME_DELETE_FORCE = 1 << 0,
};

/* Removes a stopped (or, for runc compatibility, created) container's
 * cgroups and state directory. EBUSY when running without FORCE. */
SV_API int sv_runtime_delete(const char *state_root, const char *id, unsigned flags,
			     sv_err **err);

/* Freezes / thaws every process of the container (the freezer cgroup). */
SV_API int sv_runtime_pause(const char *state_root, const char *id, sv_err **err);
SV_API int sv_runtime_resume(const char *state_root, const char *id, sv_err **err);

/* The host pids in the container's cgroup, sorted. Owned array. */
SV_API int sv_runtime_pids(const char *state_root, const char *id, pid_t **pids, size_t *n,
			   sv_err **err);

/* ---------------------------------------------------------------- exec */

struct sv_runtime_exec_opts {
	const char *state_root; /* NULL: SV_RUNTIME_DEFAULT_STATE */
	const char *id;
	/* An OCI "process" object as JSON text (runc exec --process). NULL:
	 * the container's own process, with the overrides below. */
	const char *process_json;
	char *const *args;	/* overrides process.args (required without process_json) */
	char *const *env;	/* "K=V" added to (or replacing in) process.env */
	const char *cwd;	/* overrides process.cwd */
	const char *user;	/* "uid[:gid]", numeric (the engine resolves names) */
	bool tty;		/* overrides process.terminal to true */
	/* As in sv_runtime_create_opts. */
	const int *stdio;
	const int *extra_fds;
	size_t n_extra_fds;
	const char *console_socket;
	const char *pid_file;
	unsigned flags;		/* SV_RUNTIME_DETACH only */
};

/* Starts a process in a running container: it joins every namespace and
 * cgroup of the container and gets the container's capabilities, rlimits,
 * no_new_privs and seccomp filter unless process_json says otherwise.
 * The process is the caller's child (unless SV_RUNTIME_DETACH). */
SV_API int sv_runtime_exec(const struct sv_runtime_exec_opts *o, struct sv_runtime_proc *out,
			   sv_err **err);

/* ---------------------------------------------------------------- monitoring */

/* Counters of the container's cgroups; a field is 0 when its controller
 * is not there. */
struct sv_runtime_stats {
	uint64_t mem_usage;	 /* bytes, page cache included (Docker subtracts inactive_file) */
	uint64_t mem_limit;	 /* bytes; UINT64_MAX when unlimited */
	uint64_t mem_inactive_file;
	uint64_t cpu_usage_ns;	 /* total */
	uint64_t cpu_user_ns;
	uint64_t cpu_system_ns;
	uint64_t pids_current;
	uint64_t pids_limit;	 /* UINT64_MAX when unlimited */
	uint64_t blkio_read_bytes;
	uint64_t blkio_write_bytes;
	uint64_t oom_kills;
};

SV_API int sv_runtime_stats(const char *state_root, const char *id, struct sv_runtime_stats *out,
			    sv_err **err);

/* How many processes of the container the kernel's OOM killer killed so
 * far. Read it before sv_runtime_delete() (which removes the cgroup): a
 * container whose init died with SIGKILL and count > 0 was OOM-killed. */
SV_API int sv_runtime_oom_count(const char *state_root, const char *id, uint64_t *count,
				sv_err **err);

/* An fd that becomes readable when an OOM event hits the container (an
 * eventfd on memory.oom_control for v1, an inotify watch on memory.events
 * for v2). Owned. Re-check with sv_runtime_oom_count() when it fires. */
SV_API int sv_runtime_oom_fd(const char *state_root, const char *id, sv_err **err);

/* ---------------------------------------------------------------- for the engine */

/* Docker's default capability set, "CAP_CHOWN"…; static, NULL-terminated. */
SV_API const char *const *sv_runtime_default_caps(void);
/* Docker's default masked and read-only paths; static, NULL-terminated. */
SV_API const char *const *sv_runtime_default_masked_paths(void);
SV_API const char *const *sv_runtime_default_readonly_paths(void);

/* A config.json with Docker's defaults for a container running `sh` from
 * "rootfs" (namespaces, mounts, devices, capabilities, masked paths, the
 * default seccomp profile). Owned JSON text; edit it with cJSON. */
SV_API char *sv_runtime_spec_default(void);

/* Translates a Docker seccomp profile (moby's JSON format, as in
 * `--security-opt seccomp=FILE`) into an OCI linux.seccomp object for the
 * host architecture and the given effective capability names ("CAP_…"),
 * resolving "includes"/"excludes" by caps, arches and minKernel the way
 * moby does. profile_json NULL means Docker's default profile (built in).
 * Returns owned JSON text; EINVAL with the reason for a bad profile. */
SV_API char *sv_runtime_seccomp_from_docker(const char *profile_json, char *const *caps,
					    sv_err **err);

#endif
