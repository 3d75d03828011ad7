/*
 * cgroup v2: one directory holds every controller enabled for it. OCI
 * values are v1-shaped; they are mapped as runc and crun do (cpu.weight
 * from shares, io.weight from blkio weight, swap.max = swap - limit).
 *
 * The device allow-list is an eBPF program (cgroup-bpf.c), attached to the
 * container's v2 directory.
 */
#include "runtime/cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static int write_max(const char *dir, const char *file, int64_t v, sv_err **err)
{
	if (v < 0)
		return cgroup_write(dir, file, "max", err);
	return cgroup_writef(dir, file, err, "%lld", (long long)v);
}

static int apply_memory(const char *p, const struct spec_resources *r, sv_err **err)
{
	if (r->mem_limit.set && write_max(p, "memory.max", r->mem_limit.v, err) < 0)
		return -1;
	if (r->mem_reservation.set && write_max(p, "memory.low", r->mem_reservation.v, err) < 0)
		return -1;
	if (r->mem_swap.set) {
		int64_t swap;
		if (cgroup_v2_swap(r->mem_limit.set ? r->mem_limit.v : -1, r->mem_swap.v, &swap, err) < 0 ||
		    write_max(p, "memory.swap.max", swap, err) < 0)
			return -1;
	}
	if (r->disable_oom_killer)
		return sv_err_setx(err, ENOTSUP, "disableOOMKiller is not available on cgroup v2");
	return 0;
}

static int apply_cpu(const char *p, const struct spec_resources *r, sv_err **err)
{
	if (r->cpu_shares.set && r->cpu_shares.v &&
	    cgroup_writef(p, "cpu.weight", err, "%llu",
			  (unsigned long long)cgroup_shares_to_weight((uint64_t)r->cpu_shares.v)) < 0)
		return -1;
	if ((r->cpu_quota.set && r->cpu_quota.v) || (r->cpu_period.set && r->cpu_period.v)) {
		int64_t period = r->cpu_period.set && r->cpu_period.v ? r->cpu_period.v : 100000;
		int64_t quota = r->cpu_quota.set && r->cpu_quota.v > 0 ? r->cpu_quota.v : -1;
		char v[64];
		if (quota < 0)
			snprintf(v, sizeof v, "max %lld", (long long)period);
		else
			snprintf(v, sizeof v, "%lld %lld", (long long)quota, (long long)period);
		if (cgroup_write(p, "cpu.max", v, err) < 0)
			return -1;
	}
	if (r->cpus && *r->cpus && cgroup_write(p, "cpuset.cpus", r->cpus, err) < 0)
		return -1;
	if (r->mems && *r->mems && cgroup_write(p, "cpuset.mems", r->mems, err) < 0)
		return -1;
	return 0;
}

static int apply_unified(const char *p, char *const *kv, sv_err **err)
{
	for (size_t i = 0; kv && kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		SV_AUTOFREE char *file = sv_xstrndup(kv[i], (size_t)(eq - kv[i]));
		if (cgroup_write(p, file, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_devices(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	SV_AUTOCLOSE int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", d->path);
	return cgroup_bpf_attach(d->path, fd, r, err);
}

static int v2_apply(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	const char *p = d->path;
	if (d->devices_bpf && v2_devices(d, r, err) < 0)
		return -1;
	char avail[1024] = "";
	cgroup_read(p, "cgroup.controllers", avail, sizeof avail);
	if (strstr(avail, "memory") && apply_memory(p, r, err) < 0)
		return -1;
	if (strstr(avail, "cpu") && apply_cpu(p, r, err) < 0)
		return -1;
	if (strstr(avail, "io") && r->blkio_weight.set && r->blkio_weight.v &&
	    cgroup_writef(p, "io.weight", err, "default %llu",
			  (unsigned long long)cgroup_blkio_to_io_weight((uint64_t)r->blkio_weight.v)) < 0)
		return -1;
	for (size_t i = 0; strstr(avail, "hugetlb") && i < r->n_hugetlb; i++) {
		char file[64];
		snprintf(file, sizeof file, "hugetlb.%s.max", r->hugetlb[i].page_size);
		if (cgroup_writef(p, file, err, "%llu", (unsigned long long)r->hugetlb[i].limit) < 0)
			return -1;
	}
	return apply_unified(p, r->unified, err);
}

static int v2_apply_late(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	char avail[1024] = "";
	cgroup_read(d->path, "cgroup.controllers", avail, sizeof avail);
	if (!strstr(avail, "pids") || !r->pids_limit.set)
		return 0;
	return write_max(d->path, "pids.max", r->pids_limit.v <= 0 ? -1 : r->pids_limit.v, err);
}

static int v2_is_frozen(const struct cgroup_dir *d)
{
	char buf[8];
	if (cgroup_read(d->path, "cgroup.freeze", buf, sizeof buf) < 0)
		return -1;
	return buf[0] == '1';
}

static int v2_freeze(const struct cgroup_dir *d, bool frozen, sv_err **err)
{
	if (v2_is_frozen(d) < 0)
		return 0;
	if (cgroup_write(d->path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	for (int i = 0; frozen && i < 2000; i++) {
		if (cgroup_read_key(d->path, "cgroup.events", "frozen") == 1)
			return 1;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (frozen) {
		cgroup_write(d->path, "cgroup.freeze", "0", NULL);
		return sv_err_setx(err, EBUSY, "freeze %s: tasks did not stop", d->path);
	}
	return 1;
}

static void io_bytes(const char *dir, struct sv_runtime_stats *st)
{
	char buf[8192];
	if (cgroup_read(dir, "io.stat", buf, sizeof buf) < 0)
		return;
	for (char *tok = buf; (tok = strstr(tok, "bytes="));) {
		unsigned long long v = strtoull(tok + 6, NULL, 10);
		if (tok > buf && tok[-1] == 'r')
			st->blkio_read_bytes += v;
		else if (tok > buf && tok[-1] == 'w')
			st->blkio_write_bytes += v;
		tok += 6;
	}
}

static void v2_stats(const struct cgroup_dir *d, struct sv_runtime_stats *st)
{
	const char *p = d->path;
	char avail[1024] = "";
	cgroup_read(p, "cgroup.controllers", avail, sizeof avail);
	if (strstr(avail, "memory")) {
		st->mem_usage = cgroup_read_u64(p, "memory.current");
		st->mem_limit = cgroup_read_u64(p, "memory.max");
		st->mem_inactive_file = cgroup_read_key(p, "memory.stat", "inactive_file");
		st->oom_kills = d->ops->oom_kills(d);
	}
	if (!st->cpu_usage_ns) {
		st->cpu_usage_ns = cgroup_read_key(p, "cpu.stat", "usage_usec") * 1000;
		st->cpu_user_ns = cgroup_read_key(p, "cpu.stat", "user_usec") * 1000;
		st->cpu_system_ns = cgroup_read_key(p, "cpu.stat", "system_usec") * 1000;
	}
	if (strstr(avail, "pids")) {
		st->pids_current = cgroup_read_u64(p, "pids.current");
		st->pids_limit = cgroup_read_u64(p, "pids.max");
	}
	if (strstr(avail, "io"))
		io_bytes(p, st);
}

/* (memory.events exists only where the memory controller is on) */
static uint64_t v2_oom_kills(const struct cgroup_dir *d)
{
	return cgroup_read_key(d->path, "memory.events", "oom_kill");
}

static int v2_oom_fd(const struct cgroup_dir *d, sv_err **err)
{
	char avail[1024] = "";
	cgroup_read(d->path, "cgroup.controllers", avail, sizeof avail);
	if (!strstr(avail, "memory"))
		return -1;
	SV_AUTOCLOSE int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return sv_err_set(err, errno, "inotify_init1");
	char path[4096];
	snprintf(path, sizeof path, "%s/memory.events", d->path);
	if (inotify_add_watch(fd, path, IN_MODIFY) < 0)
		return sv_err_set(err, errno, "watch %s", path);
	return sv_steal_fd(&fd);
}

const struct cgroup_ops cgroup_v2_ops = {
	.version = 2,
	.apply = v2_apply,
	.apply_late = v2_apply_late,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.stats = v2_stats,
	.oom_fd = v2_oom_fd,
	.oom_kills = v2_oom_kills,
};
