/*
 * cgroup v1: one directory per hierarchy; each applies the limits of the
 * controllers mounted there (possibly several, "cpu,cpuacct").
 */
#include "runtime/cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static bool has(const struct cgroup_dir *d, const char *c)
{
	return cgroup_has(d->controllers, c);
}

static bool file_exists(const char *dir, const char *file)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

static int apply_memory(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	const char *p = d->path;
	if (r->mem_limit.set && cgroup_writef(p, "memory.limit_in_bytes", err, "%lld", (long long)r->mem_limit.v) < 0)
		return -1;
	if (r->mem_reservation.set &&
	    cgroup_writef(p, "memory.soft_limit_in_bytes", err, "%lld", (long long)r->mem_reservation.v) < 0)
		return -1;
	if (r->mem_swap.set) {
		if (!file_exists(p, "memory.memsw.limit_in_bytes"))
			return sv_err_setx(err, ENOTSUP, "memory+swap limit: the kernel has no swap accounting");
		if (cgroup_writef(p, "memory.memsw.limit_in_bytes", err, "%lld", (long long)r->mem_swap.v) < 0)
			return -1;
	}
	if (r->mem_swappiness.set &&
	    cgroup_writef(p, "memory.swappiness", err, "%lld", (long long)r->mem_swappiness.v) < 0)
		return -1;
	if (r->disable_oom_killer && cgroup_write(p, "memory.oom_control", "1", err) < 0)
		return -1;
	return 0;
}

static int apply_cpu(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	const char *p = d->path;
	if (r->cpu_shares.set && r->cpu_shares.v &&
	    cgroup_writef(p, "cpu.shares", err, "%lld", (long long)r->cpu_shares.v) < 0)
		return -1;
	if (r->cpu_period.set && r->cpu_period.v &&
	    cgroup_writef(p, "cpu.cfs_period_us", err, "%lld", (long long)r->cpu_period.v) < 0)
		return -1;
	if (r->cpu_quota.set && r->cpu_quota.v &&
	    cgroup_writef(p, "cpu.cfs_quota_us", err, "%lld", (long long)r->cpu_quota.v) < 0)
		return -1;
	return 0;
}

static int apply_cpuset(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	if (r->cpus && *r->cpus && cgroup_write(d->path, "cpuset.cpus", r->cpus, err) < 0)
		return -1;
	if (r->mems && *r->mems && cgroup_write(d->path, "cpuset.mems", r->mems, err) < 0)
		return -1;
	return 0;
}

/* One rule per write(2), on one open file per direction (the kernel
 * parses each write on its own); the runtime's default rules are skipped
 * when the spec already allowed them, as Docker's specs do. */
static int write_dev_rule(const struct cgroup_dir *d, int *fd, const char *file, const char *rule, sv_err **err)
{
	if (*fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", d->path, file);
		*fd = open(path, O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return sv_err_set(err, errno, "open %s", path);
	}
	if (write(*fd, rule, strlen(rule)) < 0)
		return sv_err_set(err, errno, "write \"%s\" to %s/%s", rule, d->path, file);
	return 0;
}

static int apply_devices(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	SV_AUTOCLOSE int allow = -1;
	SV_AUTOCLOSE int deny = -1;
	char rule[64], seen[64];
	for (size_t i = 0; i < r->n_dev_rules; i++) {
		const struct spec_dev_rule *x = &r->dev_rules[i];
		cgroup_dev_rule_str(x, rule, sizeof rule);
		if (write_dev_rule(d, x->allow ? &allow : &deny, x->allow ? "devices.allow" : "devices.deny", rule,
				   err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cgroup_n_default_dev_rules; i++) {
		cgroup_dev_rule_str(&cgroup_default_dev_rules[i], rule, sizeof rule);
		bool dup = false;
		/* only an allow with nothing denied after it makes it redundant */
		for (size_t j = r->n_dev_rules; j-- > 0 && !dup;) {
			cgroup_dev_rule_str(&r->dev_rules[j], seen, sizeof seen);
			if (!r->dev_rules[j].allow)
				break;
			dup = strcmp(seen, rule) == 0;
		}
		if (!dup && write_dev_rule(d, &allow, "devices.allow", rule, err) < 0)
			return -1;
	}
	return 0;
}

static int apply_blkio(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	if (!r->blkio_weight.set || !r->blkio_weight.v)
		return 0;
	const char *file = file_exists(d->path, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
	if (!file_exists(d->path, file))
		return sv_err_setx(err, ENOTSUP, "blkio weight: no I/O scheduler with weights (CFQ or BFQ)");
	return cgroup_writef(d->path, file, err, "%lld", (long long)r->blkio_weight.v);
}

static int apply_hugetlb(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	for (size_t i = 0; i < r->n_hugetlb; i++) {
		char file[64];
		snprintf(file, sizeof file, "hugetlb.%s.limit_in_bytes", r->hugetlb[i].page_size);
		if (cgroup_writef(d->path, file, err, "%llu", (unsigned long long)r->hugetlb[i].limit) < 0)
			return -1;
	}
	return 0;
}

static int v1_apply(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	if (r->unified)
		return sv_err_setx(err, ENOTSUP, "resources.unified needs cgroup v2");
	if (has(d, "memory") && apply_memory(d, r, err) < 0)
		return -1;
	if (has(d, "cpu") && apply_cpu(d, r, err) < 0)
		return -1;
	if (has(d, "cpuset") && apply_cpuset(d, r, err) < 0)
		return -1;
	if (has(d, "devices") && apply_devices(d, r, err) < 0)
		return -1;
	if (has(d, "blkio") && apply_blkio(d, r, err) < 0)
		return -1;
	if (has(d, "hugetlb") && apply_hugetlb(d, r, err) < 0)
		return -1;
	return 0;
}

static int v1_apply_late(const struct cgroup_dir *d, const struct spec_resources *r, sv_err **err)
{
	if (!has(d, "pids") || !r->pids_limit.set)
		return 0;
	if (r->pids_limit.v <= 0)
		return cgroup_write(d->path, "pids.max", "max", err);
	return cgroup_writef(d->path, "pids.max", err, "%lld", (long long)r->pids_limit.v);
}

static int v1_is_frozen(const struct cgroup_dir *d)
{
	char buf[32];
	if (!has(d, "freezer") || cgroup_read(d->path, "freezer.state", buf, sizeof buf) < 0)
		return -1;
	return strncmp(buf, "THAWED", 6) != 0;
}

static int v1_freeze(const struct cgroup_dir *d, bool frozen, sv_err **err)
{
	if (!has(d, "freezer"))
		return 0;
	if (cgroup_write(d->path, "freezer.state", frozen ? "FROZEN" : "THAWED", err) < 0)
		return -1;
	/* FREEZING until every task stopped; a task in uninterruptible sleep
	 * can hold it there, so re-ask as runc does. */
	for (int i = 0; frozen && i < 2000; i++) {
		char buf[32];
		if (cgroup_read(d->path, "freezer.state", buf, sizeof buf) < 0)
			return sv_err_set(err, errno, "read %s/freezer.state", d->path);
		if (strncmp(buf, "FROZEN", 6) == 0)
			return 1;
		if (i % 50 == 49 && cgroup_write(d->path, "freezer.state", "FROZEN", err) < 0)
			return -1;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (frozen) {
		cgroup_write(d->path, "freezer.state", "THAWED", NULL);
		return sv_err_setx(err, EBUSY, "freeze %s: tasks did not stop", d->path);
	}
	return 1;
}

/* blkio.*io_service_bytes_recursive: "8:0 Read 123" lines and "Total". */
static void blkio_bytes(const char *dir, struct sv_runtime_stats *st)
{
	static const char *const files[] = { "blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive",
					     "blkio.throttle.io_service_bytes_recursive" };
	char buf[8192];
	for (size_t f = 0; f < 3; f++) {
		if (cgroup_read(dir, files[f], buf, sizeof buf) < 0)
			continue;
		char *save = NULL;
		uint64_t rd = 0, wr = 0;
		for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char dev[32], op[16];
			unsigned long long v;
			if (sscanf(line, "%31s %15s %llu", dev, op, &v) != 3)
				continue;
			if (strcmp(op, "Read") == 0)
				rd += v;
			else if (strcmp(op, "Write") == 0)
				wr += v;
		}
		if (rd || wr) {
			st->blkio_read_bytes = rd;
			st->blkio_write_bytes = wr;
			return;
		}
	}
}

static void v1_stats(const struct cgroup_dir *d, struct sv_runtime_stats *st)
{
	const char *p = d->path;
	if (has(d, "memory")) {
		st->mem_usage = cgroup_read_u64(p, "memory.usage_in_bytes");
		uint64_t lim = cgroup_read_u64(p, "memory.limit_in_bytes");
		st->mem_limit = lim >= (UINT64_C(1) << 62) ? UINT64_MAX : lim;
		st->mem_inactive_file = cgroup_read_key(p, "memory.stat", "total_inactive_file");
		st->oom_kills = d->ops->oom_kills(d);
	}
	if (has(d, "cpuacct")) {
		st->cpu_usage_ns = cgroup_read_u64(p, "cpuacct.usage");
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t tick = hz > 0 ? UINT64_C(1000000000) / (uint64_t)hz : 10000000;
		st->cpu_user_ns = cgroup_read_key(p, "cpuacct.stat", "user") * tick;
		st->cpu_system_ns = cgroup_read_key(p, "cpuacct.stat", "system") * tick;
	}
	if (has(d, "pids")) {
		st->pids_current = cgroup_read_u64(p, "pids.current");
		st->pids_limit = cgroup_read_u64(p, "pids.max");
	}
	if (has(d, "blkio"))
		blkio_bytes(p, st);
}

static uint64_t v1_oom_kills(const struct cgroup_dir *d)
{
	return has(d, "memory") ? cgroup_read_key(d->path, "memory.oom_control", "oom_kill") : 0;
}

static int v1_oom_fd(const struct cgroup_dir *d, sv_err **err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/memory.oom_control", d->path);
	SV_AUTOCLOSE int ctl = open(path, O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return sv_err_set(err, errno, "open %s", path);
	SV_AUTOCLOSE int efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return sv_err_set(err, errno, "eventfd");
	if (cgroup_writef(d->path, "cgroup.event_control", err, "%d %d", efd, ctl) < 0)
		return -1;
	return sv_steal_fd(&efd);
}

const struct cgroup_ops cgroup_v1_ops = {
	.version = 1,
	.apply = v1_apply,
	.apply_late = v1_apply_late,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.stats = v1_stats,
	.oom_fd = v1_oom_fd,
	.oom_kills = v1_oom_kills,
};
