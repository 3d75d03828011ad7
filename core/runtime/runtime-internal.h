/*
 * core/runtime internals shared by the library's files: the parsed
 * config.json (struct spec), state records, and the helpers each file
 * exports to the others. Not for other modules.
 */
#ifndef SV_CORE_RUNTIME_RUNTIME_INTERNAL_H
#define SV_CORE_RUNTIME_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/runtime.h"
#include "util/util.h"

struct cJSON;
struct cgroup;

/* ---------------------------------------------------------------- spec.c */

struct opt_i64 {
	bool set;
	int64_t v;
};

struct spec_mount {
	char *dst, *src, *type, *data; /* data: the options that are not flags */
	unsigned long flags;	       /* MS_* to set */
	unsigned long prop;	       /* propagation MS_* (| MS_REC) */
	bool bind;
};

struct spec_ns {
	int type;   /* CLONE_NEW* */
	char *path; /* join this one; NULL: a new namespace */
};

struct spec_device {
	char *path;
	char type; /* 'c', 'b', 'p', 'u' (= 'c') */
	int64_t major, minor;
	uint32_t mode, uid, gid;
};

struct spec_dev_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* some of "rwm" */
};

struct spec_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct spec_hugetlb {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct spec_resources {
	struct opt_i64 mem_limit, mem_reservation, mem_swap, mem_swappiness;
	bool disable_oom_killer;
	struct opt_i64 cpu_shares, cpu_quota, cpu_period;
	char *cpus, *mems;
	struct opt_i64 pids_limit;
	struct opt_i64 blkio_weight;
	struct spec_dev_rule *dev_rules;
	size_t n_dev_rules;
	struct spec_hugetlb *hugetlb;
	size_t n_hugetlb;
	char **unified; /* "file=value" */
};

enum spec_cap_set { CAPS_BOUNDING = 0, CAPS_EFFECTIVE, CAPS_INHERITABLE, CAPS_PERMITTED, CAPS_AMBIENT };

struct spec_process {
	bool terminal;
	uint16_t rows, cols;
	uint32_t uid, gid;
	uint32_t *groups;
	size_t n_groups;
	struct opt_i64 umask, oom_score;
	char **args, **env;
	char *cwd;
	uint64_t caps[5]; /* enum spec_cap_set */
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privs;
};

struct spec_hook {
	char *path;
	char **args, **env;
	int timeout; /* seconds, 0: none */
};

enum spec_hook_kind { HOOK_PRESTART = 0, HOOK_CREATE_RUNTIME, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KINDS_ };

struct spec {
	char *root;	 /* absolute rootfs */
	bool root_ro;
	char *hostname, *domainname;
	struct spec_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct spec_process proc;
	char **annotations; /* "k=v" */
	struct spec_ns *ns;
	size_t n_ns;
	struct spec_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct spec_resources res;
	unsigned long rootfs_prop; /* 0: default (rslave) */
	char **masked, **readonly, **sysctls;
	struct cJSON *seccomp; /* linux.seccomp, owned, or NULL */
	struct opt_i64 personality;
	struct spec_hook *hooks[HOOK_KINDS_];
	size_t n_hooks[HOOK_KINDS_];
	char *uid_map, *gid_map; /* /proc/<pid>/uid_map text for a new user namespace */
};

/* Parses config.json text. bundle (absolute) resolves a relative root.path. */
int spec_parse(const char *text, size_t len, const char *bundle, struct spec *s, sv_err **err);
/* Parses an OCI "process" object (for exec and for config.json). */
int spec_parse_process(const struct cJSON *j, struct spec_process *p, sv_err **err);
void spec_release(struct spec *s);
void spec_process_release(struct spec_process *p);
/* The namespace entry of type t, or NULL. */
const struct spec_ns *spec_ns_find(const struct spec *s, int type);
/* Mount options ("ro", "nosuid", "rbind", "mode=755"...) into flags,
 * propagation and data. EINVAL for options we refuse. */
int spec_mount_options(char *const *opts, struct spec_mount *m, sv_err **err);
/* "RLIMIT_NOFILE" → RLIMIT_NOFILE; -1 when unknown. */
int spec_rlimit_by_name(const char *name);

/* ---------------------------------------------------------------- caps.c */

/* "CAP_SYS_ADMIN" (or "SYS_ADMIN", any case) → bit; -1 when unknown. */
int caps_by_name(const char *name);
/* Names from an array of JSON strings into a mask. */
int caps_mask(const struct cJSON *arr, uint64_t *mask, sv_err **err);
/* The highest capability the running kernel knows. */
int caps_last_cap(void);

/* ---------------------------------------------------------------- seccomp.c */

/* Compiles an OCI linux.seccomp object into classic BPF (struct
 * sock_filter[]) for the host; *flags gets SECCOMP_FILTER_FLAG_*. */
int seccomp_compile(const struct cJSON *oci, struct sv_buf *bpf, uint32_t *flags, sv_err **err);
/* The same through a cache of compiled filters in cache_dir (NULL: none). */
int seccomp_compile_cached(const struct cJSON *oci, const char *cache_dir, struct sv_buf *bpf,
			   uint32_t *flags, sv_err **err);

/* ---------------------------------------------------------------- state.c */

/* What state.json records. */
struct state_rec {
	char *id, *bundle, *rootfs;
	pid_t pid;
	uint64_t start_time; /* /proc/<pid>/stat field 22, to spot pid reuse */
	int64_t created_ns;
	char **annotations;
	char **cgroups;	     /* "controller:/abs/dir" */
	unsigned ns_flags;   /* CLONE_NEW* the container has of its own */
	char *config;	     /* config.json as created (for exec), or NULL */
};

/* Writes dirfd/name through a temporary and a rename (no fsync). */
int state_put_file(int dirfd, const char *name, const void *data, size_t len, mode_t mode, sv_err **err);
/* Writes pid into path (runc --pid-file), relative to the cwd if relative. */
int state_pid_file(const char *path, pid_t pid, sv_err **err);
/* <state_root>/<id>, checking the id. Owned. */
int state_dir(const char *state_root, const char *id, char **out, sv_err **err);
int state_write(const char *dir, const struct state_rec *r, sv_err **err);
int state_read(const char *dir, struct state_rec *r, sv_err **err);
/* state_dir + state_read, with "container X does not exist" for ENOENT. */
int state_load(const char *state_root, const char *id, char **dir, struct state_rec *r, sv_err **err);
void state_rec_release(struct state_rec *r);
/* Validates a container id: 1-128 of [A-Za-z0-9_.+-], not starting with '.'. */
int state_check_id(const char *id, sv_err **err);
/* Starttime of pid from /proc, 0 when the process is gone. */
uint64_t state_proc_start_time(pid_t pid);
/* Opens a pidfd on r->pid if it still is the same process, else -1
 * (ESRCH). */
int state_pidfd(const struct state_rec *r);
/* The OCI state JSON of a record with the given status. Owned. */
char *state_rec_json(const struct state_rec *r, enum sv_runtime_status status);
/* Runs the record's config hooks of one kind (see hooks.c). */
int state_hooks(const struct state_rec *r, enum spec_hook_kind kind, enum sv_runtime_status status,
		sv_err **err);
/* The live status of a recorded container. */
enum sv_runtime_status state_status(const char *dir, const struct state_rec *r);

/* ---------------------------------------------------------------- spawn.c */

/* How servin-init is started. */
struct spawn_opts {
	const int *stdio;	/* NULL: the caller's 0..2 */
	const int *extra_fds;
	size_t n_extra_fds;
	unsigned clone_flags;	/* CLONE_NEW* to create */
	int cgroup_fd;		/* v2 dir for CLONE_INTO_CGROUP, or -1 */
	/* With CLONE_NEWUSER: the maps written before servin-init runs, and
	 * the v1 "tasks" files the child joins first, while still host root. */
	const char *uid_map, *gid_map;
	char *const *cgroup_tasks;
};

/* Starts servin-init (from a sealed memfd) in new namespaces with the sync
 * socket as fd 3. *sock: the library's end, *pidfd: the helper's pidfd.
 * Returns the helper's pid. */
pid_t spawn_init(const struct spawn_opts *o, int *sock, int *pidfd, sv_err **err);
/* Waits for a helper started by spawn_init (by pidfd) and returns its
 * wait status. */
int spawn_reap(pid_t pid, int pidfd);

/* runc --console-socket: sends the pty master to the unix socket at path. */
int spawn_send_console(const char *path, int master, sv_err **err);

/* The conversation with servin-init: sends the plan, then reads messages
 * until READY (0) or ERROR/EOF (-1 with the helper's error). Fills out. */
int spawn_talk(int sock, const struct sv_buf *plan, const int *fds, size_t nfds,
	       struct sv_runtime_proc *out, sv_err **err);

/* ---------------------------------------------------------------- cgroup.c */

/* The container's cgroups, built from linux.cgroupsPath and resources. */
int cgroup_create(const struct spec *s, const char *id, const char *parent,
		  struct cgroup **out, sv_err **err);
/* Reopens the cgroups recorded in state.json. */
struct cgroup *cgroup_from_state(char *const *paths);
/* "controller:/abs/dir" strv for state.json. Owned. */
char **cgroup_paths(const struct cgroup *cg);
/* The v1 "tasks" files servin-init writes "0" into. Owned strv. */
char **cgroup_join_files(const struct cgroup *cg);
/* The v2 directory fd for CLONE_INTO_CGROUP, or -1. Borrowed. */
int cgroup_v2_fd(const struct cgroup *cg);
/* Limits that must wait until the process is in (pids.max). */
int cgroup_apply_late(struct cgroup *cg, const struct spec *s, sv_err **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, sv_err **err);
int cgroup_is_frozen(const struct cgroup *cg);
int cgroup_pids(const struct cgroup *cg, pid_t **pids, size_t *n, sv_err **err);
int cgroup_kill_all(struct cgroup *cg, int sig, sv_err **err);
int cgroup_stats(const struct cgroup *cg, struct sv_runtime_stats *st, sv_err **err);
/* OOM kills in the container's cgroups (its memory controller's count). */
uint64_t cgroup_oom_kills(const struct cgroup *cg);
int cgroup_oom_fd(const struct cgroup *cg, sv_err **err);
/* Removes the directories (waiting briefly for exiting tasks). */
int cgroup_destroy(struct cgroup *cg, sv_err **err);
void cgroup_free(struct cgroup *cg);
/* The PLAN_MOUNT_CGROUP description of the hierarchies (see plan.h). */
char **cgroup_mount_plan(const struct cgroup *cg, bool own_ns);

/* ---------------------------------------------------------------- hooks.c */

/* Runs the hooks of one kind with the state JSON on their stdin. */
int hooks_run(const struct spec *s, enum spec_hook_kind kind, const char *state_json, sv_err **err);

/* ---------------------------------------------------------------- build.c */

struct build_opts {
	int mode;	       /* enum plan_mode */
	const char *fifo;      /* exec.fifo path (create) */
	struct cgroup *cg;
	bool detach;
	bool new_keyring;
	const char *seccomp_cache; /* directory, or NULL */
	bool userns;		   /* the cgroups are joined before servin-init runs */
};

/* Turns a parsed spec into the plan servin-init follows. */
int build_plan(const struct spec *s, const struct build_opts *o, struct sv_buf *plan, sv_err **err);
/* The process part of a plan (shared by create and exec). */
int build_process(const struct spec_process *p, const struct spec *s, const char *seccomp_cache,
		  struct sv_buf *plan, sv_err **err);

#endif
