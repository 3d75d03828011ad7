/*
 * inspect (and container inspect): containers first, then images, as
 * Docker's CLI falls back from one object type to the next.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

enum { I_FORMAT, I_SIZE, I_TYPE };
static const struct cli_opt inspect_opts[] = {
	[I_FORMAT] = { "format", 'f', CLI_ARG, "string", "Format output using a Go template" },
	[I_SIZE] = { "size", 's', CLI_NOARG, NULL, "Display total file sizes if the type is container" },
	[I_TYPE] = { "type", 0, CLI_ARG, "string", "Return JSON for specified type" },
	{ 0 },
};

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv);
static int container_inspect_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_inspect = {
	.name = "inspect",
	.usage = "[OPTIONS] NAME|ID [NAME|ID...]",
	.summary = "Return low-level information on containers or images",
	.opts = inspect_opts,
	.exec = inspect_exec,
};

const struct cli_cmd cli_cmd_container_inspect = {
	.name = "container inspect",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Display detailed information on one or more containers",
	.opts = inspect_opts,
	.exec = container_inspect_exec,
};

static cJSON *lookup(struct cli_ctx *ctx, const char *name, const char *type, bool size, sv_err **err)
{
	bool any = !type || !*type;
	if (any || strcmp(type, "container") == 0) {
		cJSON *j = sv_engine_container_inspect(cli_engine(ctx), name, size, err);
		if (j || !any || sv_err_code(err) != ENOENT)
			return j;
		sv_err_clear(err);
	}
	if (any || strcmp(type, "image") == 0) {
		cJSON *j = sv_engine_image_inspect(cli_engine(ctx), name, err);
		if (j || !any)
			return j;
		sv_err_clear(err);
	}
	if (!any && strcmp(type, "image") != 0)
		return sv_err_setx(err, EINVAL, "\"%s\" is not a valid value for --type", type), NULL;
	return sv_err_setx(err, ENOENT, "No such object: %s", name), NULL;
}

static int run_inspect(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, const char *force_type)
{
	struct cli_parse p;
	const char *format = NULL, *type = force_type;
	bool size = false;
	int o;
	cli_parse_init(&p, cmd, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == I_FORMAT)
			format = p.arg;
		else if (o == I_SIZE)
			size = true;
		else if (!force_type)
			type = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, cmd, argc - first, 1, -1))
		return 1;
	cJSON *all = cJSON_CreateArray();
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		cJSON *j = lookup(ctx, argv[i], type, size, &err);
		if (!j) {
			fprintf(ctx->err, "Error: %s\n", err->msg);
			rc = 1;
			continue;
		}
		if (!format) {
			cJSON_AddItemToArray(all, j);
			continue;
		}
		char *line = cli_template_render(strcmp(format, "json") == 0 ? "{{json .}}" : format, j, &err);
		cJSON_Delete(j);
		if (!line) {
			cJSON_Delete(all);
			return cli_fail(ctx, 1, err);
		}
		fprintf(ctx->out, "%s\n", line);
		free(line);
	}
	if (!format)
		cli_print_json(ctx->out, all);
	cJSON_Delete(all);
	fflush(ctx->err);
	return rc;
}

static int inspect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return run_inspect(ctx, &cli_cmd_inspect, argc, argv, NULL);
}

static int container_inspect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return run_inspect(ctx, &cli_cmd_container_inspect, argc, argv, "container");
}
