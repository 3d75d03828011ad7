/*
 * ps (container ls) and container prune.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

enum { PS_ALL, PS_FILTER, PS_FORMAT, PS_LAST, PS_LATEST, PS_NOTRUNC, PS_QUIET, PS_SIZE };
static const struct cli_opt ps_opts[] = {
	[PS_ALL] = { "all", 'a', CLI_NOARG, NULL, "Show all containers (default shows just running)" },
	[PS_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Filter output based on conditions provided" },
	[PS_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: table, json, or a Go template" },
	[PS_LAST] = { "last", 'n', CLI_ARG, "int", "Show n last created containers (includes all states)" },
	[PS_LATEST] = { "latest", 'l', CLI_NOARG, NULL, "Show the latest created container (includes all states)" },
	[PS_NOTRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Don't truncate output" },
	[PS_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Only display container IDs" },
	[PS_SIZE] = { "size", 's', CLI_NOARG, NULL, "Display total file sizes" },
	{ 0 },
};

static const struct cli_header ps_headers[] = {
	{ "ID", "CONTAINER ID" }, { "Image", "IMAGE" },	    { "Command", "COMMAND" },
	{ "RunningFor", "CREATED" }, { "CreatedAt", "CREATED AT" }, { "Status", "STATUS" },
	{ "Ports", "PORTS" },	  { "Names", "NAMES" },	    { "Size", "SIZE" },
	{ "State", "STATE" },	  { "Labels", "LABELS" },   { "Mounts", "MOUNTS" },
	{ "Networks", "NETWORKS" }, { "LocalVolumes", "LOCAL VOLUMES" }, { NULL, NULL },
};

static int ps_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_ps = {
	.name = "ps",
	.aliases = "container ls|container list|container ps",
	.usage = "[OPTIONS]",
	.summary = "List containers",
	.opts = ps_opts,
	.exec = ps_exec,
};

static char *labels_text(const cJSON *labels)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const cJSON *it;
	cJSON_ArrayForEach(it, labels)
		if (cJSON_IsString(it))
			sv_buf_addf(&b, "%s%s=%s", b.len ? "," : "", it->string, it->valuestring);
	return sv_buf_detach(&b, NULL);
}

/* Docker's PORTS column: "127.0.0.1:8080->80/tcp, 0.0.0.0:32768->80/tcp". */
static char *ports_text(const cJSON *ports)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const cJSON *p;
	cJSON_ArrayForEach(p, ports)
		sv_buf_addf(&b, "%s%s:%lld->%lld/%s", b.len ? ", " : "", sv_json_str(p, "IP"),
			    (long long)sv_json_i64(p, "PublicPort", 0), (long long)sv_json_i64(p, "PrivatePort", 0),
			    sv_json_str(p, "Type"));
	return sv_buf_detach(&b, NULL);
}

static cJSON *ps_row(const struct sv_container_summary *s, bool notrunc)
{
	char buf[64];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", notrunc ? s->id : cli_short_id(s->id, (char[13]){ 0 }));
	cJSON_AddStringToObject(o, "Image", s->image);
	SV_AUTOFREE char *cmd = sv_xasprintf("\"%s\"", s->command);
	if (!notrunc && strlen(s->command) > 20)
		cmd = (free(cmd), sv_xasprintf("\"%.19s…\"", s->command));
	cJSON_AddStringToObject(o, "Command", cmd);
	cJSON_AddStringToObject(o, "CreatedAt", cli_time_go(s->created, buf, sizeof buf));
	cJSON_AddStringToObject(o, "RunningFor", cli_time_ago(s->created, buf, sizeof buf));
	cJSON_AddStringToObject(o, "Status", s->status);
	cJSON_AddStringToObject(o, "State", sv_container_state_name(s->state));
	SV_AUTOFREE char *ports = ports_text(s->ports);
	cJSON_AddStringToObject(o, "Ports", ports);
	cJSON_AddStringToObject(o, "Names", s->name);
	SV_AUTOFREE char *labels = labels_text(s->labels);
	cJSON_AddStringToObject(o, "Labels", labels);
	cJSON_AddStringToObject(o, "Mounts", "");
	cJSON_AddStringToObject(o, "Networks", s->network_mode);
	cJSON_AddStringToObject(o, "LocalVolumes", "0");
	if (s->size_rw >= 0) {
		char a[16], b[16];
		snprintf(buf, sizeof buf, "%s (virtual %s)", sv_str_human_size(s->size_rw, a, sizeof a),
			 sv_str_human_size(s->size_root_fs, b, sizeof b));
		cJSON_AddStringToObject(o, "Size", buf);
	} else {
		cJSON_AddStringToObject(o, "Size", "0B");
	}
	return o;
}

static int ps_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	struct sv_container_list_opts lo = { 0 };
	bool notrunc = false, quiet = false;
	const char *format = NULL;
	SV_AUTOSTRV char **filters = NULL;
	int o, bad = 0;
	cli_parse_init(&p, &cli_cmd_ps, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		int64_t n;
		switch (o) {
		case PS_ALL: lo.all = true; break;
		case PS_FILTER: sv_strv_push(&filters, p.arg); break;
		case PS_FORMAT: format = p.arg; break;
		case PS_LAST:
			if (!sv_str_to_i64(p.arg, -1, 1 << 30, &n))
				bad = cli_failf(ctx, 1, "invalid argument \"%s\" for \"-n, --last\" flag", p.arg);
			lo.last = (int)n;
			break;
		case PS_LATEST: lo.last = 1; break;
		case PS_NOTRUNC: notrunc = true; break;
		case PS_QUIET: quiet = true; break;
		case PS_SIZE: lo.size = true; break;
		default: break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1 || bad)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_ps, argc - first, 0, 0))
		return 1;
	lo.filters = filters;
	const char *table = lo.size ? "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
				    : "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
	SV_AUTOERR sv_err *err = NULL;
	struct cli_fmt *f = cli_fmt_new(quiet ? "{{.ID}}" : format, table, ps_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	struct sv_container_summary *v;
	size_t n;
	if (sv_engine_containers(cli_engine(ctx), &lo, &v, &n, &err) < 0) {
		cli_fmt_free(f);
		return cli_fail(ctx, 1, err);
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *row = ps_row(&v[i], notrunc);
		cli_fmt_row(f, row);
		cJSON_Delete(row);
	}
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	sv_container_summaries_free(v, n);
	return 0;
}

/* ---------------------------------------------------------------- prune */

static const struct cli_opt prune_opts[] = {
	{ "filter", 0, CLI_ARG, "filter", "Provide filter values (e.g. \"until=<timestamp>\")" },
	{ "force", 'f', CLI_NOARG, NULL, "Do not prompt for confirmation" },
	{ 0 },
};

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_container_prune = {
	.name = "container prune",
	.usage = "[OPTIONS]",
	.summary = "Remove all stopped containers",
	.opts = prune_opts,
	.exec = prune_exec,
};

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool force = false;
	SV_AUTOSTRV char **filters = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_container_prune, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == 0)
			sv_strv_push(&filters, p.arg);
		else
			force = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_container_prune, argc - first, 0, 0))
		return 1;
	if (!force && !cli_confirm(ctx, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?"))
		return 0;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **deleted = NULL;
	int64_t reclaimed = 0;
	if (sv_engine_container_prune(cli_engine(ctx), filters, &deleted, &reclaimed, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (deleted[0]) {
		fputs("Deleted Containers:\n", ctx->out);
		for (size_t i = 0; deleted[i]; i++)
			fprintf(ctx->out, "%s\n", deleted[i]);
		fputc('\n', ctx->out);
	}
	char sz[16];
	fprintf(ctx->out, "Total reclaimed space: %s\n", sv_str_human_size(reclaimed, sz, sizeof sz));
	return 0;
}
