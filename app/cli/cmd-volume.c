/*
 * volume create | ls | inspect | rm | prune.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "volume/volume.h"

/* ---------------------------------------------------------------- create */

enum { VC_DRIVER, VC_LABEL, VC_OPT, VC_NAME };
static const struct cli_opt create_opts[] = {
	[VC_DRIVER] = { "driver", 'd', CLI_ARG, "string", "Specify volume driver name (local)" },
	[VC_LABEL] = { "label", 0, CLI_ARG, "list", "Set metadata for a volume" },
	[VC_OPT] = { "opt", 'o', CLI_ARG, "map", "Set driver specific options (type, device, o)" },
	[VC_NAME] = { "name", 0, CLI_ARG, "string", "Specify volume name" },
	{ 0 },
};

struct create_st {
	struct sv_volume_create_opts o;
	char **labels, **options;
};

static void create_set(int o, const char *a, void *arg)
{
	struct create_st *s = arg;
	if (o == VC_DRIVER)
		s->o.driver = a;
	else if (o == VC_LABEL)
		sv_strv_push(&s->labels, a);
	else if (o == VC_OPT)
		sv_strv_push(&s->options, a);
	else
		s->o.name = a;
}

static int create_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_volume_create = {
	.name = "volume create",
	.usage = "[OPTIONS] [VOLUME]",
	.summary = "Create a volume",
	.opts = create_opts,
	.exec = create_exec,
};

static int create_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct create_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_volume_create, argc, argv, create_set, &s, 0, 1);
	SV_AUTOSTRV char **labels = s.labels;
	SV_AUTOSTRV char **options = s.options;
	if (first < 0)
		return first == -1 ? 0 : 1;
	if (first < argc) {
		if (s.o.name && strcmp(s.o.name, argv[first]) != 0)
			return cli_failf(ctx, 1, "conflicting options: either specify --name or provide positional arg, not both");
		s.o.name = argv[first];
	}
	s.o.labels = labels;
	s.o.options = options;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *v = sv_engine_volume_create(cli_engine(ctx), &s.o, &err);
	if (!v)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "%s\n", sv_json_str(v, "Name"));
	return 0;
}

/* ---------------------------------------------------------------- ls */

enum { VL_FILTER, VL_FORMAT, VL_QUIET };
static const struct cli_opt ls_opts[] = {
	[VL_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Provide filter values (e.g. \"dangling=true\")" },
	[VL_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output using a custom template" },
	[VL_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Only display volume names" },
	{ 0 },
};

static const struct cli_header vol_headers[] = {
	{ "Driver", "DRIVER" }, { "Name", "VOLUME NAME" }, { "Mountpoint", "MOUNTPOINT" }, { "Scope", "SCOPE" },
	{ NULL, NULL },
};

struct ls_st {
	char **filters;
	const char *format;
	bool quiet;
};

static void ls_set(int o, const char *a, void *arg)
{
	struct ls_st *s = arg;
	if (o == VL_FILTER)
		sv_strv_push(&s->filters, a);
	else if (o == VL_FORMAT)
		s->format = a;
	else
		s->quiet = true;
}

static int ls_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_volume_ls = {
	.name = "volume ls",
	.aliases = "volume list",
	.usage = "[OPTIONS]",
	.summary = "List volumes",
	.opts = ls_opts,
	.exec = ls_exec,
};

static int ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ls_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_volume_ls, argc, argv, ls_set, &s, 0, 0);
	SV_AUTOSTRV char **filters = s.filters;
	if (first < 0)
		return first == -1 ? 0 : 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = sv_engine_volume_list(cli_engine(ctx), filters, &err);
	if (!list)
		return cli_fail(ctx, 1, err);
	struct cli_fmt *f = cli_fmt_new(s.quiet ? "{{.Name}}" : s.format, "{{.Driver}}\t{{.Name}}", vol_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	cJSON *it;
	cJSON_ArrayForEach(it, list)
		cli_fmt_row(f, it);
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	return 0;
}

/* ---------------------------------------------------------------- inspect */

static const struct cli_opt inspect_opts[] = {
	{ "format", 'f', CLI_ARG, "string", "Format output using a custom template" },
	{ 0 },
};

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_volume_inspect = {
	.name = "volume inspect",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Display detailed information on one or more volumes",
	.opts = inspect_opts,
	.exec = inspect_exec,
};

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	int first = cli_parse_all(ctx, &cli_cmd_volume_inspect, argc, argv, cli_format_set, &format, 1, -1);
	if (first < 0)
		return first == -1 ? 0 : 1;
	return cli_inspect_objects(ctx, argc, argv, first, format, sv_engine_volume_inspect);
}

/* ---------------------------------------------------------------- rm */

static const struct cli_opt rm_opts[] = {
	{ "force", 'f', CLI_NOARG, NULL, "Force the removal of one or more volumes" },
	{ 0 },
};

static void force_set(int o, const char *a, void *arg)
{
	(void)o, (void)a;
	*(bool *)arg = true;
}

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_volume_rm = {
	.name = "volume rm",
	.aliases = "volume remove",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Remove one or more volumes",
	.opts = rm_opts,
	.exec = rm_exec,
};

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	bool force = false;
	int first = cli_parse_all(ctx, &cli_cmd_volume_rm, argc, argv, force_set, &force, 1, -1);
	if (first < 0)
		return first == -1 ? 0 : 1;
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		if (sv_engine_volume_remove(cli_engine(ctx), argv[i], force, &err) < 0)
			rc = cli_fail(ctx, 1, err);
		else
			fprintf(ctx->out, "%s\n", argv[i]);
	}
	return rc;
}

/* ---------------------------------------------------------------- prune */

enum { VP_ALL, VP_FILTER, VP_FORCE };
static const struct cli_opt prune_opts[] = {
	[VP_ALL] = { "all", 'a', CLI_NOARG, NULL, "Remove all unused volumes, not just anonymous ones" },
	[VP_FILTER] = { "filter", 0, CLI_ARG, "filter", "Provide filter values (e.g. \"label=<label>\")" },
	[VP_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Do not prompt for confirmation" },
	{ 0 },
};

struct prune_st {
	bool all, force;
	char **filters;
};

static void prune_set(int o, const char *a, void *arg)
{
	struct prune_st *s = arg;
	if (o == VP_ALL)
		s->all = true;
	else if (o == VP_FORCE)
		s->force = true;
	else
		sv_strv_push(&s->filters, a);
}

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_volume_prune = {
	.name = "volume prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused local volumes",
	.opts = prune_opts,
	.exec = prune_exec,
};

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct prune_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_volume_prune, argc, argv, prune_set, &s, 0, 0);
	SV_AUTOSTRV char **filters = s.filters;
	if (first < 0)
		return first == -1 ? 0 : 1;
	if (!s.force && !cli_confirm(ctx, s.all ? "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?"
					       : "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?"))
		return 0;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **removed = NULL;
	int64_t reclaimed = 0;
	if (sv_engine_volume_prune(cli_engine(ctx), s.all, filters, &removed, &reclaimed, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (removed[0])
		fputs("Deleted Volumes:\n", ctx->out);
	for (size_t i = 0; removed[i]; i++)
		fprintf(ctx->out, "%s\n", removed[i]);
	char sz[16];
	fprintf(ctx->out, "\nTotal reclaimed space: %s\n", sv_str_human_size(reclaimed, sz, sizeof sz));
	return 0;
}
