/*
 * The plan: a container's setup, digested by the library (which parsed
 * config.json, resolved names and compiled seccomp) and sent to servin-init
 * over the sync socket. servin-init never parses JSON; it reads this flat
 * record stream with explicit bounds.
 *
 * Wire: a sequence of records, each `u16 tag, u32 len, len bytes`. Strings
 * carry their NUL. A compound item (a mount, a device, an rlimit...) starts
 * with its tag and the following field tags fill the latest item.
 *
 * The same socket carries framed messages both ways (struct plan_msg), with
 * fds as SCM_RIGHTS: PLAN (library → init), PID / CONSOLE / READY / ERROR
 * (init → library), GO (library → init, `run` only).
 *
 * Shared by the library and servin-init: libc only.
 */
#ifndef SV_CORE_RUNTIME_PLAN_H
#define SV_CORE_RUNTIME_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/util.h"

/* The fds servin-init starts with (stdio is 0..2, extra fds follow 3). */
#define PLAN_SYNC_FD 3
#define PLAN_EXTRA_FD0 4

/* Largest plan or message accepted. */
#define PLAN_MAX_SIZE (4u << 20)
#define PLAN_MAX_FDS 4

enum plan_mode {
	PLAN_MODE_CREATE = 1, /* wait on exec.fifo for `start` */
	PLAN_MODE_RUN,	      /* wait for GO on the sync socket */
	PLAN_MODE_EXEC,	      /* join a running container */
};

enum plan_flags {
	PLAN_F_ROOT_RO = 1 << 0,
	PLAN_F_NO_NEW_PRIVS = 1 << 1,
	PLAN_F_TERMINAL = 1 << 2,
	PLAN_F_NEW_KEYRING = 1 << 3,
	PLAN_F_NEW_CGROUPNS = 1 << 4,	/* unshare after joining the cgroups */
	PLAN_F_DEFAULT_DEVICES = 1 << 5,/* /dev is ours: make the default nodes */
	PLAN_F_FORK = 1 << 6,		/* fork once more (CLONE_PARENT) after setns */
	PLAN_F_HAS_UMASK = 1 << 7,
	PLAN_F_HAS_OOM_SCORE = 1 << 8,
	PLAN_F_DETACH = 1 << 9,		/* the forked process is not the caller's child */
	PLAN_F_CGROUP_MOUNT_NS = 1 << 10,/* cgroup mounts show the container's own cgroup */
	PLAN_F_LOOPBACK = 1 << 11,	/* a new network namespace: bring lo up */
};

enum plan_tag {
	PT_MODE = 1, PT_FLAGS, PT_ROOTFS, PT_PROPAGATION, PT_HOSTNAME, PT_DOMAINNAME,
	PT_FIFO, PT_CGROUP_JOIN, PT_NS_JOIN, PT_NS_JOIN_PATH,
	PT_MOUNT, PT_MOUNT_SRC, PT_MOUNT_DST, PT_MOUNT_TYPE, PT_MOUNT_DATA, PT_MOUNT_FLAGS,
	PT_MOUNT_PROP, PT_MOUNT_KIND,
	PT_DEVICE, PT_DEVICE_PATH, PT_DEVICE_TYPE, PT_DEVICE_MAJOR, PT_DEVICE_MINOR,
	PT_DEVICE_MODE, PT_DEVICE_UID, PT_DEVICE_GID,
	PT_MASKED, PT_READONLY, PT_SYSCTL,
	PT_ARG, PT_ENV, PT_CWD, PT_UID, PT_GID, PT_GROUP, PT_UMASK,
	PT_RLIMIT, PT_CAPS, PT_OOM_SCORE, PT_CONSOLE_SIZE,
	PT_SECCOMP, PT_SECCOMP_FLAGS, PT_CGROUP_MOUNT, PT_PERSONALITY,
	PT_END_
};

/* How a mount is made. */
enum plan_mount_kind {
	PLAN_MOUNT_FS = 0,  /* mount(2) of a filesystem type */
	PLAN_MOUNT_BIND,    /* bind (recursive when MS_REC) then remount for flags */
	PLAN_MOUNT_CGROUP,  /* the cgroup hierarchies at dst (v1 and/or v2) */
};

struct plan_mount {
	const char *src, *dst, *type, *data;
	unsigned long flags;	/* MS_* */
	unsigned long prop;	/* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) */
	uint32_t kind;		/* enum plan_mount_kind */
};

struct plan_device {
	const char *path;
	char type;		/* 'c', 'b', 'p' */
	uint32_t major, minor, mode, uid, gid;
};

struct plan_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct plan_ns {
	uint32_t type;		/* CLONE_NEW* */
	const char *path;
};

/* Decoded plan; strings point into the received buffer. */
struct plan {
	uint32_t mode, flags;
	const char *rootfs, *hostname, *domainname, *fifo, *cwd;
	unsigned long propagation;
	uint32_t uid, gid, umask;
	int32_t oom_score;
	uint32_t personality;	/* 0xffffffff: unset */
	uint16_t console_rows, console_cols;
	uint64_t caps[5];	/* bounding, effective, inheritable, permitted, ambient */
	const void *seccomp;	/* struct sock_filter[], or NULL */
	size_t seccomp_len;	/* bytes */
	uint32_t seccomp_flags;
	const char **cgroup_join;   /* v1 "tasks" files to write "0" into */
	const char **cgroup_mounts; /* "fstype\0options\0subdir" triples for PLAN_MOUNT_CGROUP */
	struct plan_ns *ns;
	struct plan_mount *mounts;
	struct plan_device *devices;
	const char **masked, **readonly, **sysctls;
	const char **args, **env;
	uint32_t *groups;
	struct plan_rlimit *rlimits;
	size_t n_cgroup_join, n_cgroup_mounts, n_ns, n_mounts, n_devices, n_masked, n_readonly,
		n_sysctls, n_args, n_env, n_groups, n_rlimits;
};

/* ---- writing (library side) */

void plan_put(struct sv_buf *b, uint16_t tag, const void *data, uint32_t len);
void plan_put_str(struct sv_buf *b, uint16_t tag, const char *s);
void plan_put_u32(struct sv_buf *b, uint16_t tag, uint32_t v);
void plan_put_u64(struct sv_buf *b, uint16_t tag, uint64_t v);

/* ---- reading (servin-init) */

/* Decodes buf (len bytes, kept alive by the caller) into p. Returns 0, or
 * -1 with a reason in why (static text). */
int plan_decode(const char *buf, size_t len, struct plan *p, const char **why);
void plan_release(struct plan *p);

/* ---- messages */

enum plan_msg_type {
	PLAN_MSG_PLAN = 1,
	PLAN_MSG_PID,	  /* u32 pid of the forked process */
	PLAN_MSG_CONSOLE, /* SCM_RIGHTS: the pty master */
	PLAN_MSG_READY,
	PLAN_MSG_ERROR,	  /* i32 errno code, then the message text */
	PLAN_MSG_GO,
};

/* Sends one framed message with up to PLAN_MAX_FDS fds. 0 or -1/errno. */
int plan_msg_send(int sock, uint32_t type, const void *data, size_t len, const int *fds,
		  size_t nfds);
/* Receives one message into b (reset first); fds received go to fds[] (up
 * to *nfds in, count out; the rest closed). 0 ok, -1/errno, and 1 at EOF. */
int plan_msg_recv(int sock, uint32_t *type, struct sv_buf *b, int *fds, size_t *nfds);

#endif
