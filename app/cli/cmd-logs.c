/*
 * logs: the container's json-file log, stdout entries to our stdout and
 * stderr entries to our stderr, as Docker's CLI prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { L_DETAILS, L_FOLLOW, L_SINCE, L_TAIL, L_TIMESTAMPS, L_UNTIL };
static const struct cli_opt logs_opts[] = {
	[L_DETAILS] = { "details", 0, CLI_NOARG, NULL, "Show extra details provided to logs" },
	[L_FOLLOW] = { "follow", 'f', CLI_NOARG, NULL, "Follow log output" },
	[L_SINCE] = { "since", 0, CLI_ARG, "string", "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\")" },
	[L_TAIL] = { "tail", 'n', CLI_ARG, "string", "Number of lines to show from the end of the logs (default \"all\")" },
	[L_TIMESTAMPS] = { "timestamps", 't', CLI_NOARG, NULL, "Show timestamps" },
	[L_UNTIL] = { "until", 0, CLI_ARG, "string", "Show logs before a timestamp or relative (e.g. \"42m\")" },
	{ 0 },
};

static int logs_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_logs = {
	.name = "logs",
	.aliases = "container logs",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Fetch the logs of a container",
	.opts = logs_opts,
	.exec = logs_exec,
};

struct out {
	struct cli_ctx *ctx;
	bool timestamps, follow;
};

static int print_entry(int stream, int64_t time_ns, const char *data, size_t len, void *arg)
{
	struct out *o = arg;
	FILE *f = stream == 2 ? o->ctx->err : o->ctx->out;
	if (o->timestamps) {
		char ts[64];
		fprintf(f, "%s ", sv_time_rfc3339(time_ns, ts, sizeof ts));
	}
	if (fwrite(data, 1, len, f) != len)
		return -1;
	if (o->follow || stream == 2)
		fflush(f);
	return 0;
}

static int parse_time(struct cli_ctx *ctx, const char *v, int64_t *out)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_time_parse(v, sv_time_now_ns(), out, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

static int logs_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	struct sv_log_opts lo = { .stdout_ = true, .stderr_ = true, .tail = -1 };
	struct out out = { .ctx = ctx };
	int o, bad = 0;
	cli_parse_init(&p, &cli_cmd_logs, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0 && !bad) {
		switch (o) {
		case L_FOLLOW: lo.follow = true; break;
		case L_SINCE: bad = parse_time(ctx, p.arg, &lo.since_ns); break;
		case L_UNTIL: bad = parse_time(ctx, p.arg, &lo.until_ns); break;
		case L_TIMESTAMPS: out.timestamps = true; break;
		case L_TAIL:
			if (strcmp(p.arg, "all") != 0 && !sv_str_to_i64(p.arg, -1, INT64_MAX, &lo.tail))
				bad = cli_failf(ctx, 1, "invalid tail value: %s", p.arg);
			break;
		default: break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1 || bad)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_logs, argc - first, 1, 1))
		return 1;
	out.follow = lo.follow;
	fflush(ctx->out);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_container_logs(cli_engine(ctx), argv[first], &lo, print_entry, &out, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}
