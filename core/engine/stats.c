/*
 * Resource usage: `stats` samples every running container's cgroup
 * counters through the runtime in one pass (one read of /proc/stat for the
 * host's CPU time); the shim's ring file gives the history of the last
 * minutes; `top` lists the container's processes as the host's ps prints
 * them (Docker runs `ps` too, then keeps the container's pids).
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

extern char **environ;

/* ---------------------------------------------------------------- stats */

static int64_t host_mem(void)
{
	struct sysinfo si;
	return sysinfo(&si) == 0 ? (int64_t)si.totalram * si.mem_unit : 0;
}

static void sample(sv_engine *e, const char *id, int64_t sys_ns, struct sv_stats_sample *s)
{
	SV_AUTOFREE char *sr = ctr_state_root(e);
	struct sv_runtime_stats st;
	SV_AUTOERR sv_err *err = NULL;
	memset(s, 0, sizeof *s);
	s->time_ns = sv_time_now_ns();
	s->system_ns = sys_ns;
	s->online_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (sv_runtime_stats(sr, id, &st, &err) < 0)
		return;
	s->cpu_ns = (int64_t)st.cpu_usage_ns;
	s->mem_usage = (int64_t)st.mem_usage;
	s->mem_cache = (int64_t)st.mem_inactive_file;
	s->mem_limit = st.mem_limit == UINT64_MAX || !st.mem_limit ? host_mem() : (int64_t)st.mem_limit;
	s->pids = (int64_t)st.pids_current;
	s->blk_read = (int64_t)st.blkio_read_bytes;
	s->blk_write = (int64_t)st.blkio_write_bytes;
}

void sv_container_stats_free(struct sv_container_stats *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

int sv_engine_container_stats(sv_engine *e, char *const *names, struct sv_container_stats **out, size_t *n,
			      sv_err **err)
{
	struct ctr_row *rows = NULL;
	size_t nrows = 0;
	*out = NULL;
	*n = 0;
	if (names && names[0]) {
		rows = sv_xcalloc(sv_strv_len(names), sizeof *rows);
		for (size_t i = 0; names[i]; i++, nrows++)
			if (ctr_find(e, names[i], &rows[i], err) < 0) {
				ctr_rows_free(rows, nrows);
				return -1;
			}
	} else if (ctr_load_all(e, &rows, &nrows, err) < 0) {
		return -1;
	}
	int64_t sys_ns = sv_host_cpu_ns();
	*out = sv_xcalloc(nrows + 1, sizeof **out);
	for (size_t i = 0; i < nrows; i++) {
		bool live = ctr_is_live(rows[i].state);
		if (!live && !(names && names[0]))
			continue;
		struct sv_container_stats *s = &(*out)[(*n)++];
		memcpy(s->id, rows[i].id, sizeof s->id);
		s->name = sv_xstrdup(rows[i].name);
		s->running = live;
		if (live)
			sample(e, rows[i].id, sys_ns, &s->now);
		else
			s->now.time_ns = sv_time_now_ns();
	}
	ctr_rows_free(rows, nrows);
	return 0;
}

static cJSON *cpu_json(const struct sv_stats_sample *s)
{
	cJSON *c = cJSON_CreateObject();
	cJSON *u = cJSON_AddObjectToObject(c, "cpu_usage");
	cJSON_AddNumberToObject(u, "total_usage", s ? (double)s->cpu_ns : 0);
	cJSON_AddNumberToObject(u, "usage_in_kernelmode", 0);
	cJSON_AddNumberToObject(u, "usage_in_usermode", 0);
	cJSON_AddNumberToObject(c, "system_cpu_usage", s ? (double)s->system_ns : 0);
	cJSON_AddNumberToObject(c, "online_cpus", s ? s->online_cpus : 0);
	cJSON *t = cJSON_AddObjectToObject(c, "throttling_data");
	cJSON_AddNumberToObject(t, "periods", 0);
	cJSON_AddNumberToObject(t, "throttled_periods", 0);
	cJSON_AddNumberToObject(t, "throttled_time", 0);
	return c;
}

static cJSON *blkio_entry(const char *op, int64_t v)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "major", 0);
	cJSON_AddNumberToObject(o, "minor", 0);
	cJSON_AddStringToObject(o, "op", op);
	cJSON_AddNumberToObject(o, "value", (double)v);
	return o;
}

cJSON *sv_container_stats_json(const struct sv_container_stats *s, const struct sv_stats_sample *prev)
{
	const struct sv_stats_sample *n = &s->now;
	char buf[64];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "read", sv_time_rfc3339(n->time_ns, buf, sizeof buf));
	cJSON_AddStringToObject(o, "preread",
				prev ? sv_time_rfc3339(prev->time_ns, buf, sizeof buf) : "0001-01-01T00:00:00Z");
	cJSON *p = cJSON_AddObjectToObject(o, "pids_stats");
	cJSON_AddNumberToObject(p, "current", (double)n->pids);
	cJSON *b = cJSON_AddObjectToObject(o, "blkio_stats");
	cJSON *rec = cJSON_AddArrayToObject(b, "io_service_bytes_recursive");
	cJSON_AddItemToArray(rec, blkio_entry("read", n->blk_read));
	cJSON_AddItemToArray(rec, blkio_entry("write", n->blk_write));
	cJSON_AddNumberToObject(o, "num_procs", 0);
	cJSON_AddObjectToObject(o, "storage_stats");
	cJSON_AddItemToObject(o, "cpu_stats", cpu_json(n));
	cJSON_AddItemToObject(o, "precpu_stats", cpu_json(prev));
	cJSON *m = cJSON_AddObjectToObject(o, "memory_stats");
	cJSON_AddNumberToObject(m, "usage", (double)n->mem_usage);
	cJSON_AddNumberToObject(m, "limit", (double)n->mem_limit);
	cJSON *ms = cJSON_AddObjectToObject(m, "stats");
	cJSON_AddNumberToObject(ms, "inactive_file", (double)n->mem_cache);
	SV_AUTOFREE char *name = sv_xasprintf("/%s", s->name ? s->name : "");
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "id", s->id);
	cJSON *nets = cJSON_AddObjectToObject(o, "networks");
	cJSON *eth = cJSON_AddObjectToObject(nets, "eth0");
	static const char *const nf[] = { "rx_bytes", "rx_packets", "rx_errors", "rx_dropped",
					  "tx_bytes", "tx_packets", "tx_errors", "tx_dropped" };
	for (size_t i = 0; i < sizeof nf / sizeof nf[0]; i++)
		cJSON_AddNumberToObject(eth, nf[i], (double)(i == 0 ? n->net_rx : i == 4 ? n->net_tx : 0));
	return o;
}

/* ---------------------------------------------------------------- history */

#define RING_HEADER 64

int sv_engine_container_stats_history(sv_engine *e, const char *name, struct sv_stats_sample **out, size_t *n,
				      sv_err **err)
{
	*out = NULL;
	*n = 0;
	char id[SV_CONTAINER_ID_LEN + 1];
	if (sv_engine_container_resolve(e, name, id, err) < 0)
		return -1;
	SV_AUTOFREE char *path = sv_xasprintf("%s/stats", ctr_run_dir(e, id));
	SV_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct {
		char magic[8];
		uint32_t record_size, capacity;
		uint64_t count;
	} h;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h.magic, "SVSTATS1", 8) != 0 ||
	    h.record_size != sizeof(struct sv_stats_sample) || h.capacity == 0 || h.capacity > 100000)
		return 0;
	size_t have = h.count < h.capacity ? (size_t)h.count : h.capacity;
	*out = sv_xcalloc(have + 1, sizeof **out);
	for (size_t i = 0; i < have; i++) {
		uint64_t idx = (h.count - have + i) % h.capacity;
		off_t at = RING_HEADER + (off_t)idx * (off_t)sizeof(struct sv_stats_sample);
		if (pread(fd, &(*out)[*n], sizeof **out, at) == (ssize_t)sizeof **out)
			(*n)++;
	}
	return 0;
}

/* ---------------------------------------------------------------- top */

/* Runs the host's `ps ARGS`, output in *out. */
static int run_ps(char *const *args, struct sv_buf *out, sv_err **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return sv_err_set(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	char **argv = NULL;
	sv_strv_push(&argv, "ps");
	for (size_t i = 0; args && args[i]; i++)
		sv_strv_push(&argv, args[i]);
	pid_t pid;
	int rc = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	sv_strv_free(argv);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return sv_err_set(err, rc, "run ps");
	}
	rc = sv_read_fd(p[0], 16 << 20, out, err);
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		return sv_err_setx(err, EINVAL, "ps exited with an error: is the ps argument valid?");
	return rc;
}

static bool pid_in(const pid_t *pids, size_t n, long p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

static cJSON *top_parse(char *out, const pid_t *pids, size_t npids, sv_err **err)
{
	SV_AUTOSTRV char **lines = sv_strv_split(out, '\n', true);
	if (!lines[0])
		return sv_err_setx(err, EINVAL, "ps printed nothing"), NULL;
	SV_AUTOSTRV char **titles = sv_strv_split(lines[0], ' ', true);
	size_t nt = sv_strv_len(titles), pidcol = nt;
	for (size_t i = 0; i < nt; i++)
		if (strcmp(titles[i], "PID") == 0)
			pidcol = i;
	if (pidcol == nt)
		return sv_err_setx(err, EINVAL, "Couldn't find PID field in ps output"), NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *t = cJSON_AddArrayToObject(o, "Titles");
	for (size_t i = 0; i < nt; i++)
		cJSON_AddItemToArray(t, cJSON_CreateString(titles[i]));
	cJSON *procs = cJSON_AddArrayToObject(o, "Processes");
	for (size_t l = 1; lines[l]; l++) {
		SV_AUTOSTRV char **f = sv_strv_split(lines[l], ' ', true);
		size_t nf = sv_strv_len(f);
		if (nf <= pidcol || !pid_in(pids, npids, strtol(f[pidcol], NULL, 10)))
			continue;
		cJSON *row = cJSON_CreateArray();
		for (size_t i = 0; i + 1 < nt && i < nf; i++)
			cJSON_AddItemToArray(row, cJSON_CreateString(f[i]));
		/* The last column (the command) keeps its spaces. */
		SV_AUTOFREE char *last = nf >= nt ? sv_strv_join(f + nt - 1, " ") : sv_xstrdup("");
		cJSON_AddItemToArray(row, cJSON_CreateString(last));
		cJSON_AddItemToArray(procs, row);
	}
	return o;
}

cJSON *sv_engine_container_top(sv_engine *e, const char *name, const char *ps_args, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return NULL;
	cJSON *o = NULL;
	pid_t *pids = NULL;
	size_t npids = 0;
	SV_AUTOFREE char *sr = ctr_state_root(e);
	SV_AUTOSTRV char **args = sv_strv_split(ps_args && *ps_args ? ps_args : "-ef", ' ', true);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (!ctr_is_live(r.state)) {
		sv_err_setx(err, EBUSY, "container %s is not running", r.id);
		goto out;
	}
	if (sv_runtime_pids(sr, r.id, &pids, &npids, err) < 0)
		goto out;
	if (run_ps(args, &b, err) < 0)
		goto out;
	o = top_parse(b.data, pids, npids, err);
out:
	free(pids);
	ctr_row_release(&r);
	return o;
}

char **sv_engine_container_ports(sv_engine *e, const char *name, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return NULL;
	char **lines = ctr_ports_lines(e, &r);
	ctr_row_release(&r);
	return lines;
}
