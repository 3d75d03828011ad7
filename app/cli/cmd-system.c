/*
 * System commands: info, system df, system prune.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

/* ---------------------------------------------------------------- info */

static int info_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct cli_opt info_opts[] = {
	{ "format", 'f', CLI_ARG, "string", "Format output: json or a Go template" },
	{ 0 },
};

const struct cli_cmd cli_cmd_info = {
	.name = "info",
	.aliases = "system info",
	.usage = "[OPTIONS]",
	.summary = "Display system-wide information",
	.opts = info_opts,
	.exec = info_exec,
};

static int info_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_info, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		format = p.arg;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_info, argc - first, 0, 0))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *i = sv_engine_info(cli_engine(ctx), &err);
	if (!i)
		return cli_fail(ctx, 1, err);
	if (format) {
		char *line = cli_template_render(!strcmp(format, "json") ? "{{json .}}" : format, i, &err);
		if (!line)
			return cli_fail(ctx, 1, err);
		fprintf(ctx->out, "%s\n", line);
		free(line);
		return 0;
	}
	char mem[16];
	fprintf(ctx->out,
		"Server:\n"
		" Containers: %lld\n"
		"  Running: %lld\n"
		"  Paused: %lld\n"
		"  Stopped: %lld\n"
		" Images: %lld\n"
		" Server Version: %s\n"
		" Storage Driver: overlay2\n"
		" Logging Driver: json-file\n"
		" Cgroup Driver: cgroupfs\n"
		" Cgroup Version: %s\n"
		" Runtimes: servin\n"
		" Default Runtime: servin\n"
		" Security Options:\n"
		"  seccomp\n"
		"   Profile: builtin\n"
		"  cgroupns\n"
		" Kernel Version: %s\n"
		" Operating System: %s\n"
		" OSType: linux\n"
		" Architecture: %s\n"
		" CPUs: %lld\n"
		" Total Memory: %s\n"
		" Name: %s\n"
		" ID: servin\n"
		" Servin Root Dir: %s\n"
		" Servin Run Root: %s\n",
		(long long)sv_json_i64(i, "Containers", 0), (long long)sv_json_i64(i, "ContainersRunning", 0),
		(long long)sv_json_i64(i, "ContainersPaused", 0), (long long)sv_json_i64(i, "ContainersStopped", 0),
		(long long)sv_json_i64(i, "Images", 0), sv_json_str(i, "ServerVersion"), sv_json_str(i, "CgroupVersion"),
		sv_json_str(i, "KernelVersion"), sv_json_str(i, "OperatingSystem"), sv_json_str(i, "Architecture"),
		(long long)sv_json_i64(i, "NCPU", 0), sv_str_human_size(sv_json_i64(i, "MemTotal", 0), mem, sizeof mem),
		sv_json_str(i, "Name"), sv_json_str(i, "DockerRootDir"), sv_engine_runroot(cli_engine(ctx)));
	return 0;
}

/* ---------------------------------------------------------------- df */

enum { DF_FORMAT, DF_VERBOSE };
static const struct cli_opt df_opts[] = {
	[DF_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: table, json, or a Go template" },
	[DF_VERBOSE] = { "verbose", 'v', CLI_NOARG, NULL, "Show detailed information on space usage" },
	{ 0 },
};

static const struct cli_header df_headers[] = {
	{ "Type", "TYPE" }, { "TotalCount", "TOTAL" }, { "Active", "ACTIVE" }, { "Size", "SIZE" },
	{ "Reclaimable", "RECLAIMABLE" }, { NULL, NULL },
};

static int df_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_system_df = {
	.name = "system df",
	.usage = "[OPTIONS]",
	.summary = "Show servin disk usage",
	.opts = df_opts,
	.exec = df_exec,
};

static void df_add(struct cli_fmt *f, const char *type, const cJSON *items, const char *size_key)
{
	int64_t total = 0, active = 0, size = 0, reclaim = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		int64_t s = sv_json_i64(it, size_key, 0);
		bool used = sv_json_i64(it, "Containers", 0) > 0 || sv_json_i64(sv_json_obj(it, "UsageData"), "RefCount", 0) > 0 ||
			    !strcmp(sv_json_str(it, "State") ? sv_json_str(it, "State") : "", "running");
		total++;
		size += s;
		if (used)
			active++;
		else
			reclaim += s - sv_json_i64(it, "SharedSize", 0);
	}
	char sz[16], rc[16], cnt[24], act[24], line[64];
	snprintf(cnt, sizeof cnt, "%lld", (long long)total);
	snprintf(act, sizeof act, "%lld", (long long)active);
	sv_str_human_size(size, sz, sizeof sz);
	sv_str_human_size(reclaim, rc, sizeof rc);
	if (size > 0)
		snprintf(line, sizeof line, "%s (%lld%%)", rc, (long long)(reclaim * 100 / size));
	else
		snprintf(line, sizeof line, "%s", rc);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Type", type);
	cJSON_AddStringToObject(o, "TotalCount", cnt);
	cJSON_AddStringToObject(o, "Active", act);
	cJSON_AddStringToObject(o, "Size", sz);
	cJSON_AddStringToObject(o, "Reclaimable", line);
	cli_fmt_row(f, o);
	cJSON_Delete(o);
}

static int df_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	bool verbose = false;
	int o;
	cli_parse_init(&p, &cli_cmd_system_df, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == DF_FORMAT)
			format = p.arg;
		else
			verbose = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_system_df, argc - first, 0, 0))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *df = sv_engine_df(cli_engine(ctx), &err);
	if (!df)
		return cli_fail(ctx, 1, err);
	if (verbose) {
		cli_print_json(ctx->out, df);
		return 0;
	}
	struct cli_fmt *f = cli_fmt_new(format, "{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
					df_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	df_add(f, "Images", sv_json_arr(df, "Images"), "Size");
	df_add(f, "Containers", sv_json_arr(df, "Containers"), "SizeRw");
	df_add(f, "Local Volumes", sv_json_arr(df, "Volumes"), "Size");
	df_add(f, "Build Cache", sv_json_arr(df, "BuildCache"), "Size");
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	return 0;
}

/* ---------------------------------------------------------------- prune */

enum { SP_ALL, SP_FILTER, SP_FORCE, SP_VOLUMES };
static const struct cli_opt sprune_opts[] = {
	[SP_ALL] = { "all", 'a', CLI_NOARG, NULL, "Remove all unused images not just dangling ones" },
	[SP_FILTER] = { "filter", 0, CLI_ARG, "filter", "Provide filter values (e.g. \"label=<key>=<value>\")" },
	[SP_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Do not prompt for confirmation" },
	[SP_VOLUMES] = { "volumes", 0, CLI_NOARG, NULL, "Prune anonymous volumes" },
	{ 0 },
};

static int system_prune_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_system_prune = {
	.name = "system prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused data",
	.opts = sprune_opts,
	.exec = system_prune_exec,
};

static void print_list(struct cli_ctx *ctx, const char *title, char *const *v)
{
	if (!v || !v[0])
		return;
	fprintf(ctx->out, "%s:\n", title);
	for (size_t i = 0; v[i]; i++)
		fprintf(ctx->out, "%s\n", v[i]);
	fputc('\n', ctx->out);
}

/* Stopped containers, what a crash left of networking, unused networks
 * and (with --volumes) anonymous volumes, before the images. */
static int prune_containers_networks(struct cli_ctx *ctx, char *const *filters, bool volumes)
{
	sv_engine *e = cli_engine(ctx);
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **ctrs = NULL;
	int64_t reclaimed = 0;
	if (sv_engine_container_prune(e, filters, &ctrs, &reclaimed, &err) < 0)
		return cli_fail(ctx, 1, err), -1;
	print_list(ctx, "Deleted Containers", ctrs);
	if (sv_engine_network_sweep(e, true, NULL, NULL, NULL, &err) < 0)
		return cli_fail(ctx, 1, err), -1;
	SV_AUTOSTRV char **nets = NULL;
	if (sv_engine_network_prune(e, filters, &nets, &err) < 0)
		return cli_fail(ctx, 1, err), -1;
	print_list(ctx, "Deleted Networks", nets);
	if (!volumes)
		return 0;
	SV_AUTOSTRV char **vols = NULL;
	if (sv_engine_volume_prune(e, false, filters, &vols, &reclaimed, &err) < 0)
		return cli_fail(ctx, 1, err), -1;
	print_list(ctx, "Deleted Volumes", vols);
	return 0;
}

static int system_prune_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool all = false, force = false, volumes = false;
	SV_AUTOSTRV char **filters = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_system_prune, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == SP_ALL)
			all = true;
		else if (o == SP_VOLUMES)
			volumes = true;
		else if (o == SP_FORCE)
			force = true;
		else if (o == SP_FILTER)
			sv_strv_push(&filters, p.arg);
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_system_prune, argc - first, 0, 0))
		return 1;
	if (!force) {
		fprintf(ctx->out, "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - %s\n",
			all ? "all images without at least one container associated to them" : "all dangling images");
		if (!cli_confirm(ctx, "\nAre you sure you want to continue?"))
			return 0;
	}
	SV_AUTOERR sv_err *err = NULL;
	if (prune_containers_networks(ctx, filters, volumes) < 0)
		return 1;
	struct sv_image_rm_result r = { 0 };
	int rc = sv_engine_image_prune(cli_engine(ctx), all, filters, &r, &err);
	if (r.untagged || r.deleted) {
		fputs("Deleted Images:\n", ctx->out);
		for (size_t i = 0; r.untagged && r.untagged[i]; i++)
			fprintf(ctx->out, "untagged: %s\n", r.untagged[i]);
		for (size_t i = 0; r.deleted && r.deleted[i]; i++)
			fprintf(ctx->out, "deleted: %s\n", r.deleted[i]);
		fputc('\n', ctx->out);
	}
	char sz[16];
	fprintf(ctx->out, "Total reclaimed space: %s\n", sv_str_human_size(r.reclaimed, sz, sizeof sz));
	sv_image_rm_result_release(&r);
	return rc < 0 ? cli_fail(ctx, 1, err) : 0;
}

/* ---------------------------------------------------------------- check */

enum { CHK_REPAIR, CHK_FORMAT };
static const struct cli_opt check_opts[] = {
	[CHK_REPAIR] = { "repair", 0, CLI_NOARG, NULL, "Fix what can be fixed and report what was done" },
	[CHK_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: json" },
	{ 0 },
};

static int system_check_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_system_check = {
	.name = "system check",
	.usage = "[OPTIONS]",
	.summary = "Verify the store: blobs, images, layers, containers; --repair fixes what it can",
	.opts = check_opts,
	.exec = system_check_exec,
};

struct check_out {
	struct cli_ctx *ctx;
	bool json;
	int n;
};

static void check_print(const struct sv_check_finding *f, void *arg)
{
	struct check_out *o = arg;
	o->n++;
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "Area", f->area);
		cJSON_AddStringToObject(j, "Kind", f->kind);
		cJSON_AddStringToObject(j, "Object", f->object);
		cJSON_AddStringToObject(j, "Detail", f->detail);
		cJSON_AddBoolToObject(j, "Repaired", f->repaired);
		char *s = sv_json_print(j);
		fprintf(o->ctx->out, "%s\n", s);
		free(s);
		cJSON_Delete(j);
		return;
	}
	fprintf(o->ctx->out, "%-9s %-9s %s: %s%s\n", f->area, f->kind, f->object, f->detail,
		f->repaired ? " [repaired]" : "");
}

static int system_check_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool repair = false;
	const char *format = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_system_check, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == CHK_REPAIR)
			repair = true;
		else
			format = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_system_check, argc - first, 0, 0))
		return 1;
	struct check_out out = { .ctx = ctx, .json = format && !strcmp(format, "json") };
	SV_AUTOERR sv_err *err = NULL;
	int corrupt = 0;
	if (sv_engine_system_check(cli_engine(ctx), repair, check_print, &out, &corrupt, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (!out.json)
		fprintf(ctx->out, "%s: %d finding%s, %d corrupt left\n", corrupt ? "CORRUPT" : "ok", out.n,
			out.n == 1 ? "" : "s", corrupt);
	return corrupt ? 1 : 0;
}
