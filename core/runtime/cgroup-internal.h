/*
 * cgroups behind a vtable. A container's cgroup is a set of directories:
 * one per v1 hierarchy it uses (cpu, memory, … each possibly co-mounted)
 * and at most one in the v2 tree. Every controller is looked up where the
 * host has it (hybrid hosts mix both), and each directory's backend applies
 * the limits of the controllers it holds.
 */
#ifndef SV_CORE_RUNTIME_CGROUP_INTERNAL_H
#define SV_CORE_RUNTIME_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/runtime-internal.h"

struct cgroup_dir;

struct cgroup_ops {
	int version;
	/* Limits of the controllers this directory holds (before any task). */
	int (*apply)(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err);
	/* Limits set once the task is in (pids.max: the helper counts too). */
	int (*apply_late)(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err);
	int (*freeze)(const struct cgroup_dir *d, bool frozen, sv_err **err);
	/* 1 frozen, 0 not, -1 no freezer here. */
	int (*is_frozen)(const struct cgroup_dir *d);
	/* Adds what this directory knows to st. */
	void (*stats)(const struct cgroup_dir *d, struct sv_runtime_stats *st);
	/* An fd readable on OOM events, or -1 (ENOTSUP: no memory here). */
	int (*oom_fd)(const struct cgroup_dir *d, sv_err **err);
	/* Processes the OOM killer killed here (0: none, or no memory here). */
	uint64_t (*oom_kills)(const struct cgroup_dir *d);
};

struct cgroup_dir {
	char *controllers; /* v1: "cpu", "cpu,cpuacct", "name=systemd"; v2: "" */
	char *path;	   /* absolute directory */
	const struct cgroup_ops *ops;
	bool devices_bpf;  /* v2: the device allow-list is an eBPF program here */
};

struct cgroup {
	struct cgroup_dir *dirs;
	size_t n;
	int v2fd; /* O_DIRECTORY fd of the v2 dir (CLONE_INTO_CGROUP), or -1 */
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* Does the comma list `list` hold controller `c`? */
bool cgroup_has(const char *list, const char *c);
/* The directory holding controller c (v1 name; "io" etc. for v2), or NULL. */
const struct cgroup_dir *cgroup_find(const struct cgroup *cg, const char *c);

/* Files: write a string / read a small file / read one "key value" line. */
int cgroup_write(const char *dir, const char *file, const char *value, sv_err **err);
int cgroup_writef(const char *dir, const char *file, sv_err **err, const char *fmt, ...) SV_PRINTF(4, 5);
int cgroup_read(const char *dir, const char *file, char *buf, size_t len);
uint64_t cgroup_read_u64(const char *dir, const char *file);
uint64_t cgroup_read_key(const char *dir, const char *file, const char *key);

/* Value mapping (pure; unit-tested). */
uint64_t cgroup_shares_to_weight(uint64_t shares);	 /* cpu.shares → cpu.weight */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);	 /* blkio.weight → io.weight */
/* OCI memory.swap (memory+swap) → v2 memory.swap.max; -1 "max". EINVAL
 * when swap < limit. */
int cgroup_v2_swap(int64_t limit, int64_t swap, int64_t *out, sv_err **err);
/* A device rule in v1 devices.allow syntax ("c 1:3 rwm", "a *:* rwm"). */
void cgroup_dev_rule_str(const struct spec_dev_rule *r, char *buf, size_t len);
/* cgroup-bpf.c: the device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program
 * (owned array of struct bpf_insn; returns the count), and attaching the
 * program for r's rules (then the defaults) to a v2 directory. */
struct bpf_insn;
size_t cgroup_bpf_devices(const struct spec_dev_rule *rules, size_t n, struct bpf_insn **out);
int cgroup_bpf_attach(const char *dir, int dirfd, const struct spec_resources *r, sv_err **err);

/* The allow-list every container gets after its own rules (runc's). */
extern const struct spec_dev_rule cgroup_default_dev_rules[];
extern const size_t cgroup_n_default_dev_rules;

#endif
