/*
 * stats: a live table of running containers' usage (redrawn every second)
 * or one table (--no-stream). CPU % needs two samples: the shim's ring
 * gives the one before the current sample when it is fresh, so
 * --no-stream answers at once; else a second sample is taken.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"

enum { ST_ALL, ST_FORMAT, ST_NO_STREAM, ST_NO_TRUNC };
static const struct cli_opt stats_opts[] = {
	[ST_ALL] = { "all", 'a', CLI_NOARG, NULL, "Show all containers (default shows just running)" },
	[ST_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: table, json, or a Go template" },
	[ST_NO_STREAM] = { "no-stream", 0, CLI_NOARG, NULL, "Disable streaming stats and only pull the first result" },
	[ST_NO_TRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Do not truncate output" },
	{ 0 },
};

static const struct cli_header stats_headers[] = {
	{ "Container", "CONTAINER" }, { "ID", "CONTAINER ID" }, { "Name", "NAME" }, { "CPUPerc", "CPU %" },
	{ "MemUsage", "MEM USAGE / LIMIT" }, { "MemPerc", "MEM %" }, { "NetIO", "NET I/O" },
	{ "BlockIO", "BLOCK I/O" }, { "PIDs", "PIDS" }, { NULL, NULL },
};

static int stats_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_stats = {
	.name = "stats",
	.aliases = "container stats",
	.usage = "[OPTIONS] [CONTAINER...]",
	.summary = "Display a live stream of container(s) resource usage statistics",
	.opts = stats_opts,
	.exec = stats_exec,
};

/* Docker's units: binary for memory ("MiB"), decimal for I/O ("kB"). */
static const char *bytes_binary(double v, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;
	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	snprintf(buf, len, "%.4g%s", v, u[i]);
	return buf;
}

static const char *bytes_decimal(double v, char *buf, size_t len)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;
	while (v >= 1000 && i < 4)
		v /= 1000, i++;
	snprintf(buf, len, "%.3g%s", v, u[i]);
	return buf;
}

static cJSON *stats_row(const struct sv_container_stats *s, const struct sv_stats_sample *prev, bool notrunc)
{
	const struct sv_stats_sample *n = &s->now;
	char a[32], b[32], buf[96], idb[13];
	double cpu = 0, mem = (double)(n->mem_usage - n->mem_cache), memp = 0;
	if (prev && n->system_ns > prev->system_ns && n->cpu_ns >= prev->cpu_ns)
		cpu = (double)(n->cpu_ns - prev->cpu_ns) / (double)(n->system_ns - prev->system_ns) * n->online_cpus * 100.0;
	if (mem < 0)
		mem = 0;
	if (n->mem_limit > 0)
		memp = mem / (double)n->mem_limit * 100.0;
	cJSON *o = cJSON_CreateObject();
	const char *id = notrunc ? s->id : cli_short_id(s->id, idb);
	cJSON_AddStringToObject(o, "Container", id);
	cJSON_AddStringToObject(o, "ID", id);
	cJSON_AddStringToObject(o, "Name", s->name);
	snprintf(buf, sizeof buf, "%.2f%%", s->running ? cpu : 0);
	cJSON_AddStringToObject(o, "CPUPerc", s->running ? buf : "--");
	snprintf(buf, sizeof buf, "%s / %s", bytes_binary(mem, a, sizeof a), bytes_binary((double)n->mem_limit, b, sizeof b));
	cJSON_AddStringToObject(o, "MemUsage", s->running ? buf : "-- / --");
	snprintf(buf, sizeof buf, "%.2f%%", memp);
	cJSON_AddStringToObject(o, "MemPerc", s->running ? buf : "--");
	snprintf(buf, sizeof buf, "%s / %s", bytes_decimal((double)n->net_rx, a, sizeof a),
		 bytes_decimal((double)n->net_tx, b, sizeof b));
	cJSON_AddStringToObject(o, "NetIO", s->running ? buf : "--");
	snprintf(buf, sizeof buf, "%s / %s", bytes_decimal((double)n->blk_read, a, sizeof a),
		 bytes_decimal((double)n->blk_write, b, sizeof b));
	cJSON_AddStringToObject(o, "BlockIO", s->running ? buf : "--");
	snprintf(buf, sizeof buf, "%lld", (long long)n->pids);
	cJSON_AddStringToObject(o, "PIDs", s->running ? buf : "--");
	return o;
}

/* The ring's newest sample older than `now`, if fresh enough. */
static bool ring_prev(struct cli_ctx *ctx, const struct sv_container_stats *s, struct sv_stats_sample *out)
{
	struct sv_stats_sample *h;
	size_t n;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_container_stats_history(cli_engine(ctx), s->id, &h, &n, &err) < 0)
		return false;
	bool ok = false;
	for (size_t i = n; i-- > 0 && !ok;) {
		int64_t age = s->now.time_ns - h[i].time_ns;
		if (age >= 100000000 && age < 5000000000LL && h[i].system_ns < s->now.system_ns) {
			*out = h[i];
			ok = true;
		}
	}
	free(h);
	return ok;
}

struct stats_state {
	char **names;
	bool all, notrunc, stream;
	const char *format;
	struct sv_container_stats *prev;
	size_t nprev;
};

static const struct sv_stats_sample *find_prev(const struct stats_state *st, const char *id)
{
	for (size_t i = 0; i < st->nprev; i++)
		if (strcmp(st->prev[i].id, id) == 0)
			return &st->prev[i].now;
	return NULL;
}

static int draw(struct cli_ctx *ctx, struct stats_state *st, struct sv_container_stats *v, size_t n)
{
	SV_AUTOERR sv_err *err = NULL;
	const char *table = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
	struct cli_fmt *f = cli_fmt_new(st->format, table, stats_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	for (size_t i = 0; i < n; i++) {
		struct sv_stats_sample ring;
		const struct sv_stats_sample *prev = find_prev(st, v[i].id);
		if (!prev && ring_prev(ctx, &v[i], &ring))
			prev = &ring;
		cJSON *row = stats_row(&v[i], prev, st->notrunc);
		cli_fmt_row(f, row);
		cJSON_Delete(row);
	}
	if (st->stream)
		fputs("\033[2J\033[H", ctx->out);
	cli_fmt_flush(f, ctx->out);
	fflush(ctx->out);
	cli_fmt_free(f);
	return 0;
}

static bool need_second(struct cli_ctx *ctx, struct sv_container_stats *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sv_stats_sample s;
		if (v[i].running && !ring_prev(ctx, &v[i], &s))
			return true;
	}
	return false;
}

static int stats_loop(struct cli_ctx *ctx, struct stats_state *st)
{
	for (;;) {
		struct sv_container_stats *v;
		size_t n;
		SV_AUTOERR sv_err *err = NULL;
		if (sv_engine_container_stats(cli_engine(ctx), st->names, &v, &n, &err) < 0)
			return cli_fail(ctx, 1, err);
		if (!st->stream && !st->prev && need_second(ctx, v, n)) {
			st->prev = v;
			st->nprev = n;
			usleep(500000);
			continue;
		}
		int rc = draw(ctx, st, v, n);
		sv_container_stats_free(st->prev, st->nprev);
		st->prev = v;
		st->nprev = n;
		if (rc || !st->stream)
			return rc;
		sleep(1);
	}
}

static int stats_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	struct stats_state st = { .stream = true };
	int o;
	cli_parse_init(&p, &cli_cmd_stats, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		switch (o) {
		case ST_ALL: st.all = true; break;
		case ST_FORMAT: st.format = p.arg; break;
		case ST_NO_STREAM: st.stream = false; break;
		case ST_NO_TRUNC: st.notrunc = true; break;
		default: break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	st.names = argc > first ? argv + first : NULL;
	int rc = stats_loop(ctx, &st);
	sv_container_stats_free(st.prev, st.nprev);
	return rc;
}
