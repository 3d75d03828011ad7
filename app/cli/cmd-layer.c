/*
 * `servin layer unpack FILE|- DIR`: one layer through the same unpacker as
 * pull and load. Hidden: for diagnosis and for the unpack benchmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int layer_unpack_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_layer_unpack = {
	.name = "layer unpack",
	.usage = "FILE|- DIR",
	.summary = "Unpack one image layer into an empty directory (diagnostics)",
	.flags = CLI_CMD_NO_ENGINE | CLI_CMD_HIDDEN,
	.exec = layer_unpack_exec,
};

static int layer_unpack_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, &cli_cmd_layer_unpack, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_layer_unpack, argc - first, 2, 2))
		return 1;
	const char *src = argv[first];
	SV_AUTOCLOSE int fd = strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0)
		return cli_failf(ctx, 1, "open %s: %s", src, strerror(errno));
	SV_AUTOERR sv_err *err = NULL;
	struct sv_layer_stats st;
	if (sv_engine_unpack_layer(fd, argv[first + 1], &st, &err) < 0)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "%s %lld entries %lld bytes\n", st.diff_id, (long long)st.entries, (long long)st.bytes);
	return 0;
}
