/*
 * `servin batch FILE|-`: run a script of servin commands (app/cli/batch.c
 * has the syntax), stopping at the first failure unless --keep-going.
 */
#include "batch.h"

static int batch_exec(struct cli_ctx *ctx, int argc, char **argv);

enum { B_KEEP, B_JSON };
static const struct cli_opt batch_opts[] = {
	[B_KEEP] = { "keep-going", 'k', CLI_NOARG, NULL, "Run every command, even after one fails" },
	[B_JSON] = { "json", 0, CLI_NOARG, NULL, "Print one JSON result per command" },
	{ 0 },
};

const struct cli_cmd cli_cmd_batch = {
	.name = "batch",
	.usage = "[OPTIONS] FILE|-",
	.summary = "Run a script of servin commands, one per line",
	.opts = batch_opts,
	.flags = CLI_CMD_NO_ENGINE,
	.exec = batch_exec,
};

static int batch_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	struct cli_batch_opts o = { 0 };
	int opt;
	cli_parse_init(&p, &cli_cmd_batch, argc, argv);
	while ((opt = cli_parse_next(ctx, &p)) >= 0) {
		if (opt == B_KEEP)
			o.keep_going = true;
		else if (opt == B_JSON)
			o.json = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (opt < -1)
		return opt == -3 ? 0 : 1;
	int rc = cli_want_args(ctx, &cli_cmd_batch, argc - first, 1, 1);
	if (rc)
		return rc;
	if (ctx->in_batch)
		return cli_failf(ctx, 125, "batch scripts cannot start another batch or shell");
	return cli_batch_file(ctx, argv[first], &o);
}
