/*
 * network create | ls | inspect | rm | prune | connect | disconnect.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "network/network.h"

int cli_parse_all(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
		     void (*set)(int o, const char *arg, void *st), void *st, int min, int max)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, cmd, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		set(o, p.arg, st);
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? -1 : -2;
	if (cli_want_args(ctx, cmd, argc - first, min, max))
		return -2;
	return first;
}

/* ---------------------------------------------------------------- create */

enum { NC_DRIVER, NC_GATEWAY, NC_INTERNAL, NC_IP_RANGE, NC_LABEL, NC_OPT, NC_SUBNET, NC_MTU };
static const struct cli_opt create_opts[] = {
	[NC_DRIVER] = { "driver", 'd', CLI_ARG, "string", "Driver to manage the Network (bridge)" },
	[NC_GATEWAY] = { "gateway", 0, CLI_ARG, "string", "IPv4 Gateway for the master subnet" },
	[NC_INTERNAL] = { "internal", 0, CLI_NOARG, NULL, "Restrict external access to the network" },
	[NC_IP_RANGE] = { "ip-range", 0, CLI_ARG, "string", "Allocate container ip from a sub-range" },
	[NC_LABEL] = { "label", 0, CLI_ARG, "list", "Set metadata on a network" },
	[NC_OPT] = { "opt", 'o', CLI_ARG, "map", "Set driver specific options" },
	[NC_SUBNET] = { "subnet", 0, CLI_ARG, "string", "Subnet in CIDR format that represents a network segment" },
	[NC_MTU] = { "mtu", 0, CLI_ARG, "int", "Set the MTU of the bridge and its containers' interfaces" },
	{ 0 },
};

struct create_st {
	struct sv_network_create_opts o;
	char **labels, **options;
	const char *mtu;
};

static void create_set(int o, const char *a, void *arg)
{
	struct create_st *s = arg;
	switch (o) {
	case NC_DRIVER: s->o.driver = a; break;
	case NC_GATEWAY: s->o.gateway = a; break;
	case NC_INTERNAL: s->o.internal = true; break;
	case NC_IP_RANGE: s->o.ip_range = a; break;
	case NC_LABEL: sv_strv_push(&s->labels, a); break;
	case NC_OPT: sv_strv_push(&s->options, a); break;
	case NC_SUBNET: s->o.subnet = a; break;
	case NC_MTU: s->mtu = a; break;
	default: break;
	}
}

static int create_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_create = {
	.name = "network create",
	.usage = "[OPTIONS] NETWORK",
	.summary = "Create a network",
	.opts = create_opts,
	.exec = create_exec,
};

static int create_run(struct cli_ctx *ctx, struct create_st *s, const char *name)
{
	int64_t mtu = 0;
	if (s->mtu && !sv_str_to_i64(s->mtu, 68, 65535, &mtu))
		return cli_failf(ctx, 1, "invalid MTU %s", s->mtu);
	s->o.name = name;
	s->o.mtu = (int)mtu;
	s->o.labels = s->labels;
	s->o.options = s->options;
	char id[65];
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_network_create(cli_engine(ctx), &s->o, id, &err) < 0)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "%s\n", id);
	return 0;
}

static int create_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct create_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_network_create, argc, argv, create_set, &s, 1, 1);
	int rc = first < 0 ? (first == -1 ? 0 : 1) : create_run(ctx, &s, argv[first]);
	sv_strv_free(s.labels);
	sv_strv_free(s.options);
	return rc;
}

/* ---------------------------------------------------------------- ls */

enum { NL_FILTER, NL_FORMAT, NL_NOTRUNC, NL_QUIET };
static const struct cli_opt ls_opts[] = {
	[NL_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Provide filter values (e.g. \"driver=bridge\")" },
	[NL_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output using a custom template" },
	[NL_NOTRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Do not truncate the output" },
	[NL_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Only display network IDs" },
	{ 0 },
};

static const struct cli_header net_headers[] = {
	{ "ID", "NETWORK ID" }, { "Name", "NAME" }, { "Driver", "DRIVER" }, { "Scope", "SCOPE" },
	{ "Internal", "INTERNAL" }, { "CreatedAt", "CREATED" }, { NULL, NULL },
};

struct ls_st {
	char **filters;
	const char *format;
	bool notrunc, quiet;
};

static void ls_set(int o, const char *a, void *arg)
{
	struct ls_st *s = arg;
	if (o == NL_FILTER)
		sv_strv_push(&s->filters, a);
	else if (o == NL_FORMAT)
		s->format = a;
	else if (o == NL_NOTRUNC)
		s->notrunc = true;
	else if (o == NL_QUIET)
		s->quiet = true;
}

static int ls_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_ls = {
	.name = "network ls",
	.aliases = "network list",
	.usage = "[OPTIONS]",
	.summary = "List networks",
	.opts = ls_opts,
	.exec = ls_exec,
};

static int ls_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ls_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_network_ls, argc, argv, ls_set, &s, 0, 0);
	SV_AUTOSTRV char **filters = s.filters;
	if (first < 0)
		return first == -1 ? 0 : 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = sv_engine_network_list(cli_engine(ctx), filters, &err);
	if (!list)
		return cli_fail(ctx, 1, err);
	struct cli_fmt *f = cli_fmt_new(s.quiet ? "{{.ID}}" : s.format, "{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
					net_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		cJSON *row = cJSON_CreateObject();
		char id[13];
		const char *full = sv_json_str(it, "Id");
		cJSON_AddStringToObject(row, "ID", s.notrunc ? full : cli_short_id(full, id));
		cJSON_AddStringToObject(row, "Name", sv_json_str(it, "Name"));
		cJSON_AddStringToObject(row, "Driver", sv_json_str(it, "Driver"));
		cJSON_AddStringToObject(row, "Scope", "local");
		cJSON_AddStringToObject(row, "Internal", sv_json_bool(it, "Internal", false) ? "true" : "false");
		cJSON_AddStringToObject(row, "CreatedAt", sv_json_str(it, "Created"));
		cli_fmt_row(f, row);
		cJSON_Delete(row);
	}
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	return 0;
}

/* ---------------------------------------------------------------- inspect */

enum { NI_FORMAT };
static const struct cli_opt inspect_opts[] = {
	[NI_FORMAT] = { "format", 'f', CLI_ARG, "string", "Format output using a custom template" },
	{ 0 },
};

void cli_format_set(int o, const char *a, void *arg)
{
	(void)o;
	*(const char **)arg = a;
}

int cli_inspect_objects(struct cli_ctx *ctx, int argc, char **argv, int first, const char *format,
			struct cJSON *(*get)(sv_engine *e, const char *name, sv_err **err))
{
	SV_AUTOJSON cJSON *all = cJSON_CreateArray();
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		cJSON *o = get(cli_engine(ctx), argv[i], &err);
		if (!o) {
			rc = cli_fail(ctx, 1, err);
			continue;
		}
		if (format) {
			SV_AUTOFREE char *t = cli_template_render(format, o, &err);
			cJSON_Delete(o);
			if (!t)
				return cli_fail(ctx, 1, err);
			fprintf(ctx->out, "%s\n", t);
			continue;
		}
		cJSON_AddItemToArray(all, o);
	}
	if (!format)
		cli_print_json(ctx->out, all);
	return rc;
}

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_inspect = {
	.name = "network inspect",
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.summary = "Display detailed information on one or more networks",
	.opts = inspect_opts,
	.exec = inspect_exec,
};

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	int first = cli_parse_all(ctx, &cli_cmd_network_inspect, argc, argv, cli_format_set, &format, 1, -1);
	if (first < 0)
		return first == -1 ? 0 : 1;
	return cli_inspect_objects(ctx, argc, argv, first, format, sv_engine_network_inspect);
}

/* ---------------------------------------------------------------- rm */

static void no_set(int o, const char *a, void *arg)
{
	(void)o, (void)a, (void)arg;
}

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv);
static const struct cli_opt no_opts[] = { { 0 } };
const struct cli_cmd cli_cmd_network_rm = {
	.name = "network rm",
	.aliases = "network remove",
	.usage = "NETWORK [NETWORK...]",
	.summary = "Remove one or more networks",
	.opts = no_opts,
	.exec = rm_exec,
};

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int first = cli_parse_all(ctx, &cli_cmd_network_rm, argc, argv, no_set, NULL, 1, -1);
	if (first < 0)
		return first == -1 ? 0 : 1;
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		if (sv_engine_network_remove(cli_engine(ctx), argv[i], &err) < 0)
			rc = cli_fail(ctx, 1, err);
		else
			fprintf(ctx->out, "%s\n", argv[i]);
	}
	return rc;
}

/* ---------------------------------------------------------------- prune */

enum { NP_FILTER, NP_FORCE };
static const struct cli_opt prune_opts[] = {
	[NP_FILTER] = { "filter", 0, CLI_ARG, "filter", "Provide filter values (e.g. \"label=<key>=<value>\")" },
	[NP_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Do not prompt for confirmation" },
	{ 0 },
};

struct prune_st {
	char **filters;
	bool force;
};

static void prune_set(int o, const char *a, void *arg)
{
	struct prune_st *s = arg;
	if (o == NP_FILTER)
		sv_strv_push(&s->filters, a);
	else
		s->force = true;
}

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_prune = {
	.name = "network prune",
	.usage = "[OPTIONS]",
	.summary = "Remove all unused networks",
	.opts = prune_opts,
	.exec = prune_exec,
};

static int prune_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct prune_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_network_prune, argc, argv, prune_set, &s, 0, 0);
	SV_AUTOSTRV char **filters = s.filters;
	if (first < 0)
		return first == -1 ? 0 : 1;
	if (!s.force && !cli_confirm(ctx, "WARNING! This will remove all custom networks not used by at least one container.\n"
					  "Are you sure you want to continue?"))
		return 0;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **removed = NULL;
	if (sv_engine_network_prune(cli_engine(ctx), filters, &removed, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (removed[0])
		fputs("Deleted Networks:\n", ctx->out);
	for (size_t i = 0; removed[i]; i++)
		fprintf(ctx->out, "%s\n", removed[i]);
	return 0;
}

/* ---------------------------------------------------------------- connect */

enum { NCN_ALIAS, NCN_IP };
static const struct cli_opt connect_opts[] = {
	[NCN_ALIAS] = { "alias", 0, CLI_ARG, "strings", "Add network-scoped alias for the container" },
	[NCN_IP] = { "ip", 0, CLI_ARG, "string", "IPv4 address (e.g., 172.30.100.104)" },
	{ 0 },
};

struct connect_st {
	char **aliases;
	const char *ip;
};

static void connect_set(int o, const char *a, void *arg)
{
	struct connect_st *s = arg;
	if (o == NCN_ALIAS)
		sv_strv_push(&s->aliases, a);
	else
		s->ip = a;
}

static int connect_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_connect = {
	.name = "network connect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Connect a container to a network",
	.opts = connect_opts,
	.exec = connect_exec,
};

static int connect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct connect_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_network_connect, argc, argv, connect_set, &s, 2, 2);
	SV_AUTOSTRV char **aliases = s.aliases;
	if (first < 0)
		return first == -1 ? 0 : 1;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_network_connect(cli_engine(ctx), argv[first], argv[first + 1], aliases, s.ip, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

enum { ND_FORCE };
static const struct cli_opt disconnect_opts[] = {
	[ND_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Force the container to disconnect from a network" },
	{ 0 },
};

static void force_set(int o, const char *a, void *arg)
{
	(void)o, (void)a;
	*(bool *)arg = true;
}

static int disconnect_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_network_disconnect = {
	.name = "network disconnect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Disconnect a container from a network",
	.opts = disconnect_opts,
	.exec = disconnect_exec,
};

static int disconnect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	bool force = false;
	int first = cli_parse_all(ctx, &cli_cmd_network_disconnect, argc, argv, force_set, &force, 2, 2);
	if (first < 0)
		return first == -1 ? 0 : 1;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_network_disconnect(cli_engine(ctx), argv[first], argv[first + 1], force, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}
