/*
 * The stats ring: runroot/containers/<id>/stats holds a 64-byte header and
 * RING_CAP fixed-size samples (struct sv_stats_sample), overwritten in a
 * circle once a second, so a UI opened later still draws the last minutes.
 *
 * Header: "SVSTATS1", uint32 record size, uint32 capacity, uint64 count of
 * samples ever written (the next slot is count % capacity). A reader takes
 * the header, then the records; a record being rewritten at that instant
 * is the only one that can be torn, and it is the oldest.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "runtime/cgroup-internal.h"
#include "runtime/runtime.h"
#include "shim.h"

#define RING_CAP 300
#define RING_HEADER 64

struct ring_header {
	char magic[8];
	uint32_t record_size;
	uint32_t capacity;
	uint64_t count;
};

static uint64_t ring_count;
static struct cgroup *ring_cg;

/* The runtime's own counter reading, over the container's cgroup dirs.
 * (Through its internal header until it exports a cJSON-free entry point:
 * see /work/notes/containers-needs.md.) */
static int read_counters(struct sv_runtime_stats *st, sv_err **err)
{
	if (!ring_cg)
		return sv_err_setx(err, ENOENT, "no cgroups");
	return cgroup_stats(ring_cg, st, err);
}

int shim_ring_open(struct shim_ring *r, const char *path, char **cgroups)
{
	r->cgroups = cgroups;
	ring_cg = cgroup_from_state(cgroups);
	r->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r->fd < 0)
		return -1;
	struct ring_header h = { .magic = "SVSTATS1", .record_size = sizeof(struct sv_stats_sample),
				 .capacity = RING_CAP };
	ring_count = 0;
	return pwrite(r->fd, &h, sizeof h, 0) == (ssize_t)sizeof h ? 0 : -1;
}

void shim_ring_sample(struct shim_ring *r)
{
	struct sv_runtime_stats st;
	SV_AUTOERR sv_err *err = NULL;
	if (r->fd < 0 || read_counters(&st, &err) < 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct sv_stats_sample s = {
		.time_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec,
		.cpu_ns = (int64_t)st.cpu_usage_ns,
		.system_ns = sv_host_cpu_ns(),
		.mem_usage = (int64_t)st.mem_usage,
		.mem_cache = (int64_t)st.mem_inactive_file,
		.mem_limit = st.mem_limit == UINT64_MAX ? -1 : (int64_t)st.mem_limit,
		.pids = (int64_t)st.pids_current,
		.blk_read = (int64_t)st.blkio_read_bytes,
		.blk_write = (int64_t)st.blkio_write_bytes,
		.online_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN),
	};
	off_t at = RING_HEADER + (off_t)(ring_count % RING_CAP) * (off_t)sizeof s;
	if (pwrite(r->fd, &s, sizeof s, at) != (ssize_t)sizeof s)
		return;
	ring_count++;
	(void)!pwrite(r->fd, &ring_count, sizeof ring_count, offsetof(struct ring_header, count));
}

int64_t shim_ring_oom_kills(void)
{
	return ring_cg ? (int64_t)cgroup_oom_kills(ring_cg) : -1;
}

void shim_ring_remove_cgroups(void)
{
	/* One try each: what is still busy is the runtime's delete to wait
	 * for (servin-shim-ctl's or the finisher's). */
	for (size_t i = 0; ring_cg && i < ring_cg->n; i++)
		(void)rmdir(ring_cg->dirs[i].path);
}

void shim_ring_close(struct shim_ring *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	cgroup_free(ring_cg);
	ring_cg = NULL;
}
