/*
 * top and port.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

static const struct cli_opt no_opts[] = { { 0 } };

static int top_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_top = {
	.name = "top",
	.aliases = "container top",
	.usage = "CONTAINER [ps OPTIONS]",
	.summary = "Display the running processes of a container",
	.opts = no_opts,
	.flags = CLI_CMD_POSIX,
	.exec = top_exec,
};

static char *row_line(const cJSON *row)
{
	SV_AUTOSTRV char **cells = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, row)
		sv_strv_push(&cells, cJSON_IsString(it) ? it->valuestring : "");
	return cells ? sv_strv_join(cells, "\t") : sv_xstrdup("");
}

static int top_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, &cli_cmd_top, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_top, argc - first, 1, -1))
		return 1;
	SV_AUTOFREE char *ps_args = argc - first > 1 ? sv_strv_join(argv + first + 1, " ") : NULL;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *top = sv_engine_container_top(cli_engine(ctx), argv[first], ps_args, &err);
	if (!top)
		return cli_fail(ctx, 1, err);
	SV_AUTOSTRV char **lines = NULL;
	sv_strv_push_take(&lines, row_line(sv_json_arr(top, "Titles")));
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(top, "Processes"))
		sv_strv_push_take(&lines, row_line(it));
	cli_tabwrite(ctx->out, lines);
	return 0;
}

/* ---------------------------------------------------------------- port */

static int port_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_port = {
	.name = "port",
	.aliases = "container port",
	.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
	.summary = "List port mappings or a specific mapping for the container",
	.opts = no_opts,
	.exec = port_exec,
};

static int port_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, &cli_cmd_port, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_port, argc - first, 1, 2))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **ports = sv_engine_container_ports(cli_engine(ctx), argv[first], &err);
	if (!ports)
		return cli_fail(ctx, 1, err);
	const char *want = argc - first == 2 ? argv[first + 1] : NULL;
	bool found = false;
	for (size_t i = 0; ports[i]; i++) {
		/* "80/tcp -> 0.0.0.0:8080" */
		if (want) {
			size_t n = strlen(want);
			if (strncmp(ports[i], want, n) != 0 || (ports[i][n] != ' ' && ports[i][n] != '/'))
				continue;
			const char *arrow = strstr(ports[i], "-> ");
			fprintf(ctx->out, "%s\n", arrow ? arrow + 3 : ports[i]);
		} else {
			fprintf(ctx->out, "%s\n", ports[i]);
		}
		found = true;
	}
	if (want && !found)
		return cli_failf(ctx, 1, "No public port '%s' published for %s", want, argv[first]);
	return 0;
}
