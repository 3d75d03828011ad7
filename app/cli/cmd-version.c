/*
 * `servin version` and `servin help`.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli.h"

static int version_exec(struct cli_ctx *ctx, int argc, char **argv);

static const struct cli_opt version_opts[] = {
	{ "format", 'f', CLI_ARG, "string", "format the output: json" },
	{ 0 },
};

const struct cli_cmd cli_cmd_version = {
	.name = "version",
	.usage = "[OPTIONS]",
	.summary = "Show the servin version information",
	.opts = version_opts,
	.flags = CLI_CMD_NO_ENGINE,
	.exec = version_exec,
};

static int version_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	int o, rc = 0;
	cli_parse_init(&p, &cli_cmd_version, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		format = p.arg;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	struct utsname u;
	uname(&u);
	if (format && strcmp(format, "json") == 0) {
		fprintf(ctx->out,
			"{\"Version\":\"%s\",\"GitCommit\":\"%s\",\"ApiVersion\":\"%s\","
			"\"Os\":\"linux\",\"Arch\":\"%s\",\"KernelVersion\":\"%s\"}\n",
			SV_VERSION, SV_GITREV, SV_ENGINE_API_VERSION, sv_engine_arch(), u.release);
		return rc;
	}
	fprintf(ctx->out,
		"Version:      %s\n"
		"Git commit:   %s\n"
		"API version:  %s (minimum %s)\n"
		"OS/Arch:      linux/%s\n"
		"Kernel:       %s\n",
		SV_VERSION, SV_GITREV, SV_ENGINE_API_VERSION, SV_ENGINE_API_MIN_VERSION, sv_engine_arch(),
		u.release);
	return rc;
}

static int help_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc > 1) {
		int consumed;
		const struct cli_cmd *c = cli_cmd_find(argc - 1, argv + 1, &consumed);
		if (!c)
			return cli_failf(ctx, 1, "unknown command \"%s\"", argv[1]);
		cli_usage(ctx, c, ctx->out);
		return 0;
	}
	for (size_t i = 0; cli_cmds[i]; i++) {
		const struct cli_cmd *c = cli_cmds[i];
		if (!(c->flags & CLI_CMD_HIDDEN))
			fprintf(ctx->out, "  %-18s %s\n", c->name, c->summary ? c->summary : "");
	}
	return 0;
}

const struct cli_cmd cli_cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "Help about any command",
	.flags = CLI_CMD_NO_ENGINE,
	.exec = help_exec,
};
